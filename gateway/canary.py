"""Sticky canary buckets: which users a `canary: N` route sends to its backend.

A user's bucket is a stable hash of the user key, 0-9999, the same for every route, worker,
host and restart; a route with `canary: N` sends buckets below `N x 100` to its backend and
the others to the default one. Raising N therefore only ever moves users from the default
backend to the route's, and a user in the canary of one route is in the canary of every
route with the same or a larger N, so the application looks the same to them throughout.

The user key is the application's user id when the table names a hook that finds one
(`users.hook`), else the gateway's own first-party cookie (`users.cookie`), which the
gateway sets on the first response when the client has none.
"""

from __future__ import annotations

import hashlib
import inspect
import logging
import os
import re
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass

from gateway.cookies import Headers, cookie_value, request_cookies
from gateway.importing import ImportStringError, import_object
from gateway.schema import Users

logger = logging.getLogger("mvgate.canary")

BUCKETS = 10_000
COOKIE_VALUE = re.compile(r"^[0-9a-f]{32}$")
# The hook runs on the event loop for every request to a canary route: it must be cheap and
# must not block (decoding a signed session cookie is fine; a database query is not).
UserHook = Callable[[Mapping[str, str]], "str | int | None"]


_HASH = hashlib.blake2b(digest_size=8, person=b"mvgate-canary")


def bucket_of(user_key: str) -> int:
    hasher = _HASH.copy()  # cheaper than building one with its parameters each time
    hasher.update(user_key.encode())
    return int.from_bytes(hasher.digest(), "big") % BUCKETS


def in_canary(user_key: str, percent: float) -> bool:
    return bucket_of(user_key) < percent * (BUCKETS // 100)


def new_cookie_value() -> str:
    return os.urandom(16).hex()


@dataclass(frozen=True, slots=True)
class UserKey:
    key: str
    set_cookie: bytes | None  # a Set-Cookie value to add to the response, for a new user


class UserKeys:
    """Finds the user key of a request (`users:` of the table)."""

    def __init__(self, spec: Users, hook: UserHook | None) -> None:
        self.spec = spec
        self.cookie = spec.cookie.encode("latin-1")
        self.hook = hook
        self._hook_failed_at = float("-inf")
        self._attributes = f"; Max-Age={spec.max_age}; Path=/; HttpOnly; SameSite=Lax"

    def of(self, headers: Headers, secure: bool) -> UserKey:
        known = self.known(headers)
        if known is not None:
            return UserKey(known, None)
        value = new_cookie_value()
        header = f"{self.spec.cookie}={value}{self._attributes}" + ("; Secure" if secure else "")
        return UserKey(f"cookie:{value}", header.encode("latin-1"))

    def known(self, headers: Headers) -> str | None:
        """The user key when the request carries one, without minting a cookie (rate limits
        by user: a client without a key is counted by address instead)."""
        if self.hook is not None:
            user = self._call_hook(request_cookies(headers))
            if user is not None and user != "":
                return f"user:{user}"
        value = cookie_value(headers, self.cookie)
        if value is not None and COOKIE_VALUE.match(value):
            return f"cookie:{value}"
        return None

    def _call_hook(self, cookies: Mapping[str, str]) -> str | int | None:
        assert self.hook is not None
        try:
            return self.hook(cookies)
        except Exception:
            # A broken hook must not break requests: the cookie still buckets the user.
            # Logged once a minute at most: it would fail on every request.
            now = time.monotonic()
            if now - self._hook_failed_at > 60:
                self._hook_failed_at = now
                logger.exception("users.hook %r raised; using the gateway's cookie", self.spec.hook)
            return None


def load_hook(spec: Users) -> UserHook | None:
    """Import the table's user hook (blocking: call it off the event loop)."""
    if spec.hook is None:
        return None
    hook = import_object(spec.hook)
    if not callable(hook) or inspect.iscoroutinefunction(hook):
        raise ImportStringError(
            f"{spec.hook!r} must be a plain function (cookies) -> user id or None"
        )
    return hook  # type: ignore[no-any-return]
