"""Reading JSON request bodies: one reader for "is this a JSON object at all" (the parsing
rules are shared_models.json_rules; the field rules shared_models.body_rules).
Endpoints call `json_body(request)` first thing, as the legacy views do, so the order of
"bad body" versus "unknown id" is the same on both apps.
"""

from __future__ import annotations

from typing import Any

from starlette.exceptions import HTTPException
from starlette.requests import Request

from new_app.errors import ApiError
from new_app.query import parse_video_status
from shared_models.body_rules import (  # noqa: F401 (the rules endpoints use)
    Rule,
    boolean,
    http_url,
    id_list,
    identifier,
    integer,
    one_of,
    passthrough,
    string_list,
    text,
    validate,
)
from shared_models.json_rules import (
    INVALID_JSON,
    MAX_BODY_BYTES,
    NOT_JSON_TYPE,
    TOO_LARGE,
    is_json_type,
    parse_json_body,
)

FORM_TYPES = ("application/x-www-form-urlencoded", "multipart/form-data")


def mimetype(request: Request) -> str:
    """The Content-Type without parameters, lower case (`application/json`)."""
    return request.headers.get("content-type", "").split(";", 1)[0].strip().lower()


async def read_body(request: Request) -> bytes:
    """The raw body, refused with 413 past MAX_BODY_BYTES (announced or actual size)."""
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > MAX_BODY_BYTES:
        raise ApiError(413, TOO_LARGE)
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > MAX_BODY_BYTES:
            raise ApiError(413, TOO_LARGE)
        chunks.append(chunk)
    body = b"".join(chunks)
    # Starlette keeps a read body here, so request.form() can still parse it.
    request._body = body
    return body


async def json_body(request: Request, *, optional: bool = False) -> dict[str, Any]:
    """The body as a JSON object. An empty body is `{}` when `optional`, else a 400."""
    raw = await read_body(request)
    if not raw.strip():
        if optional:
            return {}
        raise ApiError(400, INVALID_JSON)
    # Only JSON content types: a cross-site HTML form cannot send one without a preflight.
    if not is_json_type(mimetype(request)):
        raise ApiError(415, NOT_JSON_TYPE)
    body = parse_json_body(raw)
    if not isinstance(body, dict):
        raise ApiError(400, INVALID_JSON)
    return body


async def form_or_json_body(request: Request) -> dict[str, Any]:
    """A form post's fields (first value of each), or else an optional JSON object."""
    if mimetype(request) in FORM_TYPES:
        await read_body(request)
        try:
            form = await request.form()
        except HTTPException:
            # A form that does not parse has no fields (as Flask reads it).
            return {}
        try:
            return {key: form.getlist(key)[0] for key in form}
        finally:
            await form.close()
    return await json_body(request, optional=True)


def video_status() -> Rule:
    return lambda name, value: parse_video_status(value, name)
