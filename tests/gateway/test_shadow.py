"""Shadow traffic and diffs: copies of GET/HEAD requests go to the other backend after the
client's answer, never change it, are dropped when too many run, and are compared
structurally, with ignored fields and noise (learnt by calling the primary twice) apart."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Iterator
from pathlib import Path

import httpx
import pytest
from typer.testing import CliRunner

from gateway.app import Gateway
from gateway.cli import app as cli
from tests.gateway import cutover_apps
from tests.gateway.conftest import write_table
from tests.gateway.inprocess import client_of, started

HEAD = """\
version: 1
default: legacy
backends:
  legacy: {wsgi: "tests.gateway.cutover_apps:create_legacy", threads: 8}
  new: {asgi: "tests.gateway.cutover_apps:create_new"}
shadow:
  max_in_flight: 4
  noise_sample: 0
"""
ROUTES = """\
routes:
  # Users all stay on legacy; copies go to new (the Diffy set-up: legacy is the primary).
  - {path: /known, methods: [GET], backend: new, canary: 0, shadow: true, ignore: [query_time]}
  - {path: /noisy, methods: [GET], backend: new, canary: 0, shadow: true}
  - {path: /same, methods: [GET], backend: new, canary: 0, shadow: true}
  - path: /items/{item_id:int}
    methods: [GET, PUT, POST, DELETE]
    backend: new
    canary: 0
    shadow: true
  # Served by new; copies go to legacy, which is slow or broken there.
  - {path: /sleepy, methods: [GET], backend: new, shadow: true}
  - {path: /broken, methods: [GET], backend: new, shadow: true}
  - {path: /hello, methods: [GET], backend: new, shadow: 50}
"""


@pytest.fixture(autouse=True)
def fresh_records() -> Iterator[None]:
    cutover_apps.forget()
    yield
    cutover_apps.forget()


@pytest.fixture
def table(tmp_path: Path) -> Path:
    path = tmp_path / "routing_table.yaml"
    write_table(path, HEAD + ROUTES)
    return path


async def settled(gateway: Gateway) -> None:
    """Until every shadow copy has finished and its outcome reached the store."""
    for _ in range(1000):
        if gateway.controls.shadower.in_flight == 0:
            break
        await asyncio.sleep(0.01)
    else:
        raise AssertionError("shadow copies still running")
    await gateway.controls.round()


async def diffs(client: httpx.AsyncClient, path: str) -> dict:  # type: ignore[type-arg]
    answer = (await client.get("/_gateway/diffs", params={"path": path})).json()
    [report] = answer["routes"].values()
    return report  # type: ignore[no-any-return]


async def test_a_known_difference_is_reported_with_its_json_path(table: Path) -> None:
    async with started(table) as gateway, client_of(gateway) as client:
        for _ in range(3):
            response = await client.get("/known")
            assert response.headers["x-served-by"] == "legacy"
            assert response.json()["items"][0]["title"] == "Alpha"
        await settled(gateway)
        report = await diffs(client, "/known")
        metrics = (await client.get("/metrics")).text
    assert report["counts"]["diff"] == 3 and report["counts"]["match"] == 0
    sample = report["samples"][0]
    assert sample["request"]["method"] == "GET" and sample["request"]["path"] == "/known"
    assert sample["primary"]["backend"] == "legacy" and sample["shadow"]["backend"] == "new"
    assert '"Alpha"' in sample["primary"]["body"] and '"alpha"' in sample["shadow"]["body"]
    assert sample["differences"] == [
        {"path": "$.items[0].title", "kind": "real", "primary": '"Alpha"', "shadow": '"alpha"'}
    ]  # meta.query_time differs too, but the route ignores it
    assert 'mvgate_shadow_requests_total{outcome="diff",route="GET /known"} 3.0' in metrics
    # Only what the route mirrors reached new, marked as a copy.
    assert {(seen.path, seen.shadow) for seen in cutover_apps.received("new")} == {
        ("/known", "shadow")
    }


async def test_ignored_fields_and_paths_are_not_reported(table: Path) -> None:
    write_table(
        table,
        HEAD + ROUTES.replace("ignore: [query_time]", "ignore: [query_time, '$.items[*].title']"),
    )
    async with started(table) as gateway, client_of(gateway) as client:
        for _ in range(2):
            await client.get("/known")
        await settled(gateway)
        report = await diffs(client, "/known")
    assert report["counts"]["match"] == 2 and report["counts"]["diff"] == 0
    assert report["samples"] == []


async def test_a_field_random_in_the_primary_is_noise_not_a_difference(table: Path) -> None:
    async with started(table) as gateway, client_of(gateway) as client:
        for _ in range(15):  # the first ten copies call legacy twice; the rest rely on it
            await client.get("/noisy")
            await settled(gateway)
        report = await diffs(client, "/noisy")
    assert report["noise"] == ["$.nonce"]
    assert report["counts"]["noise"] == 15
    assert report["counts"]["diff"] == 0 and report["samples"] == []
    # The second call of the primary is marked too, and only legacy got one.
    primaries = [seen for seen in cutover_apps.received() if seen.shadow == "primary"]
    assert primaries and all(seen.app == "legacy" for seen in primaries)


async def test_writes_are_never_mirrored(table: Path) -> None:
    async with started(table) as gateway, client_of(gateway) as client:
        for method in ("PUT", "POST", "DELETE"):
            response = await client.request(method, "/items/5")
            assert response.json() == {"app": "legacy", "item": 5, "method": method}
        await client.get("/items/5")
        await settled(gateway)
    to_new = cutover_apps.received("new")
    assert [(seen.method, seen.shadow) for seen in to_new] == [("GET", "shadow")]


async def test_head_requests_are_mirrored_as_head(table: Path) -> None:
    async with started(table) as gateway, client_of(gateway) as client:
        response = await client.head("/same")
        assert response.status_code == 200 and response.content == b""
        await settled(gateway)
        report = await diffs(client, "/same")
    assert report["counts"]["match"] == 1, report
    assert [(s.method, s.shadow) for s in cutover_apps.received("new")] == [("HEAD", "shadow")]


async def test_saturation_drops_copies_instead_of_queueing_them(table: Path) -> None:
    write_table(table, (HEAD + ROUTES).replace("max_in_flight: 4", "max_in_flight: 1"))
    async with started(table) as gateway, client_of(gateway) as client:
        # Legacy takes 2 s to answer a copy: the first one holds the only slot while the
        # next five requests come and go.
        answers = [await client.get("/sleepy", params={"seconds": "2"}) for _ in range(6)]
        assert all(a.status_code == 200 and a.headers["x-served-by"] == "new" for a in answers)
        await settled(gateway)
        report = await diffs(client, "/sleepy")
        metrics = (await client.get("/metrics")).text
    assert report["counts"]["dropped"] == 5
    assert report["counts"]["match"] + report["counts"]["diff"] == 1
    # Dropped means dropped: legacy only ever saw the one copy, never two at once.
    assert len(cutover_apps.received("legacy", shadow=True)) == 1
    assert cutover_apps.shadows_at_most["legacy"] == 1
    assert 'mvgate_shadow_requests_total{outcome="dropped",route="GET /sleepy"} 5.0' in metrics


async def test_a_share_of_requests_is_shadowed(table: Path) -> None:
    async with started(table) as gateway, client_of(gateway) as client:
        for _ in range(60):
            await client.get("/hello")
        await settled(gateway)
    copies = len(cutover_apps.received("legacy", shadow=True))
    assert 0 < copies < 60  # shadow: 50 (all or none: a chance of 2 in 10^18)


async def test_the_clients_response_is_the_same_with_or_without_shadowing(
    table: Path, tmp_path: Path
) -> None:
    plain = tmp_path / "plain.yaml"
    write_table(plain, (HEAD + ROUTES).replace("shadow: true", "shadow: false"))
    paths = ["/same", "/items/3", "/broken", "/sleepy?seconds=0.01", "/noisy"]

    def comparable(response: httpx.Response) -> tuple[int, list[tuple[str, str]], bytes]:
        headers = [(k, v) for k, v in response.headers.items() if k not in ("x-request-id",)]
        body = response.content if "noisy" not in str(response.url) else b"(random)"
        return response.status_code, headers, body

    async with (
        started(table) as shadowing,
        started(plain) as direct,
        client_of(shadowing) as through_shadow,
        client_of(direct) as without,
    ):
        user = {"Cookie": "mvgate_uid=" + "5e" * 16}
        for path in paths:
            with_copy = await through_shadow.get(path, headers=user)
            without_copy = await without.get(path, headers=user)
            assert comparable(with_copy) == comparable(without_copy), path
        await settled(shadowing)
        report = await diffs(through_shadow, "/broken")
    # The copy of /broken failed in legacy (a 500): reported, and the client never knew.
    assert report["counts"]["diff"] == 1
    assert report["samples"][0]["differences"][0]["path"] == "status"


def test_the_diffs_command_prints_counts_and_differing_paths(
    table: Path, serve: Callable[[object], str], make_gateway: Callable[..., Gateway]
) -> None:
    url = serve(make_gateway(table, state_interval=0.05))
    for _ in range(2):
        httpx.get(url + "/known")
    result = None
    for _ in range(200):
        result = CliRunner().invoke(cli, ["diffs", "--url", url])
        if "$.items[0].title" in result.output:
            break
        asyncio.run(asyncio.sleep(0.05))
    assert result is not None and result.exit_code == 0, result.output
    assert "GET /known" in result.output
    assert 'real  $.items[0].title: "Alpha" vs "alpha"' in result.output
    json_result = CliRunner().invoke(cli, ["diffs", "/known", "--url", url, "--json"])
    assert '"diff": 2' in json_result.output


async def test_a_copy_over_its_time_limit_is_an_error_and_the_backend_is_released(
    table: Path,
) -> None:
    write_table(
        table, (HEAD + ROUTES).replace("noise_sample: 0", "noise_sample: 0\n  timeout: 0.3")
    )
    async with started(table) as gateway, client_of(gateway) as client:
        answer = await client.get("/sleepy", params={"seconds": "1"})
        assert answer.status_code == 200 and answer.headers["x-served-by"] == "new"
        await settled(gateway)
        report = await diffs(client, "/sleepy")
        legacy = gateway.live.current.backends["legacy"]
        assert legacy.in_flight == 0
    assert report["counts"]["error"] == 1 and report["counts"]["match"] == 0


async def test_a_primary_answer_over_the_body_limit_is_not_copied(table: Path) -> None:
    write_table(
        table, (HEAD + ROUTES).replace("noise_sample: 0", "noise_sample: 0\n  max_body_bytes: 8")
    )
    async with started(table) as gateway, client_of(gateway) as client:
        answer = await client.get("/same")
        assert answer.json() == {"answer": 42, "items": [1, 2, 3]}  # the client gets it all
        await settled(gateway)
        report = await diffs(client, "/same")
    assert report["counts"]["skipped"] == 1
    assert cutover_apps.received("new") == []
