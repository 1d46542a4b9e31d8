"""The shipped routing_table.yaml: valid, and it names every endpoint of the legacy app, so an
operator can flip any of them with `mvgate flip` without writing a route first."""

from __future__ import annotations

from pathlib import Path

from gateway.checking import check_file, coverage
from gateway.endpoints import endpoints_of

SHIPPED_TABLE = Path(__file__).resolve().parent.parent / "routing_table.yaml"


def test_shipped_table_passes_check() -> None:
    report = check_file(SHIPPED_TABLE)
    assert report.messages == []
    assert report.table is not None
    assert set(report.table.backends) == {"legacy", "new"}


def test_every_legacy_endpoint_has_a_route() -> None:
    report = check_file(SHIPPED_TABLE)
    assert report.table is not None
    legacy_endpoints = endpoints_of(report.apps["legacy"])
    assert legacy_endpoints
    legacy_pairs = {pair for endpoint in legacy_endpoints for pair in endpoint.pairs()}
    routed_pairs = {
        (method, route.path) for route in report.table.routes for method in route.methods or ()
    }
    assert sorted(legacy_pairs - routed_pairs) == []


def test_new_app_implements_and_serves_every_legacy_endpoint() -> None:
    report = check_file(SHIPPED_TABLE)
    assert report.table is not None
    (new_coverage,) = coverage(report.table, report.apps)
    assert new_coverage.other == "new"
    not_served = [(row.method, row.path) for row in new_coverage.endpoints if not row.routed]
    not_implemented = [
        (row.method, row.path) for row in new_coverage.endpoints if not row.implemented
    ]
    assert not_implemented == []
    assert not_served == []
