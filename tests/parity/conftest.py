"""Fixtures of the parity suite, one set per database of `database_url` (SQLite, then
MariaDB):

- `parity_world`: the seeded database and media root (world.py), in a database of its own;
- `parity_gateways`: per settings variant, the legacy gateway and the candidate's, whose
  loop the blocking guard watches (gateways.py);
- `parity`: runs a case on both (harness.py).

The candidate is `new_app` unless MVIDARR_PARITY_CANDIDATE=legacy: then it is a second,
independent legacy app, and the suite checks the harness itself (every case must agree).
"""

from __future__ import annotations

import gc
import os
from collections.abc import Iterator
from contextlib import ExitStack
from pathlib import Path
from typing import Any

import pytest

from shared_models.database import is_sqlite
from shared_models.demo.upstream_urls import UpstreamURLs
from shared_models.session_cookie import SessionCodec
from tests.parity.blocking_guard import SlowCallbackGuard
from tests.parity.gateways import GatewayPairs
from tests.parity.harness import ParityRun
from tests.parity.world import SECRET_KEY, World, drop_database, own_database_url

CANDIDATE = os.environ.get("MVIDARR_PARITY_CANDIDATE", "new")
if CANDIDATE not in ("new", "legacy"):
    raise pytest.UsageError("MVIDARR_PARITY_CANDIDATE must be 'new' or 'legacy'")
# Slow-callback reports the guard did not count (see blocking_guard.py), per database,
# shown at the end of the run so that nothing is dropped silently.
EXCUSED: dict[str, list[str]] = {}


def database_kind(database_url: str) -> str:
    return "sqlite" if is_sqlite(database_url) else "mariadb"


@pytest.fixture(scope="session")
def parity_world(
    database_url: str,
    tmp_path_factory: pytest.TempPathFactory,
    upstreams: UpstreamURLs,
    sample_clips: dict[str, Path],
) -> Iterator[World]:
    directory = tmp_path_factory.mktemp(f"parity-{database_kind(database_url)}")
    url = own_database_url(database_url, directory)
    world = World.build(url, directory, upstreams, next(iter(sample_clips.values())).parent)
    yield world
    world.close()
    drop_database(url)


@pytest.fixture(scope="session")
def parity_gateways(
    database_url: str, parity_world: World, upstream_settings: dict[str, Any]
) -> Iterator[GatewayPairs]:
    kind = database_kind(database_url)
    settings = upstream_settings | {
        "data_dir": parity_world.media_root.parent / "data",
        "database_url": parity_world.database_url,
        "media_root": parity_world.media_root,
        "secret_key": SECRET_KEY,
        "redis_url": None,
    }
    guard = SlowCallbackGuard()
    # The test process's heap (every collected case, pytest's reports, the legacy app) is
    # large; a full garbage collection of it can stop every thread, the candidate's loop
    # included, for 100+ ms. Objects alive now are kept out of later collections.
    gc.collect()
    gc.freeze()
    with ExitStack() as stack:
        stack.callback(gc.unfreeze)
        stack.enter_context(guard.installed())
        yield GatewayPairs(
            kind,
            parity_world.media_root.parent / "gateways",
            settings,
            candidate=CANDIDATE,
            guard=guard,
            stack=stack,
        )
        EXCUSED[kind] = list(guard.excused)


@pytest.fixture(scope="session")
def parity(parity_world: World, parity_gateways: GatewayPairs) -> Iterator[ParityRun]:
    run = ParityRun(parity_world, SessionCodec(SECRET_KEY), parity_gateways.sides)
    yield run
    run.close()


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    for kind, reports in EXCUSED.items():
        if not reports:
            continue
        terminalreporter.section(f"parity ({kind}): slow callbacks not counted")
        terminalreporter.write_line(
            f"{len(reports)} reports: callbacks that waited (for a CPU, the GIL or a garbage "
            "collection) rather than blocked, or blocked once and not on a repeat:"
        )
        for report in reports[:10]:
            terminalreporter.write_line(f"  {report}")
