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
# Upstream APIs are third-party services: a bounded pool, and a retry only where it is
# always safe (the connection failed, so the request never reached them).
UPSTREAM_CONNECTIONS = httpx.Limits(max_connections=100, max_keepalive_connections=20)
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
