"""A backend's admission bound: past `max_in_flight` (and a short queue), the gateway
answers 503 + Retry-After in the contract's error shape; admitted requests complete."""

from __future__ import annotations

import re
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import pytest
from pydantic import ValidationError

from gateway.app import create_app
from gateway.schema import RoutingTable
from gateway.settings import GatewaySettings
from tests.gateway.conftest import write_table

BOUNDED = """\
version: 1
default: app
backends:
  app: {asgi: "tests.gateway.apps:create_asgi_app", max_in_flight: 2, queue_timeout: 0.05}
"""


def test_past_the_bound_requests_get_503_with_retry_after(tmp_path: Path, serve) -> None:  # type: ignore[no-untyped-def]
    table = tmp_path / "routing_table.yaml"
    write_table(table, BOUNDED)
    url = serve(create_app(GatewaySettings(routes=table, watch=False)))
    with ThreadPoolExecutor(5) as pool:
        answers = list(
            pool.map(lambda _: httpx.get(url + "/slow?seconds=2", timeout=30), range(5))
        )
    admitted = [answer for answer in answers if answer.status_code == 200]
    refused = [answer for answer in answers if answer.status_code == 503]
    assert len(admitted) + len(refused) == 5
    assert 2 <= len(admitted) < 5  # at most two at a time, each 2 s: some found it full
    assert all(answer.json() == {"app": "asgi", "slept": True} for answer in admitted)
    for answer in refused:
        assert answer.headers["retry-after"] == "1"
        assert answer.headers["x-served-by"] == "gateway"
        assert answer.json() == {"error": "backend 'app' is at capacity: retry later"}
    metrics = httpx.get(url + "/metrics").text
    counted = re.search(r'mvgate_admission_refused_total\{backend="app"\} (\S+)', metrics)
    assert counted is not None and float(counted.group(1)) == len(refused)


def test_without_a_bound_everything_is_admitted(tmp_path: Path, serve) -> None:  # type: ignore[no-untyped-def]
    table = tmp_path / "routing_table.yaml"
    write_table(table, BOUNDED.replace(", max_in_flight: 2, queue_timeout: 0.05", ""))
    url = serve(create_app(GatewaySettings(routes=table, watch=False)))
    with ThreadPoolExecutor(5) as pool:
        answers = list(
            pool.map(lambda _: httpx.get(url + "/slow?seconds=0.5", timeout=30), range(5))
        )
    assert [answer.status_code for answer in answers] == [200] * 5


@pytest.mark.parametrize(
    "keys", ["max_in_flight: 0", "max_in_flight: -3", "queue_timeout: -1", "queue_timeout: 60"]
)
def test_a_nonsense_bound_is_refused_by_the_table_check(keys: str) -> None:
    backend = {"asgi": "tests.gateway.apps:create_asgi_app"}
    name, value = keys.split(": ")
    backend[name] = value
    with pytest.raises(ValidationError, match=name):
        RoutingTable.model_validate({"version": 1, "default": "app", "backends": {"app": backend}})
