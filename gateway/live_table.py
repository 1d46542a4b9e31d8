"""The routing table in force, and how a new one replaces it.

A `CompiledTable` is immutable: the validated spec, its matchers and its backends. Each
request reads `LiveTable.current` once and keeps that table to the end, so a reload never
changes the mind of a request in flight. A reload builds the complete new table first
(reading, validating, importing and starting new backends, checking endpoints) and only then
swaps one reference: the swap is atomic, and a file that fails anywhere is refused whole
while the last good table keeps serving.

Backends whose spec did not change are carried over, so a flip does not re-create the apps;
backends that left the table are stopped once their last request has finished.
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import anyio

from gateway.backends import Backend, ThreadUsage, build_backend
from gateway.canary import UserHook, UserKeys, load_hook
from gateway.endpoints import endpoint_problems
from gateway.importing import ImportStringError
from gateway.jsonpaths import IgnoreRules
from gateway.lifespan import LifespanError
from gateway.matcher import Matcher
from gateway.override import OverrideReader
from gateway.rollback import DEFAULTS, Thresholds, fingerprint, thresholds_for
from gateway.schema import RateLimit, Route, RoutingTable, WsgiBackend
from gateway.validation import Problem, TableError, line_of, parse_yaml, validate_document
from gateway.window import slot_seconds

logger = logging.getLogger("mvgate.reload")


@dataclass(frozen=True)
class RouteEntry:
    """A route of the table in force, with its position (for status and metrics) and its
    cutover settings resolved against the table's, so that requests read them directly."""

    index: int
    route: Route
    label: str  # its name in metrics and status: "GET,PUT /api/videos/{video_id:int}"
    limits: Thresholds = field(default_factory=lambda: Thresholds(**DEFAULTS))
    fingerprint: str = ""  # changes when the route is edited (see gateway.rollback)
    watched: bool = False  # served by a non-default backend, with rollback enabled
    slot_seconds: float = 1.0  # of its rollback window
    shadow_share: float = 0.0  # share of its GET/HEAD requests shadowed, 0-1
    ignore: IgnoreRules = field(default_factory=IgnoreRules)
    rate_limit: RateLimit | None = None
    rate_scope: str = "*"  # the route's own bucket, or "*": the table-wide one


@dataclass(frozen=True)
class CompiledTable:
    spec: RoutingTable
    source: str
    digest: str
    generation: int
    loaded_at: float
    backends: dict[str, Backend]
    http: Matcher[RouteEntry]
    websocket: Matcher[RouteEntry]
    routes: tuple[RouteEntry, ...]
    overrides: OverrideReader | None = None
    users: UserKeys | None = None  # None until the table is loaded by a LiveTable

    @property
    def default(self) -> Backend:
        return self.backends[self.spec.default]


def route_entry(spec: RoutingTable, index: int, route: Route) -> RouteEntry:
    limits = thresholds_for(spec, route)
    label = route.describe()
    on_other_backend = route.backend != spec.default and not route.websocket
    shadow = 100.0 if route.shadow is True else float(route.shadow or 0)
    rate_limit = spec.rate_limit
    if route.rate_limit is False:
        rate_limit = None
    elif route.rate_limit is not None:
        rate_limit = route.rate_limit
    return RouteEntry(
        index,
        route,
        label,
        limits=limits,
        fingerprint=fingerprint(route, limits),
        watched=on_other_backend and limits.enabled,
        slot_seconds=slot_seconds(limits.window),
        shadow_share=shadow / 100 if on_other_backend else 0.0,
        ignore=IgnoreRules(route.ignore),
        rate_limit=rate_limit,
        rate_scope=label if isinstance(route.rate_limit, RateLimit) else "*",
    )


def compile_routes(
    spec: RoutingTable,
) -> tuple[Matcher[RouteEntry], Matcher[RouteEntry], tuple[RouteEntry, ...]]:
    http: Matcher[RouteEntry] = Matcher()
    websocket: Matcher[RouteEntry] = Matcher()
    entries = []
    for index, route in enumerate(spec.routes):
        entry = route_entry(spec, index, route)
        entries.append(entry)
        if route.websocket:
            websocket.add(route.template, None, entry)
        else:
            http.add(route.template, route.methods, entry)
    return http, websocket, tuple(entries)


@dataclass
class ReloadResult:
    result: str  # "ok", "unchanged" or "invalid"
    reason: str
    at: float
    generation: int
    errors: list[str] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return {
            "result": self.result,
            "reason": self.reason,
            "at": self.at,
            "generation": self.generation,
            "errors": self.errors,
        }


UsageFactory = Callable[[str, int], ThreadUsage]


class LiveTable:
    def __init__(
        self,
        path: Path,
        thread_usage: UsageFactory | None = None,
        on_retired: Callable[[Backend], None] | None = None,
        on_unknown_override: Callable[[], None] | None = None,
    ) -> None:
        self.path = path
        self._thread_usage = thread_usage
        self._on_retired = on_retired
        self._on_unknown_override = on_unknown_override
        self._current: CompiledTable | None = None
        self._lock = asyncio.Lock()
        self._retiring: set[asyncio.Task[None]] = set()
        self.last_reload: ReloadResult | None = None
        self._refused: TableError | None = None  # why the last refused file was refused
        self.listeners: list[Callable[[ReloadResult], None]] = []

    @property
    def current(self) -> CompiledTable:
        assert self._current is not None, "the table is not loaded yet"
        return self._current

    async def load(self) -> CompiledTable:
        """The first load: there is no last good table, so problems are raised."""
        result = await self.reload("startup")
        if result.result == "invalid":
            raise self._refused or TableError(str(self.path), [Problem(m) for m in result.errors])
        return self.current

    async def reload(self, reason: str) -> ReloadResult:
        async with self._lock:
            try:
                result = await self._reload(reason)
            except TableError as error:
                self._refused = error
                result = self._result("invalid", reason, error.messages)
                logger.error(
                    "routing table %s refused (%s); the last good table keeps serving:\n%s",
                    self.path,
                    reason,
                    "\n".join(error.messages),
                    extra={
                        "fields": {"event": "reload", "result": "invalid", "errors": error.messages}
                    },
                )
            self.last_reload = result
            for listener in self.listeners:
                listener(result)
            return result

    async def close(self, patience: float = 30.0) -> None:
        """Stop every backend (at shutdown, after the server drained its requests)."""
        async with self._lock:
            if self._retiring:
                # Retiring backends wait for their last request; do not wait forever.
                _, late = await asyncio.wait(set(self._retiring), timeout=patience)
                for task in late:
                    task.cancel()
            if self._current is not None:
                for backend in self._current.backends.values():
                    await _stop(backend)
                self._current = None

    def _result(self, result: str, reason: str, errors: list[str] | None = None) -> ReloadResult:
        generation = self._current.generation if self._current is not None else 0
        return ReloadResult(result, reason, time.time(), generation, errors or [])

    async def _reload(self, reason: str) -> ReloadResult:
        source = str(self.path)
        try:
            raw = await anyio.Path(self.path).read_bytes()
        except OSError as error:
            raise TableError(source, [Problem(f"cannot read the file: {error.strerror}")]) from None
        digest = hashlib.sha256(raw).hexdigest()
        previous = self._current
        if previous is not None and previous.digest == digest:
            return self._result("unchanged", reason)
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError:
            raise TableError(source, [Problem("the file is not UTF-8 text")]) from None
        document = parse_yaml(text, source)
        spec = validate_document(document, source)
        hook = await self._user_hook(document, spec)
        backends, fresh = await self._backends_for(document, spec, previous)
        try:
            apps = {name: backend.app for name, backend in backends.items()}
            problems = endpoint_problems(document, enumerate(spec.routes), apps)
            if problems:
                raise TableError(source, problems)
        except BaseException:
            for backend in fresh:
                await _stop(backend)
            raise
        http, websocket, entries = compile_routes(spec)
        generation = previous.generation + 1 if previous is not None else 1
        overrides = None
        if spec.overrides is not None and (spec.overrides.header or spec.overrides.cookie):
            overrides = OverrideReader(spec.overrides, backends, self._on_unknown_override)
        self._current = CompiledTable(
            spec,
            source,
            digest,
            generation,
            time.time(),
            backends,
            http,
            websocket,
            entries,
            overrides,
            UserKeys(spec.users, hook),
        )
        if previous is not None:
            retired = [b for b in previous.backends.values() if b not in backends.values()]
            if retired:
                task = asyncio.create_task(self._retire(retired), name="retire backends")
                self._retiring.add(task)
                task.add_done_callback(self._retiring.discard)
        logger.info(
            "routing table %s loaded (%s): generation %d, %d routes, default %r",
            source,
            reason,
            generation,
            len(entries),
            spec.default,
            extra={"fields": {"event": "reload", "result": "ok", "generation": generation}},
        )
        return ReloadResult("ok", reason, time.time(), generation)

    async def _user_hook(self, document: Any, spec: RoutingTable) -> UserHook | None:
        try:
            # Importing blocks: keep it off the event loop.
            return await anyio.to_thread.run_sync(load_hook, spec.users)
        except ImportStringError as error:
            line = line_of(document, ("users", "hook"))
            raise TableError(str(self.path), [Problem(str(error), line, "users.hook")]) from None

    async def _backends_for(
        self, document: Any, spec: RoutingTable, previous: CompiledTable | None
    ) -> tuple[dict[str, Backend], list[Backend]]:
        """The backends of `spec`: carried over when their spec is unchanged, else built
        and started. Returns (all, newly started)."""
        backends: dict[str, Backend] = {}
        fresh: list[Backend] = []
        problems: list[Problem] = []
        for name, backend_spec in spec.backends.items():
            old = previous.backends.get(name) if previous is not None else None
            if old is not None and old.spec == backend_spec:
                backends[name] = old
                continue
            usage = None
            if isinstance(backend_spec, WsgiBackend) and self._thread_usage:
                usage = self._thread_usage(name, backend_spec.threads)
            backend = build_backend(name, backend_spec, usage)
            try:
                # Importing and calling factories blocks: keep it off the event loop.
                await anyio.to_thread.run_sync(backend.load)
                await backend.start()
            except (ImportStringError, LifespanError) as error:
                line = line_of(document, ("backends", name))
                problems.append(Problem(str(error), line, f"backend {name!r}"))
                continue
            backends[name] = backend
            fresh.append(backend)
        if problems:
            for backend in fresh:
                await _stop(backend)
            raise TableError(str(self.path), problems)
        return backends, fresh

    async def _retire(self, backends: list[Backend]) -> None:
        for backend in backends:
            await backend.wait_idle()
            await _stop(backend)
            if self._on_retired is not None:
                self._on_retired(backend)
            logger.info("backend %r retired", backend.name)


async def _stop(backend: Backend) -> None:
    try:
        await backend.stop()
    except Exception:
        logger.exception("backend %r: stopping failed", backend.name)
