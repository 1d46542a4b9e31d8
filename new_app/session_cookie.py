"""The shared `mvidarr_session` cookie, read and written the way the legacy app does it.

The payload format is `shared_models.session_cookie.SessionCodec` (both apps use it), and
the bookkeeping follows Flask's cookie session: a request that looked at the session gets
`Vary: Cookie`; a changed session rewrites the cookie (valid MAX_AGE from then on); an
emptied one (logout, a stale user) clears it; an untouched one leaves it alone. The
Set-Cookie header is written attribute for attribute as Flask writes it, so a browser
cannot tell which app answered.
"""

from __future__ import annotations

import time
from email.utils import formatdate
from typing import Any

from starlette.datastructures import MutableHeaders
from starlette.requests import HTTPConnection
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from shared_models.access_policy import session_cookie_value
from shared_models.session_cookie import CookieAttributes, SessionCodec

SCOPE_KEY = "mvidarr.session"
EXPIRED = "Thu, 01 Jan 1970 00:00:00 GMT"


class CookieSession:
    """One request's session data, with what happened to it."""

    def __init__(self, data: dict[str, Any]) -> None:
        self._data = data
        self.accessed = False
        self.modified = False

    def get(self, key: str) -> Any:
        self.accessed = True
        return self._data.get(key)

    def replace(self, data: dict[str, Any]) -> None:
        """Start a new session holding `data` (login), or an empty one (logout)."""
        self.accessed = self.modified = True
        self._data = dict(data)

    def clear(self) -> None:
        self.replace({})

    @property
    def data(self) -> dict[str, Any]:
        return dict(self._data)


def current_session(connection: HTTPConnection) -> CookieSession:
    return connection.scope[SCOPE_KEY]


def set_cookie_header(attributes: CookieAttributes, value: str, max_age: int) -> str:
    expires = EXPIRED if max_age == 0 else formatdate(time.time() + max_age, usegmt=True)
    parts = [
        f"{attributes.name}={value}",
        f"Expires={expires}",
        f"Max-Age={max_age}",
        *(["HttpOnly"] if attributes.httponly else []),
        f"Path={attributes.path}",
        f"SameSite={attributes.samesite}",
    ]
    return "; ".join(parts)


class SharedSessionMiddleware:
    def __init__(
        self, app: ASGIApp, codec: SessionCodec, attributes: CookieAttributes | None = None
    ) -> None:
        self.app = app
        self.codec = codec
        self.attributes = attributes or CookieAttributes()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        session = CookieSession(self.codec.loads(self.cookie_value(scope)))
        scope[SCOPE_KEY] = session

        async def send_with_cookie(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                if session.accessed:
                    add_vary_cookie(headers)
                if session.modified:
                    headers.append("set-cookie", self.cookie_header(session))
            await send(message)

        await self.app(scope, receive, send_with_cookie)

    def cookie_value(self, scope: Scope) -> str | None:
        headers = [value.decode("latin-1") for name, value in scope["headers"] if name == b"cookie"]
        return session_cookie_value(headers, self.attributes.name)

    def cookie_header(self, session: CookieSession) -> str:
        data = session.data
        if not data:
            return set_cookie_header(self.attributes, "", 0)
        return set_cookie_header(self.attributes, self.codec.dumps(data), self.attributes.max_age)


def add_vary_cookie(headers: MutableHeaders) -> None:
    present = [item.strip().lower() for item in headers.get("vary", "").split(",") if item]
    if "cookie" not in present:
        headers["vary"] = ", ".join([*filter(None, [headers.get("vary")]), "Cookie"])
