"""Where the server's CPU goes under load: py-spy samples the stacks of the thread holding
the GIL (`--gil`), which on a CPU-bound Python server is where the time is spent; waits on
the network or the database release the GIL and do not show. Child processes (yt-dlp
jobs run in one of their own) are sampled too and counted apart.

The collapsed stacks (`profile.txt`, the input of flamegraph.pl and speedscope) are kept
with the results; `summary.json` adds up the samples by the package of the innermost
frame (self time) and by function.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
from collections import Counter
from pathlib import Path
from typing import Any

TOP_FUNCTIONS = 25
LINE_NUMBER = re.compile(r":\d+\)$")
PROCESS_FRAME = re.compile(r"^process \d+:")
PYTHON_FRAME = re.compile(r"^\S.* \([^()]*:\d+\)$")
# Processes the server starts for jobs (yt-dlp runs in a child process of its own).
JOB_CHILDREN = ("fetcher.py", "yt_dlp", "yt-dlp", "new_app.jobs")
# The innermost frame's file decides the package a sample is charged to.
PACKAGES = (
    ("gateway/", "gateway"),
    ("new_app/", "new_app"),
    ("legacy_flask/", "legacy_flask"),
    ("shared_models/", "shared_models"),
    ("benchmarks/", "benchmarks (probe)"),
    ("sqlalchemy/", "SQLAlchemy"),
    ("aiomysql/", "aiomysql"),
    ("pymysql/", "PyMySQL"),
    ("aiosqlite/", "aiosqlite"),
    ("pydantic", "pydantic"),
    ("fastapi/", "FastAPI"),
    ("starlette/", "Starlette"),
    ("uvicorn/", "uvicorn"),
    ("a2wsgi/", "a2wsgi"),
    ("flask/", "Flask"),
    ("werkzeug/", "Werkzeug"),
    ("jinja2/", "Jinja2"),
    ("httpx/", "httpx/httpcore"),
    ("httpcore/", "httpx/httpcore"),
    ("prometheus_client/", "prometheus_client"),
    ("anyio/", "anyio"),
    ("asyncio/", "asyncio"),
    ("concurrent/", "threads"),
    ("threading.py", "threads"),
    ("json/", "json"),
    ("logging/", "logging"),
    ("PIL/", "Pillow"),
    ("yt_dlp/", "yt-dlp"),
    ("gzip.py", "gzip"),
    ("zlib", "gzip"),
)


def py_spy() -> str | None:
    found = shutil.which("py-spy") or str(Path(sys.executable).with_name("py-spy"))
    return found if Path(found).exists() else None


def package_of(frame: str) -> str:
    for marker, name in PACKAGES:
        if marker in frame:
            return name
    return "other"


def without_line(frame: str) -> str:
    """`f (pkg/mod.py:12)` -> `f (pkg/mod.py)`: a function's lines add up."""
    return LINE_NUMBER.sub(")", frame)


def _process_label(command: str, names: dict[str, str]) -> str:
    """py-spy names each process by pid and command line (which holds local paths and
    job arguments): a number and what kind of process it is instead."""
    kind = "job child" if any(marker in command for marker in JOB_CHILDREN) else "server"
    return names.setdefault(command, f"process {len(names) + 1} ({kind})")


def anonymized(collapsed: str) -> str:
    names: dict[str, str] = {}
    lines = []
    for line in collapsed.splitlines():
        stack, _, count = line.rpartition(" ")
        frames: list[str] = []
        command: list[str] | None = None
        for part in stack.split(";"):
            if PROCESS_FRAME.match(part):
                command = [part]
            elif command is not None and not PYTHON_FRAME.match(part):
                command.append(part)  # a ';' inside the command line split it
            else:
                if command is not None:
                    frames.append(_process_label(";".join(command), names))
                    command = None
                frames.append(part)
        if command is not None:
            frames.append(_process_label(";".join(command), names))
        lines.append(f"{';'.join(frames)} {count}")
    return "\n".join(lines) + "\n"


def summarize(collapsed: str) -> dict[str, Any]:
    """Self time of the server processes by package and by function, from the anonymized
    collapsed stacks; the share of samples taken in job child processes apart."""
    by_package: Counter[str] = Counter()
    by_function: Counter[str] = Counter()
    total = children = 0
    for line in collapsed.splitlines():
        stack, _, count_text = line.rpartition(" ")
        if not count_text.isdigit():
            continue
        count = int(count_text)
        if "(job child)" in stack:
            children += count
            continue
        frames = [f for f in stack.split(";") if f and not f.startswith("process ")]
        if not frames:
            continue
        by_package[package_of(frames[-1])] += count
        by_function[without_line(frames[-1])] += count
        total += count
    every = total + children
    return {
        "samples": total,
        "job_child_share": round(children / every, 4) if every else 0.0,
        "self_by_package": {
            name: round(count / total, 4) for name, count in by_package.most_common()
        }
        if total
        else {},
        "self_by_function": [
            {"function": name, "share": round(count / total, 4)}
            for name, count in by_function.most_common(TOP_FUNCTIONS)
        ]
        if total
        else [],
    }


def record(pid: int, seconds: float, out_dir: Path, users: int) -> dict[str, Any]:
    out_dir.mkdir(parents=True, exist_ok=True)
    tool = py_spy()
    if tool is None:
        return {"error": "py-spy is not installed (pip install py-spy)", "users": users}
    raw = out_dir / "profile.txt"
    command = [tool, "record", "--pid", str(pid), "--duration", str(int(seconds))]
    command += ["--rate", "200", "--gil", "--subprocesses", "--nonblocking"]
    command += ["--format", "raw", "--output", str(raw)]
    finished = subprocess.run(command, capture_output=True, text=True, timeout=seconds + 60)
    if finished.returncode != 0 or not raw.exists():
        return {"error": finished.stderr.strip()[-500:], "users": users}
    raw.write_text(anonymized(raw.read_text()))
    summary = summarize(raw.read_text()) | {"users": users, "seconds": seconds}
    (out_dir / "summary.json").write_text(json.dumps(summary, indent=1))
    return summary
