"""The runner's pure pieces: routing tables, step plans, capacity, sampling windows,
profile summaries."""

from __future__ import annotations

from pathlib import Path

from ruamel.yaml import YAML

from benchmarks.capacity.config import geometric_steps
from benchmarks.capacity.lag import window_lag
from benchmarks.capacity.profiling import anonymized, summarize
from benchmarks.capacity.repetition import capacity_of
from benchmarks.capacity.routings import PROBE_ROUTE, derive_table
from benchmarks.capacity.sampling import Sample, window_figures

REPO = Path(__file__).resolve().parents[2]


def shipped() -> dict:
    return YAML().load((REPO / "routing_table.yaml").read_text())


def test_all_legacy_sends_every_shipped_route_to_legacy_and_loads_no_new_app() -> None:
    table = derive_table("all-legacy", shipped())
    assert set(table["backends"]) == {"legacy", "probe"}
    routes = table["routes"]
    http_routes = [route for route in shipped()["routes"] if not route.get("websocket")]
    assert len(routes) == len(http_routes) + 1
    assert {route["backend"] for route in routes[:-1]} == {"legacy"}
    assert not any(route.get("websocket") for route in routes)
    assert routes[-1] == PROBE_ROUTE


def test_new_only_keeps_the_routes_and_drops_flask() -> None:
    table = derive_table("new-only", shipped())
    assert table["default"] == "new"
    assert set(table["backends"]) == {"new", "probe"}


def test_all_new_is_the_shipped_table_plus_the_probe() -> None:
    table = derive_table("all-new", shipped())
    assert table["default"] == shipped()["default"]
    assert [r["path"] for r in table["routes"][:-1]] == [r["path"] for r in shipped()["routes"]]


def test_geometric_steps_grow_by_the_factor_and_end_at_the_last() -> None:
    assert geometric_steps(10, 1.5, 50) == [10, 15, 22, 33, 50]
    assert geometric_steps(1, 1.1, 4) == [1, 2, 3, 4]  # always at least one more user


def step(users: int, ok: bool) -> dict:
    return {"users": users, "slo_ok": ok}


def test_capacity_is_the_last_step_before_the_first_break() -> None:
    assert capacity_of([step(10, True), step(20, True), step(40, False), step(80, True)]) == 20
    assert capacity_of([step(10, False)]) == 0
    assert capacity_of([step(10, True), step(20, True)]) == 20


def test_window_figures_add_processes_up_and_count_cpu_in_the_window() -> None:
    samples = [
        Sample(0.0, "server", 1, "python", 100 * 2**20, 10.0),
        Sample(0.0, "server", 2, "ffmpeg", 20 * 2**20, 1.0),
        Sample(10.0, "server", 1, "python", 110 * 2**20, 15.0),
        Sample(10.0, "server", 3, "ffmpeg", 30 * 2**20, 2.0),  # started meanwhile
        Sample(10.0, "locust", 9, "locust", 50 * 2**20, 99.0),
    ]
    figures = window_figures(samples, "server", 0.0, 10.0)
    assert figures["rss_peak_mib"] == 140
    assert figures["cpu_percent"] == 70  # (15 - 10) + 2 seconds over 10 seconds
    assert figures["processes"] == 2
    assert window_figures(samples, "server", 20.0, 30.0) == {}


def test_window_lag_cuts_by_time() -> None:
    samples = [(float(t), float(t)) for t in range(100)]
    figures = window_lag(samples, 10.0, 19.0)
    assert figures["loop_lag_max_ms"] == 19
    assert figures["loop_lag_p50_ms"] == 15


def test_profiles_name_processes_without_their_command_lines() -> None:
    raw = (
        'process 41:"python -m gateway.cli serve --routes /somewhere/t.yaml";'
        "handle (new_app/api/videos.py:10);execute (sqlalchemy/orm/session.py:5) 30\n"
        'process 41:"python -m gateway.cli serve --routes /somewhere/t.yaml";'
        'process 77:"python fetcher.py {"url": "http://x;y"}";'
        "main (yt_dlp/YoutubeDL.py:3) 10\n"
        'process 41:"python -m gateway.cli serve --routes /somewhere/t.yaml";'
        "handle (new_app/api/videos.py:11) 10\n"
    )
    clean = anonymized(raw)
    assert "/somewhere" not in clean and "url" not in clean
    summary = summarize(clean)
    assert summary["samples"] == 40
    assert summary["job_child_share"] == 0.2
    assert summary["self_by_package"] == {"SQLAlchemy": 0.75, "new_app": 0.25}
    assert summary["self_by_function"][1] == {
        "function": "handle (new_app/api/videos.py)",
        "share": 0.25,
    }
