"""The gateway as one ASGI app: `create_app(settings)`.

Requests for the gateway's own surface (`/_gateway/*`, `/metrics`) go to the admin app;
everything else goes through the dispatch pipeline to a backend. The lifespan loads the
table (starting the backends' own lifespans), starts the reload triggers, and at shutdown
stops them and every backend.
"""

from __future__ import annotations

import logging
import os

from prometheus_client import multiprocess

from gateway.access_log import AccessLog
from gateway.admin import admin_app, is_admin_path
from gateway.asgi import Receive, Scope, Send
from gateway.backends import Backend
from gateway.controls import Controls
from gateway.dispatch import Dispatcher
from gateway.live_table import LiveTable, ReloadResult
from gateway.metrics import GatewayMetrics
from gateway.reloading import Reloader
from gateway.settings import GatewaySettings

logger = logging.getLogger("mvgate")


class Gateway:
    def __init__(self, settings: GatewaySettings) -> None:
        self.settings = settings
        self.metrics = GatewayMetrics()
        self.live = LiveTable(
            settings.routes.absolute(),
            thread_usage=self.metrics.thread_usage,
            on_retired=self._backend_retired,
            on_unknown_override=self.metrics.override_ignored.inc,
        )
        self.live.listeners.append(self._reloaded)
        self.reloader = Reloader(self.live, settings.watch, settings.supervisor_pid)
        self.controls = Controls(self.live, self.metrics, settings)
        self.dispatcher = Dispatcher(
            self.live, self.metrics, AccessLog(settings.access_log), self.controls
        )
        self.admin = admin_app(self)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "lifespan":
            await self._lifespan(receive, send)
        elif is_admin_path(scope["path"]):
            await self.admin(scope, receive, send)
        else:
            await self.dispatcher(scope, receive, send)

    async def startup(self) -> None:
        await self.live.load()
        await self.controls.start()
        await self.reloader.start()

    async def shutdown(self) -> None:
        await self.reloader.stop()
        await self.controls.stop()
        await self.live.close()
        self.dispatcher.access_log.close()
        if self.metrics.multiprocess:
            # Gauges in "live" modes stop counting this worker.
            multiprocess.mark_process_dead(os.getpid())

    async def _lifespan(self, receive: Receive, send: Send) -> None:
        await receive()  # lifespan.startup
        try:
            await self.startup()
        except Exception as error:
            logger.error("gateway startup failed: %s", error)
            await send({"type": "lifespan.startup.failed", "message": str(error)})
            return
        await send({"type": "lifespan.startup.complete"})
        await receive()  # lifespan.shutdown
        try:
            await self.shutdown()
        except Exception as error:
            logger.exception("gateway shutdown failed")
            await send({"type": "lifespan.shutdown.failed", "message": str(error)})
            return
        await send({"type": "lifespan.shutdown.complete"})

    def _reloaded(self, result: ReloadResult) -> None:
        self.metrics.reloads.labels(result.result).inc()
        if result.result == "invalid":
            self.metrics.table_ok.set(0)
        else:
            self.metrics.table_ok.set(1)
            self.metrics.table_loaded.set(self.live.current.loaded_at)

    def _backend_retired(self, backend: Backend) -> None:
        self.metrics.backend_removed(backend.name, backend.kind)


def create_app(settings: GatewaySettings | None = None) -> Gateway:
    """The gateway app; `settings=None` reads the `MVGATE_*` environment."""
    return Gateway(settings if settings is not None else GatewaySettings())
