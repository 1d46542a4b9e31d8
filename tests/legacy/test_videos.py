"""/api/videos: listing, search, edit, status, delete, bulk changes (on SQLite and MariaDB)."""

from __future__ import annotations

from pathlib import Path

import pytest
from flask.testing import FlaskClient
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from shared_models.models import Playlist, PlaylistEntry, Video, VideoStatus
from tests.legacy.support import Library

VIDEO_KEYS = [
    "id", "artist_id", "artist_name", "title", "imvdb_id", "youtube_id", "youtube_url",
    "status", "local_path", "duration", "year", "quality", "description", "genres",
    "thumbnail_url", "has_local_thumbnail", "created_at", "updated_at",
]  # fmt: skip


def titles(body: dict) -> list[str]:
    return [video["title"] for video in body["videos"]]


def test_list_is_sorted_by_title_with_offset_paging(client: FlaskClient, library: Library) -> None:
    response = client.get("/api/videos/")
    assert response.status_code == 200
    assert response.mimetype == "application/json"
    body = response.get_json()
    assert list(body) == ["videos", "count", "total", "offset", "limit"]
    assert titles(body) == ["Anthem", "Ballad", "Chorus", "Dance 100%", "Echo_Echo", "Finale"]
    assert (body["count"], body["total"], body["offset"], body["limit"]) == (6, 6, 0, 50)
    first = body["videos"][0]
    assert list(first) == VIDEO_KEYS
    assert first["artist_name"] == "Alpha Band"
    assert first["status"] == "DOWNLOADED"
    assert len(first["created_at"]) == len("2026-11-23T23:20:50")

    page = client.get("/api/videos/?limit=2&offset=3").get_json()
    assert titles(page) == ["Dance 100%", "Echo_Echo"]
    assert (page["count"], page["total"], page["offset"], page["limit"]) == (2, 6, 3, 2)
    past_the_end = client.get("/api/videos/?offset=100").get_json()
    assert (past_the_end["videos"], past_the_end["total"]) == ([], 6)


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("sort=year", ["Echo_Echo", "Anthem", "Ballad", "Chorus", "Dance 100%", "Finale"]),
        ("sort=year&order=desc", ["Finale", "Dance 100%", "Chorus", "Ballad", "Anthem",
                                  "Echo_Echo"]),
        ("sort=artist_name&order=desc", ["Finale", "Echo_Echo", "Dance 100%", "Chorus",
                                         "Ballad", "Anthem"]),
        ("status=wanted", ["Ballad", "Chorus"]),
        ("status=FAILED&sort=title", ["Dance 100%"]),
    ],
)  # fmt: skip
def test_list_sorts_and_filters(
    client: FlaskClient, library: Library, query: str, expected: list[str]
) -> None:
    response = client.get(f"/api/videos/?{query}")
    assert response.status_code == 200
    assert titles(response.get_json()) == expected


def test_list_filters_by_artist(client: FlaskClient, library: Library) -> None:
    body = client.get(f"/api/videos/?artist_id={library.artists['alpha']}").get_json()
    assert titles(body) == ["Anthem", "Ballad"]


@pytest.mark.parametrize(
    ("query", "error"),
    [
        ("limit=0", "limit must be an integer between 1 and 500"),
        ("limit=501", "limit must be an integer between 1 and 500"),
        ("limit=ten", "limit must be an integer between 1 and 500"),
        ("offset=-1", "offset must be a non-negative integer"),
        ("offset=1_000", "offset must be a non-negative integer"),
        ("sort=length", "invalid sort 'length'"),
        ("order=sideways", "invalid order 'sideways'"),
        ("status=LOST", "invalid status 'LOST'"),
        ("artist_id=x", "artist_id must be a positive integer"),
    ],
)
def test_list_rejects_bad_parameters(client: FlaskClient, query: str, error: str) -> None:
    response = client.get(f"/api/videos/?{query}")
    assert response.status_code == 400
    assert response.get_json() == {"error": error}


def test_collection_without_slash_redirects_keeping_the_query(client: FlaskClient) -> None:
    response = client.get("/api/videos?limit=2")
    assert response.status_code == 308
    assert response.headers["Location"].endswith("/api/videos/?limit=2")


def test_search_filters_and_echoes_them(client: FlaskClient, library: Library) -> None:
    body = client.get("/api/videos/search?q=beta").get_json()
    assert titles(body) == ["Chorus", "Dance 100%", "Echo_Echo", "Finale"]
    assert body["filters"] == {
        "q": "beta", "artist": None, "status": None, "year_from": None, "year_to": None,
        "genre": None,
    }  # fmt: skip
    # Title match, case-insensitive; LIKE wildcards in the query are literal.
    assert titles(client.get("/api/videos/search?q=CHOR").get_json()) == ["Chorus"]
    assert titles(client.get("/api/videos/search?q=100%25").get_json()) == ["Dance 100%"]
    assert titles(client.get("/api/videos/search?q=o_e").get_json()) == ["Echo_Echo"]
    combined = client.get(
        "/api/videos/search?artist=alpha&year_from=2000&year_to=2010&sort_by=year&sort_order=desc"
    ).get_json()
    assert titles(combined) == ["Ballad"]
    assert combined["filters"]["year_from"] == 2000
    by_genre = client.get("/api/videos/search?genre=pop&status=monitored").get_json()
    assert titles(by_genre) == ["Finale"]
    assert by_genre["filters"]["status"] == "MONITORED"
    # "pop" is a genre of its own, not a substring match of "synthpop".
    assert titles(client.get("/api/videos/search?genre=pop").get_json()) == ["Chorus", "Finale"]
    assert client.get("/api/videos/search?q=nothing-like-this").get_json()["total"] == 0


@pytest.mark.parametrize(
    ("query", "error"),
    [
        ("year_from=2010&year_to=2000", "year_from must not be greater than year_to"),
        ("year_from=soon", "year_from must be an integer"),
        ("sort_by=artist", "invalid sort_by 'artist'"),
        ("sort_order=up", "invalid sort_order 'up'"),
        ("status=gone", "invalid status 'gone'"),
        ("limit=1000", "limit must be an integer between 1 and 500"),
    ],
)
def test_search_rejects_bad_parameters(client: FlaskClient, query: str, error: str) -> None:
    response = client.get(f"/api/videos/search?{query}")
    assert (response.status_code, response.get_json()) == (400, {"error": error})


def test_get_one_and_unknown(client: FlaskClient, library: Library) -> None:
    response = client.get(f"/api/videos/{library.videos['finale']}")
    assert response.status_code == 200
    assert response.get_json()["description"] == "The end."
    missing = client.get("/api/videos/999999")
    assert (missing.status_code, missing.get_json()) == (404, {"error": "Video not found"})
    assert client.get("/api/videos/not-a-number").status_code == 404


def test_update_changes_fields(client: FlaskClient, library: Library, db_engine: Engine) -> None:
    video_id = library.videos["ballad"]
    response = client.put(
        f"/api/videos/{video_id}",
        json={"title": "Ballad (Live)", "year": 2006, "status": "ignored",
              "genres": ["rock", "live", "rock"], "youtube_url": "https://example.com/v",
              "imvdb_id": 123},
    )  # fmt: skip
    assert response.status_code == 200
    body = response.get_json()
    assert (body["title"], body["year"], body["status"]) == ("Ballad (Live)", 2006, "IGNORED")
    assert body["genres"] == ["rock", "live"]
    assert body["imvdb_id"] == "123"
    with Session(db_engine) as db:
        stored = db.get(Video, video_id)
        assert (stored.title, stored.status) == ("Ballad (Live)", VideoStatus.IGNORED)


@pytest.mark.parametrize(
    ("payload", "error"),
    [
        ({"colour": "red"}, "unknown field 'colour'"),
        ({"year": "1999"}, "year must be an integer"),
        ({"year": True}, "year must be an integer"),
        ({"year": 3000}, "year must be an integer between 1900 and 2100"),
        ({"status": "FOO"}, "invalid status 'FOO'"),
        ({"title": ""}, "title must not be empty"),
        ({"title": None}, "title must be a string"),
        ({"genres": "rock"}, "genres must be a list of at most 50 strings"),
        ({"youtube_url": "javascript:alert(1)"}, "youtube_url must be an http or https URL"),
    ],
)
def test_update_rejects_bad_fields_and_changes_nothing(
    client: FlaskClient, library: Library, db_engine: Engine, payload: dict, error: str
) -> None:
    video_id = library.videos["ballad"]
    response = client.put(f"/api/videos/{video_id}", json=payload)
    assert (response.status_code, response.get_json()) == (400, {"error": error})
    with Session(db_engine) as db:
        assert db.get(Video, video_id).title == "Ballad"


def test_update_malformed_json_and_unknown_video(client: FlaskClient, library: Library) -> None:
    video_id = library.videos["ballad"]
    for data in ("{not json", "[1, 2]", "", '{"year": NaN}'):
        response = client.put(f"/api/videos/{video_id}", data=data, content_type="application/json")
        assert (response.status_code, response.get_json()) == (400, {"error": "Invalid JSON body"})
    as_text = client.put(
        f"/api/videos/{video_id}", data='{"year": 2000}', content_type="text/plain"
    )
    assert as_text.status_code == 415
    assert client.put("/api/videos/999999", json={"year": 2000}).status_code == 404


def test_status_endpoint(client: FlaskClient, library: Library) -> None:
    video_id = library.videos["chorus"]
    response = client.put(f"/api/videos/{video_id}/status", json={"status": "monitored"})
    assert (response.status_code, response.get_json()["status"]) == (200, "MONITORED")
    bad = client.put(f"/api/videos/{video_id}/status", json={"status": "paused"})
    assert (bad.status_code, bad.get_json()) == (400, {"error": "invalid status 'paused'"})
    missing = client.put(f"/api/videos/{video_id}/status", json={})
    assert missing.get_json() == {"error": "status is required"}
    assert client.put("/api/videos/999999/status", json={"status": "WANTED"}).status_code == 404


def test_delete_keeps_the_file_unless_asked(
    client: FlaskClient, library: Library, db_engine: Engine, media_root: Path
) -> None:
    files = {}
    with Session(db_engine) as db:
        for key in ("anthem", "ballad"):
            path = media_root / "Alpha Band" / f"{key}.mp4"
            path.parent.mkdir(exist_ok=True)
            path.write_bytes(b"video")
            db.get(Video, library.videos[key]).local_path = f"Alpha Band/{key}.mp4"
            files[key] = path
        db.commit()
    kept = client.delete(f"/api/videos/{library.videos['anthem']}")
    assert kept.get_json() == {"message": "Video deleted", "id": library.videos["anthem"]}
    assert files["anthem"].exists()
    removed = client.delete(f"/api/videos/{library.videos['ballad']}?delete_file=yes")
    assert removed.status_code == 200
    assert not files["ballad"].exists()
    assert client.delete(f"/api/videos/{library.videos['ballad']}").status_code == 404
    bad_flag = client.delete(f"/api/videos/{library.videos['chorus']}?delete_file=maybe")
    assert bad_flag.get_json() == {"error": "delete_file must be true or false"}


@pytest.mark.parametrize("local_path", ["../outside.mp4", "/etc/hostname", "a/../../outside.mp4"])
def test_delete_file_never_leaves_the_media_root(
    client: FlaskClient,
    library: Library,
    db_engine: Engine,
    media_root: Path,
    local_path: str,
) -> None:
    outside = media_root.parent / "outside.mp4"
    outside.write_bytes(b"not yours")
    video_id = library.videos["anthem"]
    with Session(db_engine) as db:
        db.get(Video, video_id).local_path = local_path
        db.commit()
    response = client.delete(f"/api/videos/{video_id}?delete_file=true")
    assert response.status_code == 400
    assert response.get_json() == {"error": "File path is outside the media root"}
    assert outside.read_bytes() == b"not yours"
    with Session(db_engine) as db:
        assert db.get(Video, video_id) is not None  # nothing lost


def test_delete_closes_playlist_gaps(
    client: FlaskClient, library: Library, db_engine: Engine
) -> None:
    with Session(db_engine) as db:
        playlist = Playlist(name="Mix")
        db.add(playlist)
        for position, key in enumerate(("anthem", "ballad", "chorus"), start=1):
            video_id = library.videos[key]
            db.add(PlaylistEntry(playlist=playlist, video_id=video_id, position=position))
        db.commit()
        playlist_id = playlist.id
    client.delete(f"/api/videos/{library.videos['ballad']}")
    client.post("/api/videos/bulk/delete", json={"video_ids": [library.videos["anthem"]]})
    with Session(db_engine) as db:
        entries = db.scalars(
            select(PlaylistEntry).where(PlaylistEntry.playlist_id == playlist_id)
        ).all()
        assert [(e.video_id, e.position) for e in entries] == [(library.videos["chorus"], 1)]


def test_bulk_status_and_delete(client: FlaskClient, library: Library, db_engine: Engine) -> None:
    ids = [library.videos["anthem"], library.videos["chorus"], 999999]
    response = client.post("/api/videos/bulk/status", json={"video_ids": ids, "status": "ignored"})
    assert response.get_json() == {"updated": 2}
    with Session(db_engine) as db:
        assert db.get(Video, library.videos["chorus"]).status is VideoStatus.IGNORED
    deleted = client.post("/api/videos/bulk/delete", json={"video_ids": ids})
    assert deleted.get_json() == {"deleted": 2}
    with Session(db_engine) as db:
        assert db.get(Video, library.videos["anthem"]) is None


@pytest.mark.parametrize(
    ("path", "payload", "error"),
    [
        ("status", {"video_ids": [], "status": "WANTED"},
         "video_ids must be a non-empty list of integer ids"),
        ("status", {"video_ids": ["1"], "status": "WANTED"},
         "video_ids must be a non-empty list of integer ids"),
        ("status", {"video_ids": [1]}, "status is required"),
        ("status", {"video_ids": [1], "status": "NOPE"}, "invalid status 'NOPE'"),
        ("delete", {}, "video_ids is required"),
        ("delete", {"video_ids": [1], "force": True}, "unknown field 'force'"),
    ],
)  # fmt: skip
def test_bulk_rejects_bad_bodies(
    client: FlaskClient, library: Library, path: str, payload: dict, error: str
) -> None:
    response = client.post(f"/api/videos/bulk/{path}", json=payload)
    assert (response.status_code, response.get_json()) == (400, {"error": error})
    assert client.get("/api/videos/").get_json()["total"] == 6
