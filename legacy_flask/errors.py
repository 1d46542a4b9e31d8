"""Errors as the API contract wants them: `{"error": "..."}` for /api and /auth, always.

Views raise `ApiError(status, message)`; the handlers here also turn Werkzeug's HTTP
exceptions (unknown path, wrong method, body too large) and unexpected crashes into that
shape. Everywhere else a browser gets the product's own error page (web_ui's error.html).
"""

from __future__ import annotations

import logging
from typing import Any

from flask import Flask, Response, jsonify, render_template, request
from sqlalchemy.exc import DBAPIError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from werkzeug.exceptions import HTTPException

from legacy_flask.services.upstream import UpstreamError
from shared_models.database import DATABASE_UNAVAILABLE, is_unavailable
from shared_models.json_rules import BadInput
from web_ui.error_pages import ERROR_PAGE_TEMPLATE, error_page_context

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


def error_page(status: int) -> Response:
    """MVidarr's HTML error page for `status`."""
    html = render_template(ERROR_PAGE_TEMPLATE, **error_page_context(status))
    return Response(html, status=status, mimetype="text/html")


def _keep_headers(response: Response, error: HTTPException) -> Response:
    # Keep what the exception says beyond its body: Allow on a 405, Content-Range on a 416.
    for name, value in error.get_headers():
        if name.lower() not in ("content-type", "content-length"):
            response.headers[name] = value
    return response


def _handle_upstream_error(error: UpstreamError) -> Response:
    logger.warning("%s", error)
    return error_response(502, f"{error.service} request failed")


def _handle_http_exception(error: HTTPException) -> Response | HTTPException:
    if error.code is None:
        return error
    if not wants_json_errors(request.path):
        return _keep_headers(error_page(error.code), error)
    message = HTTP_ERROR_MESSAGES.get(error.code, error.name)
    return _keep_headers(error_response(error.code, message), error)


def _handle_database_error(error: Exception) -> Response:
    if not is_unavailable(error):
        return _handle_unexpected(error)
    logger.error("database unavailable on %s %s: %s", request.method, request.path, error)
    if wants_json_errors(request.path):
        return error_response(503, DATABASE_UNAVAILABLE)
    return error_page(503)


def _handle_unexpected(error: Exception) -> Response:
    # Flask hands HTTPExceptions to their own handler; this one only sees real crashes.
    logger.exception("unhandled error on %s %s", request.method, request.path, exc_info=error)
    if wants_json_errors(request.path):
        return error_response(500, HTTP_ERROR_MESSAGES[500])
    return error_page(500)


def register_error_handlers(app: Flask) -> None:
    app.register_error_handler(BadInput, _handle_bad_input)
    app.register_error_handler(UpstreamError, _handle_upstream_error)
    app.register_error_handler(HTTPException, _handle_http_exception)
    app.register_error_handler(DBAPIError, _handle_database_error)
    app.register_error_handler(PoolTimeout, _handle_database_error)
    app.register_error_handler(Exception, _handle_unexpected)
