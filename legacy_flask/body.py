"""Reading JSON request bodies: one reader for "is this a JSON object at all" (the parsing
rules are shared_models.json_rules; the field rules shared_models.body_rules).
"""

from __future__ import annotations

from typing import Any

from flask import request

from legacy_flask.errors import ApiError
from legacy_flask.query_params import parse_video_status
from shared_models.body_rules import (  # noqa: F401 (the rules views use)
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
from shared_models.json_rules import INVALID_JSON, NOT_JSON_TYPE, parse_json_body


def json_body(*, optional: bool = False) -> dict[str, Any]:
    """The body as a JSON object. An empty body is `{}` when `optional`, else a 400."""
    raw = request.get_data(cache=True)
    if not raw.strip():
        if optional:
            return {}
        raise ApiError(400, INVALID_JSON)
    # Only JSON content types: a cross-site HTML form cannot send one without a preflight.
    if not request.is_json:
        raise ApiError(415, NOT_JSON_TYPE)
    body = parse_json_body(raw)
    if not isinstance(body, dict):
        raise ApiError(400, INVALID_JSON)
    return body


def video_status() -> Rule:
    return lambda name, value: parse_video_status(value, name)
