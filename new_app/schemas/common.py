"""Types and small answers every resource uses."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from pydantic import BaseModel, PlainSerializer


def timestamp_text(value: datetime) -> str:
    """Naive UTC to the second: `2026-11-23T23:20:50`."""
    return value.isoformat(timespec="seconds")


# A timestamp as the contract writes it (never with microseconds or a zone).
Timestamp = Annotated[datetime, PlainSerializer(timestamp_text, return_type=str)]


class ErrorBody(BaseModel):
    error: str


class Message(BaseModel):
    message: str


class Deleted(BaseModel):
    message: str
    id: int

    @classmethod
    def of(cls, thing: str, identifier: int) -> Deleted:
        return cls(message=f"{thing} deleted", id=identifier)


# The error answers each endpoint family can give, for the OpenAPI document.
ERROR_RESPONSES: dict[int | str, dict[str, object]] = {
    status: {"model": ErrorBody, "description": description}
    for status, description in {
        400: "Invalid input",
        401: "Authentication required, or an invalid API key",
        403: "The caller's role may not do this",
        404: "No such thing",
    }.items()
}
