"""The simulated upstreams answer in the contract shape of docs/simulator.md: IMVDb and
MusicBrainz JSON from the catalog, real clips with Range, failure modes, latency."""

from __future__ import annotations

import io
import math
import time
from pathlib import Path

import httpx
import pytest
import yt_dlp
from PIL import Image
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from benchmarks.upstreams import create_app
from benchmarks.upstreams.latency import parse_spread, spread_latency_ms
from shared_models.demo.catalog import get_catalog
from shared_models.demo.clips import clip_for
from shared_models.demo.seed import seed_library
from shared_models.demo.upstream_urls import UpstreamURLs
from shared_models.models import Artist, Video
from shared_models.tools import verify_playable

ENTITY_KEYS = {"id", "name", "slug", "url", "byline", "image", "artist_video_count"}
IMAGE_KEYS = {"o", "l", "b", "t", "s"}


@pytest.fixture(scope="module")
def client(upstreams_url: str) -> httpx.Client:
    with httpx.Client(base_url=upstreams_url, timeout=30) as http:
        yield http


@pytest.fixture(scope="module")
def imvdb(upstreams: UpstreamURLs) -> httpx.Client:
    with httpx.Client(base_url=upstreams.imvdb_base_url, timeout=30) as http:
        yield http


@pytest.fixture(scope="module")
def musicbrainz(upstreams: UpstreamURLs) -> httpx.Client:
    with httpx.Client(base_url=upstreams.musicbrainz_base_url, timeout=30) as http:
        yield http


def stats(client: httpx.Client) -> dict:
    return client.get("/_sim/stats").json()


# IMVDb


def test_entity_search_finds_an_artist_by_name_first(imvdb: httpx.Client) -> None:
    artist = get_catalog().artists[7]
    response = imvdb.get("/search/entities", params={"q": artist.name})
    assert response.status_code == 200
    body = response.json()
    assert {"total_results", "current_page", "per_page", "total_pages"} <= body.keys()
    first = body["results"][0]
    assert ENTITY_KEYS | {"featured_video_count"} <= first.keys()
    assert (first["id"], first["name"], first["slug"]) == (
        artist.imvdb_id,
        artist.name,
        artist.slug,
    )
    assert first["artist_video_count"] == artist.video_count
    assert set(first["image"]) == IMAGE_KEYS


def test_entity_search_pages(imvdb: httpx.Client) -> None:
    everything = imvdb.get("/search/entities", params={"q": "the", "per_page": 100}).json()
    total = everything["total_results"]
    assert total > 6
    page = imvdb.get("/search/entities", params={"q": "the", "per_page": 3, "page": 2}).json()
    assert (page["current_page"], page["per_page"]) == (2, 3)
    assert page["total_pages"] == math.ceil(total / 3)
    assert [r["id"] for r in page["results"]] == [r["id"] for r in everything["results"][3:6]]
    empty = imvdb.get("/search/entities", params={"q": "zzzqqq"}).json()
    assert (empty["total_results"], empty["results"]) == (0, [])
    bad = imvdb.get("/search/entities", params={"q": "the", "page": "two"})
    assert bad.status_code == 400
    assert bad.json() == {"error": "page must be an integer"}


def test_search_ignores_case_and_accents(imvdb: httpx.Client) -> None:
    accented = next(a for a in get_catalog().artists if not a.name.isascii())
    folded = accented.slug.replace("-", " ").upper()
    results = imvdb.get("/search/entities", params={"q": folded}).json()["results"]
    assert accented.imvdb_id in [result["id"] for result in results]


def test_video_search_matches_title_and_artist(imvdb: httpx.Client) -> None:
    video = get_catalog().videos_of(get_catalog().artists[3])[0]
    query = f"{video.title} {video.artist_name}"
    body = imvdb.get("/search/videos", params={"q": query, "per_page": 100}).json()
    match = next(result for result in body["results"] if result["id"] == video.imvdb_id)
    assert match["song_title"] == video.title
    assert match["year"] == video.year
    assert match["artists"] == [
        {"name": video.artist_name, "slug": video.artist_slug, "url": match["artists"][0]["url"]}
    ]
    assert set(match["image"]) == IMAGE_KEYS


def test_entity_lookup_with_and_without_videos(imvdb: httpx.Client) -> None:
    artist = get_catalog().artists[0]
    plain = imvdb.get(f"/entity/{artist.imvdb_id}").json()
    assert plain["name"] == artist.name
    assert plain["bio"] == artist.bio
    assert "artist_videos" not in plain
    full = imvdb.get(f"/entity/{artist.imvdb_id}", params={"include": "artist_videos"}).json()
    videos = full["artist_videos"]
    assert videos["total_videos"] == artist.video_count == len(videos["videos"])
    expected = [video.imvdb_id for video in get_catalog().videos_of(artist)]
    assert [video["id"] for video in videos["videos"]] == expected


def test_video_lookup_with_sources_and_credits(imvdb: httpx.Client) -> None:
    video = get_catalog().videos_of(get_catalog().artists[1])[4]
    body = imvdb.get(f"/video/{video.imvdb_id}", params={"include": "sources,credits"}).json()
    assert body["id"] == video.imvdb_id
    assert (body["song_title"], body["year"]) == (video.title, video.year)
    assert body["description"] == video.description
    assert body["genres"] == list(video.genres)
    assert body["sources"] == [
        {
            "source": "youtube",
            "source_slug": "youtube",
            "source_data": video.youtube_id,
            "is_primary": True,
        }
    ]
    assert body["directors"][0]["entity_name"] == video.director
    assert body["credits"]["crew"] == body["directors"]
    bare = imvdb.get(f"/video/{video.imvdb_id}").json()
    assert "sources" not in bare
    assert "credits" not in bare


@pytest.mark.parametrize(
    ("path", "message"),
    [
        ("/entity/999999", "Entity not found"),
        ("/video/1000999", "Video not found"),
        ("/video/42", "Video not found"),
        ("/entity/not-a-number", "Not Found"),
    ],
)
def test_unknown_ids_are_404_json(imvdb: httpx.Client, path: str, message: str) -> None:
    response = imvdb.get(path)
    assert response.status_code == 404
    assert response.json() == {"error": message}


def test_image_urls_serve_jpegs_of_the_named_size(client: httpx.Client, imvdb) -> None:
    artist = get_catalog().artists[2]
    images = imvdb.get(f"/entity/{artist.imvdb_id}").json()["image"]
    assert images["o"].startswith(str(client.base_url))
    for size, dimensions in (("o", (1280, 720)), ("t", (320, 180))):
        response = client.get(images[size])
        assert response.status_code == 200
        assert response.headers["content-type"] == "image/jpeg"
        picture = Image.open(io.BytesIO(response.content))
        assert (picture.format, picture.size) == ("JPEG", dimensions)
    assert client.get("/media/image/../etc.jpg").status_code == 404
    assert client.get("/media/image/poster.png").status_code == 404


# MusicBrainz


def test_musicbrainz_search_scores_the_exact_name_first(musicbrainz: httpx.Client) -> None:
    artist = get_catalog().artists[11]
    response = musicbrainz.get(
        "/artist", params={"query": f'artist:"{artist.name}"', "fmt": "json", "limit": 5}
    )
    assert response.status_code == 200
    body = response.json()
    assert {"created", "count", "offset", "artists"} <= body.keys()
    assert body["count"] >= 1
    assert len(body["artists"]) <= 5
    first = body["artists"][0]
    assert first["id"] == artist.musicbrainz_id
    assert first["score"] == 100
    assert first["sort-name"] == artist.sort_name
    assert {"country", "type", "disambiguation"} <= first.keys()
    assert [tag["name"] for tag in first["tags"]] == list(artist.genres)
    assert all(other["score"] <= 100 for other in body["artists"])


def test_musicbrainz_offset_pages(musicbrainz: httpx.Client) -> None:
    everything = musicbrainz.get("/artist", params={"query": "the", "limit": 100}).json()
    second = musicbrainz.get("/artist", params={"query": "the", "limit": 2, "offset": 2}).json()
    assert second["offset"] == 2
    assert second["count"] == everything["count"]
    assert [a["id"] for a in second["artists"]] == [a["id"] for a in everything["artists"][2:4]]


def test_musicbrainz_lookup(musicbrainz: httpx.Client) -> None:
    artist = get_catalog().artists[5]
    body = musicbrainz.get(f"/artist/{artist.musicbrainz_id}", params={"fmt": "json"}).json()
    assert (body["id"], body["name"], body["type"]) == (
        artist.musicbrainz_id,
        artist.name,
        artist.kind,
    )
    unknown = musicbrainz.get("/artist/00000000-0000-0000-0000-000000000000")
    assert (unknown.status_code, unknown.json()) == (404, {"error": "Not Found"})
    invalid = musicbrainz.get("/artist/not-a-uuid")
    assert (invalid.status_code, invalid.json()) == (400, {"error": "Invalid mbid."})
    xml = musicbrainz.get(f"/artist/{artist.musicbrainz_id}", params={"fmt": "xml"})
    assert xml.status_code == 400


# Latency and stats


def test_latency_per_request_is_applied_and_reported(client: httpx.Client, imvdb) -> None:
    before = stats(client)
    assert imvdb.get("/search/entities", params={"q": "x"}).headers["x-sim-latency-ms"] == "0"
    delayed = imvdb.get("/search/entities", params={"q": "x", "latency_ms": "30"})
    assert delayed.headers["x-sim-latency-ms"] == "30"
    after = stats(client)
    assert after["latency_applied_ms_total"] - before["latency_applied_ms_total"] == 30
    assert after["by_endpoint"]["search_entities"] - before["by_endpoint"]["search_entities"] == 2
    refused = imvdb.get("/search/entities", params={"q": "x", "latency_ms": "soon"})
    assert (refused.status_code, refused.json()) == (400, {"error": "latency_ms must be a number"})


def in_process_client(app) -> httpx.AsyncClient:
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://sim")


async def test_default_latency_comes_from_the_factory(sample_clips: dict[str, Path]) -> None:
    app = create_app(latency_ms=5, media_dir=sample_clips["poster.jpg"].parent, artist_count=20)
    async with in_process_client(app) as http:
        response = await http.get("/imvdb/api/v1/entity/1000")
        assert response.headers["x-sim-latency-ms"] == "5"
        overridden = await http.get("/imvdb/api/v1/entity/1000", params={"latency_ms": 0})
        assert overridden.headers["x-sim-latency-ms"] == "0"
        body = (await http.get("/_sim/stats")).json()
        assert (body["latency_ms_default"], body["latency_applied_ms_total"]) == (5, 5)
        assert body["requests_total"] == 2
        assert (await http.get("/imvdb/api/v1/entity/1020")).status_code == 404
    with pytest.raises(ValueError, match="latency_ms"):
        create_app(latency_ms=-1)


async def test_a_latency_spread_delays_each_api_subject_by_its_own_known_amount(
    sample_clips: dict[str, Path],
) -> None:
    # The seed mix's contract: the load generator computes the same delay from what it asked.
    app = create_app(
        media_dir=sample_clips["poster.jpg"].parent, artist_count=20, latency_spread_ms=(1, 9)
    )
    async with in_process_client(app) as http:
        search = await http.get("/imvdb/api/v1/search/entities", params={"q": "velvet", "page": 2})
        again = await http.get("/imvdb/api/v1/search/entities", params={"q": "velvet"})
        lookup = await http.get("/imvdb/api/v1/entity/1000")
        media = await http.get("/media/status/200")
    expected = spread_latency_ms("velvet", 1, 9)
    assert float(search.headers["x-sim-latency-ms"]) == expected
    assert float(again.headers["x-sim-latency-ms"]) == expected
    assert float(lookup.headers["x-sim-latency-ms"]) == spread_latency_ms("1000", 1, 9)
    assert media.headers["x-sim-latency-ms"] == "0"  # media keeps the default


def test_spread_latencies_cover_the_range_uniformly() -> None:
    delays = [spread_latency_ms(f"subject {n}", 1000, 10000) for n in range(2000)]
    assert 1000 <= min(delays) < 1100 and 9900 < max(delays) <= 10000
    below_middle = sum(delay < 5500 for delay in delays)
    assert 900 < below_middle < 1100  # half of them, give or take sampling noise
    assert parse_spread("1000-10000") == (1000.0, 10000.0)
    with pytest.raises(ValueError, match="spread"):
        parse_spread("10-1")


# Media


def test_watch_serves_a_real_clip_with_ranges(client: httpx.Client) -> None:
    youtube_id = get_catalog().videos_of(get_catalog().artists[0])[0].youtube_id
    clip = clip_for(youtube_id, "mp4")
    assert clip is not None
    expected = client.get(f"/media/watch/{youtube_id}.mp4")
    assert expected.status_code == 200
    assert expected.headers["content-type"] == "video/mp4"
    assert int(expected.headers["content-length"]) == len(expected.content)
    assert expected.headers["accept-ranges"] == "bytes"
    partial = client.get(f"/media/watch/{youtube_id}.mp4", headers={"Range": "bytes=100-299"})
    assert partial.status_code == 206
    assert partial.headers["content-range"] == f"bytes 100-299/{len(expected.content)}"
    assert partial.content == expected.content[100:300]
    unsatisfiable = client.get(
        f"/media/watch/{youtube_id}.mp4", headers={"Range": "bytes=99999999-"}
    )
    assert unsatisfiable.status_code == 416


def test_watch_formats_and_deterministic_choice(client: httpx.Client, sample_clips) -> None:
    for extension, media_type in (("mkv", "video/x-matroska"), ("webm", "video/webm")):
        response = client.get(f"/media/watch/abcdefghijk.{extension}")
        assert response.headers["content-type"] == media_type
        spec = clip_for("abcdefghijk", extension)
        assert response.content == sample_clips[spec.name].read_bytes()
    first = client.get("/media/watch/dQw4w9WgXcQ.mp4").content
    assert client.get("/media/watch/dQw4w9WgXcQ.mp4").content == first
    assert client.get("/media/watch/abcdefghijk.avi").status_code == 404
    assert client.get("/media/watch/bad%20id!.mp4").status_code == 404


def test_status_answers_the_asked_code(client: httpx.Client) -> None:
    teapot = client.get("/media/status/418")
    assert (teapot.status_code, teapot.json()) == (418, {"error": "I'm a Teapot"})
    assert client.get("/media/status/503").status_code == 503
    assert client.get("/media/status/204").status_code == 204
    assert client.get("/media/status/99").status_code == 400


def test_flaky_fails_n_times_per_key_then_serves(client: httpx.Client) -> None:
    url = "/media/flaky/test-flaky-key/abc.mp4"
    answers = [client.get(url, params={"fail_times": 2}) for _ in range(3)]
    assert [answer.status_code for answer in answers] == [503, 503, 200]
    assert answers[0].json()["error"].startswith("Service Unavailable")
    assert answers[2].headers["content-type"] == "video/mp4"
    assert stats(client)["flaky"]["test-flaky-key"] == 3
    other = client.get("/media/flaky/another-key/abc.mp4", params={"fail_times": 1})
    assert other.status_code == 503


async def test_reset_clears_flaky_state_and_stats(sample_clips: dict[str, Path]) -> None:
    app = create_app(media_dir=sample_clips["poster.jpg"].parent, artist_count=5)
    async with in_process_client(app) as http:
        url = "/media/flaky/k/abc.webm?fail_times=1"
        assert [(await http.get(url)).status_code for _ in range(2)] == [503, 200]
        assert (await http.post("/_sim/reset")).status_code == 200
        assert (await http.get("/_sim/stats")).json()["requests_total"] == 0
        assert (await http.get(url)).status_code == 503


def test_slow_trickles_the_whole_clip(client: httpx.Client, sample_clips) -> None:
    spec = clip_for("slowclip", "webm")
    before = stats(client)["slow"]
    response = client.get("/media/slow/slowclip.webm", params={"bytes_per_second": 10_000_000})
    assert response.status_code == 200
    assert int(response.headers["content-length"]) == len(response.content)
    assert response.content == sample_clips[spec.name].read_bytes()
    after = stats(client)["slow"]
    assert after["completed"] == before["completed"] + 1


def test_slow_notices_a_client_that_hangs_up(client: httpx.Client) -> None:
    before = stats(client)["slow"]["aborted"]
    with client.stream("GET", "/media/slow/hangup.mp4", params={"bytes_per_second": 2000}) as r:
        assert r.status_code == 200
        next(r.iter_bytes())
    # The server sees the disconnect on its next write; poll the counter, no timing asserted.
    for _ in range(200):
        if stats(client)["slow"]["aborted"] > before:
            break
        time.sleep(0.05)
    assert stats(client)["slow"]["aborted"] == before + 1


def test_unknown_paths_are_json_404(client: httpx.Client) -> None:
    response = client.get("/nothing/here")
    assert (response.status_code, response.json()) == (404, {"error": "Not Found"})


def test_yt_dlp_downloads_a_clip(upstreams: UpstreamURLs, tmp_path: Path, sample_clips) -> None:
    youtube_id = get_catalog().videos_of(get_catalog().artists[9])[2].youtube_id
    url = upstreams.video_url_template.format(youtube_id=youtube_id)
    options = {
        "outtmpl": str(tmp_path / "%(id)s.%(ext)s"),
        "quiet": True,
        "no_warnings": True,
        "noprogress": True,
    }
    with yt_dlp.YoutubeDL(options) as downloader:
        info = downloader.extract_info(url, download=True)
    downloaded = Path(info["requested_downloads"][0]["filepath"])
    assert downloaded.parent == tmp_path
    spec = clip_for(youtube_id, "mp4")
    assert downloaded.read_bytes() == sample_clips[spec.name].read_bytes()
    verify_playable(downloaded)


# The seeded library and the simulator agree


def test_seeded_artists_and_videos_are_found_by_imvdb_id(
    db_engine: Engine, media_root: Path, imvdb: httpx.Client
) -> None:
    seed_library(db_engine, media_root, artists=4, videos=12, playlists=1, with_media=False)
    with Session(db_engine) as session:
        artists = session.scalars(select(Artist)).all()
        videos = session.scalars(select(Video)).all()
    assert len(artists) == 4
    for artist in artists:
        body = imvdb.get(f"/entity/{artist.imvdb_id}").json()
        assert body["name"] == artist.name
    for video in videos:
        body = imvdb.get(f"/video/{video.imvdb_id}", params={"include": "sources"}).json()
        assert body["song_title"] == video.title
        assert body["sources"][0]["source_data"] == video.youtube_id
