"""`mvgate serve`: the gateway under uvicorn, in one process or N workers.

The socket is bound here, before any worker starts, so `--port 0` works and the address
actually bound is logged ("listening on http://..."). Settings reach the workers through
the `MVGATE_*` environment, as they would under any process manager.

With N workers, the supervisor is uvicorn's, with one change: uvicorn answers SIGHUP by
restarting every worker; here SIGHUP is passed on to the workers, which reload their table
in place. Each worker also watches the file itself; `POST /_gateway/reload` on any worker
signals the supervisor, so all of them reload. Metrics of all workers are added up through
prometheus-client's multiprocess directory.
"""

from __future__ import annotations

import logging
import logging.config
import os
import shutil
import signal
import socket
import sys
import tempfile
from pathlib import Path

import uvicorn
from uvicorn.supervisors.multiprocess import Multiprocess

from gateway.app import Gateway, create_app
from gateway.logs import logging_config

logger = logging.getLogger("mvgate")


def create_served_app() -> Gateway:
    """The app factory each worker process calls: `create_app` from the environment, in
    a process that is the gateway's alone, so process-wide settings are ours to make."""
    # The JSON lines never show these, and gathering them costs on every request
    # ("Optimization" in the logging HOWTO).
    logging.logThreads = False
    logging.logProcesses = False
    logging.logMultiprocessing = False
    logging._srcfile = None  # no caller lookup: the logger name says where a line is from
    return create_app()


class ReloadingSupervisor(Multiprocess):
    def handle_hup(self) -> None:
        logger.info("SIGHUP: every worker reloads its routing table")
        for process in self.processes:
            if process.pid is not None:
                os.kill(process.pid, signal.SIGHUP)


def bind(host: str, port: int) -> socket.socket:
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind((host, port))
    # Listening at once: clients that come before the workers are ready wait in the
    # backlog instead of being refused.
    sock.listen(2048)
    sock.set_inheritable(True)
    return sock


def serve(
    routes: Path,
    host: str,
    port: int,
    workers: int,
    log_level: str,
    access_log: bool,
    watch: bool,
    proxy_headers: bool,
) -> None:
    # Backends are named by import strings relative to the working directory, as with uvicorn.
    sys.path.insert(0, os.getcwd())
    os.environ["MVGATE_ROUTES"] = str(routes.absolute())
    os.environ["MVGATE_WATCH"] = "1" if watch else "0"
    os.environ["MVGATE_ACCESS_LOG"] = "1" if access_log else "0"
    log_config = logging_config(log_level)
    logging.config.dictConfig(log_config)
    config = uvicorn.Config(
        "gateway.serve:create_served_app",
        factory=True,
        host=host,
        port=port,
        workers=workers,
        log_config=log_config,
        access_log=False,
        proxy_headers=proxy_headers,
        lifespan="on",
        timeout_graceful_shutdown=30,
    )
    sock = bind(host, port)
    bound_host, bound_port = sock.getsockname()[:2]
    shown_host = f"[{bound_host}]" if ":" in bound_host else bound_host
    logger.info(
        "listening on http://%s:%d (%d worker%s, table %s)",
        shown_host,
        bound_port,
        workers,
        "" if workers == 1 else "s",
        routes,
    )
    if workers == 1:
        uvicorn.Server(config).run(sockets=[sock])
        return
    metrics_dir = None
    if not os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        metrics_dir = tempfile.mkdtemp(prefix="mvgate-metrics-")
        os.environ["PROMETHEUS_MULTIPROC_DIR"] = metrics_dir
    os.environ["MVGATE_SUPERVISOR_PID"] = str(os.getpid())
    try:
        ReloadingSupervisor(config, sockets=[sock]).run()
    finally:
        if metrics_dir is not None:
            shutil.rmtree(metrics_dir, ignore_errors=True)
