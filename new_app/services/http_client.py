"""The one shared httpx client of a process (the app's Runtime, or a job worker): a bounded
pool, no redirects followed (callers check each hop).

It talks to the configured third-party APIs and fetches user-given URLs (thumbnails).
Unless ALLOW_PRIVATE_DOWNLOAD_HOSTS, its connections go through CheckedNetworkBackend:
only the configured API hosts may be private; every other connection must be to a public
address, checked at connect time.
"""

from __future__ import annotations

from urllib.parse import urlsplit

import httpcore
import httpx

from new_app.services.url_safety import CheckedNetworkBackend
from shared_models.settings import Settings

USER_AGENT = "MVidarr/1.0 (music video library manager)"
# Sized for the plan's premise: IMVDb/MusicBrainz answering in 1-10 s, so at a few hundred
# upstream-backed requests a second several thousand calls wait at once. A call waiting
# for a pool slot adds its whole wait to the response, so the pool must not be what caps
# them: 4096 connections per process (one file descriptor each, far below the usual
# 20,000+ limit; the event loop holds them all for free), of which 256 are kept open
# between bursts (third-party services close idle ones anyway). Each call's pool wait is
# still bounded by UPSTREAM_TIMEOUT. A retry only where it is always safe (the connection
# failed, so the request never reached them). See docs/benchmarks.md ("The seed mix").
UPSTREAM_MAX_CONNECTIONS = 4096
UPSTREAM_KEEPALIVE_CONNECTIONS = 256
UPSTREAM_CONNECTIONS = httpx.Limits(
    max_connections=UPSTREAM_MAX_CONNECTIONS,
    max_keepalive_connections=UPSTREAM_KEEPALIVE_CONNECTIONS,
    keepalive_expiry=30.0,
)
UPSTREAM_CONNECT_RETRIES = 2


def api_hosts(settings: Settings) -> set[str]:
    urls = (settings.imvdb_base_url, settings.musicbrainz_base_url)
    return {host for url in urls if url and (host := urlsplit(url).hostname)}


def upstream_client(settings: Settings) -> httpx.AsyncClient:
    transport = httpx.AsyncHTTPTransport(
        retries=UPSTREAM_CONNECT_RETRIES, limits=UPSTREAM_CONNECTIONS
    )
    if not settings.allow_private_download_hosts:
        # httpx takes no network backend of its own; its pool is httpcore's, which does.
        transport._pool = httpcore.AsyncConnectionPool(
            ssl_context=transport._pool._ssl_context,
            max_connections=UPSTREAM_CONNECTIONS.max_connections,
            max_keepalive_connections=UPSTREAM_CONNECTIONS.max_keepalive_connections,
            keepalive_expiry=UPSTREAM_CONNECTIONS.keepalive_expiry,
            retries=UPSTREAM_CONNECT_RETRIES,
            network_backend=CheckedNetworkBackend(api_hosts(settings)),
        )
    return httpx.AsyncClient(
        timeout=httpx.Timeout(settings.upstream_timeout),
        transport=transport,
        headers={"User-Agent": USER_AGENT},
        follow_redirects=False,
    )
