"""Redirect answers with the small HTML body browsers show while they follow them (the
same body the legacy app sends, so a client cannot tell the two apart)."""

from __future__ import annotations

from markupsafe import escape
from starlette.responses import HTMLResponse


def redirect_response(location: str, status: int = 302) -> HTMLResponse:
    html_location = escape(location)
    body = (
        "<!doctype html>\n"
        "<html lang=en>\n"
        "<title>Redirecting...</title>\n"
        "<h1>Redirecting...</h1>\n"
        "<p>You should be redirected automatically to the target URL: "
        f'<a href="{html_location}">{html_location}</a>. If not, click the link.\n'
    )
    return HTMLResponse(body, status_code=status, headers={"Location": location})
