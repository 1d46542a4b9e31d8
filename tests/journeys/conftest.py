"""The journeys suite: one person's session through a real gateway process under several
routings. Each routing gets its own stack (stack.py: a fresh seeded MariaDB database, Redis,
`mvgate serve --workers 2` and `mvgate worker`), run once and shared by the tests that
look at it.

Chromium is the system's, driven by Playwright (tests/browser/conftest.py's `browser`).
Screenshots and each gateway's log are kept under test-artifacts/journeys/<routing>/.
"""

from __future__ import annotations

import json
import shutil
import time
import traceback
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Browser

from gateway.canary import in_canary
from shared_models.demo.upstream_urls import UpstreamURLs
from tests.browser.conftest import browser  # noqa: F401 - a fixture, used by name
from tests.browser.problems import PageProblems
from tests.journeys.session import Hooks, ServedBy, a_persons_session, prepare
from tests.journeys.stack import Stack, StackConfig
from tests.journeys.ui_tour import ui_tour

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "journeys"
CANARY_COOKIE = "mvgate_uid"  # the gateway's default `users.cookie`


def canary_cookie(percent: float, inside: bool) -> str:
    """A value of the gateway's user cookie whose bucket is in (or out of) the canary."""
    for number in range(10_000):
        value = f"{number:032x}"
        if in_canary(f"cookie:{value}", percent) == inside:
            return value
    raise AssertionError("no cookie value found")


@dataclass
class Phase:
    """A stretch of the journey and the backends that may answer requests started in it."""

    name: str
    backends: set[str]
    start: float = 0.0
    end: float = float("inf")


@dataclass
class Routing:
    name: str
    table: str
    backends: set[str]  # who answers the person's requests from the start
    cookie: str | None = None  # the gateway's user cookie, set before the first request
    tour: bool = False  # after the session, the UI tour (ui_tour.py) on the same stack
    # (name, table, backends) rewritten into the table before the playlist step and while
    # the download runs
    flips: list[tuple[str, str, set[str]]] = field(default_factory=list)


@dataclass
class Run:
    routing: Routing
    seen: list[tuple[str, Any]] = field(default_factory=list)
    served: ServedBy = field(default_factory=ServedBy)
    problems: PageProblems = field(default_factory=PageProblems)
    phases: list[Phase] = field(default_factory=list)
    diffs: dict[str, Any] = field(default_factory=dict)
    metrics: str = ""
    gateway_log: str = ""
    notes: dict[str, Any] = field(default_factory=dict)
    tour: dict[str, Any] = field(default_factory=dict)  # what the UI tour saw, if it ran
    failure: str | None = None

    def check_completed(self) -> None:
        if self.failure is not None:
            pytest.fail(f"the {self.routing.name} journey did not complete:\n{self.failure}")


class Journeys:
    """Runs each routing's journey once per test run, on first request."""

    def __init__(
        self,
        browser: Browser,  # noqa: F811
        upstreams: UpstreamURLs,
        clips_dir: Path,
        redis_url: str,
        folder: Path,
    ) -> None:
        self.browser = browser
        self.upstreams = upstreams
        self.clips_dir = clips_dir
        self.redis_url = redis_url
        self.folder = folder
        self.runs: dict[str, Run] = {}

    def run(self, routing: Routing) -> Run:
        if routing.name not in self.runs:
            self.runs[routing.name] = self._run(routing)
        return self.runs[routing.name]

    def _run(self, routing: Routing) -> Run:
        run = Run(routing)
        artifacts = ARTIFACTS / routing.name
        shutil.rmtree(artifacts, ignore_errors=True)
        artifacts.mkdir(parents=True)
        stack = Stack(
            StackConfig(
                label=routing.name.replace("-", "_"),
                table=routing.table,
                folder=self.folder / routing.name,
                upstreams=self.upstreams,
                clips_dir=self.clips_dir,
                redis_url=self.redis_url,
            )
        )
        context = None
        try:
            stack.start()
            context = self.browser.new_context(
                base_url=stack.url, viewport={"width": 1280, "height": 900}
            )
            context.set_default_timeout(15_000)
            if routing.cookie is not None:
                cookie = {"name": CANARY_COOKIE, "value": routing.cookie, "url": stack.url}
                context.add_cookies([cookie])
            page = context.new_page()
            run.problems.watch(page)
            run.served.watch(page, stack.url)

            def screenshot(step: str) -> Path:
                path = artifacts / f"{step}.png"
                page.screenshot(path=path, full_page=True)
                return path

            data = prepare(stack.url, self.upstreams.root)
            run.phases.append(Phase("start", routing.backends, start=time.time()))
            run.seen = a_persons_session(
                page, stack.url, data, self._hooks(routing, stack, run), screenshot, run.notes
            )
            run.phases[-1].end = time.time()
            run.diffs, run.metrics = stack.settled_shadow()
            (artifacts / "diffs.json").write_text(json.dumps(run.diffs, indent=1))
            (artifacts / "metrics.txt").write_text(run.metrics)
            if routing.tour:
                run.tour = ui_tour(page, stack.url, self.upstreams.root, run.problems, screenshot)
        except Exception:
            run.failure = traceback.format_exc()
            if context is not None and context.pages:
                context.pages[0].screenshot(path=artifacts / "failure.png", full_page=True)
        finally:
            if context is not None:
                context.close()
            stack.stop()
            run.gateway_log = stack.log()
            (artifacts / "gateway.log").write_text(run.gateway_log)
            if stack.worker_log_path.exists():
                shutil.copy2(stack.worker_log_path, artifacts / "worker.log")
        return run

    @staticmethod
    def _hooks(routing: Routing, stack: Stack, run: Run) -> Hooks:
        flips = list(routing.flips)

        def flip() -> None:
            name, table, backends = flips.pop(0)
            run.phases[-1].end = time.time()
            # Requests started while the table is being swapped may go either way.
            during = Phase(f"{name} (swapping)", run.phases[-1].backends | backends)
            during.start = run.phases[-1].end
            run.phases.append(during)
            stack.switch_table(table)
            during.end = time.time()
            run.phases.append(Phase(name, backends, start=during.end))

        hooks = Hooks()
        if flips:
            hooks.before_playlist = flip
        if len(flips) > 1:
            hooks.while_downloading = flip
        return hooks


@pytest.fixture(scope="module")
def journeys(
    browser: Browser,  # noqa: F811
    upstreams: UpstreamURLs,
    sample_clips: dict[str, Path],
    redis_url: str,
    mariadb_database_url: str,
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[Journeys]:
    """Per module, like the browser: the journeys of one test module share their runs
    (the comparison with all-legacy reuses that run)."""
    # mariadb_database_url: skips (with its reason) when MariaDB is not reachable.
    yield Journeys(
        browser,
        upstreams,
        next(iter(sample_clips.values())).parent,
        redis_url,
        tmp_path_factory.mktemp("journeys"),
    )


@pytest.fixture(scope="module")
def run_journey(journeys: Journeys) -> Callable[[Routing], Run]:
    return journeys.run
