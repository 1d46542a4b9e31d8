"""The `mvidarr_session` cookie: one format, read and written by both apps.

Flask's own cookie session uses itsdangerous with a tagged-JSON serializer that only Flask
ships; the new app must not import Flask. So both apps use this codec: a timed, signed,
URL-safe JSON payload keyed by SECRET_KEY. Legacy Flask plugs it in as its
SessionInterface; the FastAPI app reads and writes it directly.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from typing import Any

from itsdangerous import BadSignature, URLSafeTimedSerializer

COOKIE_NAME = "mvidarr_session"
COOKIE_PATH = "/"
COOKIE_SAMESITE = "Lax"
MAX_AGE_SECONDS = 14 * 24 * 3600
_SALT = "mvidarr-session"


@dataclass(frozen=True)
class CookieAttributes:
    """Attributes both apps put on Set-Cookie, so a browser cannot tell who wrote it."""

    name: str = COOKIE_NAME
    path: str = COOKIE_PATH
    samesite: str = COOKIE_SAMESITE
    httponly: bool = True
    max_age: int = MAX_AGE_SECONDS


class SessionCodec:
    def __init__(self, secret_key: str, max_age: int = MAX_AGE_SECONDS) -> None:
        self.max_age = max_age
        self.serializer = URLSafeTimedSerializer(
            secret_key,
            salt=_SALT,
            serializer=json,
            signer_kwargs={"key_derivation": "hmac", "digest_method": hashlib.sha256},
        )

    def dumps(self, data: dict[str, Any]) -> str:
        return self.serializer.dumps(data)

    def loads(self, cookie_value: str | None) -> dict[str, Any]:
        """The session data, or an empty dict for a missing, forged or expired cookie."""
        if not cookie_value:
            return {}
        try:
            data = self.serializer.loads(cookie_value, max_age=self.max_age)
        except (BadSignature, ValueError):
            return {}
        return data if isinstance(data, dict) else {}
