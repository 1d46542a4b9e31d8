"""Every parity case, on SQLite and on MariaDB: the legacy app and the candidate answer the
same request, from the same state, in the same way (see docs/parity.md)."""

from __future__ import annotations

import pytest

from tests.parity.blocking_guard import SLOW_CALLBACK_SECONDS
from tests.parity.case import Case
from tests.parity.cases import CASES
from tests.parity.compare import Exchange
from tests.parity.gateways import GatewayPairs
from tests.parity.harness import CaseResult, ParityRun

BODY_PREVIEW = 400


def preview(exchange: Exchange) -> str:
    text = exchange.body[:BODY_PREVIEW].decode("utf-8", errors="replace")
    more = "..." if len(exchange.body) > BODY_PREVIEW else ""
    return f"{exchange.status} {exchange.headers.get('content-type')} {text}{more}"


def report(case: Case, result: CaseResult) -> str:
    lines = [f"{case.method} {case.url} as {case.who}:"]
    lines += [f"  - {difference}" for difference in result.differences]
    if result.slow_callbacks:
        budget = f"{SLOW_CALLBACK_SECONDS * 1000:.0f} ms"
        lines.append(f"  - the candidate held its event loop longer than {budget}:")
        lines += [f"      {message}" for message in result.slow_callbacks]
    lines.append(f"  legacy: {preview(result.legacy)}")
    lines.append(f"  new:    {preview(result.candidate)}")
    return "\n".join(lines)


def test_the_candidates_first_request_does_not_block(parity_gateways: GatewayPairs) -> None:
    """Runs before the cases: a one-time start-up cost (lazy imports, mappers configured on
    first use) shows up here, named as such, rather than on whichever case comes first."""
    parity_gateways.sides("default")
    reports = parity_gateways.first_requests["default"]
    assert not reports, "the candidate's first request held its event loop:\n" + "\n".join(reports)


@pytest.mark.parametrize("case", CASES, ids=[case.id for case in CASES])
def test_parity(case: Case, parity: ParityRun) -> None:
    result = parity.case(case)
    assert not result.differences and not result.slow_callbacks, report(case, result)
