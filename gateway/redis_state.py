"""The cutover controls' state in Redis (`REDIS_URL`), shared by every gateway process.

Keys, under a prefix (`MVGATE_REDIS_PREFIX`, default `mvgate`):

| key | type | |
|---|---|---|
| `P:win:<fingerprint>:<backend>:<slot s>` | hash | tallies: `<slot>:n`, `:e`, `:b<bucket>` |
| `P:rollbacks` | hash | route label -> active rollback (JSON) |
| `P:cleared` | hash | route label -> when an operator last cleared it |
| `P:rollback_log` | list | the last rollback and clear events (JSON) |
| `P:diffs:routes` | set | routes with diff data |
| `P:diffs:counts:<route>` | hash | outcome -> count |
| `P:diffs:samples:<route>` | list | the latest diff samples (JSON) |
| `P:diffs:noise:<route>` | set | generalized paths learnt to be noise |
| `P:bucket:<key>` | hash | a rate-limit token bucket |

Every process adds its pending tallies and diff data in one pipeline per period, and reads
the rollbacks back in the same period, so requests never wait on Redis for any of it.
"""

from __future__ import annotations

import json
import time
from typing import Any

import redis.asyncio as redis

from gateway.rollback import RollbackEvent
from gateway.state import HISTORY, MAX_NOISE_PATHS, DiffReport, SharedState
from gateway.window import BUCKETS, SLOTS_PER_WINDOW, SlotKey, Tally, window_slots

# Set the rollback unless the same route (same fingerprint) is already rolled back; log it.
DECLARE = """
local current = redis.call('HGET', KEYS[1], ARGV[1])
if current then
  local ok, decoded = pcall(cjson.decode, current)
  if ok and decoded['fingerprint'] == ARGV[2] then return 0 end
end
redis.call('HSET', KEYS[1], ARGV[1], ARGV[3])
redis.call('LPUSH', KEYS[2], ARGV[4])
redis.call('LTRIM', KEYS[2], 0, tonumber(ARGV[5]) - 1)
return 1
"""

# A token bucket on Redis's clock (hosts' clocks may differ): refill, take, report.
TAKE_TOKENS = """
local rate = tonumber(ARGV[1])
local burst = tonumber(ARGV[2])
local wanted = tonumber(ARGV[3])
local clock = redis.call('TIME')
local now = tonumber(clock[1]) + tonumber(clock[2]) / 1000000
local stored = redis.call('HMGET', KEYS[1], 'tokens', 'at')
local tokens = tonumber(stored[1]) or burst
local at = tonumber(stored[2]) or now
tokens = math.min(burst, tokens + math.max(0, now - at) * rate)
local granted = math.min(wanted, math.floor(tokens))
tokens = tokens - granted
redis.call('HSET', KEYS[1], 'tokens', tostring(tokens), 'at', tostring(now))
redis.call('PEXPIRE', KEYS[1], math.ceil(burst / rate * 1000) + 1000)
local wait = 0
if granted == 0 then wait = (1 - tokens) / rate end
return {granted, tostring(wait)}
"""


def _tally_fields(slot: int, tally: Tally) -> dict[str, int]:
    fields = {f"{slot}:n": tally.requests}
    if tally.errors:
        fields[f"{slot}:e"] = tally.errors
    for index, count in enumerate(tally.buckets):
        if count:
            fields[f"{slot}:b{index}"] = count
    return fields


class RedisState(SharedState):
    kind = "redis"

    def __init__(self, url: str, prefix: str = "mvgate", samples_per_route: int = 20) -> None:
        super().__init__(samples_per_route)
        self.url = url
        self.prefix = prefix
        # Short timeouts: a Redis that hangs must not hold requests (rate limits) or the
        # controls' period for long; failures are logged and retried next period.
        self.client = redis.Redis.from_url(
            url, decode_responses=True, socket_timeout=0.5, socket_connect_timeout=0.5
        )
        self._declare = self.client.register_script(DECLARE)
        self._take = self.client.register_script(TAKE_TOKENS)

    def key(self, *parts: str) -> str:
        return ":".join((self.prefix, *parts))

    async def start(self) -> None:
        """Nothing to do before the first command: the pool connects on demand (a Redis
        that is down at startup must not stop the gateway)."""

    async def close(self) -> None:
        await self.client.aclose()

    # -- window -----------------------------------------------------------------------------

    def window_key(self, fingerprint: str, backend: str, length: float) -> str:
        return self.key("win", fingerprint, backend, f"{length:g}")

    async def add_tallies(self, tallies: dict[SlotKey, Tally]) -> None:
        if not tallies:
            return
        async with self.client.pipeline(transaction=False) as pipe:
            for (fingerprint, backend, length, slot), tally in tallies.items():
                key = self.window_key(fingerprint, backend, length)
                for name, count in _tally_fields(slot, tally).items():
                    pipe.hincrby(key, name, count)
                pipe.expire(key, int(length * (SLOTS_PER_WINDOW + 3)) + 1)
            await pipe.execute()

    async def window(self, route: str, fingerprint: str, backend: str, seconds: float) -> Tally:
        length, first, last = window_slots(seconds)
        first = self.first_slot_after_clear(route, length, first)
        key = self.window_key(fingerprint, backend, length)
        fields = await self.client.hgetall(key)
        total = Tally()
        stale = []
        for name, value in fields.items():
            slot_text, _, kind = name.partition(":")
            slot = int(slot_text)
            if slot < first - 1:
                stale.append(name)
            if not first <= slot <= last:
                continue
            count = int(value)
            if kind == "n":
                total.requests += count
            elif kind == "e":
                total.errors += count
            elif kind.startswith("b") and int(kind[1:]) < BUCKETS:
                total.buckets[int(kind[1:])] += count
        if stale:
            await self.client.hdel(key, *stale)
        return total

    # -- diffs ------------------------------------------------------------------------------

    async def flush(self) -> None:
        pending = self.pending.take()
        routes = set(pending.counts) | set(pending.samples) | set(pending.noise)
        if not routes:
            return
        async with self.client.pipeline(transaction=False) as pipe:
            pipe.sadd(self.key("diffs", "routes"), *routes)
            for route, counts in pending.counts.items():
                for outcome, count in counts.items():
                    pipe.hincrby(self.key("diffs", "counts", route), outcome, count)
            for route, samples in pending.samples.items():
                key = self.key("diffs", "samples", route)
                pipe.lpush(key, *(json.dumps(sample, default=str) for sample in samples))
                pipe.ltrim(key, 0, max(0, self.samples_per_route - 1))
            for route, paths in pending.noise.items():
                pipe.sadd(self.key("diffs", "noise", route), *paths)
            await pipe.execute()

    async def diff_report(self, routes: list[str] | None = None) -> dict[str, DiffReport]:
        names = sorted(await self.client.smembers(self.key("diffs", "routes")))
        if routes is not None:
            names = [name for name in names if name in routes]
        async with self.client.pipeline(transaction=False) as pipe:
            for name in names:
                pipe.hgetall(self.key("diffs", "counts", name))
                pipe.lrange(self.key("diffs", "samples", name), 0, -1)
                pipe.smembers(self.key("diffs", "noise", name))
            replies = await pipe.execute()
        reports = {}
        for index, name in enumerate(names):
            counts, samples, noise = replies[3 * index : 3 * index + 3]
            reports[name] = DiffReport(
                {outcome: int(count) for outcome, count in counts.items()},
                [json.loads(sample) for sample in samples],
                sorted(noise),
            )
        return reports

    # -- rollbacks --------------------------------------------------------------------------

    async def refresh(self, noise_routes: list[str] | None = None) -> None:
        noise_routes = noise_routes or []
        async with self.client.pipeline(transaction=False) as pipe:
            pipe.hgetall(self.key("rollbacks"))
            pipe.hgetall(self.key("cleared"))
            for route in noise_routes:
                pipe.srandmember(self.key("diffs", "noise", route), MAX_NOISE_PATHS)
            rollbacks, cleared, *noise = await pipe.execute()
        events = {}
        for route, text in rollbacks.items():
            try:
                events[route] = RollbackEvent.from_dict(json.loads(text))
            except (ValueError, KeyError, TypeError):
                continue
        self.rollbacks = events
        self.cleared = {route: float(at) for route, at in cleared.items()}
        for route, paths in zip(noise_routes, noise, strict=True):
            if paths:
                self._noise[route] = self._noise.get(route, frozenset()) | frozenset(paths)

    async def declare(self, event: RollbackEvent) -> bool:
        text = json.dumps(event.as_dict())
        logged = json.dumps({"event": "rollback", **event.as_dict()})
        won = await self._declare(
            keys=[self.key("rollbacks"), self.key("rollback_log")],
            args=[event.route, event.fingerprint, text, logged, HISTORY],
        )
        if won:
            self.rollbacks = {**self.rollbacks, event.route: event}
        return bool(won)

    async def clear(self, routes: list[str] | None) -> list[RollbackEvent]:
        now = time.time()
        current = await self.client.hgetall(self.key("rollbacks"))
        names = list(current) if routes is None else routes
        ended = []
        for name in names:
            if name in current:
                try:
                    ended.append(RollbackEvent.from_dict(json.loads(current[name])))
                except (ValueError, KeyError, TypeError):
                    continue
        async with self.client.pipeline(transaction=True) as pipe:
            if names:
                pipe.hdel(self.key("rollbacks"), *names)
                pipe.hset(self.key("cleared"), mapping=dict.fromkeys(names, str(now)))
            for event in ended:
                pipe.lpush(
                    self.key("rollback_log"),
                    json.dumps({"event": "cleared", "route": event.route, "at": now}),
                )
            pipe.ltrim(self.key("rollback_log"), 0, HISTORY - 1)
            await pipe.execute()
        self.rollbacks = {k: v for k, v in self.rollbacks.items() if k not in names}
        self.cleared = {**self.cleared, **dict.fromkeys(names, now)}
        return ended

    async def history(self) -> list[dict[str, Any]]:
        return [
            json.loads(item) for item in await self.client.lrange(self.key("rollback_log"), 0, -1)
        ]

    # -- rate limits ------------------------------------------------------------------------

    async def take_tokens(
        self, key: str, rate: float, burst: int, wanted: int
    ) -> tuple[int, float]:
        granted, wait = await self._take(keys=[self.key("bucket", key)], args=[rate, burst, wanted])
        return int(granted), float(wait)
