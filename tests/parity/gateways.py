"""The two gateways of a parity run, per settings variant, started on first use.

    pairs = GatewayPairs("sqlite", folder, settings, candidate="new", guard=guard, stack=stack)
    legacy, candidate = pairs.sides("default")   # each a Side: backend name, URL, apps

Each side's routing table sends everything to its one backend (`default: legacy` /
`default: new`). A gateway holds only the app it serves: everything the candidate's loop
does is then the candidate's (for the blocking guard), and no idle app runs background work
on the shared database.
"""

from __future__ import annotations

import socket
from contextlib import ExitStack
from pathlib import Path
from typing import Any

import httpx
import pytest

from shared_models.demo.upstream_urls import upstream_urls
from shared_models.settings import Settings
from tests.parity.backends import register, unregister
from tests.parity.blocking_guard import SlowCallbackGuard
from tests.parity.harness import HOST, Side
from tests.parity.servers import routing_table, serve_gateway

LEGACY_THREADS = 8


def closed_port_url() -> str:
    """A loopback URL nothing listens on: connections to it are refused at once."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    return f"http://127.0.0.1:{port}"


def variant_settings(variant: str) -> dict[str, Any]:
    """How a variant's settings differ from the default world's."""
    if variant == "default":
        return {}
    if variant == "upstreams_down":
        down = upstream_urls(closed_port_url())
        return {
            "imvdb_base_url": down.imvdb_base_url,
            "musicbrainz_base_url": down.musicbrainz_base_url,
        }
    if variant == "private_hosts_refused":
        return {"allow_private_download_hosts": False}
    raise ValueError(f"unknown settings variant {variant!r}")


class GatewayPairs:
    def __init__(
        self,
        name: str,
        directory: Path,
        settings: dict[str, Any],
        *,
        candidate: str,
        guard: SlowCallbackGuard | None,
        stack: ExitStack,
    ) -> None:
        self.name = name  # a Python identifier, unique in the run: "sqlite", "mariadb"
        self.directory = directory
        self.settings = settings
        self.candidate = candidate  # "new", or "legacy" for the harness's self-check
        self.guard = guard
        self.stack = stack  # closes every gateway and app this object starts
        self.first_requests: dict[str, list[str]] = {}
        self._sides: dict[str, tuple[Side, Side]] = {}
        self._broken: dict[str, str] = {}

    def sides(self, variant: str) -> tuple[Side, Side]:
        """(legacy, candidate) of this settings variant."""
        if variant not in self._sides:
            if variant in self._broken:
                pytest.fail(self._broken[variant], pytrace=False)
            try:
                self._sides[variant] = self._start(variant)
            except Exception as error:
                # Once is enough: every later case of this variant fails with this message.
                self._broken[variant] = f"the {variant!r} gateways did not start: {error}"
                raise
            self.first_requests[variant] = self._first_request(self._sides[variant][1])
        return self._sides[variant]

    def _start(self, variant: str) -> tuple[Side, Side]:
        configuration = register(
            f"{self.name}_{variant}",
            Settings(**(self.settings | variant_settings(variant))),
        )
        self.stack.callback(unregister, configuration.name)
        legacy_spec = (
            f'{{wsgi: "{configuration.import_string("legacy")}", threads: {LEGACY_THREADS}}}'
        )
        if self.candidate == "new":
            backend, spec = "new", f'{{asgi: "{configuration.import_string("new")}"}}'
            guard = self.guard
        else:
            # A twin's blocking work runs in a2wsgi's threads by design: no guard.
            backend, spec, guard = "legacy_twin", legacy_spec, None
        folder = self.directory / variant
        legacy_url = self.stack.enter_context(
            serve_gateway(routing_table("legacy", {"legacy": legacy_spec}), folder / "legacy")
        )
        candidate_url = self.stack.enter_context(
            serve_gateway(routing_table(backend, {backend: spec}), folder / backend, guard=guard)
        )
        return (
            Side("legacy", legacy_url, configuration),
            Side(backend, candidate_url, configuration, guard),
        )

    @staticmethod
    def _first_request(candidate: Side) -> list[str]:
        """The candidate's first request (a health check): what the guard saw during it.
        Cases run after it, so a one-time start-up cost of the candidate (lazy imports,
        first connection) is reported as such, not on whichever case happens to run first."""
        if candidate.guard is not None:
            candidate.guard.take()
        response = httpx.get(f"{candidate.url}/api/health", headers={"Host": HOST})
        if response.status_code != 200:
            raise AssertionError(f"the candidate's health check answered {response.status_code}")
        return candidate.guard.take() if candidate.guard is not None else []
