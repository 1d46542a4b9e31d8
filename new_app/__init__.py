"""The async MVidarr: a FastAPI app serving the legacy app's contract, the "after" of the
cutover. It imports nothing from Flask or the legacy app."""

from new_app.main import create_app

__all__ = ["create_app"]
