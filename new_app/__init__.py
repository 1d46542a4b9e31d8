"""The async MVidarr: a FastAPI app serving the legacy app's contract, the "after" of the
cutover. It imports nothing from Flask or the legacy app.

`create_app` is imported on first use: a job worker imports `new_app.jobs` without loading
FastAPI and every router."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from new_app.main import create_app

__all__ = ["create_app"]


def __getattr__(name: str) -> Any:
    if name == "create_app":
        from new_app.main import create_app

        return create_app
    raise AttributeError(f"module 'new_app' has no attribute {name!r}")
