"""OpenAPI notes for input the endpoints read themselves.

Endpoints parse query strings and JSON bodies with the contract's own rules and messages
(`new_app.query`, `new_app.body`) rather than FastAPI's validation, whose 422 answers are
not the contract. These helpers still list that input in the OpenAPI document:

    @router.get("/", openapi_extra=described(query={"limit": "1-500, default 50"}))
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any


def described(
    *,
    query: Mapping[str, str] | None = None,
    body: Mapping[str, str] | None = None,
    required: Sequence[str] = (),
    body_optional: bool = False,
) -> dict[str, Any]:
    """`openapi_extra` for an endpoint: query parameters and JSON body fields, each with a
    short description of what it takes."""
    extra: dict[str, Any] = {}
    if query:
        extra["parameters"] = [
            {
                "name": name,
                "in": "query",
                "required": name in required,
                "schema": {"type": "string"},
                "description": description,
            }
            for name, description in query.items()
        ]
    if body is not None:
        schema: dict[str, Any] = {
            "type": "object",
            "additionalProperties": False,
            "properties": {name: {"description": text} for name, text in body.items()},
        }
        body_required = [name for name in required if name in body]
        if body_required:
            schema["required"] = body_required
        extra["requestBody"] = {
            "required": not body_optional,
            "content": {"application/json": {"schema": schema}},
        }
    return extra


PAGE_QUERY = {
    "page": "page number, 1 or more (default 1)",
    "per_page": "items per page, 1-200 (default 50)",
}
OFFSET_QUERY = {
    "limit": "items per page, 1-500 (default 50)",
    "offset": "items to skip, 0 or more (default 0)",
}
