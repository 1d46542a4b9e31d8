"""Every hostile request of cases.py, on SQLite and MariaDB: both backends answer it alike
(same status, body and database changes, as tests/parity compares), with a 4xx and an
`{"error": ...}` body that shows no traceback and no filesystem path."""

from __future__ import annotations

import json

import pytest

from tests.parity.case import Case
from tests.parity.compare import Exchange
from tests.parity.harness import HOST
from tests.parity.test_parity import report
from tests.security.cases import CASES, REDIRECTS
from tests.security.conftest import SecurityRun

LEAKS = ("Traceback", "/etc/", "site-packages", "/tmp/", "/home/", "/root/")


def problems(case: Case, exchange: Exchange) -> list[str]:
    if case.id in REDIRECTS and exchange.status == 308:
        location = exchange.headers.get("location", "")
        return [] if location.startswith(f"http://{HOST}/static/") else [f"redirect to {location}"]
    found = []
    if not 400 <= exchange.status < 500:
        found.append(f"status {exchange.status}, not a 4xx")
    text = exchange.body.decode("utf-8", errors="replace")
    if exchange.headers.get("content-type", "").startswith("application/json"):
        try:
            body = json.loads(text)
        except ValueError:
            body = None
        if not (isinstance(body, dict) and isinstance(body.get("error"), str)):
            found.append('the body is not {"error": "..."}')
    found += [f"the body shows {leak!r}" for leak in LEAKS if leak in text]
    return found


@pytest.mark.parametrize("case", CASES, ids=[case.id for case in CASES])
def test_hostile_request_is_refused_alike(case: Case, security: SecurityRun) -> None:
    result = security.case(case)
    legacy, new = problems(case, result.legacy), problems(case, result.candidate)
    details = [*result.differences, *(f"legacy: {p}" for p in legacy), *(f"new: {p}" for p in new)]
    assert not details, report(case, result) + "\n" + "\n".join(details)
