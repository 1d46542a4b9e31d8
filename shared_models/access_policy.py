"""Who may reach what, for both apps: public paths, role rules and credential reading.

Credentials are an `X-Api-Key` header (for /api) or the `mvidarr_session` cookie. A
credential given more than once is ambiguous, and an ambiguous credential is never
guessed at (which copy a proxy or framework keeps differs): two API keys are an invalid
key (401), two session cookies are no session.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from shared_models.json_rules import BadInput, is_valid_id
from shared_models.models import UserRole

API_KEY_HEADER = "X-Api-Key"
SESSION_USER_KEY = "user_id"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
# Paths anyone may reach: the login page and API, the assets they need, and health.
OPEN_PREFIXES = ("/static", "/login", "/auth", "/api/health")
ADMIN_ONLY_PREFIXES = ("/api/users", "/api/api-keys")
SETTINGS_PREFIX = "/api/settings"
INVALID_API_KEY = "Invalid API key"


def under(path: str, prefix: str) -> bool:
    """`path` is `prefix` or below it: `/api/users`, `/api/users/3`, not `/api/usersx`."""
    return path == prefix or path.startswith(prefix + "/")


def is_open_path(path: str) -> bool:
    return any(under(path, prefix) for prefix in OPEN_PREFIXES)


def is_api_path(path: str) -> bool:
    return under(path, "/api")


def check_role(role: UserRole, method: str, path: str) -> None:
    """Raise BadInput(403) unless `role` may send `method` to `path`."""
    admin_only = any(under(path, prefix) for prefix in ADMIN_ONLY_PREFIXES) or (
        under(path, SETTINGS_PREFIX) and method not in SAFE_METHODS
    )
    if admin_only and not role.is_admin:
        raise BadInput(403, "Admin role required")
    if method not in SAFE_METHODS and not role.can_write:
        raise BadInput(403, "Insufficient permissions")


def presented_api_key(header_values: Iterable[str]) -> str | None:
    """The one API key sent, None if none (or only empty ones); BadInput(401) for two."""
    keys = [value for value in header_values if value]
    if len(keys) > 1:
        raise BadInput(401, INVALID_API_KEY)
    return keys[0] if keys else None


def cookie_values(cookie_headers: Iterable[str], name: str) -> list[str]:
    """Every value a `Cookie` header (or several) gives the cookie `name`, in order."""
    found: list[str] = []
    for header in cookie_headers:
        for pair in header.split(";"):
            key, separator, value = pair.partition("=")
            if separator and key.strip() == name:
                found.append(value.strip())
    return found


def session_cookie_value(cookie_headers: Iterable[str], name: str) -> str | None:
    """The session cookie if sent exactly once; a duplicated one counts as absent."""
    values = cookie_values(cookie_headers, name)
    return values[0] if len(values) == 1 else None


def session_user_id(session: Mapping[str, Any]) -> int | None:
    """The user id a (validly signed) session names, if it is a possible id at all."""
    user_id = session.get(SESSION_USER_KEY)
    return user_id if is_valid_id(user_id) else None
