"""compose.yaml, the Dockerfile and .dockerignore against the project: every command,
module, console script, option, file and path they name exists and is accepted, every
variable they set is one the settings read (and the README documents), and the services
reference each other consistently. No Docker engine needed.

tests/deploy/test_image_commands.py then runs the same commands as local processes.
"""

from __future__ import annotations

import ast
import importlib
import importlib.util
import json
import re
import subprocess
import sys
import tomllib
from importlib.metadata import entry_points
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
import typer
from typer.main import get_command

from gateway.settings import GatewaySettings
from new_app.jobs.tuning import JobTuning
from shared_models.settings import Settings
from tests.deploy.files import (
    COMPOSE_FILE,
    DOCKERFILE,
    REPO,
    MissingVariable,
    Stage,
    command_words,
    compose_variables,
    env_names,
    environment_of,
    ignore_patterns,
    is_ignored,
    load_compose,
    parse_dockerfile,
)

APP_SERVICES = {"migrate", "gateway", "worker"}
BENCH_SERVICES = {"upstreams", "locust-master", "locust-worker"}
REQUIRED = {"SECRET_KEY", "MVGATE_ADMIN_TOKEN", "MARIADB_PASSWORD", "MARIADB_ROOT_PASSWORD"}
# Values for the required variables: compose refuses to start without them.
OPERATOR_ENVIRONMENT = {name: f"test-{name.lower()}" for name in REQUIRED}
# Where the image puts things (Dockerfile): the paths containers see.
VENV_SITE_PACKAGES = "/opt/venv/lib/python{version}/site-packages/"
IMAGE_STAGES = {"runtime": "the gateway, workers and jobs", "bench": "runtime + locust"}
# Variables read by something other than our settings: the interpreter, pip, the shell,
# and the official mariadb image.
FOREIGN_VARIABLES = {"PATH", "PYTHONUNBUFFERED", "PYTHONDONTWRITEBYTECODE", "PIP_NO_CACHE_DIR"}
FOREIGN_VARIABLES |= {"PIP_DISABLE_PIP_VERSION_CHECK"}
MARIADB_IMAGE_VARIABLES = {
    "MARIADB_DATABASE",
    "MARIADB_USER",
    "MARIADB_PASSWORD",
    "MARIADB_ROOT_PASSWORD",
}
BUILD_TOOLS = re.compile(r"\b(build-essential|gcc|g\+\+|clang|make|[\w.+-]+-dev)\b")


@pytest.fixture(scope="module")
def compose() -> dict[str, Any]:
    return load_compose(OPERATOR_ENVIRONMENT)


@pytest.fixture(scope="module")
def services(compose: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return compose["services"]


@pytest.fixture(scope="module")
def dockerfile() -> tuple[dict[str, str], list[Stage]]:
    return parse_dockerfile(DOCKERFILE.read_text())


def known_variables() -> set[str]:
    """Every environment variable the apps', the job runners' and the gateway's settings
    read."""
    names: set[str] = set()
    for settings in (Settings, JobTuning, GatewaySettings):
        prefix = settings.model_config.get("env_prefix", "")
        for name, field_info in settings.model_fields.items():
            names.add(f"{prefix}{name}".upper())
            alias = field_info.validation_alias
            for choice in getattr(alias, "choices", []):
                names.add(str(choice).upper())
    return names


def documented_variables() -> set[str]:
    """Variables in the README's configuration table or docs/gateway.md (the gateway's)."""
    text = (REPO / "README.md").read_text() + (REPO / "docs" / "gateway.md").read_text()
    return set(re.findall(r"`([A-Z][A-Z0-9_]+)`", text))


def python_version(image: str) -> str:
    found = re.match(r"python:(\d+\.\d+)", image)
    assert found, f"the base image {image!r} is not an official python:X.Y image"
    return found.group(1)


def in_container(path: str, version: str) -> Path:
    """Where a path inside the image comes from in the project."""
    site = VENV_SITE_PACKAGES.format(version=version)
    if path.startswith(site):
        return REPO / path[len(site) :]
    if path.startswith("/etc/mvgate/"):
        return REPO / path[len("/etc/mvgate/") :]
    raise AssertionError(f"{path}: not a path the image or its mounts provide")


# -- the mvgate command line ----------------------------------------------------------------


def mvgate_command(name: str) -> Any:
    """The command `mvgate NAME` runs: a plugin of `mvgate.commands` or one of the
    gateway's own (as gateway.cli.main assembles them)."""
    for entry_point in entry_points(group="mvgate.commands"):
        if entry_point.name == name:
            plugin = entry_point.load()
            if isinstance(plugin, typer.Typer):
                return get_command(plugin)
            wrapper = typer.Typer()
            wrapper.command(name=name)(plugin)
            return get_command(wrapper)
    from gateway.cli import app

    group = get_command(app)
    command = group.get_command(group.make_context("mvgate", [], resilient_parsing=True), name)
    if command is None:
        pytest.fail(f"`mvgate {name}` is neither a gateway command nor a mvgate.commands plugin")
    return command


def parse_mvgate(words: list[str]) -> Any:
    """Parse `mvgate ...` as the console script would, without running it: unknown
    commands, options and bad values fail here. Returns the innermost command's context
    (its `params` are the parsed values)."""
    assert words[0] == "mvgate", words
    name, command, args = f"mvgate {words[1]}", mvgate_command(words[1]), words[2:]
    parent = None
    try:
        # A group (`mvgate db`): none of ours takes options of its own, so the next word
        # is the subcommand.
        while hasattr(command, "commands"):
            parent = command.make_context(name, [], parent=parent, resilient_parsing=True)
            assert args, f"`{' '.join(words)}`: {name} needs a subcommand"
            sub = command.get_command(parent, args[0])
            assert sub is not None, f"`{' '.join(words)}`: {name} has no command {args[0]!r}"
            name, command, args = args[0], sub, args[1:]
        return command.make_context(name, list(args), parent=parent)
    except Exception as error:
        if not hasattr(error, "format_message"):
            raise
        pytest.fail(f"`{' '.join(words)}` is refused: {error.format_message()}")


def check_python_code(code: str) -> None:
    """`python -c CODE`: it compiles, and every name it imports from our packages exists."""
    tree = ast.parse(code)
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module:
            module = importlib.import_module(node.module)
            for alias in node.names:
                assert hasattr(module, alias.name), f"{node.module} has no {alias.name}"
        elif isinstance(node, ast.Import):
            for alias in node.names:
                importlib.import_module(alias.name)


def check_python_module(words: list[str]) -> None:
    """`python -m package.module ARGS`: the module exists and its argument parser takes
    the arguments."""
    if words[:2] == ["python", "-c"]:
        check_python_code(words[2])
        return
    assert words[:2] == ["python", "-m"], words
    module = words[2]
    spec = importlib.util.find_spec(module)
    assert spec is not None, f"no module {module}"
    main = f"{module}.__main__" if spec.submodule_search_locations else module
    loaded = importlib.import_module(main)
    parse = getattr(loaded, "parse_arguments", None)
    assert parse is not None, f"{main} has no parse_arguments() to check the options against"
    saved = sys.argv
    sys.argv = [module, *words[3:]]
    try:
        parse()
    except SystemExit as error:
        pytest.fail(f"`{' '.join(words)}`: its arguments are refused ({error})")
    finally:
        sys.argv = saved


# Importing locust monkey-patches the standard library (gevent): never in this process.
LOCUST_PARSE = """
import json, sys
from locust.argument_parser import get_parser
options = get_parser(default_config_files=[]).parse_args(sys.argv[1:])
print(json.dumps({"locustfile": options.locustfile}))
"""


def check_locust(words: list[str], version: str) -> None:
    assert words[0] == "locust"
    parsed = subprocess.run(
        [sys.executable, "-c", LOCUST_PARSE, *words[1:]], capture_output=True, text=True
    )
    if parsed.returncode != 0:
        pytest.fail(f"`{' '.join(words)}`: locust refuses the arguments: {parsed.stderr[-500:]}")
    for locustfile in json.loads(parsed.stdout)["locustfile"].split(","):
        source = in_container(locustfile, version)
        assert source.is_file(), f"{locustfile}: {source.relative_to(REPO)} does not exist"


def check_command(words: list[str], version: str) -> None:
    if words[0] == "mvgate":
        parse_mvgate(words)
    elif words[0] == "python":
        check_python_module(words)
    elif words[0] == "locust":
        check_locust(words, version)
    else:
        pytest.fail(f"a command this test does not know how to check: {words}")


# -- compose.yaml ---------------------------------------------------------------------------


def test_compose_refuses_to_start_without_the_secrets() -> None:
    for name in REQUIRED:
        environment = {key: value for key, value in OPERATOR_ENVIRONMENT.items() if key != name}
        with pytest.raises(MissingVariable, match=name):
            load_compose(environment)


def test_services_and_profiles(services: dict[str, dict[str, Any]]) -> None:
    assert set(services) == {"mariadb", "redis"} | APP_SERVICES | BENCH_SERVICES
    for name, service in services.items():
        expected = ["bench"] if name in BENCH_SERVICES else None
        assert service.get("profiles") == expected, name


def test_every_command_exists_and_accepts_its_arguments(
    services: dict[str, dict[str, Any]], dockerfile: tuple[dict[str, str], list[Stage]]
) -> None:
    _, stages = dockerfile
    version = python_version(stages[0].base)
    checked = []
    for name in APP_SERVICES | BENCH_SERVICES:
        words = command_words(services[name]["command"])
        check_command(words, version)
        checked.append(words[0])
    runtime = next(stage for stage in stages if stage.name == "runtime")
    (cmd,) = runtime.of("CMD")
    check_command(cmd.json_or_words(), version)
    assert {"mvgate", "python", "locust"} <= set(checked)


def test_the_one_shot_and_long_running_services(services: dict[str, dict[str, Any]]) -> None:
    assert command_words(services["migrate"]["command"]) == ["mvgate", "db", "upgrade"]
    assert services["migrate"]["restart"] == "no"
    serve = parse_mvgate(command_words(services["gateway"]["command"]))
    assert serve.params["host"] == "0.0.0.0"
    assert serve.params["workers"] >= 2
    assert command_words(services["worker"]["command"]) == ["mvgate", "worker"]
    # --scale worker=N needs containers without fixed names or host ports.
    assert "container_name" not in services["worker"] and "ports" not in services["worker"]


def test_gateway_health_check_and_port(services: dict[str, dict[str, Any]]) -> None:
    gateway = services["gateway"]
    port = parse_mvgate(command_words(gateway["command"])).params["port"]
    published = [str(mapping).rsplit(":", 1)[1] for mapping in gateway["ports"]]
    assert published == [str(port)]
    test = gateway["healthcheck"]["test"]
    assert test[:3] == ["CMD", "python", "-c"]
    compile(test[3], "healthcheck", "exec")  # valid Python
    url = re.search(r"'(http://[^']+)'", test[3])
    assert url is not None
    assert urlsplit(url.group(1)).port == port
    assert urlsplit(url.group(1)).path == "/api/health"


def test_dependencies_and_start_order(services: dict[str, dict[str, Any]]) -> None:
    for name, service in services.items():
        depends = service.get("depends_on") or {}
        for other in depends:
            assert other in services, f"{name} depends on unknown service {other}"
    for name in ("gateway", "worker"):
        depends = services[name]["depends_on"]
        assert depends["migrate"]["condition"] == "service_completed_successfully"
        assert depends["redis"]["condition"] == "service_healthy"
    assert services["migrate"]["depends_on"]["mariadb"]["condition"] == "service_healthy"
    assert "healthcheck" in services["mariadb"] and "healthcheck" in services["redis"]


def test_services_reach_each_other_by_name(services: dict[str, dict[str, Any]]) -> None:
    mariadb = environment_of(services["mariadb"])
    for name in APP_SERVICES:
        environment = environment_of(services[name])
        database = urlsplit(environment["DATABASE_URL"])
        assert database.hostname == "mariadb" and database.port == 3306
        assert database.username == mariadb["MARIADB_USER"]
        assert database.password == mariadb["MARIADB_PASSWORD"]
        assert database.path.lstrip("/") == mariadb["MARIADB_DATABASE"]
        assert urlsplit(environment["REDIS_URL"]).hostname == "redis"
    master = command_words(services["locust-master"]["command"])
    worker = command_words(services["locust-worker"]["command"])
    assert worker[worker.index("--master-host") + 1] == "locust-master"
    target = urlsplit(master[master.index("--host") + 1])
    gateway_port = parse_mvgate(command_words(services["gateway"]["command"])).params["port"]
    assert (target.hostname, target.port) == ("gateway", gateway_port)


def benchmark_variables() -> set[str]:
    """`MVBENCH_*` variables the benchmark code reads (its own, documented with it)."""
    names: set[str] = set()
    for source in (REPO / "benchmarks").rglob("*.py"):
        names |= set(re.findall(r"\b(MVBENCH_[A-Z0-9_]+)", source.read_text()))
    return names


def test_every_variable_set_is_read_and_documented(services: dict[str, dict[str, Any]]) -> None:
    known, documented, bench = known_variables(), documented_variables(), benchmark_variables()
    for name in APP_SERVICES | BENCH_SERVICES:
        for variable in environment_of(services[name]):
            if variable.startswith("MVBENCH_") and name in BENCH_SERVICES:
                assert variable in bench, f"{name} sets {variable}, which no benchmark reads"
                continue
            assert variable in known, f"{name} sets {variable}, which no settings read"
            assert variable in documented, f"{variable} is not in the configuration table"
    assert set(environment_of(services["mariadb"])) <= MARIADB_IMAGE_VARIABLES


def test_every_interpolated_variable_is_documented() -> None:
    """What an operator may set for compose: the settings' variables and compose's own."""
    documented = documented_variables()
    variables = compose_variables(COMPOSE_FILE.read_text())
    assert set(variables) >= REQUIRED
    missing = sorted(set(variables) - documented)
    assert not missing, f"compose.yaml reads {missing}, which README.md does not document"


def test_all_services_share_one_secret_and_database(services: dict[str, dict[str, Any]]) -> None:
    """One login works on every gateway replica; jobs land in the same database."""
    shared = ("SECRET_KEY", "DATABASE_URL", "REDIS_URL", "MEDIA_ROOT")
    for name in shared:
        seen = [environment_of(services[service]).get(name) for service in APP_SERVICES]
        assert len(set(seen)) == 1 and seen[0], f"{name} differs between services: {seen}"


def test_routing_table_mount_reaches_the_gateway(
    services: dict[str, dict[str, Any]], dockerfile: tuple[dict[str, str], list[Stage]]
) -> None:
    gateway = services["gateway"]
    routes = environment_of(gateway)["MVGATE_ROUTES"]
    mounts = [v for v in gateway["volumes"] if isinstance(v, dict) and v.get("type") == "bind"]
    (mount,) = [m for m in mounts if routes.startswith(m["target"].rstrip("/") + "/")]
    # A directory, so that a table replaced by rename (editors, `mvgate flip`) is seen.
    source = (COMPOSE_FILE.parent / mount["source"]).resolve()
    assert source.is_dir()
    assert (source / routes[len(mount["target"].rstrip("/")) + 1 :]).is_file()
    assert mount.get("read_only") is True


def test_named_volumes_are_declared(compose: dict[str, Any]) -> None:
    declared = set(compose.get("volumes") or {})
    for name, service in compose["services"].items():
        for volume in service.get("volumes") or []:
            if isinstance(volume, str):
                source = volume.split(":", 1)[0]
                if not source.startswith((".", "/")):
                    assert source in declared, f"{name}: volume {source} is not declared"
    media = {s: v for s, v in compose["services"].items() if s in {"gateway", "worker"}}
    for name, service in media.items():
        assert "media:/data/media" in service["volumes"], f"{name} does not share the media"


def test_images_come_from_the_dockerfile_targets(
    services: dict[str, dict[str, Any]], dockerfile: tuple[dict[str, str], list[Stage]]
) -> None:
    stages = {stage.name for stage in dockerfile[1]}
    for name in APP_SERVICES | BENCH_SERVICES:
        build = services[name]["build"]
        assert build["context"] == "."
        assert build["target"] in stages
        expected = "bench" if name.startswith("locust") else "runtime"
        assert build["target"] == expected, name


# -- Dockerfile -----------------------------------------------------------------------------


def test_final_images_run_as_a_user_without_build_tools(
    dockerfile: tuple[dict[str, str], list[Stage]],
) -> None:
    _, stages = dockerfile
    by_name = {stage.name: stage for stage in stages}
    assert stages[-1].name == "runtime", "the default target (last stage) is the runtime"
    for final in IMAGE_STAGES:
        chain, stage = [], by_name[final]
        while True:
            chain.append(stage)
            if stage.base not in by_name:
                break
            stage = by_name[stage.base]
        assert python_version(chain[-1].base) == "3.11"
        users = [i.arguments for s in reversed(chain) for i in s.of("USER")]
        assert users and users[-1] not in ("root", "0"), f"{final} runs as root"
        for stage in chain:
            for run in stage.of("RUN"):
                assert not BUILD_TOOLS.search(run.arguments), (
                    f"{final} installs build tools (line {run.line}): {run.arguments}"
                )
        copies = [i.arguments for s in chain for i in s.of("COPY") if "--from=" in i.arguments]
        assert any("/opt/venv" in copy for copy in copies), f"{final} has no virtualenv"
    ffmpeg = [run for run in by_name["base"].of("RUN") if "ffmpeg" in run.arguments]
    assert ffmpeg, "the final images need ffmpeg"


def test_the_project_is_installed_without_dev_extras(
    dockerfile: tuple[dict[str, str], list[Stage]],
) -> None:
    _, stages = dockerfile
    build = next(stage for stage in stages if stage.name == "build")
    installs = [run.arguments for run in build.of("RUN") if "pip install" in run.arguments]
    assert any(re.search(r"pip install \.(\s|$)", text) for text in installs), installs
    assert not any("[dev" in text or "-e " in text for text in installs), installs
    # Locust for the bench image: the range the dev extras ask for.
    project = tomllib.loads((REPO / "pyproject.toml").read_text())["project"]
    (wanted,) = [spec for spec in project["optional-dependencies"]["dev"] if "locust" in spec]
    bench = next(stage for stage in stages if stage.name == "build-bench")
    assert any(f'"{wanted}"' in run.arguments for run in bench.of("RUN")), wanted


def test_every_copied_file_is_in_the_build_context(
    dockerfile: tuple[dict[str, str], list[Stage]],
) -> None:
    patterns = ignore_patterns()
    for stage in dockerfile[1]:
        for copy in stage.of("COPY"):
            words = copy.arguments.split()
            if any(word.startswith("--from=") for word in words):
                continue
            for source in words[:-1]:
                path = REPO / source
                assert path.exists(), f"line {copy.line}: {source} does not exist"
                assert not is_ignored(source, patterns), f"{source} is left out by .dockerignore"


def test_the_build_context_leaves_out_local_state() -> None:
    patterns = ignore_patterns()
    for local in (".git", ".venv", ".env", "data", "test-artifacts", "tests"):
        assert is_ignored(local, patterns), local
    for needed in ("pyproject.toml", "README.md", "routing_table.yaml", "gateway/app.py"):
        assert not is_ignored(needed, patterns), needed


def test_image_environment_is_known(dockerfile: tuple[dict[str, str], list[Stage]]) -> None:
    known = known_variables() | FOREIGN_VARIABLES
    for stage in dockerfile[1]:
        for env in stage.of("ENV"):
            for name in env_names(env):
                assert name in known, f"line {env.line}: ENV {name} is read by nothing"
    routes = [
        word.split("=", 1)[1]
        for stage in dockerfile[1]
        for env in stage.of("ENV")
        for word in env.arguments.split()
        if word.startswith("MVGATE_ROUTES=")
    ]
    copied = [
        copy.arguments.split()[-1]
        for stage in dockerfile[1]
        for copy in stage.of("COPY")
        if "routing_table" in copy.arguments
    ]
    assert routes and routes[0] in copied, "the image's MVGATE_ROUTES names the copied table"


def test_every_setting_is_documented() -> None:
    """Each variable the apps, the job runners and the gateway read has its row in the
    operator's docs (aliases aside: one documented name per setting is enough)."""
    # Set by `mvgate serve` for its own workers, never by an operator.
    internal = {"MVGATE_SUPERVISOR_PID"}
    documented = documented_variables()
    missing = []
    for settings in (Settings, JobTuning, GatewaySettings):
        prefix = settings.model_config.get("env_prefix", "")
        for name, field_info in settings.model_fields.items():
            alias = field_info.validation_alias
            spellings = {f"{prefix}{name}".upper()}
            spellings |= {str(choice).upper() for choice in getattr(alias, "choices", [])}
            if not spellings & (documented | internal):
                missing.append(sorted(spellings)[0])
    assert not missing, f"README.md and docs/gateway.md do not document {missing}"
