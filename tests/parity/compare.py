"""How two answers to the same case are compared, and how a difference is worded.

What is compared:
- the status code;
- the headers clients read (HEADERS), `Allow` and `Cache-Control` as sets, and the
  `Set-Cookie` cookies by name: the session payload (decoded, the signature carries a
  timestamp) and the attributes (Path, HttpOnly, SameSite, Max-Age, Expires);
- JSON bodies parsed: values with their types (`1` is not `1.0`, `true` is not `1`), the
  key order of every object, and whether each is compact UTF-8 JSON; other bodies by
  length, and by their bytes for Range requests;
- the database rows and media files the request changed.

Wall-clock values are the one thing normalized for every case: a timestamp later than the
seeded library was written by the request, so it is replaced by its distance from the
request's start ("<request time>", "<request time +15 min>"). Both backends must still
write the same field at the same moment; a backend that leaves it unset, or writes a
stale value, still differs.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

import httpx

from shared_models.security import verify_password
from shared_models.session_cookie import SessionCodec
from tests.parity.case import Case
from tests.parity.world import SEED_NOW, Rows, Snapshot

# Compared as they are; Allow and Cache-Control as sets.
HEADERS = (
    "content-type",
    "location",
    "allow",
    "retry-after",
    "www-authenticate",
    "accept-ranges",
    "content-range",
    "cache-control",
)
SET_HEADERS = {"allow", "cache-control"}
# What a download thread writes after the request has answered: not the endpoint's doing.
RUNNER_OWNED = {
    "downloads": {
        "status",
        "progress",
        "attempts",
        "started_at",
        "completed_at",
        "heartbeat_at",
        "worker_id",
        "error_message",
        "file_path",
        "file_size",
        "updated_at",
        "live_video_id",  # follows status
    },
    # The async runner also gives a video without any thumbnail a frame of its file.
    "videos": {"status", "local_path", "duration", "quality", "updated_at", "thumbnail_path"},
}
MAX_REPORTED = 25
THUMBNAIL_CACHE = "thumbnails/"
_TIMESTAMP = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}")
_FRESH_AFTER = SEED_NOW + timedelta(days=1)
_EPOCH_EXPIRES = re.compile(r"thu, 01[ -]jan[ -]1970", re.IGNORECASE)


# -- one side's answer ------------------------------------------------------------------


@dataclass
class Exchange:
    """What one backend did with a case."""

    status: int
    headers: httpx.Headers
    body: bytes
    started: datetime  # naive UTC, when the request was sent
    before: Snapshot
    after: Snapshot
    # asyncio's reports of callbacks that held the loop too long while this request ran
    slow_callbacks: list[str] = field(default_factory=list)
    # For a HEAD request: the length of the body the same GET sends, as sent.
    get_length: int | None = None

    @property
    def is_json(self) -> bool:
        return self.headers.get("content-type", "").split(";")[0].strip() == "application/json"


# -- normalizing --------------------------------------------------------------------------


def relative_time(value: datetime, started: datetime) -> str | datetime:
    """A timestamp written during the request as its distance from the request's start."""
    if value <= _FRESH_AFTER or value > started + timedelta(days=1):
        return value
    minutes = round((value - started.replace(microsecond=0)).total_seconds() / 60)
    return "<request time>" if minutes == 0 else f"<request time {minutes:+d} min>"


def normalize_json(value: Any, started: datetime) -> Any:
    if isinstance(value, dict):
        return {key: normalize_json(item, started) for key, item in value.items()}
    if isinstance(value, list):
        return [normalize_json(item, started) for item in value]
    if isinstance(value, str) and _TIMESTAMP.fullmatch(value):
        normalized = relative_time(datetime.fromisoformat(value), started)
        return normalized if isinstance(normalized, str) else value
    return value


def drop_paths(value: Any, paths: Iterable[list[str]]) -> Any:
    """`value` without the fields at these paths ("*" matches any key or index)."""
    for path in paths:
        value = _drop(value, path)
    return value


def _drop(value: Any, path: list[str]) -> Any:
    if not path:
        return value
    head, rest = path[0], path[1:]
    if isinstance(value, dict):
        keys = list(value) if head == "*" else [head]
        copy = dict(value)
        for key in keys:
            if key in copy:
                if rest:
                    copy[key] = _drop(copy[key], rest)
                else:
                    del copy[key]
        return copy
    if isinstance(value, list) and (head == "*" or head.isdigit()):
        indexes = range(len(value)) if head == "*" else [int(head)]
        copy = list(value)
        for index in indexes:
            if index < len(copy) and rest:
                copy[index] = _drop(copy[index], rest)
        return copy
    return value


# -- comparing JSON -------------------------------------------------------------------------


def _show(value: Any) -> str:
    text = json.dumps(value, ensure_ascii=False, default=str)
    return text if len(text) <= 120 else text[:117] + "..."


def _kind(value: Any) -> str:
    return {bool: "boolean", int: "integer", float: "float", str: "string"}.get(
        type(value), type(value).__name__
    )


def json_differences(legacy: Any, new: Any, path: str = "$") -> list[str]:
    """Every place the two JSON values differ: values, types, and key order."""
    if isinstance(legacy, dict) and isinstance(new, dict):
        found = []
        legacy_keys, new_keys = list(legacy), list(new)
        missing = [key for key in legacy_keys if key not in new]
        extra = [key for key in new_keys if key not in legacy]
        if missing:
            found.append(f"{path}: new lacks keys {missing}")
        if extra:
            found.append(f"{path}: new has extra keys {extra}")
        common_legacy = [key for key in legacy_keys if key in new]
        common_new = [key for key in new_keys if key in legacy]
        if common_legacy != common_new:
            found.append(f"{path}: key order legacy {common_legacy} != new {common_new}")
        for key in common_legacy:
            found += json_differences(legacy[key], new[key], f"{path}.{key}")
        return found
    if isinstance(legacy, list) and isinstance(new, list):
        found = []
        if len(legacy) != len(new):
            found.append(f"{path}: legacy has {len(legacy)} items, new {len(new)}")
        for index, (left, right) in enumerate(zip(legacy, new, strict=False)):
            found += json_differences(left, right, f"{path}[{index}]")
        return found
    if type(legacy) is not type(new) or legacy != new:
        if type(legacy) is not type(new) and legacy == new:
            left, right = f"{_show(legacy)} ({_kind(legacy)})", f"{_show(new)} ({_kind(new)})"
            return [f"{path}: legacy {left} != new {right}"]
        return [f"{path}: legacy {_show(legacy)} != new {_show(new)}"]
    return []


def is_compact_json(raw: bytes, parsed: Any) -> bool:
    """The body is what a compact, UTF-8 (not \\u-escaped) encoder writes (a trailing
    newline aside: Flask adds one, nobody reads it)."""
    canonical = json.dumps(parsed, ensure_ascii=False, separators=(",", ":")).encode()
    return raw.rstrip(b"\n") == canonical


# -- headers and cookies --------------------------------------------------------------------


def header_value(name: str, headers: httpx.Headers) -> Any:
    values = headers.get_list(name)
    if not values:
        return None
    if name in SET_HEADERS:
        return sorted({part.strip().lower() for value in values for part in value.split(",")})
    if name == "content-type":
        return "; ".join(part.strip().lower() for part in values[0].split(";"))
    return ", ".join(values)


def cookies(headers: httpx.Headers, codec: SessionCodec) -> dict[str, dict[str, Any]]:
    """Set-Cookie by cookie name: the value (a session cookie decoded) and the attributes."""
    found = {}
    for line in headers.get_list("set-cookie"):
        first, *attributes = [part.strip() for part in line.split(";")]
        name, _, value = first.partition("=")
        cookie: dict[str, Any] = {"value": _cookie_value(value, codec)}
        for attribute in attributes:
            key, has_value, setting = attribute.partition("=")
            key = key.strip().lower()
            if key == "expires":
                # An epoch date means "delete"; any other date is now + max-age.
                cookie[key] = "1970 (deleted)" if _EPOCH_EXPIRES.match(setting) else "a date"
            elif key == "samesite":
                cookie[key] = setting.strip().lower()
            else:
                cookie[key] = setting.strip() if has_value else True
        found[name] = cookie
    return found


def _cookie_value(value: str, codec: SessionCodec) -> Any:
    value = value.strip('"')
    if not value:
        return ""
    payload = codec.loads(value)
    return {"session": payload} if payload else "<not a session this secret signed>"


# -- database rows and files ------------------------------------------------------------------


def row_changes(before: dict[str, Rows], after: dict[str, Rows]) -> dict[str, Any]:
    """What a request changed, flat: `table[pk].column` -> new value, `table[pk]` ->
    "added"/"removed"."""
    changes: dict[str, Any] = {}
    for table, rows_after in after.items():
        rows_before = before[table]
        for key, row in rows_after.items():
            label = f"{table}[{', '.join(map(str, key))}]"
            old = rows_before.get(key)
            if old is None:
                changes[label] = "added"
                changes.update({f"{label}.{column}": value for column, value in row.items()})
            else:
                changes.update(
                    {
                        f"{label}.{column}": value
                        for column, value in row.items()
                        if old.get(column) != value
                    }
                )
        for key in rows_before.keys() - rows_after.keys():
            changes[f"{table}[{', '.join(map(str, key))}]"] = "removed"
    return changes


def normalize_rows(changes: dict[str, Any], case: Case, started: datetime) -> dict[str, Any]:
    ignored = set(case.ignore_rows)
    if case.starts_download:
        ignored |= {
            f"{table}.{column}" for table, columns in RUNNER_OWNED.items() for column in columns
        }
    normalized = {}
    for label, value in changes.items():
        table = label.split("[", 1)[0]
        column = label.rsplit(".", 1)[1] if "]." in label else None
        if column is not None and f"{table}.{column}" in ignored:
            continue
        if isinstance(value, datetime):
            value = relative_time(value, started)
        elif column == "password_hash" and isinstance(value, str):
            value = _password_hash(value, case)
        elif hasattr(value, "value"):  # enums: compare what is stored
            value = value.value
        normalized[label] = value
    return normalized


def _password_hash(stored: str, case: Case) -> str:
    """Hashes are salted: compare what they verify, not their bytes."""
    sent = case.body.get("password") if isinstance(case.body, dict) else None
    if isinstance(sent, str) and verify_password(sent, stored):
        return "<a hash of the password sent>"
    return "<a hash that does not match the password sent>"


def file_changes(before: Snapshot, after: Snapshot) -> dict[str, Any]:
    """Files the request wrote or removed. The thumbnail cache is compared by what it
    holds (the sizes of the files added), not by name: cache names are derived from the
    source file's modification time, which differs each time a source is fetched."""
    changes: dict[str, Any] = {}
    cached: list[int] = []
    for path, state in after.files.items():
        if before.files.get(path) != state:
            if path.startswith(THUMBNAIL_CACHE):
                cached.append(state.size)
            else:
                changes[path] = f"{state.size} bytes"
    for path in before.files.keys() - after.files.keys():
        changes[path] = "removed"
    if cached:
        changes[f"{THUMBNAIL_CACHE}*"] = f"{len(cached)} files of {sorted(cached)} bytes"
    return changes


def mapping_differences(what: str, legacy: dict[str, Any], new: dict[str, Any]) -> list[str]:
    found = []
    for key in sorted(legacy.keys() | new.keys()):
        left, right = legacy.get(key, "<unchanged>"), new.get(key, "<unchanged>")
        if left != right or type(left) is not type(right):
            found.append(f"{what} {key}: legacy {_show(left)} != new {_show(right)}")
    return found


# -- the whole comparison -----------------------------------------------------------------------


def differences(case: Case, legacy: Exchange, new: Exchange, codec: SessionCodec) -> list[str]:
    found: list[str] = []
    if legacy.status != new.status:
        found.append(f"status: legacy {legacy.status} != new {new.status}")
    for name in HEADERS:
        left, right = header_value(name, legacy.headers), header_value(name, new.headers)
        if left != right:
            found.append(f"header {name}: legacy {_show(left)} != new {_show(right)}")
    found += mapping_differences(
        "cookie", cookies(legacy.headers, codec), cookies(new.headers, codec)
    )
    found += body_differences(case, legacy, new)
    if case.starts_download:
        file_effects: tuple[dict[str, Any], dict[str, Any]] = ({}, {})
    else:
        file_effects = (
            file_changes(legacy.before, legacy.after),
            file_changes(new.before, new.after),
        )
    found += mapping_differences("file", *file_effects)
    found += mapping_differences(
        "db",
        normalize_rows(
            row_changes(legacy.before.tables, legacy.after.tables), case, legacy.started
        ),
        normalize_rows(row_changes(new.before.tables, new.after.tables), case, new.started),
    )
    if len(found) > MAX_REPORTED:
        found = [*found[:MAX_REPORTED], f"... and {len(found) - MAX_REPORTED} more"]
    return found


def body_differences(case: Case, legacy: Exchange, new: Exchange) -> list[str]:
    if case.method == "HEAD":
        # Lengths differ by formatting (Flask ends JSON with a newline) and by encoding
        # (gzip), so each side's HEAD is held to its own GET; the GET bodies are compared
        # by the GET cases.
        found = []
        for name, exchange in (("legacy", legacy), ("new", new)):
            if exchange.body:
                found.append(f"body: {name} answered HEAD with {len(exchange.body)} bytes")
            announced = exchange.headers.get("content-length")
            if announced is not None and int(announced) != exchange.get_length:
                found.append(
                    f"header content-length: {name}'s HEAD announces {announced} bytes, "
                    f"its GET sends {exchange.get_length}"
                )
        if (legacy.headers.get("content-length") is None) != (
            new.headers.get("content-length") is None
        ):
            found.append("header content-length: sent by only one of legacy and new")
        return found
    if legacy.is_json:
        try:
            new_json = json.loads(new.body)
        except ValueError:
            return [f"body: legacy sent JSON, new sent {len(new.body)} bytes that do not parse"]
        legacy_json = json.loads(legacy.body)
        found = []
        if is_compact_json(legacy.body, legacy_json) != is_compact_json(new.body, new_json):
            found.append("body: legacy and new encode JSON differently (compact UTF-8 or not)")
        ignored = [entry.split(".") for entry in case.ignore]
        found += json_differences(
            normalize_json(drop_paths(legacy_json, ignored), legacy.started),
            normalize_json(drop_paths(new_json, ignored), new.started),
        )
        return found
    found = []
    if len(legacy.body) != len(new.body):
        found.append(f"body: legacy {len(legacy.body)} bytes != new {len(new.body)} bytes")
    if "range" in {name.lower() for name in case.headers} and legacy.body != new.body:
        found.append("body: the bytes of the Range answer differ")
    return found
