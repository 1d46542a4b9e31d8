"""The containers' commands, run as local processes from what the image would hold.

There is no Docker engine to build the image with, so this test does what its build
stage does and runs what its services run:

1. the build context: the project as `.dockerignore` leaves it;
2. the build stage: only the files the Dockerfile copies, built into a wheel the way
   `pip install .` builds it, unpacked as site-packages and put first on the path, so the
   checkout is not what answers; for the runtime image's services, the dev extras are
   hidden (the image installs the project without them);
3. each compose service's command and environment, with only the container-specific
   values replaced: listening addresses (0.0.0.0 -> 127.0.0.1, fixed ports -> free ones),
   service host names (the local MariaDB, Redis, gateway and upstreams), and paths inside
   the container (a temporary directory for /data and /tmp, a copy of the mounted
   table for /etc/mvgate, an empty working directory for /app).

The bench profile is run with the exports of docs/operations.md ("Running the benchmarks").
"""

from __future__ import annotations

import csv
import os
import re
import shutil
import signal
import subprocess
import sys
import time
import tomllib
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pymysql
import pytest
import redis
from sqlalchemy.engine import make_url

from tests.conftest import MARIADB_URL, RUN_TOKEN, _mariadb_admin_connection
from tests.deploy.files import (
    DOCKERFILE,
    REPO,
    command_words,
    env_names,
    environment_of,
    ignore_patterns,
    is_ignored,
    load_compose,
    parse_dockerfile,
)
from tests.deploy.test_compose import OPERATOR_ENVIRONMENT

pytestmark = [pytest.mark.slow, pytest.mark.mariadb, pytest.mark.redis]

START_SECONDS = 60.0
PACKAGES = ("gateway", "legacy_flask", "new_app", "shared_models", "web_ui", "benchmarks")
# docs/operations.md, "Running the benchmarks": what the bench profile is run with.
BENCH_ENVIRONMENT = {
    "IMVDB_BASE_URL": "http://upstreams:8001/imvdb/api/v1",
    "MUSICBRAINZ_BASE_URL": "http://upstreams:8001/musicbrainz/ws/2",
    "ALLOW_PRIVATE_DOWNLOAD_HOSTS": "true",
}
SEED_COMMAND = ["mvgate", "seed", "--if-empty", "--upstreams-url", "http://upstreams:8001"]
# Small, so the test stays short; the runbook seeds the default demo library.
SEED_SIZE = ["--artists", "6", "--videos", "60", "--playlists", "3"]
LOCUST_RUN = ["--headless", "--users", "4", "--spawn-rate", "4", "--run-time", "6s"]
IMPORT_BLOCKER = '''\
"""Hides the dev extras, which the runtime image does not install."""
import sys
from importlib.abc import MetaPathFinder

HIDDEN = {hidden!r}


class HideDevExtras(MetaPathFinder):
    def find_spec(self, name, path=None, target=None):
        if name.partition(".")[0] in HIDDEN:
            raise ModuleNotFoundError(f"No module named {{name!r}} (a dev extra)", name=name)
        return None


sys.meta_path.insert(0, HideDevExtras())
'''


def dev_extras() -> set[str]:
    """Import names of the dev extras (`pytest-asyncio` -> `pytest_asyncio`)."""
    project = tomllib.loads((REPO / "pyproject.toml").read_text())["project"]
    names = {
        re.split(r"[<>=!~\[ ;]", spec, maxsplit=1)[0].replace("-", "_").lower()
        for spec in project["optional-dependencies"]["dev"]
    }
    return names | {"_pytest"}


def build_context(target: Path) -> Path:
    """Copy the project as the Docker build context would see it."""
    patterns = ignore_patterns()
    for folder, directories, files in os.walk(REPO):
        relative = Path(folder).relative_to(REPO)
        directories[:] = [
            d for d in directories if not is_ignored((relative / d).as_posix(), patterns)
        ]
        for name in files:
            path = (relative / name).as_posix()
            if not is_ignored(path, patterns):
                (target / relative).mkdir(parents=True, exist_ok=True)
                shutil.copy2(REPO / path, target / path)
    return target


def build_stage_sources(context: Path, target: Path) -> Path:
    """/src of the build stage: what its COPY instructions take from the context."""
    _, stages = parse_dockerfile(DOCKERFILE.read_text())
    build = next(stage for stage in stages if stage.name == "build")
    target.mkdir(parents=True)
    for copy in build.of("COPY"):
        *sources, destination = copy.arguments.split()
        for source in sources:
            origin = context / source
            assert origin.exists(), f"Dockerfile line {copy.line}: {source} is not in the context"
            if origin.is_dir():
                shutil.copytree(origin, target / destination.rstrip("/").removeprefix("./"))
            else:
                shutil.copy2(origin, target / Path(source).name)
    return target


@dataclass
class Image:
    site: Path  # the unpacked wheel
    blocker: Path  # a sitecustomize hiding the dev extras
    wheel: Path
    environment: dict[str, str]  # the Dockerfile's ENV, container paths mapped
    table: Path  # the routing table at MVGATE_ROUTES
    data: Path
    workdir: Path

    def local_path(self, text: str) -> str:
        """`text` with every absolute path inside the container made a local one."""
        places = {
            "/opt/venv/lib/python3.11/site-packages": self.site,
            "/data": self.data,
            "/tmp": self.data / "tmp",
            "/etc/mvgate": self.table.parent,
        }
        pattern = r"(?<![\w/.:])(" + "|".join(map(re.escape, places)) + r")(?=/|\b|$)"
        return re.sub(pattern, lambda found: str(places[found.group(1)]), text)


@pytest.fixture(scope="module")
def image(tmp_path_factory: pytest.TempPathFactory) -> Image:
    root = tmp_path_factory.mktemp("image")
    context = build_context(root / "context")
    sources = build_stage_sources(context, root / "src")
    wheels = root / "wheels"
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", str(wheels), str(sources)],
        check=True,
    )
    (wheel,) = wheels.glob("*.whl")
    site = root / "site-packages"
    with zipfile.ZipFile(wheel) as archive:
        archive.extractall(site)
    blocker = root / "no-dev-extras"
    blocker.mkdir()
    (blocker / "sitecustomize.py").write_text(IMPORT_BLOCKER.format(hidden=sorted(dev_extras())))

    data, etc, workdir = root / "data", root / "etc-mvgate", root / "app"
    for folder in (data / "media", data / "tmp", etc, workdir):
        folder.mkdir(parents=True)
    shutil.copy2(context / "routing_table.yaml", etc / "routing_table.yaml")
    _, stages = parse_dockerfile(DOCKERFILE.read_text())
    base = next(stage for stage in stages if stage.name == "base")
    environment = dict(
        pair for env in base.of("ENV") for pair in re.findall(r"(\w+)=(\S+)", env.arguments)
    )
    assert set(environment) == {n for env in base.of("ENV") for n in env_names(env)}
    environment.pop("PATH")  # /opt/venv/bin: here, this environment's own scripts
    made = Image(site, blocker, wheel, {}, etc / "routing_table.yaml", data, workdir)
    made.environment = {name: made.local_path(value) for name, value in environment.items()}
    return made


@pytest.fixture(scope="module")
def database() -> Iterator[str]:
    name = f"mvd_{RUN_TOKEN}"
    try:
        admin = _mariadb_admin_connection()
    except pymysql.err.OperationalError as error:
        pytest.skip(f"MariaDB is not reachable at {MARIADB_URL}: {error}")
    with admin.cursor() as cursor:
        cursor.execute(f"CREATE DATABASE `{name}` CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci")
    yield make_url(MARIADB_URL).set(database=name).render_as_string(hide_password=False)
    with admin.cursor() as cursor:
        cursor.execute(f"DROP DATABASE IF EXISTS `{name}`")
    admin.close()


@pytest.fixture(scope="module")
def services() -> dict[str, dict[str, Any]]:
    return load_compose(OPERATOR_ENVIRONMENT | BENCH_ENVIRONMENT)["services"]


def scripts_path() -> str:
    return f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}"


class Running:
    def __init__(self, words: list[str], env: dict[str, str], cwd: Path, log: Path) -> None:
        self.log_path = log
        with log.open("wb") as out:
            self.process = subprocess.Popen(words, env=env, cwd=cwd, stdout=out, stderr=out)

    def full_log(self) -> str:
        return self.log_path.read_text(errors="replace")

    def log(self) -> str:
        """The end of the process's output: enough to say why, not a whole log."""
        return "\n".join(self.full_log().splitlines()[-40:])

    def wait_for(self, pattern: str, count: int = 1) -> re.Match[str]:
        deadline = time.monotonic() + START_SECONDS
        while time.monotonic() < deadline:
            found = list(re.finditer(pattern, self.full_log()))
            if len(found) >= count:
                return found[0]
            if self.process.poll() is not None:
                raise AssertionError(f"exited with {self.process.returncode}:\n{self.log()}")
            time.sleep(0.1)
        raise AssertionError(f"no {pattern!r} in {START_SECONDS} s:\n{self.log()}")

    def stop(self) -> int:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
                raise AssertionError(f"did not stop on SIGTERM:\n{self.log()}") from None
        return self.process.returncode


@dataclass
class Stack:
    """The compose services, as local processes; `hosts` maps service addresses to the
    local ones as they become known."""

    image: Image
    services: dict[str, dict[str, Any]]
    database: str
    redis_url: str
    hosts: dict[str, str] = field(default_factory=dict)
    running: list[Running] = field(default_factory=list)

    def local(self, text: str) -> str:
        for inside, outside in self.hosts.items():
            text = text.replace(inside, outside)
        return self.image.local_path(text)

    def process(
        self, name: str, command: list[str] | None = None
    ) -> tuple[list[str], dict[str, str]]:
        """The service's command (or `command` in its place, as `docker compose run` does)
        and environment, made runnable on this machine."""
        service = self.services[name]
        words: list[str] = []
        for word in command or command_words(service["command"]):
            if word == "0.0.0.0":
                word = "127.0.0.1"
            elif word in ("8000", "8001") and not words[-1].startswith("--master"):
                word = "0"
            words.append(self.local(word))
        if words[0] == "python":
            words[0] = sys.executable
        environment = environment_of(service)
        environment["DATABASE_URL"] = self.database
        environment["REDIS_URL"] = self.redis_url
        environment = {key: self.local(value) for key, value in environment.items()}
        bench_image = service["build"]["target"] == "bench"
        paths = [str(self.image.site)]
        if not bench_image:
            paths.insert(0, str(self.image.blocker))
        env = {
            "PATH": scripts_path(),
            "HOME": str(self.image.data),
            "LANG": "C.UTF-8",
            # The unpacked wheel first: what the image installed, not the checkout, answers.
            "PYTHONPATH": os.pathsep.join(paths),
            **self.image.environment,
            **environment,
        }
        return words, env

    def start(self, name: str, extra: list[str] | None = None) -> Running:
        words, env = self.process(name)
        log = self.image.data / f"{name}.log"
        running = Running(words + (extra or []), env, self.image.workdir, log)
        self.running.append(running)
        return running

    def run(self, name: str, command: list[str] | None = None) -> subprocess.CompletedProcess[str]:
        words, env = self.process(name, command)
        return subprocess.run(
            words,
            env=env,
            cwd=self.image.workdir,
            capture_output=True,
            text=True,
            timeout=300,
        )


@pytest.fixture(scope="module")
def stack(
    image: Image, services: dict[str, dict[str, Any]], database: str, redis_url: str
) -> Iterator[Stack]:
    """upstreams, migrate, then the gateway, as compose starts them."""
    stack = Stack(image, services, database, redis_url)
    redis.Redis.from_url(redis_url).flushdb()
    # Its port (0 here) is only logged at info level, which the service leaves off so that
    # a load test does not pay for an access log line per request.
    upstreams = stack.start("upstreams", ["--log-level", "info"])
    stack.hosts["http://upstreams:8001"] = upstreams.wait_for(
        r"running on (http://127\.0\.0\.1:\d+)"
    ).group(1)
    migrated = stack.run("migrate")
    assert migrated.returncode == 0, migrated.stderr[-3000:]
    assert "database at revision" in migrated.stdout
    gateway = stack.start("gateway")
    words, _ = stack.process("gateway")
    url = gateway.wait_for(r"listening on (http://127\.0\.0\.1:\d+)").group(1)
    gateway.wait_for("Application startup complete", count=int(words[words.index("--workers") + 1]))
    stack.hosts["http://gateway:8000"] = url
    stack.hosts["127.0.0.1:8000"] = url.removeprefix("http://")
    try:
        yield stack
    finally:
        for running in reversed(stack.running):
            running.stop()


def test_the_wheel_holds_the_packages_their_files_and_the_console_script(image: Image) -> None:
    with zipfile.ZipFile(image.wheel) as archive:
        names = set(archive.namelist())
        (entry_points,) = [n for n in names if n.endswith(".dist-info/entry_points.txt")]
        declared = archive.read(entry_points).decode()
    assert re.search(r"^mvgate = gateway\.cli:main$", declared, re.M), declared
    for plugin in ("db", "seed", "worker"):
        assert re.search(rf"^{plugin} = ", declared, re.M), f"plugin {plugin} missing"
    for needed in (
        "shared_models/migrations/env.py",
        "shared_models/migrations/script.py.mako",
        "web_ui/templates/base.html",
        "web_ui/static/css/app.css",
        "web_ui/static/js/downloads.js",
    ):
        assert needed in names, needed
    assert any(n.startswith("shared_models/migrations/versions/0001") for n in names)
    assert not any(n.startswith("tests/") for n in names)

    shown = subprocess.run(
        [
            sys.executable,
            "-c",
            f"import {', '.join(PACKAGES)}; "
            f"print('\\n'.join(m.__file__ for m in ({', '.join(PACKAGES)})))",
        ],
        env={"PATH": scripts_path(), "PYTHONPATH": f"{image.blocker}{os.pathsep}{image.site}"},
        cwd=image.workdir,
        capture_output=True,
        text=True,
        check=True,
    ).stdout.split()
    assert all(Path(path).is_relative_to(image.site) for path in shown), shown


def test_dev_extras_are_hidden_from_the_runtime_services(image: Image) -> None:
    """The check below means something only if the hiding works."""
    hidden = subprocess.run(
        [sys.executable, "-c", "import locust"],
        env={"PATH": scripts_path(), "PYTHONPATH": f"{image.blocker}{os.pathsep}{image.site}"},
        capture_output=True,
        text=True,
    )
    assert hidden.returncode != 0 and "a dev extra" in hidden.stderr


def test_the_gateway_serves_the_ui_and_passes_its_health_check(stack: Stack) -> None:
    url = stack.hosts["http://gateway:8000"]
    check = stack.services["gateway"]["healthcheck"]["test"]
    assert check[0] == "CMD"
    _, env = stack.process("gateway")
    probe = [sys.executable if check[1] == "python" else check[1], *map(stack.local, check[2:])]
    healthy = subprocess.run(probe, env=env, capture_output=True, text=True, timeout=30)
    assert healthy.returncode == 0, healthy.stderr

    with httpx.Client(base_url=url, timeout=10) as client:
        for page in ("/login", "/static/css/app.css", "/static/js/downloads.js"):
            answer = client.get(page)
            assert answer.status_code == 200, (page, answer.status_code)
        refused = client.get("/_gateway/status")
        assert refused.status_code == 401  # MVGATE_ADMIN_TOKEN is set: no token, no entry
        status = client.get(
            "/_gateway/status",
            headers={"Authorization": f"Bearer {env['MVGATE_ADMIN_TOKEN']}"},
        )
        assert status.status_code == 200
        assert Path(status.json()["source"]) == stack.image.table
        assert status.json()["last_reload"]["result"] == "ok"
        assert status.json()["shared_state"]["kind"] == "redis"


def test_the_worker_polls_the_queue_and_stops_cleanly(stack: Stack) -> None:
    worker = stack.start("worker")
    client = redis.Redis.from_url(stack.redis_url)
    deadline = time.monotonic() + START_SECONDS
    # arq records its health in Redis once it is polling the queue.
    while not client.keys("*health-check*"):
        assert worker.process.poll() is None, worker.log()
        assert time.monotonic() < deadline, f"the worker never polled:\n{worker.log()}"
        time.sleep(0.1)
    assert worker.stop() == 0, worker.log()


def test_the_bench_profile_seeds_and_loads(stack: Stack) -> None:
    """The runbook's bench steps: seed through the migrate service, then Locust with the
    locustfile and environment of the locust services (one process here: master and
    workers run the same file); its users find the library through the gateway's API."""
    # `docker compose run --rm migrate mvgate seed ...`: the migrate service's image and
    # environment, with the runbook's command in place of its own.
    seeded = stack.run("migrate", command=[*SEED_COMMAND, *SEED_SIZE])
    assert seeded.returncode == 0, seeded.stderr[-3000:]
    assert "seeded" in seeded.stdout

    words, env = stack.process("locust-master")
    assert words[:2] == ["locust", "--master"]
    locustfile = words[words.index("--locustfile") + 1]
    host = words[words.index("--host") + 1]
    stats = stack.image.data / "locust"
    run = subprocess.run(
        [
            *["locust", "--locustfile", locustfile, "--host", host, *LOCUST_RUN],
            *["--csv", str(stats), "--only-summary", "--exit-code-on-error", "0"],
        ],
        env=env,
        cwd=stack.image.workdir,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert run.returncode == 0, run.stderr[-3000:]
    with (stats.parent / f"{stats.name}_stats.csv").open() as handle:
        rows = {row["Name"]: row for row in csv.DictReader(handle)}
    total = rows["Aggregated"]
    assert int(total["Request Count"]) > 0
    assert int(total["Failure Count"]) == 0, run.stderr[-3000:]
