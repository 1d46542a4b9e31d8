"""Hot reload: file changes, SIGHUP and the admin endpoint; atomic swaps under load; invalid
files refused whole while the last good table keeps serving; every worker reloads."""

from __future__ import annotations

import re
import signal
import subprocess
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

from gateway.app import Gateway, create_app
from gateway.settings import GatewaySettings
from tests.gateway.conftest import REPO, ServerProcess, ThreadedServer, mvgate, write_table


def color_table(color: str, extra_backend: str = "") -> str:
    return f"""\
version: 1
default: blue
backends:
  blue: {{asgi: "tests.gateway.apps:blue"}}
  green: {{asgi: "tests.gateway.apps:green"}}
{extra_backend}
routes:
  - path: /hello          # the route the tests flip
    methods: [GET]
    backend: {color}
"""


def wait_until(condition: Callable[[], bool], timeout: float = 10, what: str = "") -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what or condition}")
        time.sleep(0.01)


@pytest.fixture
def colors(tmp_path: Path) -> Path:
    table = tmp_path / "routing_table.yaml"
    write_table(table, color_table("blue"))
    return table


@dataclass
class Answer:
    sent: float
    received: float
    status: int
    served_by: str
    body_app: str


def test_flipping_50_times_under_load_fails_nothing_and_every_answer_matches_the_table(
    colors: Path,
) -> None:
    gateway = create_app(GatewaySettings(routes=colors))
    answers: list[Answer] = []
    failures: list[str] = []
    stop = threading.Event()

    def keep_requesting(url: str) -> None:
        with httpx.Client(base_url=url) as client:
            while not stop.is_set():
                sent = time.monotonic()
                try:
                    response = client.get("/hello")
                except httpx.HTTPError as error:
                    failures.append(repr(error))
                    continue
                answers.append(
                    Answer(
                        sent,
                        time.monotonic(),
                        response.status_code,
                        response.headers.get("x-served-by", ""),
                        response.json().get("app", "") if response.status_code == 200 else "",
                    )
                )

    # (written, applied, color): the table in force from `applied` until the next write.
    flips: list[tuple[float, float, str]] = []
    with ThreadedServer(gateway) as url:
        clients = [threading.Thread(target=keep_requesting, args=(url,)) for _ in range(3)]
        for client in clients:
            client.start()
        for flip in range(50):
            color = "green" if flip % 2 == 0 else "blue"
            generation = gateway.live.current.generation
            written = time.monotonic()
            write_table(colors, color_table(color))
            wait_until(lambda g=generation: gateway.live.current.generation > g, what="reload")
            flips.append((written, time.monotonic(), color))
            served_before = len(answers)
            wait_until(lambda n=served_before: len(answers) >= n + 5, what="traffic")
        stop.set()
        for client in clients:
            client.join()

    assert failures == []
    assert all(answer.status == 200 for answer in answers)
    assert all(answer.served_by == answer.body_app for answer in answers)
    checked_per_flip = []
    for index, (_, applied, color) in enumerate(flips):
        next_written = flips[index + 1][0] if index + 1 < len(flips) else float("inf")
        in_force = [a for a in answers if a.sent > applied and a.received < next_written]
        assert all(answer.served_by == color for answer in in_force)
        checked_per_flip.append(len(in_force))
    assert min(checked_per_flip) >= 1  # every one of the 50 tables was seen serving
    assert gateway.live.last_reload is not None
    assert gateway.live.last_reload.result == "ok"


def test_a_request_in_flight_keeps_its_table_and_its_backend(colors: Path) -> None:
    gateway = create_app(GatewaySettings(routes=colors, watch=False))
    with ThreadedServer(gateway) as url:
        blue = gateway.live.current.backends["blue"]
        with httpx.stream("GET", url + "/stream") as response:
            lines = response.iter_lines()
            assert next(lines).startswith("chunk 0")
            # Mid-stream: a table without the blue backend at all.
            write_table(
                colors,
                color_table("green")
                .replace("default: blue", "default: green")
                .replace('  blue: {asgi: "tests.gateway.apps:blue"}\n', ""),
            )
            assert httpx.post(url + "/_gateway/reload").json()["result"] == "ok"
            assert httpx.get(url + "/stream").headers["x-served-by"] == "green"
            rest = list(lines)
        assert response.headers["x-served-by"] == "blue"
        assert [line.split(" at ")[0] for line in rest] == ["chunk 1", "chunk 2"]
        # Retired after its last request: its lifespan was shut down.
        wait_until(lambda: blue.app.state.events == ["startup", "shutdown"], what="retire")


BAD_TABLES = {
    "invalid YAML": ("version: 1\nbackends: [\n", r":3: invalid YAML: expected the node"),
    "unknown backend": (
        color_table("purple"),
        r":10: routes\[0\] \(/hello\): unknown backend 'purple'",
    ),
    "bad import string": (
        color_table("blue", '  broken: {asgi: "tests.gateway.apps:no_such_app"}'),
        r":6: backend 'broken': 'tests.gateway.apps:no_such_app': 'tests.gateway.apps' has "
        r"no attribute 'no_such_app'",
    ),
    "failing factory": (
        color_table("blue", '  broken: {asgi: "tests.gateway.apps:broken_factory"}'),
        r"calling the factory failed: RuntimeError: configuration missing",
    ),
    "route without endpoint": (
        color_table("green").replace("path: /hello", "path: /goodbye"),
        r"routes\[0\] \(/goodbye\): backend 'green' has no endpoint for GET here",
    ),
}


@pytest.mark.parametrize("case", list(BAD_TABLES))
def test_an_invalid_file_is_refused_and_the_last_good_table_keeps_serving(
    case: str, colors: Path
) -> None:
    text, error = BAD_TABLES[case]
    gateway = create_app(GatewaySettings(routes=colors))
    with ThreadedServer(gateway) as url:
        assert httpx.get(url + "/hello").headers["x-served-by"] == "blue"
        write_table(colors, text)
        wait_until(
            lambda: (
                gateway.live.last_reload is not None
                and gateway.live.last_reload.result == "invalid"
            ),
            what="the refusal",
        )
        answer = httpx.get(url + "/hello")
        assert answer.status_code == 200 and answer.headers["x-served-by"] == "blue"
        status = httpx.get(url + "/_gateway/status").json()
        assert status["generation"] == 1
        assert status["last_reload"]["result"] == "invalid"
        assert any(re.search(error, message) for message in status["last_reload"]["errors"]), (
            status["last_reload"]["errors"]
        )
        metrics = httpx.get(url + "/metrics").text
        assert "mvgate_routing_table_ok 0.0" in metrics
        assert 'mvgate_routing_table_reloads_total{result="invalid"} 1.0' in metrics
        # Fixed: served again, and the metric says so.
        write_table(colors, color_table("green"))
        wait_until(lambda: gateway.live.current.generation == 2, what="the fix")
        assert httpx.get(url + "/hello").headers["x-served-by"] == "green"
        assert "mvgate_routing_table_ok 1.0" in httpx.get(url + "/metrics").text


def test_an_unchanged_file_is_not_swapped(colors: Path, serve) -> None:  # type: ignore[no-untyped-def]
    gateway: Gateway = create_app(GatewaySettings(routes=colors, watch=False))
    url = serve(gateway)
    answer = httpx.post(url + "/_gateway/reload").json()
    assert answer["result"] == "unchanged" and answer["generation"] == 1


@pytest.mark.parametrize(
    ("extra", "routes_to", "error"),
    [
        ("", "purple", "unknown backend 'purple'"),
        ('  broken: {asgi: "tests.gateway.apps:broken_factory"}', "blue", "configuration missing"),
    ],
)
def test_an_invalid_file_at_startup_stops_the_gateway(
    extra: str, routes_to: str, error: str, tmp_path: Path
) -> None:
    table = tmp_path / "routing_table.yaml"
    write_table(table, color_table(routes_to, extra))
    args = mvgate("serve", "--port", "0", "--routes", str(table))
    finished = subprocess.run(args, cwd=REPO, capture_output=True, text=True, timeout=60)
    assert finished.returncode != 0
    assert error in finished.stderr + finished.stdout


def test_sighup_reloads_a_single_process_gateway(colors: Path, tmp_path: Path) -> None:
    args = mvgate("serve", "--port", "0", "--no-watch", "--routes", str(colors))
    with ServerProcess(args, tmp_path / "gateway.log") as gateway:
        assert httpx.get(gateway.url + "/hello").headers["x-served-by"] == "blue"
        write_table(colors, color_table("green"))
        time.sleep(0.5)  # --no-watch: the file change alone does nothing
        assert httpx.get(gateway.url + "/hello").headers["x-served-by"] == "blue"
        gateway.process.send_signal(signal.SIGHUP)  # type: ignore[union-attr]
        wait_until(
            lambda: httpx.get(gateway.url + "/hello").headers["x-served-by"] == "green",
            what="SIGHUP reload",
        )


def statuses_of_every_worker(url: str, workers: int) -> dict[int, dict[str, object]]:
    """Status from each worker: new connections land on workers at the kernel's choice."""
    seen: dict[int, dict[str, object]] = {}
    deadline = time.monotonic() + 20
    while len(seen) < workers and time.monotonic() < deadline:
        with httpx.Client() as client:  # a fresh connection each time
            status = client.get(url + "/_gateway/status").json()
        seen[status["worker_pid"]] = status
    assert len(seen) == workers, f"reached only workers {sorted(seen)}"
    return seen


def test_every_worker_reloads_on_admin_request_and_on_sighup(colors: Path, tmp_path: Path) -> None:
    args = mvgate("serve", "--port", "0", "--workers", "2", "--no-watch", "--routes", str(colors))
    with ServerProcess(args, tmp_path / "gateway.log") as gateway:
        gateway.wait_for(re.compile(r"(?s)startup complete.*startup complete"))
        pids = set(statuses_of_every_worker(gateway.url, 2))

        write_table(colors, color_table("green"))
        assert httpx.post(gateway.url + "/_gateway/reload").json()["result"] == "ok"

        def all_at(generation: int) -> bool:
            statuses = statuses_of_every_worker(gateway.url, 2)
            return all(s["generation"] == generation for s in statuses.values())

        wait_until(lambda: all_at(2), what="every worker at generation 2")

        write_table(colors, color_table("blue"))
        gateway.process.send_signal(signal.SIGHUP)  # type: ignore[union-attr]
        wait_until(lambda: all_at(3), what="every worker at generation 3")
        # Reloaded in place, not restarted.
        assert set(statuses_of_every_worker(gateway.url, 2)) == pids
        metrics = httpx.get(gateway.url + "/metrics").text
        assert 'mvgate_routing_table_reloads_total{result="ok"} 6.0' in metrics
