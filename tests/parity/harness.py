"""Running a case: the same request, on the same state, to the legacy gateway and then to
the candidate's, each time reading what changed and putting the world back.

    run = ParityRun(world, codec, sides_for=...)
    result = run.case(case)        # -> CaseResult(differences, slow_callbacks)

One side, step by step: put the case's setup in place (a login requirement), take the
"before" snapshot, send the request (cookies and keys per `case.who`, a fixed Host so
absolute redirects agree), collect what the slow-callback guard saw, wait for background
downloads to settle when the case starts one, take the "after" snapshot, and restore the
seeded state. Everything here runs in pytest's thread, never on a gateway's loop.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from typing import Any

import httpx
from sqlalchemy import select

from shared_models.models import Download, DownloadStatus, utcnow
from shared_models.session_cookie import COOKIE_NAME, SessionCodec
from tests.parity.backends import Configuration
from tests.parity.blocking_guard import SlowCallbackGuard
from tests.parity.case import NO_BODY, Case, Form, Raw
from tests.parity.compare import Exchange, differences
from tests.parity.world import API_KEYS, EXTRA_API_KEYS, SETUPS, USERS, Snapshot, World

# Both backends see this Host, so the absolute Location of a redirect is the same string.
HOST = "mvidarr.test"
UPSTREAM_PLACEHOLDER = "{upstream}"
SETTLE_POLL = 0.1
SETTLE_TIMEOUT = 60.0
QUIET_POLLS = 3
QUIET_POLLS_QUEUED = 10


@dataclass(frozen=True)
class Side:
    """One backend behind its own gateway."""

    backend: str  # the name X-Served-By must carry
    url: str
    configuration: Configuration
    guard: SlowCallbackGuard | None = None  # set on the candidate side


@dataclass
class CaseResult:
    differences: list[str]
    slow_callbacks: list[str]
    legacy: Exchange
    candidate: Exchange


def credentials(codec: SessionCodec) -> dict[str, dict[str, str]]:
    """The request headers of each principal (see case.PRINCIPALS)."""
    forged = SessionCodec("not-the-parity-secret").dumps({"user_id": USERS["admin"]})
    found: dict[str, dict[str, str]] = {"anonymous": {}}
    for name in ("admin", "manager", "user", "readonly", "disabled"):
        cookie = codec.dumps({"user_id": USERS[name]})
        found[name] = {"Cookie": f"{COOKIE_NAME}={cookie}"}
    found["ghost"] = {"Cookie": f"{COOKIE_NAME}={codec.dumps({'user_id': 9999})}"}
    found["forged"] = {"Cookie": f"{COOKIE_NAME}={forged}"}
    keys = dict(API_KEYS) | {name: spec[1] for name, spec in EXTRA_API_KEYS.items()}
    keys["key:unknown"] = "mvk_no-such-key"
    found.update({name: {"X-Api-Key": key} for name, key in keys.items()})
    return found


def with_upstream(value: Any, root: str) -> Any:
    """Case data may say "{upstream}" for the simulator's root URL (its port varies)."""
    if isinstance(value, str):
        return value.replace(UPSTREAM_PLACEHOLDER, root)
    if isinstance(value, dict):
        return {key: with_upstream(item, root) for key, item in value.items()}
    if isinstance(value, list):
        return [with_upstream(item, root) for item in value]
    return value


@dataclass
class ParityRun:
    world: World
    codec: SessionCodec
    # variant name -> (legacy side, candidate side); started on first use
    sides_for: Callable[[str], tuple[Side, Side]]
    client: httpx.Client = field(
        default_factory=lambda: httpx.Client(follow_redirects=False, timeout=120.0)
    )

    def __post_init__(self) -> None:
        self.principals = credentials(self.codec)

    def case(self, case: Case) -> CaseResult:
        legacy_side, candidate_side = self.sides_for(case.variant)
        legacy = self.exchange(case, legacy_side)
        candidate = self.exchange(case, candidate_side)
        return CaseResult(
            differences(case, legacy, candidate, self.codec),
            self.confirmed_slow_callbacks(case, candidate_side, candidate),
            legacy,
            candidate,
        )

    def confirmed_slow_callbacks(self, case: Case, side: Side, exchange: Exchange) -> list[str]:
        """The guard's reports for this case, if sending the request once more (from the
        same state) blocks again. A blocking call in the request's code path blocks every
        time; what blocks once (a code path's first use: a schema built, a statement
        compiled; a stall of the machine) is listed in the run's summary instead."""
        if not exchange.slow_callbacks or side.guard is None:
            return exchange.slow_callbacks
        again = self.exchange(case, side)
        if again.slow_callbacks:
            repeated = "and again when the request was repeated:"
            return [*exchange.slow_callbacks, repeated, *again.slow_callbacks]
        side.guard.excused += [
            f"{case.id}: {report} (not on a repeat of the request)"
            for report in exchange.slow_callbacks
        ]
        return []

    # -- one side ---------------------------------------------------------------------------

    def exchange(self, case: Case, side: Side) -> Exchange:
        before = self.prepare(case)
        # The guard judges the request window only: from sending the request to reading the
        # last byte of the answer. Outside it, the harness's own work in pytest's thread
        # (snapshots, restores) and legacy download threads compete for the GIL, which can
        # delay an idle loop's timer by more than the budget without the candidate being at
        # fault.
        if side.guard is not None:
            side.guard.take()
        started = utcnow()
        response = self.send(case, side)
        slow_callbacks = side.guard.take() if side.guard is not None else []
        # A HEAD answer announces the length of the body its GET would send, as sent (a
        # gzipped answer announces the gzipped length): learn it.
        get_length = (
            self.wire_length(replace(case, method="GET"), side) if (case.method == "HEAD") else None
        )
        served_by = response.headers.get("x-served-by")
        if served_by != side.backend:
            raise AssertionError(
                f"{case.url} was served by {served_by!r}, not {side.backend!r}: "
                "the parity gateways are misrouted"
            )
        if case.starts_download:
            self.settle(side.configuration)
        after = self.world.snapshot()
        self.world.restore(after)
        return Exchange(
            status=response.status_code,
            headers=response.headers,
            body=response.content,
            started=started,
            before=before,
            after=after,
            slow_callbacks=slow_callbacks,
            get_length=get_length,
        )

    def wire_length(self, case: Case, side: Side) -> int:
        """The length of the answer's body as it travelled (before any decoding)."""
        response = self.send(case, side)
        announced = response.headers.get("content-length")
        return int(announced) if announced is not None else response.num_bytes_downloaded

    def prepare(self, case: Case) -> Snapshot:
        """Apply the case's setup; the state the request starts from."""
        setups = [*case.setup, *(["login_required"] if case.auth_required else [])]
        if not setups:
            return self.world.baseline
        with self.world.engine.begin() as connection:
            for name in setups:
                connection.execute(SETUPS[name])
        return self.world.snapshot()

    def send(self, case: Case, side: Side) -> httpx.Response:
        root = self.world.upstreams.root
        headers = {"Host": HOST, **self.principals[case.who]}
        headers.update(with_upstream(dict(case.headers), root))
        content: bytes | None = None
        data: dict[str, str] | None = None
        if isinstance(case.body, Raw):
            content = case.body.content
            if case.body.content_type is not None:
                headers["Content-Type"] = case.body.content_type
        elif isinstance(case.body, Form):
            data = dict(with_upstream(dict(case.body.fields), root))
        elif case.body is not NO_BODY:
            content = json.dumps(with_upstream(case.body, root)).encode()
            headers["Content-Type"] = "application/json"
        try:
            return self.client.request(
                case.method,
                side.url + with_upstream(case.url, root),
                headers=headers,
                content=content,
                data=data,
            )
        finally:
            # No cookie carries over from one request to the next.
            self.client.cookies.clear()

    def settle(self, configuration: Configuration) -> None:
        """Until background downloads stop changing the database: the legacy app's threads
        have ended, and the download rows the request touched are no longer running and
        have not changed for a while (longer while one is still queued: an in-process job
        runner may be about to claim it; a runner elsewhere may never do)."""
        configuration.wait_for_downloads(SETTLE_TIMEOUT)
        baseline = self.world.baseline.tables["downloads"]
        deadline = time.monotonic() + SETTLE_TIMEOUT
        previous = None
        quiet = 0
        while True:
            with self.world.engine.connect() as connection:
                rows = connection.execute(
                    select(Download.id, Download.status, Download.progress).order_by(Download.id)
                ).all()
            touched = {
                row.status
                for row in rows
                if (row.id,) not in baseline or baseline[(row.id,)]["status"] != row.status
            }
            quiet = quiet + 1 if rows == previous else 0
            previous = rows
            if DownloadStatus.DOWNLOADING not in touched and quiet >= (
                QUIET_POLLS_QUEUED if DownloadStatus.QUEUED in touched else QUIET_POLLS
            ):
                return
            if time.monotonic() > deadline:
                raise AssertionError(f"downloads still changing after {SETTLE_TIMEOUT} s")
            time.sleep(SETTLE_POLL)

    def close(self) -> None:
        self.client.close()
