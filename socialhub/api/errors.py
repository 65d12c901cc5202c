"""Every API error is `{"error": {"code", "message", "details"}}` with a fitting status."""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field
from starlette.exceptions import HTTPException as StarletteHTTPException

from socialhub.domain.errors import DomainError, RateLimited, field_parts


class FieldError(BaseModel):
    field: str
    code: str
    message: str


class ErrorBody(BaseModel):
    code: str
    message: str
    details: dict[str, Any] = {}
    errors: list[FieldError] | None = Field(
        default=None,
        description="The wrong fields, each with its own code and message: every one of them "
        "on 422 `invalid_fields` (several fields wrong at once), the one field otherwise when "
        "the error names a field.",
    )


class ErrorResponse(BaseModel):
    error: ErrorBody


def error_response(
    status: int,
    code: str,
    message: str,
    details: dict[str, Any] | None = None,
    errors: list[dict[str, str]] | None = None,
) -> JSONResponse:
    error: dict[str, Any] = {"code": code, "message": message, "details": details or {}}
    if errors:
        error["errors"] = errors
    return JSONResponse({"error": error}, status_code=status)


def field_errors(exc: DomainError) -> list[dict[str, str]]:
    """`error.errors`: every field a domain error names, with its code and message."""
    return [
        {"field": field, "code": part.code, "message": part.message}
        for field, part in field_parts(exc)
    ]


async def _domain_error(_request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, DomainError)
    response = error_response(
        exc.status, exc.code, exc.message, exc.details, errors=field_errors(exc)
    )
    if isinstance(exc, RateLimited):
        response.headers["Retry-After"] = str(exc.retry_after)
    if exc.status == 401:
        response.headers["WWW-Authenticate"] = "Bearer"
    return response


# Query parameters that carry a page position (`bad_cursor` when malformed, as the domain says).
CURSOR_PARAMS = {"cursor", "before", "after", "since"}


async def _validation_error(_request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    errors = [
        {
            "loc": [str(p) for p in e.get("loc", ())],
            "msg": str(e.get("msg", "")),
            "type": e.get("type"),
        }
        for e in exc.errors()
    ]
    if any(
        e["type"] == "json_invalid" or (e["loc"] == ["body"] and e["type"] != "missing")
        for e in errors
    ):
        return error_response(400, "malformed_json", "the request body is not valid JSON")
    cursors = {
        e["loc"][-1] for e in errors if e["loc"][:1] == ["query"] and e["type"] != "missing"
    } & CURSOR_PARAMS
    if cursors and len(errors) == 1:
        # The documented pattern refuses it before the domain would: the same answer either way.
        field = cursors.pop()
        return error_response(422, "bad_cursor", "bad cursor", {"field": field})
    missing = [e["loc"][-1] for e in errors if e["type"] == "missing"]
    if missing:
        return error_response(
            422,
            "missing_field",
            f"missing field: {', '.join(missing)}",
            {"fields": missing},
            errors=[
                {"field": name, "code": "missing", "message": "this field is required"}
                for name in missing
            ],
        )
    return error_response(422, "validation_error", "the request is not valid", {"errors": errors})


async def _http_error(_request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, StarletteHTTPException)
    codes = {404: "not_found", 405: "method_not_allowed", 401: "not_authenticated"}
    code = codes.get(exc.status_code, "http_error")
    response = error_response(exc.status_code, code, str(exc.detail))
    for key, value in (exc.headers or {}).items():
        response.headers[key] = value
    return response


def install_error_handlers(app: FastAPI) -> None:
    app.add_exception_handler(DomainError, _domain_error)
    app.add_exception_handler(RequestValidationError, _validation_error)
    app.add_exception_handler(StarletteHTTPException, _http_error)


ERROR_RESPONSES: dict[int | str, dict[str, Any]] = {
    status: {"model": ErrorResponse, "description": text}
    for status, text in {
        400: "Malformed request",
        401: "Not authenticated",
        403: "Forbidden",
        404: "Not found",
        409: "Conflict",
        413: "Too large",
        415: "Unsupported media",
        422: "Invalid input (`invalid_fields`: several fields at once, see `error.errors`)",
        429: "Rate limited (see Retry-After)",
    }.items()
}
ERROR_RESPONSES[429]["headers"] = {
    "Retry-After": {
        "description": "seconds to wait before trying again",
        "schema": {"type": "integer"},
    }
}
