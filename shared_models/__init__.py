"""What the legacy Flask app and the async FastAPI app share and must never drift on.

Models, engines (sync and async from one URL), settings, the session-cookie format,
password hashing and media-path confinement. Both apps import this package; it
imports neither of them.
"""
