"""JSON calls to third-party APIs on the app's shared httpx client, with one error type
for "the upstream let us down" (unreachable, too slow, 5xx, unusable answer)."""

from __future__ import annotations

from typing import Any

import httpx


class UpstreamError(Exception):
    def __init__(self, service: str, detail: str) -> None:
        super().__init__(f"{service}: {detail}")
        self.service = service
        self.detail = detail


async def get_json(
    http: httpx.AsyncClient,
    service: str,
    url: str,
    *,
    params: dict[str, Any] | None = None,
    headers: dict[str, str] | None = None,
) -> dict[str, Any] | None:
    """The decoded JSON object, or None for a 404 (the thing does not exist upstream)."""
    try:
        response = await http.get(
            url, params=params, headers={"Accept": "application/json", **(headers or {})}
        )
    except httpx.HTTPError as error:
        raise UpstreamError(service, f"request to {url} failed: {error!r}") from error
    if response.status_code == 404:
        return None
    if response.status_code != 200:
        raise UpstreamError(service, f"{url} answered {response.status_code}")
    try:
        data = response.json()
    except ValueError as error:
        raise UpstreamError(service, f"{url} answered invalid JSON") from error
    if not isinstance(data, dict):
        raise UpstreamError(service, f"{url} answered {type(data).__name__}, not an object")
    return data
