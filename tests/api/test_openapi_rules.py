"""The OpenAPI schema says what the code refuses: every operation documents its error answers,
and no request string is unbounded. The fuzzer (test_fuzz_api.py) checks the answers; these
rules keep each new operation from starting out looser than the code behind it."""

from __future__ import annotations

from typing import Any

import pytest

from socialhub.api.app import create_api

SCHEMA = create_api().openapi()
OPERATIONS = [
    pytest.param(method.upper(), path, operation, id=f"{method.upper()} {path}")
    for path, methods in SCHEMA["paths"].items()
    for method, operation in methods.items()
]
ERROR_REF = "#/components/schemas/ErrorResponse"


def resolve(schema: dict[str, Any]) -> dict[str, Any]:
    while "$ref" in schema:
        name = schema["$ref"].rsplit("/", 1)[-1]
        schema = SCHEMA["components"]["schemas"][name]
    return schema


def request_strings(operation: dict[str, Any]) -> list[tuple[str, dict[str, Any]]]:
    """Every string a client sends in the query or the body, with its schema."""
    found: list[tuple[str, dict[str, Any]]] = []

    def visit(name: str, schema: dict[str, Any]) -> None:
        schema = resolve(schema)
        variants = schema.get("anyOf", [schema])
        for variant in variants:
            variant = resolve(variant)
            if variant.get("type") == "string" and "contentMediaType" not in variant:
                found.append((name, {**schema, **variant}))
            elif variant.get("type") == "array":
                visit(f"{name}[]", variant["items"])
            elif variant.get("type") == "object":
                for key, sub in variant.get("properties", {}).items():
                    visit(f"{name}.{key}", sub)

    for parameter in operation.get("parameters", []):
        if parameter["in"] == "query":
            visit(parameter["name"], parameter["schema"])
    for content in operation.get("requestBody", {}).get("content", {}).values():
        visit("body", content["schema"])
    return found


@pytest.mark.parametrize(("method", "path", "operation"), OPERATIONS)
def test_every_error_answer_is_documented(method: str, path: str, operation: Any) -> None:
    responses = operation["responses"]
    takes_input = bool(operation.get("parameters") or operation.get("requestBody"))
    if takes_input:
        assert "422" in responses, "an operation with input documents 422"
    if operation.get("security"):
        assert "401" in responses, "an operation behind a token documents 401"
    if any(p["in"] == "path" for p in operation.get("parameters", [])):
        assert "404" in responses, "an operation on an object by id documents 404"
    for status, answer in responses.items():
        if status.startswith("4"):
            body = answer["content"]["application/json"]["schema"]
            assert body == {"$ref": ERROR_REF}, f"{status} is an error body"


@pytest.mark.parametrize(("method", "path", "operation"), OPERATIONS)
def test_no_request_string_is_unbounded(method: str, path: str, operation: Any) -> None:
    bounded = {"maxLength", "pattern", "enum", "format", "const"}
    loose = [name for name, schema in request_strings(operation) if not bounded & set(schema)]
    assert not loose, f"give these a maxLength, pattern, enum or format: {loose}"
