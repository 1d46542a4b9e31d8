"""The processes of one run: the simulated upstreams, the server under test (the gateway
through `mvgate serve`, or the Flask app under gunicorn) and, with Redis, the job workers.

Every server listens on 127.0.0.1 on a port the OS picked; each process writes its output
to a log file in the run's work directory, and is stopped (SIGTERM, then SIGKILL) when its
block ends.
"""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from importlib.metadata import entry_points
from pathlib import Path

import httpx

from benchmarks.local_services import free_port
from shared_models.demo.upstream_urls import upstream_urls

REPO = Path(__file__).resolve().parents[2]
LISTENING = re.compile(r"listening on (http://127\.0\.0\.1:\d+)")
START_SECONDS = 90.0
STOP_SECONDS = 20.0


@dataclass
class Managed:
    role: str
    process: subprocess.Popen[bytes]
    log: Path
    url: str = ""

    @property
    def pid(self) -> int:
        return self.process.pid

    def alive(self) -> bool:
        return self.process.poll() is None

    def log_tail(self, lines: int = 30) -> str:
        text = self.log.read_text(errors="replace") if self.log.exists() else ""
        return "\n".join(text.splitlines()[-lines:])

    def stop(self) -> None:
        if self.process.poll() is not None:
            return
        self.process.send_signal(signal.SIGTERM)
        try:
            self.process.wait(timeout=STOP_SECONDS)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()


@contextmanager
def managed(role: str, command: list[str], env: dict[str, str], log: Path) -> Iterator[Managed]:
    with log.open("ab") as handle:
        process = subprocess.Popen(
            command, cwd=REPO, env=env, stdout=handle, stderr=subprocess.STDOUT
        )
    server = Managed(role, process, log)
    try:
        yield server
    finally:
        server.stop()


def wait_for(server: Managed, probe: str, timeout: float = START_SECONDS) -> None:
    """Until `server.url + probe` answers 200 (the app's lifespan has run)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if not server.alive():
            raise RuntimeError(f"{server.role} exited:\n{server.log_tail()}")
        if not server.url:
            found = LISTENING.search(server.log.read_text(errors="replace"))
            if found:
                server.url = found.group(1)
        if server.url:
            try:
                if httpx.get(server.url + probe, timeout=5).status_code == 200:
                    return
            except httpx.HTTPError:
                pass
        time.sleep(0.2)
    raise RuntimeError(f"{server.role} did not start in {timeout:.0f} s:\n{server.log_tail()}")


def app_environment(
    *,
    database_url: str,
    data_dir: Path,
    upstreams_root: str,
    redis_url: str | None,
    probe_dir: Path | None,
) -> dict[str, str]:
    """The environment both apps read (shared_models.settings), pointed at this run."""
    urls = upstream_urls(upstreams_root)
    env = {
        key: value
        for key, value in os.environ.items()
        if key not in {"REDIS_URL", "MVGATE_ROUTES", "PROMETHEUS_MULTIPROC_DIR"}
    }
    env |= {
        "DATABASE_URL": database_url,
        "DATA_DIR": str(data_dir),
        "MEDIA_ROOT": str(data_dir / "media"),
        "SECRET_KEY": "mvbench-secret-key",
        "IMVDB_BASE_URL": urls.imvdb_base_url,
        "MUSICBRAINZ_BASE_URL": urls.musicbrainz_base_url,
        "VIDEO_URL_TEMPLATE": urls.video_url_template,
        "ALLOW_PRIVATE_DOWNLOAD_HOSTS": "true",
        "PYTHONUNBUFFERED": "1",
    }
    if redis_url:
        env["REDIS_URL"] = redis_url
    if probe_dir:
        env["MVBENCH_PROBE_DIR"] = str(probe_dir)
    return env


@contextmanager
def simulator(
    latency_ms: float, workdir: Path, spread_ms: tuple[float, float] | None = None
) -> Iterator[Managed]:
    """The simulated upstreams; with `spread_ms`, API answers 1-10 s late (the seed mix)."""
    port = free_port()
    command = [sys.executable, "-m", "benchmarks.upstreams", "--host", "127.0.0.1"]
    command += ["--port", str(port), "--latency-ms", str(latency_ms)]
    if spread_ms is not None:
        command += ["--latency-spread-ms", f"{spread_ms[0]:g}-{spread_ms[1]:g}"]
    with managed("simulator", command, dict(os.environ), workdir / "simulator.log") as server:
        server.url = f"http://127.0.0.1:{port}"
        wait_for(server, "/_sim/stats")
        # The clips are made on first use; make them now, not during the first step.
        httpx.get(server.url + "/media/watch/warmup.mp4", timeout=120)
        yield server


@contextmanager
def gateway(table: Path, workers: int, env: dict[str, str], log: Path) -> Iterator[Managed]:
    command = [sys.executable, "-m", "gateway.cli", "serve", "--routes", str(table)]
    command += ["--host", "127.0.0.1", "--port", "0", "--workers", str(workers)]
    command += ["--no-watch", "--no-access-log", "--log-level", "warning"]
    with managed("gateway", command, env, log) as server:
        # The "listening on" line is logged at info level; warning hides it, so the port
        # comes from the process's socket instead.
        server.url = _listening_url(server)
        wait_for(server, "/api/health")
        yield server


@contextmanager
def gunicorn(workers: int, threads: int, env: dict[str, str], log: Path) -> Iterator[Managed]:
    port = free_port()
    command = [sys.executable, "-m", "gunicorn", "legacy_flask:create_app()"]
    command += ["--bind", f"127.0.0.1:{port}", "--workers", str(workers)]
    command += ["--worker-class", "gthread", "--threads", str(threads)]
    command += ["--log-level", "warning", "--timeout", "120"]
    with managed("gunicorn", command, env, log) as server:
        server.url = f"http://127.0.0.1:{port}"
        wait_for(server, "/api/health")
        yield server


def _listening_url(server: Managed, timeout: float = START_SECONDS) -> str:
    import psutil

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if not server.alive():
            raise RuntimeError(f"gateway exited:\n{server.log_tail()}")
        try:
            for connection in psutil.Process(server.pid).net_connections(kind="tcp"):
                if connection.status == psutil.CONN_LISTEN:
                    return f"http://127.0.0.1:{connection.laddr.port}"
        except psutil.Error:
            pass
        time.sleep(0.1)
    raise RuntimeError(f"gateway did not listen in {timeout:.0f} s:\n{server.log_tail()}")


def worker_command_available() -> bool:
    """Whether `mvgate worker` (the arq job workers) is installed."""
    return any(entry.name == "worker" for entry in entry_points(group="mvgate.commands"))


@contextmanager
def job_workers(count: int, env: dict[str, str], workdir: Path) -> Iterator[list[Managed]]:
    """`count` arq workers (`mvgate worker`); none when the command is not installed."""
    started: list[Managed] = []
    try:
        for index in range(count if worker_command_available() else 0):
            command = [sys.executable, "-m", "gateway.cli", "worker"]
            log = workdir / f"worker-{index}.log"
            handle = log.open("ab")
            process = subprocess.Popen(
                command, cwd=REPO, env=env, stdout=handle, stderr=subprocess.STDOUT
            )
            handle.close()
            started.append(Managed("worker", process, log))
        time.sleep(2.0 if started else 0.0)
        for worker in started:
            if not worker.alive():
                raise RuntimeError(f"job worker exited:\n{worker.log_tail()}")
        yield started
    finally:
        for worker in started:
            worker.stop()
