"""One error family for every caller: the API maps it to HTTP, the UI to a toast or to the
fields of a form."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any, TypeVar

T = TypeVar("T")


class DomainError(Exception):
    status = 400
    code = "invalid"
    # When True, `transaction()` commits what was written before the error instead of rolling back.
    commit_before_raise = False

    def __init__(
        self, message: str, *, code: str | None = None, details: dict[str, Any] | None = None
    ) -> None:
        super().__init__(message)
        self.message = message
        if code:
            self.code = code
        self.details = details or {}


class InvalidInput(DomainError):
    status = 422
    code = "invalid_input"

    def __init__(
        self,
        message: str,
        *,
        field: str | None = None,
        code: str | None = None,
        details: dict[str, Any] | None = None,
    ) -> None:
        merged = dict(details or {})
        if field:
            merged["field"] = field
        super().__init__(message, code=code, details=merged)
        self.field = field


class FieldErrors(InvalidInput):
    """Several fields of one request are wrong: all are reported at once, each with its field,
    code and message, so a form can show every one under its field on the first submit."""

    code = "invalid_fields"

    def __init__(self, errors: Sequence[DomainError]) -> None:
        fields = ", ".join(str(e.details.get("field")) for e in errors)
        super().__init__(f"check these fields: {fields}")
        self.errors = list(errors)


def field_parts(error: DomainError) -> list[tuple[str, DomainError]]:
    """The fields an error names, each with its own error: every part of a FieldErrors, the
    one field of another error, nothing for an error that names no field."""
    parts = error.errors if isinstance(error, FieldErrors) else [error]
    return [(str(p.details["field"]), p) for p in parts if p.details.get("field")]


class FieldCheck:
    """Collects the field errors of one request: `value = check(lambda: clean(...))` per field
    (None when it failed), then `check.raise_any()`: one error is raised as it is (its own code
    and status), several as one FieldErrors. Errors that name no field are raised at once."""

    def __init__(self) -> None:
        self.errors: list[DomainError] = []

    def __call__(self, work: Callable[[], T]) -> T | None:
        try:
            return work()
        except DomainError as exc:
            if not field_parts(exc):
                raise
            self.errors.extend(exc.errors if isinstance(exc, FieldErrors) else [exc])
            return None

    def add(self, error: DomainError) -> None:
        self.errors.append(error)

    def raise_any(self) -> None:
        if len(self.errors) == 1:
            raise self.errors[0]
        if self.errors:
            raise FieldErrors(self.errors)


class NotAuthenticated(DomainError):
    status = 401
    code = "not_authenticated"


class RefreshTokenReused(NotAuthenticated):
    code = "refresh_token_reused"
    commit_before_raise = True


class PermissionDenied(DomainError):
    status = 403
    code = "permission_denied"


class NotFound(DomainError):
    status = 404
    code = "not_found"


class Conflict(DomainError):
    status = 409
    code = "conflict"


class PayloadTooLarge(DomainError):
    status = 413
    code = "too_large"


class UnsupportedMedia(DomainError):
    status = 415
    code = "unsupported_media"


class RateLimited(DomainError):
    status = 429
    code = "rate_limited"

    def __init__(self, message: str, *, retry_after: int) -> None:
        super().__init__(message, details={"retry_after": retry_after})
        self.retry_after = retry_after
