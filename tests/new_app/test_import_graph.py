"""The new app stands alone: importing and building it loads nothing of Flask or the legacy
app, so the gateway can run with no WSGI backend at all once every route is flipped."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]


def test_new_app_imports_no_flask_and_no_legacy_app(tmp_path: Path) -> None:
    script = textwrap.dedent(
        f"""
        import sys
        from shared_models.settings import Settings
        from new_app import create_app
        create_app(Settings(data_dir={str(tmp_path)!r}, secret_key="x"))
        loaded = sorted(
            name for name in sys.modules
            if name in ("flask", "werkzeug", "legacy_flask")
            or name.startswith(("flask.", "werkzeug.", "legacy_flask."))
        )
        print(loaded)
        assert "new_app.main" in sys.modules
        assert not loaded, loaded
        """
    )
    result = subprocess.run(
        [sys.executable, "-c", script], cwd=REPO, capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 0, result.stderr + result.stdout
    assert result.stdout.strip() == "[]"
