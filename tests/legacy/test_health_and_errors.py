"""/api/health*, and the error contract: JSON bodies for /api and /auth, whatever failed."""

from __future__ import annotations

from pathlib import Path

import pytest
import yt_dlp.version
from flask import Flask
from flask.testing import FlaskClient

from legacy_flask import create_app
from tests.legacy.conftest import AppFactory, runtime


def test_health(client: FlaskClient) -> None:
    response = client.get("/api/health")
    assert (response.status_code, response.get_json()) == (
        200,
        {"status": "healthy", "database": "ok"},
    )


def test_health_when_the_database_is_down(make_settings) -> None:
    app = create_app(make_settings(database_url="mysql://root@127.0.0.1:9/nowhere"))
    try:
        response = app.test_client().get("/api/health")
        assert (response.status_code, response.get_json()) == (
            503,
            {"status": "unhealthy", "database": "unavailable", "error": "Database unavailable"},
        )
        system = app.test_client().get("/api/health/system").get_json()
        assert system["database"] == {"ok": False}
        # Other endpoints answer 503 in the JSON error shape, not a crash page.
        down = app.test_client().get("/api/videos/")
        assert (down.status_code, down.get_json()) == (503, {"error": "Database unavailable"})
    finally:
        runtime(app).close()


def test_version(client: FlaskClient) -> None:
    body = client.get("/api/health/version").get_json()
    assert (body["name"], body["api_version"]) == ("MVidarr", 1)
    assert body["version"].count(".") >= 2


def test_system_report(client: FlaskClient, media_root: Path) -> None:
    body = client.get("/api/health/system").get_json()
    assert list(body) == ["ffmpeg", "yt_dlp", "disk", "database", "redis"]
    assert body["ffmpeg"]["available"] is True
    assert body["ffmpeg"]["version"]
    assert body["yt_dlp"] == {"available": True, "version": yt_dlp.version.__version__}
    disk = body["disk"]
    # The report is public: it names no filesystem path.
    assert "path" not in disk and str(media_root.resolve()) not in str(body)
    assert disk["total_bytes"] >= disk["free_bytes"] > 0
    assert 0 <= disk["used_percent"] <= 100
    assert body["database"] == {"ok": True}
    assert body["redis"] == {"configured": False, "ok": False}


@pytest.mark.redis
def test_system_report_checks_redis(make_app: AppFactory, redis_url: str) -> None:
    reachable = make_app(redis_url=redis_url).test_client().get("/api/health/system")
    assert reachable.get_json()["redis"] == {"configured": True, "ok": True}
    unreachable = make_app(redis_url="redis://127.0.0.1:9/0").test_client()
    body = unreachable.get("/api/health/system").get_json()
    assert body["redis"] == {"configured": True, "ok": False}


def test_missing_ffmpeg_is_reported(make_app: AppFactory, tmp_path: Path) -> None:
    client = make_app(ffmpeg_binary=str(tmp_path / "no-ffmpeg")).test_client()
    body = client.get("/api/health/system").get_json()
    assert body["ffmpeg"] == {"available": False, "version": None}


def test_unknown_api_path_and_wrong_method(client: FlaskClient) -> None:
    missing = client.get("/api/nothing/here")
    assert (missing.status_code, missing.get_json()) == (404, {"error": "Not found"})
    assert client.get("/auth/nothing").get_json() == {"error": "Not found"}
    wrong = client.patch("/api/videos/1")
    assert (wrong.status_code, wrong.get_json()) == (405, {"error": "Method not allowed"})
    assert {"GET", "PUT", "DELETE"} <= set(wrong.headers["Allow"].split(", "))


def test_pages_get_mvidarrs_own_error_pages(client: FlaskClient) -> None:
    response = client.get("/no-such-page")
    assert response.status_code == 404
    assert response.mimetype == "text/html"
    assert '<h1 id="error-title">Page not found</h1>' in response.get_data(as_text=True)
    wrong = client.post("/videos")
    assert (wrong.status_code, wrong.mimetype) == (405, "text/html")
    assert "Method not allowed" in wrong.get_data(as_text=True)
    assert "GET" in wrong.headers["Allow"]


def test_oversized_body(client: FlaskClient) -> None:
    response = client.post("/api/playlists/", data="x" * (2 * 1024 * 1024),
                           content_type="application/json")  # fmt: skip
    assert (response.status_code, response.get_json()) == (413, {"error": "Request body too large"})


def test_crash_is_a_json_500(make_app: AppFactory) -> None:
    app: Flask = make_app()

    def broken() -> str:
        raise RuntimeError("bug")

    app.add_url_rule("/api/broken", view_func=broken)
    response = app.test_client().get("/api/broken")
    assert (response.status_code, response.get_json()) == (500, {"error": "Internal server error"})
