"""/api/downloads (queue, history, retry, cancel, priority) and the checks of
POST /api/videos/<id>/download, on rows written straight to the database."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from flask.testing import FlaskClient
from sqlalchemy import Engine
from sqlalchemy.orm import Session

from shared_models.models import Download, DownloadStatus, Video, VideoStatus
from tests.legacy.conftest import AppFactory
from tests.legacy.support import Library, wait_for

DOWNLOAD_KEYS = [
    "id", "video_id", "video_title", "artist_name", "url", "status", "progress", "priority",
    "error_message", "file_path", "file_size", "attempts", "job_id", "created_at",
    "updated_at", "started_at", "completed_at",
]  # fmt: skip
# Nothing listens on port 9: a download started against it fails at once.
DEAD_URL = "http://127.0.0.1:9/clip.mp4"
START = datetime(2026, 1, 1, 12, 0, 0)


def add_download(
    engine: Engine,
    video_id: int,
    status: DownloadStatus,
    *,
    priority: int = 5,
    minutes: int = 0,
    url: str = DEAD_URL,
) -> int:
    with Session(engine) as db:
        finished = status not in DownloadStatus.active()
        download = Download(
            video_id=video_id,
            url=url,
            status=status,
            priority=priority,
            created_at=START + timedelta(minutes=minutes),
            completed_at=START + timedelta(minutes=minutes + 1) if finished else None,
            error_message="boom" if status is DownloadStatus.FAILED else None,
        )
        db.add(download)
        db.commit()
        return download.id


@pytest.fixture
def rows(library: Library, db_engine: Engine) -> dict[str, int]:
    videos = library.videos
    return {
        "q_low": add_download(db_engine, videos["anthem"], DownloadStatus.QUEUED, priority=2),
        "q_high_late": add_download(
            db_engine, videos["ballad"], DownloadStatus.QUEUED, priority=9, minutes=5
        ),
        "q_high_early": add_download(
            db_engine, videos["chorus"], DownloadStatus.DOWNLOADING, priority=9, minutes=1
        ),
        "done": add_download(db_engine, videos["finale"], DownloadStatus.COMPLETED, minutes=2),
        "failed": add_download(db_engine, videos["dance"], DownloadStatus.FAILED, minutes=3),
        "cancelled": add_download(db_engine, videos["echo"], DownloadStatus.CANCELLED, minutes=4),
    }


def ids(body: dict) -> list[int]:
    return [download["id"] for download in body["downloads"]]


def test_queue_is_ordered_by_priority_then_age(client: FlaskClient, rows: dict[str, int]) -> None:
    body = client.get("/api/downloads/queue").get_json()
    assert list(body) == ["downloads", "count"]
    assert ids(body) == [rows["q_high_early"], rows["q_high_late"], rows["q_low"]]
    assert body["count"] == 3
    first = body["downloads"][0]
    assert list(first) == DOWNLOAD_KEYS
    assert (first["status"], first["video_title"], first["artist_name"]) == (
        "downloading", "Chorus", "Beta Singer",
    )  # fmt: skip
    queued = client.get("/api/downloads/queue?status=QUEUED").get_json()
    assert ids(queued) == [rows["q_high_late"], rows["q_low"]]
    for bad in ("completed", "stuck"):
        response = client.get(f"/api/downloads/queue?status={bad}")
        assert (response.status_code, response.get_json()) == (
            400,
            {"error": f"invalid status '{bad}'"},
        )


def test_history_is_newest_first_with_page_paging(
    client: FlaskClient, rows: dict[str, int]
) -> None:
    body = client.get("/api/downloads/history").get_json()
    assert list(body) == ["downloads", "count", "total", "page", "per_page", "pages"]
    assert ids(body) == [rows["cancelled"], rows["failed"], rows["done"]]
    assert body["downloads"][1]["error_message"] == "boom"
    failed = client.get("/api/downloads/history?status=failed").get_json()
    assert (ids(failed), failed["total"]) == ([rows["failed"]], 1)
    page = client.get("/api/downloads/history?per_page=2&page=2").get_json()
    assert (ids(page), page["pages"]) == ([rows["done"]], 2)
    assert client.get("/api/downloads/history?status=queued").status_code == 400
    assert client.get("/api/downloads/history?per_page=0").status_code == 400


def test_priority(client: FlaskClient, rows: dict[str, int]) -> None:
    url = f"/api/downloads/{rows['q_low']}/priority"
    response = client.put(url, json={"priority": 10})
    assert (response.status_code, response.get_json()["priority"]) == (200, 10)
    queue = client.get("/api/downloads/queue").get_json()
    assert ids(queue)[0] == rows["q_low"]
    for bad in (0, 11, "high", None):
        rejected = client.put(url, json={"priority": bad})
        assert rejected.status_code == 400, bad
    assert client.put(url, json={"priority": 11}).get_json() == {
        "error": "priority must be an integer between 1 and 10"
    }
    assert client.put("/api/downloads/999999/priority", json={"priority": 1}).get_json() == {
        "error": "Download not found"
    }


def test_cancel_a_queued_download(
    client: FlaskClient, rows: dict[str, int], library: Library, db_engine: Engine
) -> None:
    with Session(db_engine) as db:
        db.get(Video, library.videos["anthem"]).status = VideoStatus.DOWNLOADING
        db.commit()
    response = client.post(f"/api/downloads/{rows['q_low']}/cancel")
    assert response.status_code == 200
    body = response.get_json()
    assert body["message"] == "Download cancelled"
    assert (body["download"]["status"], body["download"]["completed_at"] is None) == (
        "cancelled", False,
    )  # fmt: skip
    with Session(db_engine) as db:
        assert db.get(Video, library.videos["anthem"]).status is VideoStatus.WANTED


@pytest.mark.parametrize("key", ["done", "failed", "cancelled"])
def test_only_live_downloads_can_be_cancelled(
    client: FlaskClient, rows: dict[str, int], key: str
) -> None:
    response = client.post(f"/api/downloads/{rows[key]}/cancel")
    assert (response.status_code, response.get_json()) == (
        409,
        {"error": "Only queued or downloading downloads can be cancelled"},
    )


@pytest.mark.parametrize("key", ["q_low", "q_high_early", "done"])
def test_only_failed_or_cancelled_can_be_retried(
    client: FlaskClient, rows: dict[str, int], key: str
) -> None:
    response = client.post(f"/api/downloads/{rows[key]}/retry")
    assert (response.status_code, response.get_json()) == (
        409,
        {"error": "Only failed or cancelled downloads can be retried"},
    )


def test_retry_refuses_when_the_video_has_another_live_download(
    client: FlaskClient, library: Library, db_engine: Engine
) -> None:
    old = add_download(db_engine, library.videos["anthem"], DownloadStatus.CANCELLED)
    live = add_download(db_engine, library.videos["anthem"], DownloadStatus.QUEUED)
    response = client.post(f"/api/downloads/{old}/retry")
    assert (response.status_code, response.get_json()) == (
        409,
        {"error": "Video already has an active download", "download_id": live},
    )


def test_unknown_download(client: FlaskClient) -> None:
    for path in ("retry", "cancel"):
        response = client.post(f"/api/downloads/999999/{path}")
        assert (response.status_code, response.get_json()) == (
            404,
            {"error": "Download not found"},
        )


@pytest.mark.parametrize(
    ("payload", "error"),
    [
        ({"url": "ftp://example.com/v.mp4"}, "Only http and https URLs can be downloaded"),
        ({"url": "file:///etc/passwd"}, "Only http and https URLs can be downloaded"),
        ({"url": "http://127.0.0.1:8000/v.mp4"},
         "Downloads from private or loopback hosts are not allowed"),
        ({"url": "http://localhost/v.mp4"},
         "Downloads from private or loopback hosts are not allowed"),
        ({"url": "http://10.1.2.3/v.mp4"},
         "Downloads from private or loopback hosts are not allowed"),
        ({"url": "http://[::1]/v.mp4"}, "Downloads from private or loopback hosts are not allowed"),
        ({"url": "http://169.254.169.254/latest"},
         "Downloads from private or loopback hosts are not allowed"),
        ({"priority": 0}, "priority must be an integer between 1 and 10"),
        ({"url": 5}, "url must be a string"),
        ({"quality": "best"}, "unknown field 'quality'"),
    ],
)  # fmt: skip
def test_download_request_checks(
    make_app: AppFactory, library: Library, db_engine: Engine, payload: dict, error: str
) -> None:
    client = make_app(allow_private_download_hosts=False).test_client()
    video_id = library.videos["anthem"]
    response = client.post(f"/api/videos/{video_id}/download", json=payload)
    assert (response.status_code, response.get_json()) == (400, {"error": error})
    assert client.get("/api/downloads/queue").get_json()["count"] == 0
    with Session(db_engine) as db:
        assert db.get(Video, video_id).status is VideoStatus.DOWNLOADED  # unchanged


def test_download_without_any_url(client: FlaskClient, library: Library) -> None:
    response = client.post(f"/api/videos/{library.videos['ballad']}/download")
    assert (response.status_code, response.get_json()) == (
        400,
        {"error": "Video has no download URL"},
    )
    assert client.post("/api/videos/999999/download").get_json() == {"error": "Video not found"}
    malformed = client.post(
        f"/api/videos/{library.videos['ballad']}/download",
        data="{url",
        content_type="application/json",
    )
    assert malformed.get_json() == {"error": "Invalid JSON body"}


def test_unreachable_url_fails_and_retry_requeues(
    client: FlaskClient, library: Library, db_engine: Engine
) -> None:
    video_id = library.videos["ballad"]
    response = client.post(f"/api/videos/{video_id}/download", json={"url": DEAD_URL})
    assert response.status_code == 202
    download_id = response.get_json()["download"]["id"]
    assert response.get_json()["download"]["job_id"] == f"download:{download_id}"

    def failed() -> Download | None:
        with Session(db_engine) as db:
            download = db.get(Download, download_id)
            return download if download.status is DownloadStatus.FAILED else None

    download = wait_for(failed)
    assert "refused" in download.error_message.lower()
    retried = client.post(f"/api/downloads/{download_id}/retry").get_json()
    assert retried["message"] == "Download requeued"
    assert (retried["download"]["status"], retried["download"]["error_message"]) == (
        "queued", None,
    )  # fmt: skip
    assert wait_for(failed).attempts == 2
