"""MVidarr's hooks for the cutover gateway (named by import string in routing_table.yaml).

`session_user_id` tells the gateway who is logged in, so that a canary follows the user
rather than the browser:

    users:
      hook: "shared_models.gateway_hooks:session_user_id"

The gateway calls it on its event loop for every request to a canary route, so it must not
block: the codec (which may read the generated secret key file) is built when the module is
imported, which the gateway does in a worker thread when it loads the table, and decoded
cookies are cached (a signature check costs tens of microseconds; the cache makes repeat
requests of a session nearly free).
"""

from __future__ import annotations

from collections.abc import Mapping
from functools import lru_cache

from shared_models.session_cookie import COOKIE_NAME, SessionCodec
from shared_models.settings import get_settings

# The key both apps keep the logged-in user's id under (legacy_flask.access.SESSION_USER_KEY).
SESSION_USER_KEY = "user_id"

_codec = SessionCodec(get_settings().resolved_secret_key)


@lru_cache(maxsize=4096)
def _user_of(cookie_value: str) -> str | None:
    # The cache may outlive a cookie's expiry: harmless here, where the id only picks a
    # canary bucket (the apps themselves still refuse an expired session).
    user = _codec.loads(cookie_value).get(SESSION_USER_KEY)
    return None if user is None else str(user)


def session_user_id(cookies: Mapping[str, str]) -> str | None:
    """The id of the user whose valid session cookie the request carries, else None."""
    value = cookies.get(COOKIE_NAME)
    return _user_of(value) if value else None
