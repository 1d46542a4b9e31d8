"""One SQLAlchemy session per request (the Flask tutorial's `get_db` pattern, without
Flask-SQLAlchemy): opened on first use, closed when the app context ends."""

from __future__ import annotations

from typing import Any, TypeVar

from flask import g
from sqlalchemy.orm import Session

from legacy_flask.errors import ApiError
from legacy_flask.runtime import current_runtime

ModelT = TypeVar("ModelT")


def get_db() -> Session:
    if "db" not in g:
        g.db = current_runtime().session_factory()
    return g.db


def close_db(_error: BaseException | None = None) -> None:
    session: Session | None = g.pop("db", None)
    if session is not None:
        session.close()


def get_or_404(model: type[ModelT], identity: object, label: str, **options: Any) -> ModelT:
    """The row with this primary key, or a `404 {"error": "<label> not found"}`."""
    row = get_db().get(model, identity, **options)
    if row is None:
        raise ApiError(404, f"{label} not found")
    return row
