"""The hostile requests, by class: each one is sent, from the same state, to the legacy app
and to the new app (through a gateway each, as tests/parity does) and must get the same
4xx `{"error": ...}` answer from both, on SQLite and MariaDB.

A case is a tests/parity Case; `Repeated` adds headers sent more than once.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any

from sqlalchemy import update

from shared_models.models import Artist, Video
from shared_models.session_cookie import COOKIE_NAME, SessionCodec
from tests.parity.case import Case, Form, Raw, delete, get, post, put
from tests.parity.world import API_KEYS as PARITY_KEYS
from tests.parity.world import (
    ARTIST_ONE,
    DOWNLOAD_FAILED,
    PLAYLIST_SMALL,
    SECRET_KEY,
    SETUPS,
    USERS,
    VIDEO_FRESH,
    VIDEO_MONITORED,
    VIDEO_MP4,
)

HUGE = 2**63  # one past the largest id
HUGER = 10**30
V = f"/api/videos/{VIDEO_MONITORED}"
P = f"/api/playlists/{PLAYLIST_SMALL}"
A = f"/api/artists/{ARTIST_ONE}"
USER_KEY = PARITY_KEYS["key:user"]


@dataclass(frozen=True)
class Repeated(Case):
    """A case whose `repeated` headers are each sent as their own header line."""

    repeated: tuple[tuple[str, str], ...] = ()


def raw_json(text: str) -> Raw:
    return Raw(text.encode("utf-8", "surrogatepass"))


def nested(depth: int) -> Raw:
    return Raw(b'{"title": ' + b"[" * depth + b"]" * depth + b"}")


# -- stored state the cases need (applied by the harness before the request, undone after)
STORED_PATHS = {
    "nul_local_path": "music/a\x00b.mp4",
    "traversal_local_path": "../../../../etc/passwd",
    "absolute_local_path": "/etc/passwd",
    "backslash_local_path": "..\\..\\..\\etc\\passwd",
    "encoded_local_path": "%2e%2e/%2e%2e/etc/passwd",
}
for _name, _value in STORED_PATHS.items():
    SETUPS[_name] = update(Video).where(Video.id == VIDEO_MP4).values(local_path=_value)
    SETUPS[_name.replace("local", "thumbnail")] = (
        update(Video)
        .where(Video.id == VIDEO_MP4)
        .values(thumbnail_path=_value.replace(".mp4", ".jpg"), thumbnail_url=None)
    )
SETUPS["symlink_local_path"] = (
    update(Video).where(Video.id == VIDEO_MP4).values(local_path="escape-link/passwd")
)

BOMB = "edge/bomb.png"  # written by conftest.add_media_traps
SETUPS["bomb_thumbnail_path"] = (
    update(Video).where(Video.id == VIDEO_MP4).values(thumbnail_path=BOMB, thumbnail_url=None)
)
SETUPS["bomb_artist_thumbnail"] = (
    update(Artist).where(Artist.id == ARTIST_ONE).values(thumbnail_path=BOMB, thumbnail_url=None)
)

SSRF_URLS = {
    "file": "file:///etc/passwd",
    "ftp": "ftp://example.com/video.mp4",
    "gopher": "gopher://127.0.0.1:6379/_INFO",
    "data": "data:text/plain;base64,SGVsbG8=",
    "javascript": "javascript:alert(1)",
    "no host": "http:///video.mp4",
    "loopback": "http://127.0.0.1/video.mp4",
    "loopback name": "http://localhost/video.mp4",
    "loopback short": "http://127.1/video.mp4",
    "loopback integer": "http://2130706433/video.mp4",
    "loopback hex": "http://0x7f000001/video.mp4",
    "loopback octal": "http://0177.0.0.1/video.mp4",
    "private 10/8": "http://10.0.0.1/video.mp4",
    "private 192.168/16": "http://192.168.1.1/video.mp4",
    "private 172.16/12": "http://172.16.0.1/video.mp4",
    "link-local": "http://169.254.1.1/video.mp4",
    "metadata": "http://169.254.169.254/latest/meta-data/",
    "zero": "http://0.0.0.0/video.mp4",
    "ipv6 loopback": "http://[::1]/video.mp4",
    "ipv6 mapped": "http://[::ffff:127.0.0.1]/video.mp4",
    "ipv6 link-local": "http://[fe80::1]/video.mp4",
    "ipv6 unique-local": "http://[fd00::1]/video.mp4",
    "backslash before @": "http://example.com\\@127.0.0.1/video.mp4",
    "user info": "http://example.com@127.0.0.1/video.mp4",
    "malformed ipv6": "http://[x/video.mp4",
    "bad port": "http://example.com:99999/video.mp4",
    "CRLF": "http://example.com/\r\nHost: 127.0.0.1",
    "space": "http://exa mple.com/video.mp4",
    "multicast": "http://224.0.0.1/video.mp4",
    "broadcast": "http://255.255.255.255/video.mp4",
}
for _label, _url in SSRF_URLS.items():
    SETUPS[f"thumbnail_url {_label}"] = (
        update(Video)
        .where(Video.id == VIDEO_MONITORED)
        .values(thumbnail_url=_url, thumbnail_path=None)
    )

SURROGATES = [
    post("/auth/login", raw_json('{"username": "admin", "password": "\\ud800"}')),
    post("/auth/login", raw_json('{"username": "\\udfff", "password": "x"}')),
    post("/auth/login", raw_json('{"\\ud800": 1}'), note="in a key"),
    put(V, raw_json('{"title": "a\\ud800b"}')),
    put(V, raw_json('{"description": "\\udc00"}')),
    post("/api/artists/", raw_json('{"name": "\\ud83d"}'), note="half an emoji"),
    put(A, raw_json('{"name": "\\ud800"}')),
    post("/api/playlists/", raw_json('{"name": "\\ud800"}')),
    put(P, raw_json('{"description": "\\ud800"}')),
    put("/api/settings/theme", raw_json('{"value": "\\ud800"}')),
    post("/api/users/", raw_json('{"username": "\\ud800", "password": "long enough"}')),
    post("/api/videos/bulk/status", raw_json('{"video_ids": [1], "status": "\\ud800"}')),
    post(f"/api/videos/{VIDEO_FRESH}/download", raw_json('{"url": "http://a/\\ud800"}')),
    put(V, raw_json('{"tags": ["\\ud800"]}')),
]

DEEP_NESTING = [
    post("/auth/login", nested(2000)),
    post("/auth/login", nested(10_000), note="10,000 deep"),
    post("/auth/login", Raw(b"[" * 2000 + b"]" * 2000), note="a bare array"),
    put(V, nested(2000)),
    put(V, nested(33), note="just past the limit"),
    post("/api/artists/", nested(2000)),
    post("/api/playlists/", nested(2000)),
    put("/api/settings/theme", nested(2000)),
    put("/api/settings/bulk", nested(2000)),
    post("/api/users/", nested(2000)),
    post("/api/videos/bulk/delete", nested(2000)),
    post(f"{P}/videos", nested(2000)),
    put(f"{P}/reorder", nested(2000)),
]

NULS = [
    post("/auth/login", {"username": "admin\x00", "password": "x"}),
    post("/auth/login", {"username": "admin", "password": "x\x00y"}),
    put(V, {"title": "a\x00b"}),
    put(V, {"youtube_url": "https://example.com/\x00"}),
    post("/api/artists/", {"name": "\x00"}),
    post("/api/artists/", {"name": "x", "folder_path": "a\x00b"}),
    put(A, {"folder_path": "\x00"}),
    post("/api/playlists/", {"name": "x\x00"}),
    put("/api/settings/theme", {"value": "dark\x00"}),
    post("/api/users/", {"username": "nul\x00", "password": "long enough"}),
    put(f"/api/users/{USERS['idle']}", {"password": "long enough\x00"}),
    get(f"/api/videos/{VIDEO_MP4}/stream", setup=("nul_local_path",), note="stored path"),
    get(f"/api/videos/{VIDEO_MP4}/thumbnail", setup=("nul_thumbnail_path",), note="stored path"),
    get("/api/artists/", {"search": "a\x00b"}, note="in a query"),
    get("/api/videos/search", {"q": "\x00"}),
    get("/api/settings/the%00me", note="in a path"),
    get(f"/api/videos/{VIDEO_MP4}/thumbnail/sm%00all", note="in a size name"),
]


def id_paths(identifier: str) -> list[str]:
    return [
        f"/api/videos/{identifier}",
        f"/api/videos/{identifier}/stream",
        f"/api/videos/{identifier}/thumbnail",
        f"/api/artists/{identifier}",
        f"/api/artists/{identifier}/videos",
        f"/api/playlists/{identifier}",
    ]


IDS = [
    *(get(path, note="2**63") for path in id_paths(str(HUGE))),
    *(get(path, note="10**30") for path in id_paths(str(HUGER))),
    get(f"/api/artists/{HUGE}/thumbnail"),
    get(f"/api/videos/{'9' * 5000}", note="5,000 digits"),
    put(f"/api/videos/{HUGE}", {"title": "x"}),
    delete(f"/api/videos/{HUGE}"),
    put(f"/api/videos/{HUGE}/status", {"status": "wanted"}),
    post(f"/api/videos/{HUGE}/download"),
    post(f"/api/videos/{HUGE}/refresh-metadata"),
    put(f"/api/artists/{HUGE}", {"name": "x"}),
    delete(f"/api/artists/{HUGE}"),
    put(f"/api/playlists/{HUGE}", {"name": "x"}),
    delete(f"/api/playlists/{HUGE}"),
    post(f"/api/playlists/{HUGE}/videos", {"video_id": 1}),
    delete(f"{P}/entries/{HUGE}"),
    post(f"/api/downloads/{HUGE}/retry"),
    post(f"/api/downloads/{HUGE}/cancel"),
    put(f"/api/downloads/{HUGE}/priority", {"priority": 5}),
    put(f"/api/users/{HUGE}", {"role": "user"}),
    delete(f"/api/users/{HUGE}"),
    delete(f"/api/api-keys/{HUGE}"),
    get("/api/videos/-1"),
    get("/api/videos/1.5"),
    get("/api/videos/0x10"),
    get("/api/videos/%EF%BC%91", note="a full-width digit"),
    post("/api/videos/bulk/status", {"video_ids": [HUGE], "status": "wanted"}),
    post("/api/videos/bulk/status", {"video_ids": [HUGER], "status": "wanted"}),
    post("/api/videos/bulk/status", {"video_ids": [-1], "status": "wanted"}),
    post("/api/videos/bulk/status", {"video_ids": ["1"], "status": "wanted"}),
    post("/api/videos/bulk/status", {"video_ids": [1.0], "status": "wanted"}),
    post("/api/videos/bulk/status", {"video_ids": [True], "status": "wanted"}),
    post("/api/videos/bulk/delete", {"video_ids": [HUGE]}),
    post("/api/videos/bulk/delete", {"video_ids": [1] * 1001}, note="1,001 ids"),
    post(f"{P}/videos", {"video_id": HUGE}),
    post(f"{P}/videos", {"video_id": -5}),
    put(f"{P}/reorder", {"entry_ids": [HUGE]}),
    put(f"/api/downloads/{DOWNLOAD_FAILED}/priority", {"priority": HUGE}),
    get("/api/videos/", {"artist_id": HUGE}),
    get("/api/videos/", {"artist_id": -1}),
    get("/api/videos/", {"artist_id": "1e3"}),
]

PAGINATION = [
    get("/api/videos/", {"limit": HUGE}),
    get("/api/videos/", {"limit": -1}),
    get("/api/videos/", {"limit": "ten"}),
    get("/api/videos/", {"offset": -1}),
    get("/api/videos/", {"offset": HUGER}),
    get("/api/videos/", {"offset": "1.5"}),
    get("/api/videos/", {"offset": "9" * 5000}, note="5,000 digits"),
    get("/api/artists/", {"page": 0}),
    get("/api/artists/", {"page": HUGE}),
    get("/api/artists/", {"per_page": -1}),
    get("/api/artists/", {"per_page": "x"}),
    get("/api/playlists/", {"page": "-0"}),
    get("/api/downloads/history", {"page": HUGER}),
    get("/api/users/", {"per_page": HUGE}),
    get(f"{A}/videos", {"limit": 0}),
    get("/api/videos/search", {"year_from": HUGE}),
]

WRONG_TYPES = [
    post("/auth/login", {"username": ["admin"], "password": "x"}),
    post("/auth/login", {"username": "admin", "password": {"$ne": ""}}),
    post("/auth/login", {"username": 1, "password": 2}),
    put(V, {"title": 5}),
    put(V, {"title": None}),
    put(V, {"year": "1999x"}),
    put(V, {"year": 1999.5}),
    put(V, {"year": True}),
    put(V, {"tags": "rock"}),
    put(V, {"tags": [1, 2]}),
    put(f"{V}/status", {"status": 3}),
    put(f"{V}/status", {"status": ["wanted"]}),
    post("/api/artists/", {"name": {"first": "a"}}),
    post("/api/artists/", {"name": "x", "monitored": "yes"}),
    post("/api/playlists/", {"name": ["x"]}),
    put(P, {"is_public": "true"}),
    put("/api/settings/bulk", {"settings": "theme=dark"}),
    put("/api/settings/bulk", ["theme"]),
    post("/api/users/", {"username": "x", "password": "long enough", "role": 1}),
    put(f"/api/users/{USERS['idle']}", {"is_active": 1}),
    put(f"/api/downloads/{DOWNLOAD_FAILED}/priority", {"priority": "high"}),
    post(f"{P}/videos", {"video_id": "1"}),
    post("/api/videos/bulk/status", {"video_ids": 1, "status": "wanted"}),
    put(V, Raw(b'"just a string"')),
    put(V, Raw(b"null")),
    put(V, Raw(b"12")),
]

CONTENT_TYPES = [
    put(V, Raw(b'{"title": "x"}', "text/plain")),
    put(V, Raw(b'{"title": "x"}', None), note="no Content-Type"),
    put(V, Raw(b'{"title": "x"}', "application/x-www-form-urlencoded")),
    put(V, Raw(b'{"title": "x"}', "multipart/form-data; boundary=x")),
    put(V, Raw(b'{"title": "x"}', "application/xml")),
    put(V, Raw(b'{"title": "x"}', "text/json")),
    post("/api/playlists/", Raw(b'{"name": "x"}', "text/html")),
    post("/api/artists/", Form({"name": "x"})),
    post("/api/users/", Raw(b'{"username": "x"}', "application/javascript")),
    put("/api/settings/theme", Raw(b'{"value": "dark"}', "text/plain; charset=utf-8")),
    post("/api/videos/bulk/delete", Raw(b'{"video_ids": [1]}', "image/png")),
    put(V, Raw(b'{"title": "x"}', "application/json; charset=latin-1"), note="invalid UTF-8"),
]
# The last one: a latin-1 body that is not UTF-8.
CONTENT_TYPES[-1] = put(
    V, Raw('{"title": "caf\xe9"}'.encode("latin-1"), "application/json"), note="not UTF-8"
)

OVERSIZE = [
    put(V, Raw(b'{"title": "' + b"x" * (2 * 1024 * 1024) + b'"}'), note="2 MiB"),
    post("/auth/login", Raw(b'{"username": "' + b"a" * (1024 * 1024) + b'"}'), note="1 MiB"),
    post("/api/artists/", Raw(b"[" + b"1," * (600 * 1024) + b"1]"), note="1.2 MiB array"),
    put("/api/settings/bulk", Raw(b" " * (1024 * 1024 + 1)), note="1 MiB of blanks"),
]

SSRF = [
    *(
        post(
            f"/api/videos/{VIDEO_FRESH}/download",
            {"url": url},
            variant="private_hosts_refused",
            note=label,
        )
        for label, url in SSRF_URLS.items()
    ),
    *(
        get(
            f"/api/videos/{VIDEO_MONITORED}/thumbnail",
            setup=(f"thumbnail_url {label}",),
            variant="private_hosts_refused",
            note=f"thumbnail from {label}",
        )
        for label, url in SSRF_URLS.items()
        if label not in ("CRLF",)
    ),
    put(V, {"youtube_url": "javascript:alert(1)"}),
    put(V, {"youtube_url": "http://[x"}),
    put(V, {"thumbnail_url": "file:///etc/passwd"}),
    post("/api/artists/", {"name": "x", "thumbnail_url": "gopher://x"}),
]

forged_codec = SessionCodec("some-other-secret")
codec = SessionCodec(SECRET_KEY)


def cookie(value: str) -> dict[str, str]:
    return {"Cookie": f"{COOKIE_NAME}={value}"}


def signed(payload: Any) -> dict[str, str]:
    return cookie(codec.dumps(payload))


ADMIN_COOKIE = codec.dumps({"user_id": USERS["admin"]})
READONLY_COOKIE = codec.dumps({"user_id": USERS["readonly"]})

CREDENTIALS = [
    *(
        get("/api/videos/", headers=headers, auth_required=True, note=note)
        for note, headers in {
            "garbage cookie": cookie("garbage"),
            "empty cookie": cookie(""),
            "tampered cookie": cookie(ADMIN_COOKIE[:-2] + "xx"),
            "cookie signed elsewhere": cookie(forged_codec.dumps({"user_id": 1})),
            "absurd user id": signed({"user_id": HUGER}),
            "user id 2**63": signed({"user_id": HUGE}),
            "negative user id": signed({"user_id": -1}),
            "user id zero": signed({"user_id": 0}),
            "user id as text": signed({"user_id": "1"}),
            "user id a float": signed({"user_id": 1.0}),
            "user id a list": signed({"user_id": [1]}),
            "user id true": signed({"user_id": True}),
            "no user id": signed({"role": "admin"}),
            "payload a list": signed([1]),
            "two session cookies": {
                "Cookie": f"{COOKIE_NAME}=garbage; {COOKIE_NAME}={ADMIN_COOKIE}"
            },
            "two cookies, valid first": {
                "Cookie": f"{COOKIE_NAME}={ADMIN_COOKIE}; {COOKIE_NAME}=garbage"
            },
            "cookie with CRLF": cookie("a%0d%0aSet-Cookie: x=1"),
            "unknown key": {"X-Api-Key": "mvk_nope"},
            "very long key": {"X-Api-Key": "k" * 4000},
            "key with comma": {"X-Api-Key": f"{USER_KEY}, mvk_nope"},
        }.items()
    ),
    Repeated(
        "GET",
        "/api/videos/",
        auth_required=True,
        repeated=(("X-Api-Key", USER_KEY), ("X-Api-Key", "mvk_nope")),
        note="two keys, valid first",
    ),
    Repeated(
        "GET",
        "/api/videos/",
        auth_required=True,
        repeated=(("X-Api-Key", "mvk_nope"), ("X-Api-Key", USER_KEY)),
        note="two keys, valid last",
    ),
    Repeated(
        "GET",
        "/api/videos/",
        auth_required=True,
        repeated=(("X-Api-Key", USER_KEY), ("X-Api-Key", USER_KEY)),
        note="the same key twice",
    ),
    Repeated(
        "GET",
        "/api/users/",
        auth_required=True,
        repeated=(
            ("Cookie", f"{COOKIE_NAME}={READONLY_COOKIE}"),
            ("Cookie", f"{COOKIE_NAME}={ADMIN_COOKIE}"),
        ),
        note="two Cookie headers",
    ),
]

ROLES = [
    put(V, {"title": "x"}, who="readonly"),
    delete(V, who="readonly"),
    post("/api/playlists/", {"name": "x"}, who="readonly"),
    post("/api/videos/bulk/delete", {"video_ids": [1]}, who="readonly"),
    post(f"/api/videos/{VIDEO_FRESH}/download", who="key:readonly"),
    put(V, {"title": "x"}, who="key:readonly"),
    get("/api/users/", who="user"),
    get("/api/users/", who="readonly"),
    get("/api/users/", who="manager"),
    post("/api/users/", {"username": "x", "password": "long enough"}, who="manager"),
    put(f"/api/users/{USERS['user']}", {"role": "admin"}, who="user"),
    delete(f"/api/users/{USERS['admin']}", who="user"),
    get("/api/api-keys/", who="user"),
    post("/api/api-keys/", {"name": "mine"}, who="key:user"),
    delete("/api/api-keys/1", who="manager"),
    put("/api/settings/theme", {"value": "dark"}, who="user"),
    put("/api/settings/bulk", {"settings": {"theme": "dark"}}, who="manager"),
    delete("/api/settings/theme", who="readonly"),
    get("/api/users/", who="key:revoked"),
    get("/api/videos/", who="key:unknown"),
    get("/api/users/", who="disabled", auth_required=True),
    get("/api/users/", who="ghost", auth_required=True),
    get("/api/users/", who="forged", auth_required=True),
    put(V, {"title": "x"}, auth_required=True),
    get("/api/settings/", auth_required=True),
    get("/api/users/", auth_required=True, headers={"X-Api-Key": ""}, note="empty key"),
]

# `//` in a path is merged, as every router does: a 308 to the merged path (same origin),
# which then answers 404 (the case after it).
MERGED_SLASHES = [get("/static//etc/passwd"), get("/static//static/css/app.css")]

STATIC_PATHS = [
    *MERGED_SLASHES,
    get("/static/etc/passwd"),
    get("/static/../legacy_flask/app.py"),
    get("/static/%2e%2e/%2e%2e/pyproject.toml"),
    get("/static/..%2f..%2fpyproject.toml"),
    get("/static/..%5c..%5cpyproject.toml"),
    get("/static/%00"),
    get("/static/css/%00.css"),
    get("/static/\\..\\pyproject.toml"),
    get("/static/C:/Windows/win.ini"),
]

MEDIA_PATHS = [
    *(
        get(f"/api/videos/{VIDEO_MP4}/stream", setup=(name,), note="stored " + name)
        for name in STORED_PATHS
        if name != "nul_local_path"
    ),
    *(
        get(f"/api/videos/{VIDEO_MP4}/thumbnail", setup=(name.replace("local", "thumbnail"),))
        for name in STORED_PATHS
        if name != "nul_local_path"
    ),
    get(f"/api/videos/{VIDEO_MP4}/stream", setup=("symlink_local_path",), note="symlink out"),
    get(f"/api/videos/{VIDEO_MP4}/thumbnail/..%2f..%2fsmall"),
    get(f"/api/videos/{VIDEO_MP4}/thumbnail/%2e%2e"),
    get(f"/api/videos/{VIDEO_MP4}/thumbnail/..%5csmall"),
    get(f"/api/videos/{VIDEO_MP4}/thumbnail/%2fetc%2fpasswd"),
    get(f"/api/videos/{VIDEO_MP4}/thumbnail/small%20"),
    get(f"/api/videos/{VIDEO_MP4}/thumbnail/{'x' * 3000}"),
    post("/api/artists/", {"name": "x", "folder_path": "../../etc"}),
    post("/api/artists/", {"name": "x", "folder_path": "/etc"}),
    post("/api/artists/", {"name": "x", "folder_path": "..\\..\\etc"}),
    put(A, {"folder_path": "../outside"}),
]

IMAGE_BOMBS = [
    get(f"/api/videos/{VIDEO_MP4}/thumbnail", setup=("bomb_thumbnail_path",)),
    get(f"/api/videos/{VIDEO_MP4}/thumbnail/small", setup=("bomb_thumbnail_path",)),
    get(f"/api/videos/{VIDEO_MP4}/thumbnail/large", setup=("bomb_thumbnail_path",)),
    get(f"/api/artists/{ARTIST_ONE}/thumbnail", setup=("bomb_artist_thumbnail",)),
]

CRLF = [
    put(V, {"youtube_url": "https://example.com/\r\nX-Injected: 1"}),
    put(V, {"thumbnail_url": "https://example.com/a\r\nb.jpg"}),
    post("/api/artists/", {"name": "x", "thumbnail_url": "http://a.example/\r\nx"}),
    get("/api/videos/%0d%0aX-Injected:%201"),
    get("/api/settings/x%0d%0aSet-Cookie:%20a=b"),
    put("/api/settings/a%0d%0ab", {"value": "x"}),
]

CLASSES: dict[str, list[Case]] = {
    "surrogates": SURROGATES,
    "deep nesting": DEEP_NESTING,
    "NULs": NULS,
    "ids": IDS,
    "pagination": PAGINATION,
    "wrong JSON types": WRONG_TYPES,
    "wrong Content-Type": CONTENT_TYPES,
    "oversize bodies": OVERSIZE,
    "SSRF": SSRF,
    "cookies and API keys": CREDENTIALS,
    "role violations": ROLES,
    "static paths": STATIC_PATHS,
    "media paths": MEDIA_PATHS,
    "image bombs": IMAGE_BOMBS,
    "CRLF": CRLF,
}


def collect() -> list[Case]:
    cases = [
        replace(case, family=name.replace(" ", "-"))
        for name, group in CLASSES.items()
        for case in group
    ]
    seen: set[str] = set()
    for case in cases:
        if case.id in seen:
            raise ValueError(f"two security cases with the id {case.id!r} (add a note)")
        seen.add(case.id)
    return cases


CASES = collect()
REDIRECTS = {replace(case, family="static-paths").id for case in MERGED_SLASHES}
