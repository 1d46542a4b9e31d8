"""/api/playlists: CRUD, entries with positions 1..n, insert at a position, remove, reorder."""

from __future__ import annotations

import pytest
from flask.testing import FlaskClient
from sqlalchemy import Engine

from shared_models.models import UserRole
from tests.legacy.support import Library, add_user, login

PLAYLIST_KEYS = [
    "id", "name", "description", "is_public", "user_id", "entry_count", "created_at",
    "updated_at",
]  # fmt: skip


def entries(body: dict) -> list[tuple[int, str]]:
    return [(entry["position"], entry["video"]["title"]) for entry in body["entries"]]


@pytest.fixture
def playlist(client: FlaskClient, library: Library) -> dict:
    """ "Mix" with Anthem, Chorus, Finale (positions 1, 2, 3)."""
    created = client.post("/api/playlists/", json={"name": "Mix", "description": "Best of"})
    playlist_id = created.get_json()["id"]
    for key in ("anthem", "chorus", "finale"):
        client.post(f"/api/playlists/{playlist_id}/videos", json={"video_id": library.videos[key]})
    return client.get(f"/api/playlists/{playlist_id}").get_json()


def test_create_and_list(client: FlaskClient) -> None:
    created = client.post("/api/playlists/", json={"name": "Road trip", "is_public": False})
    assert created.status_code == 201
    body = created.get_json()
    assert list(body) == [*PLAYLIST_KEYS, "entries"]
    assert (body["name"], body["is_public"], body["user_id"], body["entries"]) == (
        "Road trip", False, None, [],
    )  # fmt: skip
    client.post("/api/playlists/", json={"name": "Afternoon"})
    listing = client.get("/api/playlists/?per_page=1").get_json()
    assert list(listing) == ["playlists", "count", "total", "page", "per_page", "pages"]
    assert [p["name"] for p in listing["playlists"]] == ["Afternoon"]
    assert (listing["total"], listing["pages"]) == (2, 2)
    assert list(listing["playlists"][0]) == PLAYLIST_KEYS
    assert client.get("/api/playlists/?page=0").status_code == 400


def test_owner_is_the_logged_in_user(client: FlaskClient, db_engine: Engine) -> None:
    user_id = add_user(db_engine, "listener", UserRole.USER)
    login(client, "listener")
    body = client.post("/api/playlists/", json={"name": "Mine"}).get_json()
    assert body["user_id"] == user_id


def test_entries_are_ordered_and_counted(client: FlaskClient, playlist: dict) -> None:
    assert entries(playlist) == [(1, "Anthem"), (2, "Chorus"), (3, "Finale")]
    assert playlist["entry_count"] == 3
    entry = playlist["entries"][0]
    assert list(entry) == ["id", "position", "video_id", "added_at", "video"]
    assert entry["video"]["artist_name"] == "Alpha Band"
    bare = client.get(f"/api/playlists/{playlist['id']}?include_entries=false").get_json()
    assert "entries" not in bare
    assert bare["entry_count"] == 3
    listed = client.get("/api/playlists/").get_json()["playlists"][0]
    assert listed["entry_count"] == 3
    bad = client.get(f"/api/playlists/{playlist['id']}?include_entries=some")
    assert bad.get_json() == {"error": "include_entries must be true or false"}


def test_insert_at_a_position(client: FlaskClient, library: Library, playlist: dict) -> None:
    url = f"/api/playlists/{playlist['id']}/videos"
    response = client.post(url, json={"video_id": library.videos["ballad"], "position": 2})
    assert response.status_code == 201
    assert entries(response.get_json()) == [
        (1, "Anthem"), (2, "Ballad"), (3, "Chorus"), (4, "Finale"),
    ]  # fmt: skip
    at_end = client.post(url, json={"video_id": library.videos["echo"], "position": 5})
    assert entries(at_end.get_json())[-1] == (5, "Echo_Echo")
    too_far = client.post(url, json={"video_id": library.videos["echo"], "position": 7})
    assert (too_far.status_code, too_far.get_json()) == (
        400,
        {"error": "position must be an integer between 1 and 6"},
    )
    zero = client.post(url, json={"video_id": library.videos["echo"], "position": 0})
    assert zero.status_code == 400
    unknown_video = client.post(url, json={"video_id": 999999})
    assert (unknown_video.status_code, unknown_video.get_json()) == (
        404,
        {"error": "Video not found"},
    )
    assert client.post(url, json={}).get_json() == {"error": "video_id is required"}
    assert client.post("/api/playlists/999999/videos", json={"video_id": 1}).status_code == 404


def test_remove_entry_closes_the_gap(client: FlaskClient, playlist: dict) -> None:
    middle = playlist["entries"][1]["id"]
    response = client.delete(f"/api/playlists/{playlist['id']}/entries/{middle}")
    assert response.status_code == 200
    assert entries(response.get_json()) == [(1, "Anthem"), (2, "Finale")]
    again = client.delete(f"/api/playlists/{playlist['id']}/entries/{middle}")
    assert (again.status_code, again.get_json()) == (404, {"error": "Playlist entry not found"})


def test_entry_of_another_playlist_is_not_found(client: FlaskClient, playlist: dict) -> None:
    other = client.post("/api/playlists/", json={"name": "Other"}).get_json()
    entry_id = playlist["entries"][0]["id"]
    response = client.delete(f"/api/playlists/{other['id']}/entries/{entry_id}")
    assert response.status_code == 404
    assert len(client.get(f"/api/playlists/{playlist['id']}").get_json()["entries"]) == 3


def test_reorder(client: FlaskClient, playlist: dict) -> None:
    ids = [entry["id"] for entry in playlist["entries"]]
    url = f"/api/playlists/{playlist['id']}/reorder"
    response = client.put(url, json={"entry_ids": [ids[2], ids[0], ids[1]]})
    assert response.status_code == 200
    assert entries(response.get_json()) == [(1, "Finale"), (2, "Anthem"), (3, "Chorus")]
    for bad in ([ids[0], ids[1]], [ids[0], ids[0], ids[1]], [*ids, 999999], []):
        rejected = client.put(url, json={"entry_ids": bad})
        assert rejected.status_code == 400, bad
    unchanged = client.get(f"/api/playlists/{playlist['id']}").get_json()
    assert entries(unchanged) == [(1, "Finale"), (2, "Anthem"), (3, "Chorus")]


def test_update_and_delete(client: FlaskClient, playlist: dict) -> None:
    url = f"/api/playlists/{playlist['id']}"
    updated = client.put(url, json={"name": "Mix 2", "description": None, "is_public": False})
    body = updated.get_json()
    assert (body["name"], body["description"], body["is_public"]) == ("Mix 2", None, False)
    assert len(body["entries"]) == 3
    assert client.put(url, json={"name": ""}).get_json() == {"error": "name must not be empty"}
    assert client.put(url, json={"owner": 1}).get_json() == {"error": "unknown field 'owner'"}
    assert client.delete(url).get_json() == {"message": "Playlist deleted", "id": playlist["id"]}
    assert client.get(url).get_json() == {"error": "Playlist not found"}
    assert client.put(url, json={"name": "x"}).status_code == 404
    assert client.delete(url).status_code == 404


def test_create_rejects_bad_bodies(client: FlaskClient) -> None:
    assert client.post("/api/playlists/", json={}).get_json() == {"error": "name is required"}
    malformed = client.post("/api/playlists/", data="{", content_type="application/json")
    assert malformed.get_json() == {"error": "Invalid JSON body"}
    wrong_type = client.post("/api/playlists/", json={"name": "x", "is_public": "no"})
    assert wrong_type.get_json() == {"error": "is_public must be true or false"}
    assert client.get("/api/playlists/").get_json()["total"] == 0
