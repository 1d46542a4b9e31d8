"""Reading JSON request bodies: one reader for "is this a JSON object at all", and small
field rules that check and convert one value each, with the contract's 400 messages.

Errors come one at a time, in a fixed order clients can rely on: unknown fields first,
then missing required fields, then the first bad value in the order the rules are listed.
Endpoints call `json_body(request)` first thing, as the legacy views do, so the order of
"bad body" versus "unknown id" is the same on both apps.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Mapping
from typing import Any
from urllib.parse import urlsplit

from starlette.exceptions import HTTPException
from starlette.requests import Request

from new_app.errors import ApiError
from new_app.query import parse_video_status

INVALID_JSON = "Invalid JSON body"
# JSON request bodies are small; anything bigger is a mistake or an attack.
MAX_BODY_BYTES = 1024 * 1024
FORM_TYPES = ("application/x-www-form-urlencoded", "multipart/form-data")

# A rule takes (field name, raw value) and returns the converted value or raises ApiError.
Rule = Callable[[str, Any], Any]


def mimetype(request: Request) -> str:
    """The Content-Type without parameters, lower case (`application/json`)."""
    return request.headers.get("content-type", "").split(";", 1)[0].strip().lower()


def is_json_type(media_type: str) -> bool:
    return media_type == "application/json" or (
        media_type.startswith("application/") and media_type.endswith("+json")
    )


async def read_body(request: Request) -> bytes:
    """The raw body, refused with 413 past MAX_BODY_BYTES (announced or actual size)."""
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > MAX_BODY_BYTES:
        raise ApiError(413, "Request body too large")
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > MAX_BODY_BYTES:
            raise ApiError(413, "Request body too large")
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
        raise ApiError(415, "Content-Type must be application/json")
    try:
        body = json.loads(raw, parse_constant=reject_constant)
    except (ValueError, UnicodeDecodeError):
        raise ApiError(400, INVALID_JSON) from None
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


def reject_constant(name: str) -> Any:
    """NaN and Infinity are not JSON, though Python's parser takes them."""
    raise ValueError(f"{name} is not valid JSON")


def validate(
    body: Mapping[str, Any], rules: Mapping[str, Rule], required: Iterable[str] = ()
) -> dict[str, Any]:
    """Check `body` against `rules`; the result holds only the fields the body gave."""
    for name in body:
        if name not in rules:
            raise ApiError(400, f"unknown field '{name}'")
    for name in required:
        if body.get(name) is None:
            raise ApiError(400, f"{name} is required")
    return {name: rule(name, body[name]) for name, rule in rules.items() if name in body}


def text(max_length: int = 255, *, nullable: bool = False) -> Rule:
    """A string (trimmed); empty means null where null is allowed."""

    def rule(name: str, value: Any) -> str | None:
        if value is None and nullable:
            return None
        if not isinstance(value, str):
            raise ApiError(400, f"{name} must be a string")
        value = value.strip()
        if not value:
            if nullable:
                return None
            raise ApiError(400, f"{name} must not be empty")
        if len(value) > max_length:
            raise ApiError(400, f"{name} must be at most {max_length} characters")
        return value

    return rule


def integer(minimum: int, maximum: int, *, nullable: bool = False) -> Rule:
    def rule(name: str, value: Any) -> int | None:
        if value is None and nullable:
            return None
        # bool is an int subclass in Python; `true` is not a year.
        if not isinstance(value, int) or isinstance(value, bool):
            raise ApiError(400, f"{name} must be an integer")
        if not minimum <= value <= maximum:
            raise ApiError(400, f"{name} must be an integer between {minimum} and {maximum}")
        return value

    return rule


def boolean() -> Rule:
    def rule(name: str, value: Any) -> bool:
        if not isinstance(value, bool):
            raise ApiError(400, f"{name} must be true or false")
        return value

    return rule


def string_list(max_items: int = 50, max_length: int = 100) -> Rule:
    """A list of non-empty strings, trimmed, duplicates dropped (order kept)."""

    def rule(name: str, value: Any) -> list[str]:
        if value is None:
            return []
        if not isinstance(value, list) or len(value) > max_items:
            raise ApiError(400, f"{name} must be a list of at most {max_items} strings")
        items: list[str] = []
        for item in value:
            if not isinstance(item, str) or not item.strip() or len(item) > max_length:
                raise ApiError(400, f"{name} must be a list of at most {max_items} strings")
            if item.strip() not in items:
                items.append(item.strip())
        return items

    return rule


def id_list(max_items: int = 1000) -> Rule:
    """A non-empty list of positive integer ids, as given (duplicates kept)."""

    def rule(name: str, value: Any) -> list[int]:
        if (
            not isinstance(value, list)
            or not value
            or len(value) > max_items
            or not all(isinstance(item, int) and not isinstance(item, bool) for item in value)
            or not all(item > 0 for item in value)
        ):
            raise ApiError(400, f"{name} must be a non-empty list of integer ids")
        return list(value)

    return rule


def identifier(max_length: int = 64) -> Rule:
    """An upstream id (IMVDb, MusicBrainz): a string or an integer, stored as text."""

    def rule(name: str, value: Any) -> str | None:
        if value is None:
            return None
        if isinstance(value, int) and not isinstance(value, bool):
            value = str(value)
        if not isinstance(value, str) or len(value.strip()) > max_length:
            raise ApiError(400, f"{name} must be a string or an integer")
        return value.strip() or None

    return rule


def http_url(max_length: int = 500) -> Rule:
    def rule(name: str, value: Any) -> str | None:
        if value is None or value == "":
            return None
        if not isinstance(value, str) or len(value) > max_length:
            raise ApiError(400, f"{name} must be an http or https URL")
        try:
            parts = urlsplit(value.strip())
            host = parts.hostname
        except ValueError:  # e.g. "http://[oops": not a URL at all
            raise ApiError(400, f"{name} must be an http or https URL") from None
        if parts.scheme not in ("http", "https") or not host:
            raise ApiError(400, f"{name} must be an http or https URL")
        return value.strip()

    return rule


def passthrough() -> Rule:
    """Any JSON value, unchanged: for fields whose check depends on more than the value."""
    return lambda _name, value: value


def video_status() -> Rule:
    return lambda name, value: parse_video_status(value, name)


def one_of(choices: Mapping[str, Any]) -> Rule:
    """A lower-case word from `choices` (given in any case), mapped to its value."""

    def rule(name: str, value: Any) -> Any:
        if isinstance(value, str) and value.strip().lower() in choices:
            return choices[value.strip().lower()]
        raise ApiError(400, f"invalid {name} '{value}'")

    return rule
