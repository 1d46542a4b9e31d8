"""The legacy MVidarr: a Flask app with blocking I/O, the "before" of the cutover."""

from legacy_flask.app import create_app

__all__ = ["create_app"]
