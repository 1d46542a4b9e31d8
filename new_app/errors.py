"""Errors as the API contract wants them: `{"error": "..."}` for /api and /auth, always.

Endpoints raise `ApiError(status, message)`. The handlers here also give the router's own
misses (unknown path, wrong method) and unexpected crashes that shape. Everywhere else a
browser gets the product's own error page (web_ui's error.html, as the legacy app renders
it), rendered once when the app starts so that answering an error never renders a template.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.templating import Jinja2Templates
from starlette.exceptions import HTTPException
from starlette.responses import HTMLResponse, JSONResponse, Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from new_app.services.upstream import UpstreamError
from new_app.unmatched import answer_unmatched
from shared_models.database import DATABASE_UNAVAILABLE, is_unavailable
from shared_models.json_rules import BadInput
from web_ui.error_pages import ERROR_PAGE_STATUSES, ERROR_PAGE_TEMPLATE, error_page_context

logger = logging.getLogger(__name__)

JSON_PATH_PREFIXES = ("/api/", "/auth/")

# The contract's wording for errors raised before an endpoint runs.
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

# Before the runtime is up (or without one), a page path's error is still HTML.
BARE_ERROR_PAGE = (
    "<!doctype html>\n<html lang=en>\n<title>{status}</title>\n<h1>Error {status}</h1>\n"
)


class ApiError(BadInput):
    """An error answer: `{"error": message, **extra}` with `status` (and extra headers).
    The shared rules raise its base, BadInput, which is answered the same way."""

    def __init__(
        self,
        status: int,
        message: str,
        *,
        headers: Mapping[str, str] | None = None,
        **extra: Any,
    ) -> None:
        super().__init__(status, message)
        self.headers = dict(headers or {})
        self.extra = extra

    def to_response(self) -> JSONResponse:
        return error_json(self.status, self.message, headers=self.headers, **self.extra)


def error_json(
    status: int, message: str, *, headers: Mapping[str, str] | None = None, **extra: Any
) -> JSONResponse:
    return JSONResponse({"error": message, **extra}, status_code=status, headers=headers)


def render_error_pages(templates: Jinja2Templates) -> dict[int, str]:
    """Every error page the app may answer, rendered ahead (call it off the event loop)."""
    template = templates.get_template(ERROR_PAGE_TEMPLATE)
    return {status: template.render(**error_page_context(status)) for status in ERROR_PAGE_STATUSES}


def error_html(scope: Scope, status: int, headers: Mapping[str, str] | None = None) -> HTMLResponse:
    runtime = getattr(getattr(scope.get("app"), "state", None), "runtime", None)
    pages: Mapping[int, str] = getattr(runtime, "error_pages", {})
    body = pages.get(status) or BARE_ERROR_PAGE.format(status=status)
    return HTMLResponse(body, status_code=status, headers=headers)


def wants_json_errors(path: str) -> bool:
    return path == "/api" or path.startswith(JSON_PATH_PREFIXES)


def error_response(scope: Scope, status: int, headers: Mapping[str, str] | None = None) -> Response:
    """The contract's error for `status`: JSON under /api and /auth, HTML elsewhere."""
    if wants_json_errors(scope["path"]):
        message = HTTP_ERROR_MESSAGES.get(status, HTTP_ERROR_MESSAGES[400])
        return error_json(status, message, headers=headers)
    return error_html(scope, status, headers)


def bad_input_response(error: BadInput) -> JSONResponse:
    if isinstance(error, ApiError):
        return error.to_response()
    return error_json(error.status, error.message)


async def handle_bad_input(_request: Request, error: Exception) -> Response:
    assert isinstance(error, BadInput)
    return bad_input_response(error)


async def handle_upstream_error(_request: Request, error: Exception) -> Response:
    """IMVDb or MusicBrainz let us down (unreachable, too slow, 5xx, garbage): a 502."""
    assert isinstance(error, UpstreamError)
    logger.warning("%s", error)
    return error_json(502, f"{error.service} request failed")


async def handle_http_exception(request: Request, error: Exception) -> Response:
    """The router's misses (404/405, answered the legacy way: 308 to the slashed URL,
    OPTIONS, Allow), and the few HTTP errors Starlette raises itself."""
    assert isinstance(error, HTTPException)
    if error.status_code in (404, 405):
        return answer_unmatched(request, error.status_code, error_response)
    return error_response(request.scope, error.status_code, error.headers)


async def handle_validation_error(request: Request, _error: Exception) -> Response:
    # Endpoints parse their own input with the contract's messages; this only guards
    # against FastAPI's default 422 body ever reaching a client.
    return error_response(request.scope, 400)


def register_error_handlers(app: FastAPI) -> None:
    app.add_exception_handler(BadInput, handle_bad_input)
    app.add_exception_handler(UpstreamError, handle_upstream_error)
    app.add_exception_handler(HTTPException, handle_http_exception)
    app.add_exception_handler(RequestValidationError, handle_validation_error)


class UnexpectedErrors:
    """Outermost middleware: a crash anywhere (an endpoint, a dependency, another
    middleware) is logged and answered 500 in the contract's shape, not re-raised."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        response_started = False

        async def tracking_send(message: Message) -> None:
            nonlocal response_started
            if message["type"] == "http.response.start":
                response_started = True
            await send(message)

        try:
            await self.app(scope, receive, tracking_send)
        except Exception as error:
            if response_started:
                # Too late for an error answer; the server closes the connection.
                logger.exception("unhandled error on %s %s", scope["method"], scope["path"])
                raise
            await self.answer(scope, error)(scope, receive, send)

    @staticmethod
    def answer(scope: Scope, error: Exception) -> Response:
        path = scope["path"]
        if is_unavailable(error):
            logger.error("database unavailable on %s %s: %s", scope["method"], path, error)
            if wants_json_errors(path):
                return error_json(503, DATABASE_UNAVAILABLE)
            return error_html(scope, 503)
        logger.exception("unhandled error on %s %s", scope["method"], path, exc_info=error)
        return error_response(scope, 500)
