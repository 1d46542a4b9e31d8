"""What one app instance owns besides Flask itself: its settings, its database engine, its
download threads and its live-transcode slots.

`create_app` builds one `Runtime` and keeps it in `app.extensions`; request code reaches it
with `current_runtime()`. Nothing here is module-global, so two apps (tests, the gateway's
parity checks) never share an engine or a thread.
"""

from __future__ import annotations

import atexit
import threading
import weakref
from dataclasses import dataclass

from flask import current_app
from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from legacy_flask.services.downloader import DownloadRunner
from shared_models.database import create_sync_engine, sync_session_factory
from shared_models.settings import Settings

EXTENSION_KEY = "mvidarr"


@dataclass
class Runtime:
    settings: Settings
    engine: Engine
    session_factory: sessionmaker[Session]
    downloads: DownloadRunner
    transcode_slots: threading.BoundedSemaphore

    @classmethod
    def create(cls, settings: Settings) -> Runtime:
        engine = create_sync_engine(settings.resolved_database_url)
        session_factory = sync_session_factory(engine)
        return cls(
            settings=settings,
            engine=engine,
            session_factory=session_factory,
            downloads=DownloadRunner(settings, session_factory),
            transcode_slots=threading.BoundedSemaphore(settings.max_concurrent_transcodes),
        )

    def close(self, timeout: float = 30.0) -> None:
        """Stop running downloads and release the database connections."""
        self.downloads.shutdown(timeout)
        self.engine.dispose()

    def close_at_exit(self, timeout: float = 10.0) -> None:
        """Close when the interpreter exits, so a server stopping mid-download leaves its
        rows `failed` (retryable) rather than `downloading` forever. Held weakly: an app
        dropped earlier (tests make many) is not kept alive by this."""
        reference = weakref.ref(self)

        def close_if_alive() -> None:
            runtime = reference()
            if runtime is not None:
                runtime.close(timeout)

        atexit.register(close_if_alive)


def current_runtime() -> Runtime:
    return current_app.extensions[EXTENSION_KEY]
