"""Per-request override: a request names its backend in a header or a cookie.

Testers pin themselves to the new backend before any user is sent there
(`X-Mvgate-Backend: new`, or the cookie `overrides.cookie` names). It beats every other
rule, rollbacks included. A name the table does not know is ignored (the request is routed
as usual) and logged, at most once a minute per name so that a misconfigured client cannot
flood the log.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Mapping

from gateway.cookies import Headers, cookie_value
from gateway.schema import Overrides

logger = logging.getLogger("mvgate.override")

LOG_EVERY = 60.0  # seconds between two log lines about the same unknown name
MAX_REMEMBERED = 1024


class OverrideReader:
    def __init__(
        self,
        spec: Overrides,
        backends: Mapping[str, object],
        on_unknown: Callable[[], None] | None = None,
    ) -> None:
        self.header = spec.header.lower().encode("latin-1") if spec.header else None
        self.cookie = spec.cookie.encode("latin-1") if spec.cookie else None
        self.backends = backends
        self._on_unknown = on_unknown
        self._logged: dict[str, float] = {}

    def requested(self, headers: Headers) -> str | None:
        """The backend the request asks for, if it asks for one the table has."""
        name = None
        if self.header is not None:
            for key, value in headers:
                if key == self.header:
                    name = value.decode("latin-1").strip()
                    break
        if name is None and self.cookie is not None:
            name = cookie_value(headers, self.cookie)
        if not name:
            return None
        if name in self.backends:
            return name
        self._unknown(name)
        return None

    def _unknown(self, name: str) -> None:
        if self._on_unknown is not None:
            self._on_unknown()
        now = time.monotonic()
        if now - self._logged.get(name, -LOG_EVERY) < LOG_EVERY:
            return
        if len(self._logged) >= MAX_REMEMBERED:
            self._logged.clear()
        self._logged[name] = now
        logger.warning(
            "override names unknown backend %r: ignored (known: %s)",
            name[:100],
            ", ".join(self.backends),
            extra={"fields": {"event": "override_ignored", "backend": name[:100]}},
        )
