"""The one shared httpx client of a process (the app's Runtime, or a job worker): third-party
APIs only, a bounded pool, no redirects followed (callers check each hop)."""

from __future__ import annotations

import httpx

from shared_models.settings import Settings

USER_AGENT = "MVidarr/1.0 (music video library manager)"
# Upstream APIs are third-party services: a bounded pool, and a retry only where it is
# always safe (the connection failed, so the request never reached them).
UPSTREAM_CONNECTIONS = httpx.Limits(max_connections=100, max_keepalive_connections=20)
UPSTREAM_CONNECT_RETRIES = 2


def upstream_client(settings: Settings) -> httpx.AsyncClient:
    return httpx.AsyncClient(
        timeout=httpx.Timeout(settings.upstream_timeout),
        transport=httpx.AsyncHTTPTransport(
            retries=UPSTREAM_CONNECT_RETRIES, limits=UPSTREAM_CONNECTIONS
        ),
        headers={"User-Agent": USER_AGENT},
        follow_redirects=False,
    )
