"""Reading the deployment files as their tools would: compose.yaml with its variable
interpolation, the Dockerfile's stages and instructions, and .dockerignore's patterns.

Docker itself is not needed: these are small, strict readers of the few forms the
project's files use; anything else they meet fails loudly instead of being skipped.
"""

from __future__ import annotations

import fnmatch
import re
import shlex
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ruamel.yaml import YAML

REPO = Path(__file__).resolve().parents[2]
COMPOSE_FILE = REPO / "compose.yaml"
DOCKERFILE = REPO / "Dockerfile"
DOCKERIGNORE = REPO / ".dockerignore"

# ${NAME}, ${NAME:-default}, ${NAME-default}, ${NAME:?message}, ${NAME?message}; $$ is a $.
INTERPOLATION = re.compile(
    r"\$\$|\$\{(?P<name>[A-Za-z_][A-Za-z0-9_]*)(?:(?P<op>:?[-?])(?P<arg>[^}]*))?\}"
)


class MissingVariable(Exception):
    pass


def interpolate(value: Any, environment: dict[str, str]) -> Any:
    """Compose's interpolation, applied to every string of a loaded file."""
    if isinstance(value, dict):
        return {key: interpolate(item, environment) for key, item in value.items()}
    if isinstance(value, list):
        return [interpolate(item, environment) for item in value]
    if not isinstance(value, str):
        return value

    def replace(match: re.Match[str]) -> str:
        if match.group(0) == "$$":
            return "$"
        name, op, arg = match["name"], match["op"], match["arg"]
        current = environment.get(name)
        unset_or_empty = not current
        if op in (":-", "-"):
            missing = unset_or_empty if op == ":-" else current is None
            return arg if missing else str(current)
        if op in (":?", "?"):
            missing = unset_or_empty if op == ":?" else current is None
            if missing:
                raise MissingVariable(f"{name}: {arg}")
            return str(current)
        return current or ""

    if "$" in value and not INTERPOLATION.search(value):
        raise ValueError(f"a '$' that compose would not interpolate: {value!r}")
    return INTERPOLATION.sub(replace, value)


def compose_variables(text: str) -> dict[str, str | None]:
    """Every variable compose.yaml interpolates -> its default (None: required or bare)."""
    found: dict[str, str | None] = {}
    for match in INTERPOLATION.finditer(text):
        if match["name"]:
            default = match["arg"] if match["op"] in (":-", "-") else None
            found.setdefault(match["name"], default)
    return found


def load_compose(environment: dict[str, str]) -> dict[str, Any]:
    """compose.yaml as compose sees it: anchors and merge keys resolved, variables
    interpolated from `environment`, `x-` extension keys dropped."""
    raw = YAML(typ="safe").load(COMPOSE_FILE.read_text())
    loaded = interpolate(raw, environment)
    return {key: value for key, value in loaded.items() if not key.startswith("x-")}


def command_words(command: str | list[str]) -> list[str]:
    return shlex.split(command) if isinstance(command, str) else [str(word) for word in command]


def environment_of(service: dict[str, Any]) -> dict[str, str]:
    environment = service.get("environment") or {}
    if isinstance(environment, list):
        environment = dict(item.split("=", 1) for item in environment)
    return {key: "" if value is None else str(value) for key, value in environment.items()}


# -- Dockerfile -----------------------------------------------------------------------------


@dataclass
class Instruction:
    keyword: str
    arguments: str
    line: int

    def json_or_words(self) -> list[str]:
        """Exec form (a JSON array) or shell form, as words."""
        text = self.arguments.strip()
        if text.startswith("["):
            import json

            return list(json.loads(text))
        return shlex.split(text)


@dataclass
class Stage:
    name: str
    base: str  # an image or an earlier stage's name
    instructions: list[Instruction] = field(default_factory=list)

    def of(self, keyword: str) -> list[Instruction]:
        return [item for item in self.instructions if item.keyword == keyword]


def parse_dockerfile(text: str) -> tuple[dict[str, str], list[Stage]]:
    """(global ARG defaults, stages in order). Lines joined at backslashes; comments and
    parser directives skipped."""
    logical: list[tuple[int, str]] = []
    pending, start = "", 0
    for number, line in enumerate(text.splitlines(), 1):
        stripped = line.strip()
        if not pending and (not stripped or stripped.startswith("#")):
            continue
        if pending and stripped.startswith("#"):
            continue  # a comment inside a continued instruction
        if not pending:
            start = number
        if stripped.endswith("\\"):
            pending += stripped[:-1] + " "
            continue
        logical.append((start, pending + stripped))
        pending = ""
    assert not pending, "the Dockerfile ends inside a continued line"

    arguments: dict[str, str] = {}
    stages: list[Stage] = []
    for number, line in logical:
        keyword, _, rest = line.partition(" ")
        keyword = keyword.upper()
        if keyword == "FROM":
            words = rest.split()
            base = re.sub(r"\$\{(\w+)\}", lambda m: arguments.get(m.group(1), ""), words[0])
            assert len(words) == 3 and words[1].upper() == "AS", f"line {number}: FROM x AS name"
            stages.append(Stage(words[2], base))
        elif not stages:
            assert keyword == "ARG", f"line {number}: only ARG may come before the first FROM"
            name, _, default = rest.partition("=")
            arguments[name.strip()] = default.strip()
        else:
            stages[-1].instructions.append(Instruction(keyword, rest, number))
    return arguments, stages


def env_names(instruction: Instruction) -> list[str]:
    """The variables an `ENV a=1 b=2` instruction sets."""
    return [word.split("=", 1)[0] for word in shlex.split(instruction.arguments)]


# -- .dockerignore --------------------------------------------------------------------------


def ignore_patterns() -> list[str]:
    patterns = []
    for line in DOCKERIGNORE.read_text().splitlines():
        line = line.strip()
        if line and not line.startswith("#"):
            assert not line.startswith("!"), "exceptions (!) are not understood here"
            patterns.append(line.strip("/"))
    return patterns


def is_ignored(relative: str, patterns: list[str]) -> bool:
    """Whether the build context leaves this path (or a folder holding it) out."""
    parts = relative.split("/")
    for depth in range(1, len(parts) + 1):
        candidate = "/".join(parts[:depth])
        for pattern in patterns:
            options = [pattern] + ([pattern[3:]] if pattern.startswith("**/") else [])
            if any(fnmatch.fnmatchcase(candidate, option) for option in options):
                return True
    return False
