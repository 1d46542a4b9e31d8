"""The benchmark's quick mode, end to end: it starts its own stacks (SQLite, no Redis),
runs both routings and writes the reports, CSVs and charts. Nothing about speed is
checked here: the figures are the benchmark's business, not the test's."""

from __future__ import annotations

import csv
import json
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
ROUTINGS = ("all-legacy", "all-new")
PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


@pytest.fixture(scope="module")
def quick_run(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("bench")
    command = [sys.executable, "-m", "benchmarks.run", "--quick", "--out", str(out)]
    command += ["--label", "smoke"]
    finished = subprocess.run(command, cwd=REPO, capture_output=True, text=True, timeout=600)
    assert finished.returncode == 0, finished.stderr[-4000:]
    return out


def read_csv(path: Path) -> list[dict[str, str]]:
    with path.open(newline="") as source:
        return list(csv.DictReader(source))


@pytest.mark.slow
@pytest.mark.parametrize("routing", ROUTINGS)
def test_each_routing_gets_its_report_csvs_and_charts(quick_run: Path, routing: str) -> None:
    folder = quick_run / f"smoke-{routing}"
    report = (folder / "REPORT.md").read_text()
    assert report.startswith(f"# {routing}: capacity benchmark")
    assert "## Capacity" in report
    steps = read_csv(folder / "steps.csv")
    assert steps, "no step was measured"
    for row in steps:
        assert int(row["requests"]) > 0
        for column in ("rps", "p50_ms", "p95_ms", "p99_ms", "server_rss_mib", "server_cpu_percent"):
            assert row[column] != "", column
    assert any(row["loop_lag_p99_ms"] for row in steps), "the loop-lag probe reported nothing"
    assert read_csv(folder / "steps_median.csv")
    assert {row["role"] for row in read_csv(folder / "processes.csv")} >= {"server", "locust"}
    assert {row["kind"] for row in read_csv(folder / "ttfb_unloaded.csv")} == {"mp4", "mkv"}
    for chart in ("latency.png", "throughput.png", "memory.png"):
        assert (folder / chart).read_bytes().startswith(PNG_MAGIC), chart


@pytest.mark.slow
def test_the_comparison_sets_every_routing_against_the_targets(quick_run: Path) -> None:
    report = (quick_run / "smoke-comparison" / "REPORT.md").read_text()
    for routing in ROUTINGS:
        assert f"| {routing} |" in report
    assert "## Against the targets" in report
    assert "capacity (all-new)" in report
    for chart in ("latency_p95.png", "throughput.png", "memory.png"):
        assert (quick_run / "smoke-comparison" / chart).read_bytes().startswith(PNG_MAGIC)


@pytest.mark.slow
def test_the_summary_json_has_the_issue_shape_for_every_routing(quick_run: Path) -> None:
    summary = json.loads((quick_run / "smoke-comparison" / "summary.json").read_text())
    assert set(summary) >= {"date", "mixes", "streams_first_byte_ms", "gateway"}
    assert set(summary["mixes"]) == {"ui", "seed"}
    assert summary["mixes"]["seed"] is None  # the quick run measures the ui mix only
    ui = summary["mixes"]["ui"]
    for key in (
        "capacity_users",
        "cpu_ms_per_request",
        "p95_ms_at_legacy_capacity",
        "rss_mib_at_legacy_capacity",
        "goodput_share_at_2x_capacity",
    ):
        assert set(ui[key]) == set(ROUTINGS), key
    for routing in ROUTINGS:
        assert isinstance(ui["capacity_users"][routing], int)
        assert ui["cpu_ms_per_request"][routing] > 0
        assert ui["rss_mib_at_legacy_capacity"][routing] > 0
    for load in ("unloaded", "loaded"):
        for kind in ("mp4", "mkv"):
            assert set(summary["streams_first_byte_ms"][load][kind]) == set(ROUTINGS)
    assert set(summary["gateway"]) >= {
        "new_health_through_gateway_ratio",
        "url_backend_cpu_us_per_request",
        "wsgi_mount_vs_gunicorn_throughput_c64",
    }
