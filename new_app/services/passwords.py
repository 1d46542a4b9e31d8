"""Password hashing off the event loop: scrypt costs tens of milliseconds of CPU per call,
so every hash and check runs in a worker thread."""

from __future__ import annotations

from functools import cache

import anyio.to_thread

from shared_models.security import hash_password, verify_password


async def hash_password_async(password: str) -> str:
    return await anyio.to_thread.run_sync(hash_password, password)


async def verify_password_async(password: str, stored_hash: str) -> bool:
    return await anyio.to_thread.run_sync(verify_password, password, stored_hash)


@cache
def _decoy_hash() -> str:
    return hash_password("decoy password")


async def verify_against_decoy(password: str) -> None:
    """Unknown usernames still cost one password check, so timing does not reveal them."""
    decoy = await anyio.to_thread.run_sync(_decoy_hash)
    await verify_password_async(password, decoy)
