"""The project's promise, checked the way a person would: the UI works, unchanged, while
the routes underneath it move between the legacy Flask app and the new FastAPI app.

One person's session (log in, search, play a video, open its artist, make a playlist,
download a video and watch it reach 100%, change a setting, log out) through a real
`mvgate serve` process under each routing:

- all-legacy: every route on the Flask app;
- all-new: the shipped table, every route on the FastAPI app;
- canary 50% with shadowing, once as a user inside the canary and once as one outside
  (buckets are per user: one person is always on one side);
- flipped mid-journey: starts all-legacy, the table is rewritten to all-new before the
  playlist step, and back to all-legacy while the download runs.

Every run: the journey completes, no JavaScript error and no failed request, each request
answered by the backend the table in force names, and what the person saw is the same as
under all-legacy.
"""

from __future__ import annotations

from collections.abc import Callable

import pytest

from tests.journeys import tables
from tests.journeys.conftest import Routing, Run, canary_cookie
from tests.journeys.stack import shadow_outcomes

pytestmark = [pytest.mark.browser, pytest.mark.mariadb, pytest.mark.redis, pytest.mark.slow]

CANARY_PERCENT = 50
JOBS_SOCKET = "/ws/jobs"
GZIP_MAGIC = "\x1f"  # how a gzip body starts, as the diff samples show it
LEGACY, NEW = {"legacy"}, {"new"}

ROUTINGS = {
    routing.name: routing
    for routing in (
        Routing("all-legacy", tables.all_legacy(), LEGACY, tour=True),
        Routing("all-new", tables.all_new(), NEW, tour=True),
        Routing(
            "canary-50-inside",
            tables.canary(CANARY_PERCENT),
            NEW,
            cookie=canary_cookie(CANARY_PERCENT, inside=True),
        ),
        Routing(
            "canary-50-outside",
            tables.canary(CANARY_PERCENT),
            LEGACY,
            cookie=canary_cookie(CANARY_PERCENT, inside=False),
        ),
        Routing(
            "flipped-mid-journey",
            tables.all_legacy(),
            LEGACY,
            flips=[
                ("flipped to new", tables.all_new(), NEW),
                ("flipped back to legacy", tables.all_legacy(), LEGACY),
            ],
        ),
    )
}


@pytest.mark.parametrize("name", list(ROUTINGS))
def test_the_session_works_unchanged(name: str, run_journey: Callable[[Routing], Run]) -> None:
    run = run_journey(ROUTINGS[name])
    run.check_completed()
    run.problems.assert_none()

    # Every flip happened (the second one needs the download to be seen running).
    swaps = [phase for phase in run.phases if "swapping" in phase.name]
    assert len(swaps) == len(run.routing.flips), [phase.name for phase in run.phases]
    for phase in run.phases:
        strays = run.served.strays(phase.start, phase.end, phase.backends)
        assert not strays, f"{phase.name}: answered by the wrong backend: {strays}"
    # Every phase really carried traffic, so the check above checked something.
    for phase in run.phases:
        if "swapping" not in phase.name:
            assert run.served.between(phase.start, phase.end) == phase.backends, phase.name

    errors = [line[:400] for line in run.gateway_log.splitlines() if '"level": "error"' in line]
    assert not errors, f"the gateway logged errors (gateway.log in the artifacts): {errors[:5]}"

    # /ws/jobs is the new app's (a WSGI app has no websockets): with a websocket route for
    # it, the downloads page follows progress live whatever the HTTP routes say; without
    # one, it polls the API instead.
    expected = "websocket" if tables.websocket_route(run.routing.table, JOBS_SOCKET) else "polling"
    assert run.notes["download updates"] == expected

    if name != "all-legacy":
        reference = run_journey(ROUTINGS["all-legacy"])
        reference.check_completed()
        assert run.seen == reference.seen


@pytest.mark.parametrize("name", ["all-legacy", "all-new"])
def test_the_ui_tour_works_under_each_backend(
    name: str, run_journey: Callable[[Routing], Run]
) -> None:
    """404 page, posters, sorted header, pager, live video page, phone toast and nav, own
    password: the same under either backend (ui_tour.py), no JavaScript error, no failed
    request (the session's test checks those for the whole run)."""
    run = run_journey(ROUTINGS[name])
    run.check_completed()
    run.problems.assert_none()
    tour = run.tour
    assert tour["404 status"] == 404 and tour["404 title"] == "Page not found"
    assert tour["posters"] and tour["toast in view"]
    assert tour["video page status"] == "DOWNLOADED"
    expected = "websocket" if tables.websocket_route(run.routing.table, JOBS_SOCKET) else "polling"
    assert tour["video page updates"] == expected
    if name != "all-legacy":
        reference = run_journey(ROUTINGS["all-legacy"])
        reference.check_completed()
        assert run.tour == {**reference.tour, "video page updates": expected}


@pytest.mark.parametrize("name", ["canary-50-inside", "canary-50-outside"])
def test_shadow_copies_match(name: str, run_journey: Callable[[Routing], Run]) -> None:
    """With shadowing on, the other backend answered copies of the person's reads, and
    the gateway found them equal."""
    run = run_journey(ROUTINGS[name])
    run.check_completed()
    outcomes = shadow_outcomes(run.metrics)
    assert outcomes.get("match", 0) >= 20, outcomes
    differing = {
        label: report["samples"]
        for label, report in run.diffs["routes"].items()
        if report["counts"].get("diff")
    }
    compressed = [
        label
        for label, samples in differing.items()
        if any(
            sample[side]["body"].startswith(GZIP_MAGIC)
            for sample in samples
            for side in ("primary", "shadow")
        )
    ]
    if differing:
        pytest.fail(
            f"shadow copies differed on {len(differing)} routes (every sample: "
            f"test-artifacts/journeys/{name}/diffs.json); on {len(compressed)} of them one "
            "body is gzip-compressed (the browser accepts gzip, which one backend uses and "
            "the other does not): "
            + "; ".join(
                f"{label}: {[s['differences'] for s in samples][:2]}"
                for label, samples in differing.items()
            )
        )
