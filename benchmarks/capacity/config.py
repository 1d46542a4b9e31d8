"""What one benchmark run does: the presets (quick and full) and the options a person can
change on the command line."""

from __future__ import annotations

from dataclasses import dataclass, replace
from pathlib import Path

from benchmarks.capacity.stack import REPO

SLO_P95_MS = 500.0
SLO_FAILURE_RATIO = 0.001
MIXES = ("ui", "seed")
# The plan's figure for IMVDb/MusicBrainz: "External APIs: 1-10 seconds" (the seed mix).
SEED_UPSTREAM_DELAY_MS = (1000.0, 10000.0)


def geometric_steps(first: int, factor: float, last: int) -> list[int]:
    """User counts from `first` to `last`, each about `factor` times the one before."""
    steps = [first]
    while steps[-1] < last:
        steps.append(min(last, max(steps[-1] + 1, round(steps[-1] * factor))))
    return steps


@dataclass(frozen=True)
class RunConfig:
    mode: str  # "quick" or "full"
    routings: tuple[str, ...]
    repetitions: int
    steps: tuple[int, ...]
    warmup_users: int
    warmup_seconds: float
    ramp_seconds: float
    settle_seconds: float
    measure_seconds: float
    breaks_to_stop: int
    database: str  # "auto", "mariadb" or "sqlite"
    redis: str  # "auto", "on" or "off"
    gateway_workers: int
    legacy_threads: int  # gunicorn threads per worker (the gateway's come from its table)
    job_workers: int  # arq workers, when REDIS_URL is used and `mvgate worker` exists
    locust_processes: int
    latency_ms: float  # the simulated IMVDb/MusicBrainz answer time
    ttfb_repeats: int
    profile_seconds: float  # 0: no profile
    overhead: bool  # rerun benchmarks.gateway_overhead against the real endpoints
    overhead_rounds: int
    wait_quiet_seconds: float  # at most this long before each repetition for a quiet machine
    quiet_load: float
    out: Path
    label: str  # the <date> part of the result directories
    mixes: tuple[str, ...] = ("ui",)  # measured one after the other, each every routing
    mix: str = "ui"  # the mix being measured (the runner sets it from `mixes`)
    seed_delay_ms: tuple[float, float] = SEED_UPSTREAM_DELAY_MS

    @property
    def prefix(self) -> str:
        """The result directories' prefix: `<label>` for the ui mix, `<label>-seed` else."""
        return self.label if self.mix == "ui" else f"{self.label}-{self.mix}"

    def with_changes(self, **changes: object) -> RunConfig:
        return replace(self, **changes)  # type: ignore[arg-type]


def full(label: str) -> RunConfig:
    return RunConfig(
        mode="full",
        routings=("all-legacy", "all-new"),
        repetitions=3,
        steps=tuple(geometric_steps(20, 1.25, 3000)),
        warmup_users=10,
        warmup_seconds=20.0,
        ramp_seconds=5.0,
        settle_seconds=5.0,
        measure_seconds=30.0,
        breaks_to_stop=1,
        database="auto",
        redis="auto",
        gateway_workers=1,
        legacy_threads=32,
        job_workers=1,
        locust_processes=1,
        latency_ms=300.0,
        ttfb_repeats=20,
        profile_seconds=20.0,
        overhead=True,
        overhead_rounds=5,
        wait_quiet_seconds=180.0,
        quiet_load=0.7,
        out=REPO / "benchmarks" / "results",
        label=label,
        mixes=MIXES,
    )


def quick(label: str) -> RunConfig:
    """Under two minutes, SQLite, no Redis: proves the whole pipeline runs (CI smoke test)."""
    return full(label).with_changes(
        mode="quick",
        repetitions=1,
        steps=(5, 15),
        warmup_users=5,
        warmup_seconds=3.0,
        ramp_seconds=2.0,
        settle_seconds=1.0,
        measure_seconds=6.0,
        breaks_to_stop=99,
        database="sqlite",
        redis="off",
        ttfb_repeats=3,
        profile_seconds=0.0,
        overhead=False,
        wait_quiet_seconds=0.0,
        out=REPO / "benchmarks" / "results" / "quick",
        mixes=("ui",),
    )
