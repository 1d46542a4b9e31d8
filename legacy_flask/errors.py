"""Errors as the API contract wants them: `{"error": "..."}` for /api and /auth, always.

Views raise `ApiError(status, message)`; the handlers here also turn Werkzeug's HTTP
exceptions (unknown path, wrong method, body too large) and unexpected crashes into that
shape. HTML pages keep Flask's default error pages.
"""

from __future__ import annotations

import logging
from typing import Any

from flask import Flask, Response, jsonify, request
from sqlalchemy.exc import DBAPIError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from werkzeug.exceptions import HTTPException, InternalServerError, ServiceUnavailable

from legacy_flask.services.upstream import UpstreamError
from shared_models.database import DATABASE_UNAVAILABLE, is_unavailable
from shared_models.json_rules import BadInput

logger = logging.getLogger(__name__)

JSON_PATH_PREFIXES = ("/api/", "/auth/")

# The contract's wording for the errors Werkzeug raises before a view runs.
HTTP_ERROR_MESSAGES = {
    400: "Bad request",
    401: "Authentication required",
    403: "Forbidden",
    404: "Not found",
    405: "Method not allowed",
    413: "Request body too large",
    415: "Unsupported media type",
    500: "Internal server error",
}


class ApiError(BadInput):
    """An error answer: `{"error": message, **extra}` with `status`. The shared rules
    raise its base, BadInput, which is answered the same way."""

    def __init__(self, status: int, message: str, **extra: Any) -> None:
        super().__init__(status, message)
        self.extra = extra

    def to_response(self) -> Response:
        response = jsonify({"error": self.message, **self.extra})
        response.status_code = self.status
        return response


def wants_json_errors(path: str) -> bool:
    return path == "/api" or path.startswith(JSON_PATH_PREFIXES)


def error_response(status: int, message: str) -> Response:
    return ApiError(status, message).to_response()


def _handle_bad_input(error: BadInput) -> Response:
    if isinstance(error, ApiError):
        return error.to_response()
    return error_response(error.status, error.message)


def _handle_upstream_error(error: UpstreamError) -> Response:
    logger.warning("%s", error)
    return error_response(502, f"{error.service} request failed")


def _handle_http_exception(error: HTTPException) -> Response | HTTPException:
    if not wants_json_errors(request.path) or error.code is None:
        return error
    message = HTTP_ERROR_MESSAGES.get(error.code, error.name)
    response = error_response(error.code, message)
    # Keep what the exception says beyond its body: Allow on a 405, Content-Range on a 416.
    for name, value in error.get_headers():
        if name.lower() not in ("content-type", "content-length"):
            response.headers[name] = value
    return response


def _handle_database_error(error: Exception) -> Response | HTTPException:
    if not is_unavailable(error):
        return _handle_unexpected(error)
    logger.error("database unavailable on %s %s: %s", request.method, request.path, error)
    if wants_json_errors(request.path):
        return error_response(503, DATABASE_UNAVAILABLE)
    return ServiceUnavailable()


def _handle_unexpected(error: Exception) -> Response | HTTPException:
    # Flask hands HTTPExceptions to their own handler; this one only sees real crashes.
    logger.exception("unhandled error on %s %s", request.method, request.path, exc_info=error)
    if wants_json_errors(request.path):
        return error_response(500, HTTP_ERROR_MESSAGES[500])
    return InternalServerError()


def register_error_handlers(app: Flask) -> None:
    app.register_error_handler(BadInput, _handle_bad_input)
    app.register_error_handler(UpstreamError, _handle_upstream_error)
    app.register_error_handler(HTTPException, _handle_http_exception)
    app.register_error_handler(DBAPIError, _handle_database_error)
    app.register_error_handler(PoolTimeout, _handle_database_error)
    app.register_error_handler(Exception, _handle_unexpected)
