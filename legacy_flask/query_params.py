"""Reading query-string parameters the contract's way: strict types, clear 400 messages,
and the two paging styles (offset/limit and page/per_page)."""

from __future__ import annotations

import enum
import math
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, TypeVar

from flask import request

from legacy_flask.errors import ApiError
from shared_models.json_rules import query_text
from shared_models.models import VideoStatus

TRUE_WORDS = frozenset({"true", "1", "yes"})
FALSE_WORDS = frozenset({"false", "0", "no"})

EnumT = TypeVar("EnumT", bound=enum.Enum)

# Plain decimal digits only: Python's int() would also take "1_000" or " +5".
_INTEGER = re.compile(r"-?[0-9]{1,18}")
# Paging bounds keep OFFSET within what every database takes.
MAX_OFFSET = 1_000_000_000
MAX_PAGE = 1_000_000


def text_arg(name: str) -> str | None:
    """A trimmed text parameter; absent or blank is None."""
    return query_text(name, request.args.get(name, ""))


def required_text_arg(name: str) -> str:
    value = text_arg(name)
    if value is None:
        raise ApiError(400, f"{name} is required")
    return value


def bool_arg(name: str, default: bool | None) -> bool | None:
    raw = request.args.get(name)
    if raw is None or raw == "":
        return default
    word = raw.strip().lower()
    if word in TRUE_WORDS:
        return True
    if word in FALSE_WORDS:
        return False
    raise ApiError(400, f"{name} must be true or false")


def int_arg(
    name: str,
    default: int | None,
    *,
    minimum: int | None = None,
    maximum: int | None = None,
    message: str | None = None,
) -> int | None:
    """An integer parameter within [minimum, maximum]; `message` overrides the 400 text."""
    raw = request.args.get(name)
    if raw is None or raw == "":
        return default
    if not _INTEGER.fullmatch(raw):
        raise ApiError(400, message or f"{name} must be an integer")
    value = int(raw)
    if (minimum is not None and value < minimum) or (maximum is not None and value > maximum):
        raise ApiError(400, message or f"{name} must be an integer between {minimum} and {maximum}")
    return value


def choice_arg(name: str, choices: Sequence[str], default: str) -> str:
    value = request.args.get(name, "").strip().lower() or default
    if value not in choices:
        raise ApiError(400, f"invalid {name} '{request.args.get(name)}'")
    return value


def descending_arg(name: str = "order") -> bool:
    """`asc` (default) or `desc`."""
    return choice_arg(name, ("asc", "desc"), "asc") == "desc"


def parse_video_status(value: Any, name: str = "status") -> VideoStatus:
    """A video status in any case (`wanted`, `WANTED`); anything else is a 400."""
    if isinstance(value, str):
        try:
            return VideoStatus(value.strip().upper())
        except ValueError:
            pass
    raise ApiError(400, f"invalid {name} '{value}'")


def parse_enum(enum_class: type[EnumT], value: Any, name: str) -> EnumT:
    """A lower-case enum (download status, role) given in any case."""
    if isinstance(value, str):
        try:
            return enum_class(value.strip().lower())
        except ValueError:
            pass
    raise ApiError(400, f"invalid {name} '{value}'")


def video_status_arg(name: str = "status") -> VideoStatus | None:
    raw = text_arg(name)
    return None if raw is None else parse_video_status(raw, name)


@dataclass(frozen=True)
class OffsetPage:
    """offset/limit paging (videos, artist videos)."""

    offset: int
    limit: int

    def envelope(self, key: str, items: list[Any], total: int) -> dict[str, Any]:
        return {
            key: items,
            "count": len(items),
            "total": total,
            "offset": self.offset,
            "limit": self.limit,
        }


@dataclass(frozen=True)
class NumberedPage:
    """page/per_page paging (artists, playlists, download history, users)."""

    page: int
    per_page: int

    @property
    def offset(self) -> int:
        return (self.page - 1) * self.per_page

    def envelope(self, key: str, items: list[Any], total: int) -> dict[str, Any]:
        return {
            key: items,
            "count": len(items),
            "total": total,
            "page": self.page,
            "per_page": self.per_page,
            "pages": math.ceil(total / self.per_page),
        }


def offset_page_args(default_limit: int = 50) -> OffsetPage:
    limit = int_arg(
        "limit",
        default_limit,
        minimum=1,
        maximum=500,
        message="limit must be an integer between 1 and 500",
    )
    offset = int_arg(
        "offset",
        0,
        minimum=0,
        maximum=MAX_OFFSET,
        message="offset must be a non-negative integer",
    )
    assert limit is not None and offset is not None
    return OffsetPage(offset=offset, limit=limit)


def numbered_page_args(default_per_page: int = 50) -> NumberedPage:
    page = int_arg(
        "page", 1, minimum=1, maximum=MAX_PAGE, message="page must be a positive integer"
    )
    per_page = int_arg(
        "per_page",
        default_per_page,
        minimum=1,
        maximum=200,
        message="per_page must be an integer between 1 and 200",
    )
    assert page is not None and per_page is not None
    return NumberedPage(page=page, per_page=per_page)
