"""The harness itself: comparisons that must see a difference do, the normalization of
wall-clock values is exact, and a restore really brings the world back (both databases).

The whole harness is also checked end to end by running every case against a second
legacy app (MVIDARR_PARITY_CANDIDATE=legacy): every case must then pass.
"""

from __future__ import annotations

from datetime import datetime, timedelta

import httpx
import pytest
from sqlalchemy import delete, insert, select, update

from shared_models.models import AppSetting, Artist, Video
from shared_models.security import hash_password
from shared_models.session_cookie import SessionCodec
from tests.parity.case import get, post
from tests.parity.compare import (
    cookies,
    file_changes,
    is_compact_json,
    json_differences,
    normalize_json,
    normalize_rows,
    relative_time,
    row_changes,
)
from tests.parity.harness import ParityRun
from tests.parity.world import SECRET_KEY, FileState, Snapshot, World

STARTED = datetime(2026, 11, 24, 10, 0, 0, 500_000)


# -- JSON ----------------------------------------------------------------------------------


def test_equal_json_has_no_differences() -> None:
    body = {"videos": [{"id": 1, "title": "x", "year": None}], "count": 1, "ok": True}
    assert json_differences(body, {**body}) == []


def test_key_order_is_compared() -> None:
    found = json_differences({"id": 1, "title": "x"}, {"title": "x", "id": 1})
    assert found == ["$: key order legacy ['id', 'title'] != new ['title', 'id']"]


def test_missing_and_extra_keys_are_named() -> None:
    found = json_differences({"a": 1, "b": 2}, {"a": 1, "c": 3})
    assert "$: new lacks keys ['b']" in found
    assert "$: new has extra keys ['c']" in found


@pytest.mark.parametrize(
    ("legacy", "new"),
    [(1, 1.0), (True, 1), (0, False), ("1", 1), (None, "")],
)
def test_types_are_strict(legacy: object, new: object) -> None:
    """Python says 1 == 1.0 and True == 1; a JSON client does not."""
    assert json_differences({"value": legacy}, {"value": new}) != []


def test_lists_are_compared_item_by_item() -> None:
    found = json_differences({"items": [1, 2, 3]}, {"items": [1, 5]})
    assert "$.items: legacy has 3 items, new 2" in found
    assert "$.items[1]: legacy 2 != new 5" in found


def test_compact_json() -> None:
    assert is_compact_json(b'{"a":1,"name":"n\xc3\xbc"}\n', {"a": 1, "name": "nü"})
    assert not is_compact_json(b'{"a": 1}', {"a": 1})
    assert not is_compact_json(b'{"name":"n\\u00fc"}', {"name": "nü"})


# -- wall-clock values -----------------------------------------------------------------------


def test_timestamps_written_during_the_request_are_relative() -> None:
    assert relative_time(STARTED + timedelta(seconds=1), STARTED) == "<request time>"
    assert relative_time(STARTED + timedelta(minutes=15), STARTED) == "<request time +15 min>"
    seeded = datetime(2024, 5, 1, 12, 0)
    assert relative_time(seeded, STARTED) == seeded
    far_future = datetime(2099, 1, 1)
    assert relative_time(far_future, STARTED) == far_future


def test_json_timestamps_are_normalized_but_other_strings_kept() -> None:
    body = {"updated_at": "2026-11-24T10:00:01", "created_at": "2024-05-01T12:00:00", "t": "x"}
    assert normalize_json(body, STARTED) == {
        "updated_at": "<request time>",
        "created_at": "2024-05-01T12:00:00",
        "t": "x",
    }


def test_a_stale_timestamp_is_still_a_difference() -> None:
    """One backend writes now, the other keeps the old value: normalization keeps them apart."""
    legacy = normalize_json({"updated_at": "2026-11-24T10:00:01"}, STARTED)
    new = normalize_json({"updated_at": "2024-05-01T12:00:00"}, STARTED)
    assert json_differences(legacy, new) != []


# -- cookies ---------------------------------------------------------------------------------


def test_session_cookies_are_compared_by_payload_and_attributes() -> None:
    codec = SessionCodec(SECRET_KEY)
    value = codec.dumps({"user_id": 1})
    attributes = "Expires=Wed, 09 Dec 2026 10:00:00 GMT; Max-Age=1209600; HttpOnly; Path=/"
    login = httpx.Headers([("set-cookie", f"mvidarr_session={value}; {attributes}; SameSite=Lax")])
    assert cookies(login, codec) == {
        "mvidarr_session": {
            "value": {"session": {"user_id": 1}},
            "expires": "a date",
            "max-age": "1209600",
            "httponly": True,
            "path": "/",
            "samesite": "lax",
        }
    }
    cleared = httpx.Headers(
        [
            (
                "set-cookie",
                'mvidarr_session=""; Expires=Thu, 01 Jan 1970 00:00:00 GMT; Max-Age=0; Path=/',
            )
        ]
    )
    assert cookies(cleared, codec)["mvidarr_session"]["value"] == ""
    assert cookies(cleared, codec)["mvidarr_session"]["expires"] == "1970 (deleted)"
    forged = httpx.Headers([("set-cookie", f"mvidarr_session={SessionCodec('x').dumps({})}")])
    assert cookies(forged, codec)["mvidarr_session"]["value"] != {"session": {}}


# -- rows and files --------------------------------------------------------------------------


def test_row_changes_name_added_removed_and_changed_rows() -> None:
    before = {"videos": {(1,): {"id": 1, "title": "a"}, (2,): {"id": 2, "title": "b"}}}
    after = {"videos": {(1,): {"id": 1, "title": "A"}, (3,): {"id": 3, "title": "c"}}}
    assert row_changes(before, after) == {
        "videos[1].title": "A",
        "videos[3]": "added",
        "videos[3].id": 3,
        "videos[3].title": "c",
        "videos[2]": "removed",
    }


def test_password_hashes_are_compared_by_what_they_verify() -> None:
    case = post("/api/users/", {"username": "x", "password": "long enough"})
    changes = {"users[9].password_hash": hash_password("long enough")}
    assert normalize_rows(changes, case, STARTED) == {
        "users[9].password_hash": "<a hash of the password sent>"
    }
    wrong = {"users[9].password_hash": hash_password("something else")}
    assert normalize_rows(wrong, case, STARTED) != normalize_rows(changes, case, STARTED)


def test_ignored_and_runner_owned_columns_are_dropped() -> None:
    changes = {"api_keys[5].key_hash": "abc", "api_keys[5].name": "ci"}
    case = post("/api/api-keys/", {"name": "ci"}, ignore_rows=("api_keys.key_hash",))
    assert normalize_rows(changes, case, STARTED) == {"api_keys[5].name": "ci"}
    download = post("/api/videos/1/download", starts_download=True)
    running = {"downloads[12].status": "failed", "downloads[12].url": "http://x"}
    assert normalize_rows(running, download, STARTED) == {"downloads[12].url": "http://x"}


def test_the_thumbnail_cache_is_compared_by_content_not_name() -> None:
    before = Snapshot({}, {"a.mp4": FileState(10, 1)})
    after = Snapshot(
        {},
        {
            "a.mp4": FileState(10, 1),
            "thumbnails/1f2e-medium.jpg": FileState(900, 5),
            "new.txt": FileState(3, 5),
        },
    )
    renamed = Snapshot(
        {},
        {
            "a.mp4": FileState(10, 1),
            "thumbnails/77ab-medium.jpg": FileState(900, 6),
            "new.txt": FileState(3, 6),
        },
    )
    assert file_changes(before, after) == {
        "new.txt": "3 bytes",
        "thumbnails/*": "1 files of [900] bytes",
    }
    assert file_changes(before, renamed) == file_changes(before, after)
    gone = Snapshot({}, {})
    assert file_changes(before, gone) == {"a.mp4": "removed"}


# -- the world -------------------------------------------------------------------------------


def test_a_restore_brings_back_rows_ids_and_files(parity: ParityRun) -> None:
    world = parity.world
    try:
        change_everything(world)
        changed = world.snapshot()
        assert changed != world.baseline
        world.restore(changed)
        assert world.snapshot() == world.baseline

        # The next new row gets the id the first one got: counters are back too (MariaDB
        # keeps AUTO_INCREMENT past deleted rows unless told).
        with world.engine.begin() as connection:
            added = connection.execute(insert(Artist).values(name="Again", genres=[]))
        world.restore(world.snapshot())
        expected = max(key[0] for key in world.baseline.tables["artists"]) + 1
        assert added.inserted_primary_key is not None
        assert added.inserted_primary_key[0] == expected
        with world.engine.connect() as connection:
            assert connection.scalar(select(Artist.id).where(Artist.name == "Again")) is None
    finally:
        # The cases after this test need the seeded world, whatever happened above.
        world.restore(world.snapshot())


def change_everything(world: World) -> None:
    """A row deleted (with what cascades from it), one changed, one added; a media file
    removed and a stray one written."""
    with world.engine.begin() as connection:
        connection.execute(delete(Video).where(Video.id == 2))
        connection.execute(update(AppSetting).where(AppSetting.key == "ui_theme").values(value="x"))
        connection.execute(insert(Artist).values(name="Intruder", genres=[]))
    media_file = next(path for path in world.baseline.files if path.endswith(".mp4"))
    (world.media_root / media_file).unlink()
    (world.media_root / "stray.txt").write_text("x")


def test_case_ids_are_readable() -> None:
    case = get("/api/videos/", {"sort": "year"}, who="readonly", note="why")
    assert case.url == "/api/videos/?sort=year"
    assert "GET /api/videos/?sort=year [readonly] (why)" in case.id
