"""The error contract across every endpoint: unknown ids are 404 with the thing's name,
malformed JSON bodies are 400 "Invalid JSON body", and nothing is changed by either."""

from __future__ import annotations

import pytest
from flask.testing import FlaskClient
from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session

from shared_models.models import Base, UserRole
from tests.legacy.support import Library, add_user

MISSING = 999999

UNKNOWN_IDS = [
    ("get", f"/api/videos/{MISSING}", None, "Video"),
    ("put", f"/api/videos/{MISSING}", {"year": 2000}, "Video"),
    ("delete", f"/api/videos/{MISSING}", None, "Video"),
    ("put", f"/api/videos/{MISSING}/status", {"status": "WANTED"}, "Video"),
    ("post", f"/api/videos/{MISSING}/download", None, "Video"),
    ("post", f"/api/videos/{MISSING}/refresh-metadata", None, "Video"),
    ("get", f"/api/videos/{MISSING}/stream", None, "Video"),
    ("get", f"/api/videos/{MISSING}/thumbnail", None, "Video"),
    ("get", f"/api/videos/{MISSING}/thumbnail/small", None, "Video"),
    ("get", f"/api/artists/{MISSING}", None, "Artist"),
    ("put", f"/api/artists/{MISSING}", {"name": "x"}, "Artist"),
    ("delete", f"/api/artists/{MISSING}", None, "Artist"),
    ("get", f"/api/artists/{MISSING}/videos", None, "Artist"),
    ("get", f"/api/artists/{MISSING}/thumbnail", None, "Artist"),
    ("get", f"/api/playlists/{MISSING}", None, "Playlist"),
    ("put", f"/api/playlists/{MISSING}", {"name": "x"}, "Playlist"),
    ("delete", f"/api/playlists/{MISSING}", None, "Playlist"),
    ("post", f"/api/playlists/{MISSING}/videos", {"video_id": 1}, "Playlist"),
    ("delete", f"/api/playlists/{MISSING}/entries/1", None, "Playlist"),
    ("put", f"/api/playlists/{MISSING}/reorder", {"entry_ids": [1]}, "Playlist"),
    ("get", "/api/settings/no_such_key", None, "Setting"),
    ("delete", "/api/settings/no_such_key", None, "Setting"),
    ("post", f"/api/downloads/{MISSING}/retry", None, "Download"),
    ("post", f"/api/downloads/{MISSING}/cancel", None, "Download"),
    ("put", f"/api/downloads/{MISSING}/priority", {"priority": 3}, "Download"),
    ("put", f"/api/users/{MISSING}", {"role": "user"}, "User"),
    ("delete", f"/api/users/{MISSING}", None, "User"),
    ("delete", f"/api/api-keys/{MISSING}", None, "API key"),
]

JSON_ENDPOINTS = [
    ("put", "/api/videos/{video}"),
    ("put", "/api/videos/{video}/status"),
    ("post", "/api/videos/{video}/download"),
    ("post", "/api/videos/bulk/status"),
    ("post", "/api/videos/bulk/delete"),
    ("post", "/api/artists/"),
    ("put", "/api/artists/{artist}"),
    ("post", "/api/artists/import-from-imvdb"),
    ("post", "/api/playlists/"),
    ("put", "/api/playlists/{playlist}"),
    ("post", "/api/playlists/{playlist}/videos"),
    ("put", "/api/playlists/{playlist}/reorder"),
    ("put", "/api/settings/theme"),
    ("put", "/api/settings/bulk"),
    ("put", "/api/downloads/{download}/priority"),
    ("post", "/api/users/"),
    ("put", "/api/users/{user}"),
    ("post", "/api/api-keys/"),
    ("post", "/auth/login"),
]


def row_counts(engine: Engine) -> dict[str, int]:
    with Session(engine) as db:
        return {
            table.name: db.scalar(select(func.count()).select_from(table)) or 0
            for table in Base.metadata.sorted_tables
        }


@pytest.mark.parametrize(("method", "path", "body", "thing"), UNKNOWN_IDS)
def test_unknown_ids_are_404(
    client: FlaskClient, method: str, path: str, body: dict | None, thing: str
) -> None:
    response = getattr(client, method)(path, json=body)
    assert response.status_code == 404
    assert response.get_json() == {"error": f"{thing} not found"}


@pytest.fixture
def targets(client: FlaskClient, library: Library, db_engine: Engine) -> dict[str, int]:
    """One row of each kind for the paths above to point at."""
    playlist = client.post("/api/playlists/", json={"name": "p"}).get_json()["id"]
    download = client.post(
        f"/api/videos/{library.videos['anthem']}/download",
        json={"url": "http://127.0.0.1:9/x.mp4"},
    ).get_json()["download"]["id"]
    return {
        "video": library.videos["ballad"],
        "artist": library.artists["alpha"],
        "playlist": playlist,
        "download": download,
        "user": add_user(db_engine, "someone", UserRole.USER),
    }


@pytest.mark.parametrize(("method", "path"), JSON_ENDPOINTS)
def test_malformed_json_is_400_and_changes_nothing(
    client: FlaskClient, db_engine: Engine, targets: dict[str, int], method: str, path: str
) -> None:
    before = row_counts(db_engine)
    for body in ("{broken", "[1, 2, 3]", '"text"', "null", '{"a": NaN}'):
        response = getattr(client, method)(
            path.format(**targets), data=body, content_type="application/json"
        )
        assert (response.status_code, response.get_json()) == (
            400,
            {"error": "Invalid JSON body"},
        ), body
    assert row_counts(db_engine) == before
