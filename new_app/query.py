"""Reading query-string parameters the contract's way: strict types, clear 400 messages,
and the two paging styles (offset/limit and page/per_page).

A parameter given twice counts with its first value, as in the legacy app.
"""

from __future__ import annotations

import enum
import math
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, TypeVar

from starlette.requests import Request

from new_app.errors import ApiError
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


def raw_arg(request: Request, name: str) -> str | None:
    """The first value of `name`, or None when absent."""
    values = request.query_params.getlist(name)
    return values[0] if values else None


def text_arg(request: Request, name: str) -> str | None:
    """A trimmed text parameter; absent or blank is None."""
    return query_text(name, raw_arg(request, name) or "")


def required_text_arg(request: Request, name: str) -> str:
    value = text_arg(request, name)
    if value is None:
        raise ApiError(400, f"{name} is required")
    return value


def bool_arg(request: Request, name: str, default: bool | None) -> bool | None:
    raw = raw_arg(request, name)
    if raw is None or raw == "":
        return default
    word = raw.strip().lower()
    if word in TRUE_WORDS:
        return True
    if word in FALSE_WORDS:
        return False
    raise ApiError(400, f"{name} must be true or false")


def int_arg(
    request: Request,
    name: str,
    default: int | None,
    *,
    minimum: int | None = None,
    maximum: int | None = None,
    message: str | None = None,
) -> int | None:
    """An integer parameter within [minimum, maximum]; `message` overrides the 400 text."""
    raw = raw_arg(request, name)
    if raw is None or raw == "":
        return default
    if not _INTEGER.fullmatch(raw):
        raise ApiError(400, message or f"{name} must be an integer")
    value = int(raw)
    if (minimum is not None and value < minimum) or (maximum is not None and value > maximum):
        raise ApiError(400, message or f"{name} must be an integer between {minimum} and {maximum}")
    return value


def choice_arg(request: Request, name: str, choices: Sequence[str], default: str) -> str:
    raw = raw_arg(request, name)
    value = (raw or "").strip().lower() or default
    if value not in choices:
        raise ApiError(400, f"invalid {name} '{raw}'")
    return value


def descending_arg(request: Request, name: str = "order") -> bool:
    """`asc` (default) or `desc`."""
    return choice_arg(request, name, ("asc", "desc"), "asc") == "desc"


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


def video_status_arg(request: Request, name: str = "status") -> VideoStatus | None:
    raw = text_arg(request, name)
    return None if raw is None else parse_video_status(raw, name)


@dataclass(frozen=True)
class OffsetPage:
    """offset/limit paging (videos, artist videos)."""

    offset: int
    limit: int


@dataclass(frozen=True)
class NumberedPage:
    """page/per_page paging (artists, playlists, download history, users)."""

    page: int
    per_page: int

    @property
    def offset(self) -> int:
        return (self.page - 1) * self.per_page

    def pages(self, total: int) -> int:
        return math.ceil(total / self.per_page)


def offset_page_args(request: Request, default_limit: int = 50) -> OffsetPage:
    limit = int_arg(
        request,
        "limit",
        default_limit,
        minimum=1,
        maximum=500,
        message="limit must be an integer between 1 and 500",
    )
    offset = int_arg(
        request,
        "offset",
        0,
        minimum=0,
        maximum=MAX_OFFSET,
        message="offset must be a non-negative integer",
    )
    assert limit is not None and offset is not None
    return OffsetPage(offset=offset, limit=limit)


def numbered_page_args(request: Request, default_per_page: int = 50) -> NumberedPage:
    page = int_arg(
        request, "page", 1, minimum=1, maximum=MAX_PAGE, message="page must be a positive integer"
    )
    per_page = int_arg(
        request,
        "per_page",
        default_per_page,
        minimum=1,
        maximum=200,
        message="per_page must be an integer between 1 and 200",
    )
    assert page is not None and per_page is not None
    return NumberedPage(page=page, per_page=per_page)
