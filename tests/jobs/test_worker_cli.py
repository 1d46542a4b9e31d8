"""`mvgate worker` needs Redis: without REDIS_URL it refuses to start, and says why (the
app runs its jobs itself then)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path


def test_the_worker_refuses_to_start_without_redis(tmp_path: Path) -> None:
    env = {key: value for key, value in os.environ.items() if key != "REDIS_URL"}
    completed = subprocess.run(
        [sys.executable, "-m", "new_app.jobs"],
        env={**env, "DATA_DIR": str(tmp_path)},
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert completed.returncode == 2
    assert "REDIS_URL is not set" in completed.stderr
