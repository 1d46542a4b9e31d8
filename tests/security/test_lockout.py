"""Lockout under parallel guessing, on each backend and database: 30 wrong passwords sent
at once cost at most MAX_FAILED_LOGINS real password checks (each real check of a wrong
password is a 401; the others are refused 423 without one) and leave the account locked."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import httpx
import pytest
from sqlalchemy import select

from shared_models.lockout import MAX_FAILED_LOGINS
from shared_models.models import User
from tests.parity.harness import HOST
from tests.security.conftest import SecurityRun

GUESSES = 30
VICTIM = "idle"


def guess(url: str) -> int:
    response = httpx.post(
        url + "/auth/login",
        json={"username": VICTIM, "password": "wrong guess"},
        headers={"Host": HOST},
        timeout=120.0,
    )
    return response.status_code


@pytest.mark.parametrize("side_index", [0, 1], ids=["legacy", "new"])
def test_parallel_wrong_passwords_lock_after_the_allowed_checks(
    security: SecurityRun, side_index: int
) -> None:
    side = security.sides_for("default")[side_index]
    world = security.world
    try:
        with ThreadPoolExecutor(max_workers=GUESSES) as pool:
            statuses = list(pool.map(guess, [side.url] * GUESSES))
        with world.engine.connect() as connection:
            attempts, locked_until = connection.execute(
                select(User.failed_login_attempts, User.locked_until).where(
                    User.username == VICTIM
                )
            ).one()
    finally:
        world.restore(world.snapshot())
    real_checks = statuses.count(401)
    assert set(statuses) <= {401, 423}, statuses
    assert 1 <= real_checks <= MAX_FAILED_LOGINS, statuses
    assert statuses.count(423) == GUESSES - real_checks
    assert attempts == MAX_FAILED_LOGINS and locked_until is not None
