"""The security suite runs on the parity suite's machinery (tests/parity): the same seeded
world, one gateway per backend, the same comparison; see cases.py for what is sent."""

from __future__ import annotations

import shutil
from collections.abc import Iterator

import httpx
import pytest

from shared_models.session_cookie import SessionCodec
from tests.parity.conftest import parity_gateways, parity_world  # noqa: F401 (fixtures)
from tests.parity.gateways import GatewayPairs
from tests.parity.harness import HOST, ParityRun, Side
from tests.parity.world import SECRET_KEY, World
from tests.security.bombs import write_png_bomb
from tests.security.cases import BOMB, Repeated

# A file in the media root that is a symlink to a file outside it.
ESCAPE_LINK = "escape-link/passwd"


class SecurityRun(ParityRun):
    """A parity run that can also send a header more than once (Repeated cases)."""

    def send(self, case: object, side: Side) -> httpx.Response:
        if not isinstance(case, Repeated):
            return super().send(case, side)  # type: ignore[arg-type]
        headers = [("Host", HOST), *self.principals[case.who].items(), *case.repeated]
        return self.client.request(case.method, side.url + case.url, headers=headers)


def add_media_traps(world: World) -> None:
    """A symlink out of the media root and an image bomb, in the seeded media tree."""
    outside = world.media_root.parent / "outside-media"
    outside.mkdir(exist_ok=True)
    (outside / "passwd").write_text("not for clients\n")
    for root in (world.media_root, world.pristine_media):
        link = root / ESCAPE_LINK
        link.parent.mkdir(parents=True, exist_ok=True)
        if not link.is_symlink():
            link.symlink_to(outside / "passwd")
        write_png_bomb(root / BOMB)
    # copy2 keeps the mtime: the restored bomb equals the baseline's.
    shutil.copy2(world.pristine_media / BOMB, world.media_root / BOMB)
    world.baseline = world.snapshot()


@pytest.fixture(scope="session")
def security(parity_world: World, parity_gateways: GatewayPairs) -> Iterator[SecurityRun]:  # noqa: F811
    add_media_traps(parity_world)
    run = SecurityRun(parity_world, SessionCodec(SECRET_KEY), parity_gateways.sides)
    yield run
    run.close()
