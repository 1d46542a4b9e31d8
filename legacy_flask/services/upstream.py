"""Blocking JSON calls to third-party APIs with `requests`, the way the legacy app makes
them: one call per lookup, a timeout, and one error type for "the upstream let us down"."""

from __future__ import annotations

from typing import Any

import requests

USER_AGENT = "MVidarr/1.0 (music video library manager)"


class UpstreamError(Exception):
    """The upstream was unreachable, timed out, answered 5xx or sent something unusable."""

    def __init__(self, service: str, detail: str) -> None:
        super().__init__(f"{service}: {detail}")
        self.service = service
        self.detail = detail


def get_json(
    service: str,
    url: str,
    *,
    params: dict[str, Any] | None = None,
    headers: dict[str, str] | None = None,
    timeout: float,
) -> dict[str, Any] | None:
    """The decoded JSON object, or None for a 404 (the thing does not exist upstream)."""
    try:
        response = requests.get(
            url,
            params=params,
            headers={"User-Agent": USER_AGENT, "Accept": "application/json", **(headers or {})},
            timeout=timeout,
        )
    except requests.RequestException as error:
        raise UpstreamError(service, f"request to {url} failed: {error}") from error
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
