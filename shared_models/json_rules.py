"""What a JSON request body may be, for both apps: one parser and its limits.

`parse_json_body(raw)` turns the bytes into a Python value or raises `BadInput` with the
contract's status and message. Beyond plain JSON it refuses what the apps cannot store or
what costs too much to walk: NaN/Infinity, nesting deeper than MAX_JSON_DEPTH, text holding
an unpaired surrogate (not encodable as UTF-8: the database driver would fail) or a NUL
(C strings, file paths and MariaDB text all choke on it).
"""

from __future__ import annotations

import json
import re
from typing import Any

INVALID_JSON = "Invalid JSON body"
TOO_DEEP = "JSON body is nested too deeply"
BAD_TEXT = "JSON text must be valid Unicode without NUL characters"
TOO_LARGE = "Request body too large"
NOT_JSON_TYPE = "Content-Type must be application/json"

# JSON request bodies are small; anything bigger is a mistake or an attack.
MAX_BODY_BYTES = 1024 * 1024
# The deepest real body is two levels (an object holding a list); 32 leaves room.
MAX_JSON_DEPTH = 32
# Database ids are signed 64-bit integers on every backend.
MAX_ID = 2**63 - 1


class BadInput(ValueError):
    """A request the client must change: answered `status` with `{"error": message}`."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


def is_json_type(media_type: str) -> bool:
    """`application/json` or any `application/*+json` (media type without parameters)."""
    return media_type == "application/json" or (
        media_type.startswith("application/") and media_type.endswith("+json")
    )


def reject_constant(name: str) -> Any:
    """NaN and Infinity are not JSON, though Python's parser takes them."""
    raise ValueError(f"{name} is not valid JSON")


def is_clean_text(text: str) -> bool:
    """No NUL and no unpaired surrogate (so it encodes as UTF-8)."""
    if "\x00" in text:
        return False
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def check_value(value: Any) -> None:
    """Walk a parsed value without recursion: depth, and every key and string clean."""
    pending: list[tuple[Any, int]] = [(value, 1)]
    while pending:
        item, depth = pending.pop()
        if isinstance(item, str):
            if not is_clean_text(item):
                raise BadInput(400, BAD_TEXT)
        elif isinstance(item, dict | list):
            if depth > MAX_JSON_DEPTH:
                raise BadInput(400, TOO_DEEP)
            if isinstance(item, dict):
                pending += [(key, depth) for key in item]
                pending += [(child, depth + 1) for child in item.values()]
            else:
                pending += [(child, depth + 1) for child in item]


def parse_json_body(raw: bytes) -> Any:
    """The parsed body; BadInput for anything the apps refuse (see the module's doc)."""
    if len(raw) > MAX_BODY_BYTES:
        raise BadInput(413, TOO_LARGE)
    try:
        value = json.loads(raw, parse_constant=reject_constant)
    except RecursionError:
        raise BadInput(400, TOO_DEEP) from None
    except (ValueError, UnicodeDecodeError):
        raise BadInput(400, INVALID_JSON) from None
    check_value(value)
    return value


def is_valid_id(value: object) -> bool:
    """A database id: an int (not a bool) in 1..MAX_ID."""
    return isinstance(value, int) and not isinstance(value, bool) and 1 <= value <= MAX_ID


_DIGITS = re.compile(r"[0-9]+")
MAX_ID_DIGITS = len(str(MAX_ID))


def is_out_of_range_id(segment: str) -> bool:
    """A path segment of ASCII digits that no id can be (above MAX_ID): such a path
    names nothing, on every database (SQLite cannot even compare it with an id)."""
    if not _DIGITS.fullmatch(segment):
        return False
    return len(segment.lstrip("0")) > MAX_ID_DIGITS or int(segment) > MAX_ID


def has_out_of_range_id(path: str) -> bool:
    return any(is_out_of_range_id(segment) for segment in path.split("/"))


def query_text(name: str, value: str) -> str | None:
    """A text query parameter, trimmed; blank is None; a NUL is a 400 (see BAD_TEXT)."""
    if "\x00" in value:
        raise BadInput(400, f"{name} must not contain NUL characters")
    return value.strip() or None
