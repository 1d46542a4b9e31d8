"""The blocking guard itself: it catches async code that holds the event loop (a blocking
call, or synchronous CPU work), names where, stays quiet for code that awaits, and only
listens to the loops it watches."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest

from tests.parity.blocking_guard import Sample, SlowCallbackGuard, longest_call
from tests.parity.servers import routing_table, serve_gateway

TABLE = routing_table("app", {"app": '{asgi: "tests.parity.blocking_app:app"}'})


def lines_starting(report: str, prefix: str) -> list[str]:
    """The report's lines with this prefix, without it and the sample counts."""
    return [
        line.strip().removeprefix(prefix).strip().rsplit(" (", 1)[0]
        for line in report.splitlines()
        if line.strip().startswith(prefix)
    ]


@pytest.fixture(scope="module")
def guard() -> Iterator[SlowCallbackGuard]:
    with SlowCallbackGuard().installed() as guard:
        yield guard


@pytest.fixture(scope="module")
def watched(guard: SlowCallbackGuard, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A gateway whose loop the guard watches, in front of the blocking app."""
    with serve_gateway(TABLE, tmp_path_factory.mktemp("watched"), guard=guard) as url:
        yield url


@pytest.fixture(scope="module")
def unwatched(guard: SlowCallbackGuard, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The same app behind a gateway the guard does not watch."""
    with serve_gateway(TABLE, tmp_path_factory.mktemp("unwatched")) as url:
        yield url


def test_a_blocking_call_is_reported_with_its_line(guard: SlowCallbackGuard, watched: str) -> None:
    guard.take()
    assert httpx.get(f"{watched}/sleep").text == "/sleep"
    reports = guard.take()
    assert len(reports) == 1, reports
    assert reports[0].startswith("Executing ")
    # Where the loop thread sat: the app's line that calls time.sleep, as the innermost
    # frame of the stack shown.
    blocked = lines_starting(reports[0], "blocked in:")
    assert len(blocked) == 1, reports[0]
    assert blocked[0].endswith(" app"), blocked[0]
    assert "tests/parity/blocking_app.py:" in blocked[0]


def test_cpu_work_is_reported(guard: SlowCallbackGuard, watched: str) -> None:
    guard.take()
    assert httpx.get(f"{watched}/compute").text == "/compute"
    reports = guard.take()
    assert len(reports) == 1, reports
    assert "ms on the CPU" in reports[0]
    busy = lines_starting(reports[0], "busy in:")
    assert any("blocking_app.py" in line and line.endswith(" compute") for line in busy), reports[0]


def test_awaiting_is_not_reported(guard: SlowCallbackGuard, watched: str) -> None:
    guard.take()
    for _ in range(3):
        assert httpx.get(f"{watched}/polite").text == "/polite"
    assert guard.take() == []


def test_other_loops_are_not_attributed(guard: SlowCallbackGuard, unwatched: str) -> None:
    guard.take()
    assert httpx.get(f"{unwatched}/sleep").status_code == 200
    assert guard.take() == []


def test_the_longest_call_is_a_run_of_one_stack() -> None:
    """Consecutive samples at one stack are one call; idle samples (None) end a run."""
    samples = [
        Sample(0.000, 0.0, "a"),
        Sample(0.010, 0.0, "a"),
        Sample(0.030, 0.0, "a"),
        Sample(0.032, 0.0, None),
        Sample(0.040, 0.0, "b"),
        Sample(0.045, 0.0, "b"),
        Sample(0.050, 0.0, "a"),
    ]
    seconds, where = longest_call(samples)
    assert where == "a"
    assert seconds == pytest.approx(0.030)
    assert longest_call([Sample(0.0, 0.0, None)]) == (0.0, None)
