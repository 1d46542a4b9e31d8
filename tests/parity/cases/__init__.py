"""Every parity case, one module per endpoint family. Each module lists `CASES`; the family
name (the module's) goes into the case's id."""

from __future__ import annotations

from dataclasses import replace

from tests.parity.case import Case
from tests.parity.cases import (
    accounts,
    artists,
    auth,
    downloads,
    integrations,
    media,
    playlists,
    routing,
    settings,
    videos,
)

FAMILIES = (
    videos,
    media,
    artists,
    playlists,
    settings,
    downloads,
    accounts,
    auth,
    integrations,
    routing,
)


def collect() -> list[Case]:
    cases = []
    for module in FAMILIES:
        family = module.__name__.rsplit(".", 1)[1]
        cases += [replace(case, family=family) for case in module.CASES]
    seen: dict[str, int] = {}
    for case in cases:
        seen[case.id] = seen.get(case.id, 0) + 1
    duplicates = [case_id for case_id, count in seen.items() if count > 1]
    if duplicates:
        raise ValueError(f"parity cases with the same id (add a note): {duplicates}")
    return cases


CASES = collect()
