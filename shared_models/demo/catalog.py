"""The deterministic demo catalog: every artist and video the simulated IMVDb and MusicBrainz
know about. The seeded library is its first N artists, so discover/import always find
artists that are not in the library yet.

Same seed, same catalog, on every machine: names come from fixed word lists through
`random.Random` seeded with a string (hashed with SHA-512 by the stdlib, so stable across
processes and Python versions). The first N artists do not depend on the catalog's size,
and each artist's videos come from their own generator, so `Catalog(200)` is a prefix of
`Catalog(2000)` and a video can be rebuilt from its id alone.

Ids: artist IMVDb ids are `1000 + index`; a video's IMVDb id is `artist_id * 1000 + n`
(n = 1..video_count), so neither can be mistaken for a database id.
"""

from __future__ import annotations

import base64
import random
import re
import unicodedata
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from functools import lru_cache

from shared_models.demo import words

CATALOG_SEED = "mvidarr-demo-catalog-v1"
DEFAULT_ARTIST_COUNT = 2000
FIRST_ARTIST_IMVDB_ID = 1000
MAX_VIDEOS_PER_ARTIST = 60
MIN_VIDEOS_PER_ARTIST = 15
LATEST_YEAR = 2025
# MusicBrainz ids are uuid5 names in this namespace, so they are stable and look real.
MUSICBRAINZ_NAMESPACE = uuid.UUID("6c7f3a1e-8d0b-5c47-9a35-0d3e5b1f2a90")


@dataclass(frozen=True, slots=True)
class CatalogArtist:
    index: int
    imvdb_id: int
    name: str
    slug: str
    sort_name: str
    musicbrainz_id: str
    kind: str  # MusicBrainz type: "Group" or "Person"
    country: str
    active_since: int
    genres: tuple[str, ...]
    bio: str
    video_count: int
    featured_video_count: int

    @property
    def image_name(self) -> str:
        """Stem of the artist's images on the simulator (`/media/image/<stem>-<size>.jpg`)."""
        return f"artist-{self.imvdb_id}"


@dataclass(frozen=True, slots=True)
class CatalogVideo:
    imvdb_id: int
    artist_imvdb_id: int
    artist_name: str
    artist_slug: str
    title: str
    slug: str
    youtube_id: str
    year: int
    genres: tuple[str, ...]
    director: str
    description: str

    @property
    def image_name(self) -> str:
        return f"video-{self.imvdb_id}"


def ascii_fold(text: str) -> str:
    """'Zoë Núñez' -> 'Zoe Nunez': accents dropped, for slugs and search."""
    if text.isascii():
        return text
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(char for char in decomposed if not unicodedata.combining(char))


def slugify(text: str) -> str:
    folded = ascii_fold(text).lower().replace("&", " and ")
    return re.sub(r"[^a-z0-9]+", "-", folded).strip("-")


def _sort_name(name: str, kind: str) -> str:
    if name.startswith("The "):
        return f"{name[4:]}, The"
    if kind == "Person" and " " in name and not name.startswith("DJ "):
        first, last = name.split(" ", 1)
        return f"{last}, {first}"
    return name


def plural(noun: str) -> str:
    if noun.endswith(("s", "x", "sh", "ch")):
        return noun + "es"
    if noun.endswith("y") and noun[-2:-1] not in "aeiou":
        return noun[:-1] + "ies"
    return noun + "s"


def _artist_name(rng: random.Random) -> tuple[str, str]:
    pattern = rng.choice(words.BAND_PATTERNS)
    noun, noun2 = rng.sample(words.NOUNS, 2)
    name = pattern.format(
        adjective=rng.choice(words.ADJECTIVES),
        noun=noun,
        noun2=noun2,
        nouns=plural(noun),
        first=rng.choice(words.FIRST_NAMES),
        last=rng.choice(words.LAST_NAMES),
    )
    # "DJ Fox" and "Ada Kim" are people; "{first} & the Foxes" is a band.
    is_person = pattern in ("{first} {last}", "DJ {noun}")
    return name, "Person" if is_person else "Group"


def _song_title(rng: random.Random) -> str:
    noun = rng.choice(words.NOUNS)
    return rng.choice(words.SONG_PATTERNS).format(
        song=rng.choice(words.SONG_WORDS),
        adjective=rng.choice(words.ADJECTIVES),
        noun=noun,
        nouns=plural(noun),
    )


def _person_name(rng: random.Random) -> str:
    return f"{rng.choice(words.FIRST_NAMES)} {rng.choice(words.LAST_NAMES)}"


def _youtube_id(rng: random.Random) -> str:
    """11 characters of the URL-safe base64 alphabet, like YouTube's ids."""
    return base64.urlsafe_b64encode(rng.getrandbits(72).to_bytes(9, "big")).decode()[:11]


def _build_artist(rng: random.Random, index: int, name: str, kind: str) -> CatalogArtist:
    active_since = rng.randint(1975, 2020)
    genres = tuple(rng.sample(words.GENRES, rng.randint(1, 3)))
    sentences = [
        sentence.format(
            year=active_since,
            city=rng.choice(words.CITIES),
            genre=genres[0],
            genre2=rng.choice([genre for genre in words.GENRES if genre != genres[0]]),
        )
        for sentence in rng.sample(words.BIO_SENTENCES, 2)
    ]
    bio = " ".join([f"{name}."] + [s[0].upper() + s[1:] for s in sentences])
    return CatalogArtist(
        index=index,
        imvdb_id=FIRST_ARTIST_IMVDB_ID + index,
        name=name,
        slug=slugify(name),
        sort_name=_sort_name(name, kind),
        musicbrainz_id=str(uuid.uuid5(MUSICBRAINZ_NAMESPACE, f"artist:{slugify(name)}")),
        kind=kind,
        country=rng.choice(words.COUNTRIES),
        active_since=active_since,
        genres=genres,
        bio=bio,
        video_count=rng.randint(MIN_VIDEOS_PER_ARTIST, MAX_VIDEOS_PER_ARTIST),
        featured_video_count=rng.randint(0, 5),
    )


def _build_videos(artist: CatalogArtist, seed: str) -> tuple[CatalogVideo, ...]:
    rng = random.Random(f"{seed}:videos:{artist.imvdb_id}")
    videos = []
    for number in range(1, artist.video_count + 1):
        title = _song_title(rng)
        director = _person_name(rng)
        description = rng.choice(words.DESCRIPTION_SENTENCES).format(
            title=title, director=director, city=rng.choice(words.CITIES)
        )
        extra_genre = (rng.choice(words.GENRES),) if rng.random() < 0.3 else ()
        genres = tuple(dict.fromkeys((rng.choice(artist.genres), *extra_genre)))
        videos.append(
            CatalogVideo(
                imvdb_id=artist.imvdb_id * 1000 + number,
                artist_imvdb_id=artist.imvdb_id,
                artist_name=artist.name,
                artist_slug=artist.slug,
                title=title,
                slug=slugify(title) or f"video-{number}",
                youtube_id=_youtube_id(rng),
                year=rng.randint(artist.active_since, LATEST_YEAR),
                genres=genres,
                director=director,
                description=description,
            )
        )
    return tuple(videos)


class Catalog:
    """The first `artist_count` artists of the demo catalog and, on demand, their videos."""

    def __init__(self, artist_count: int = DEFAULT_ARTIST_COUNT, seed: str = CATALOG_SEED):
        if artist_count < 0:
            raise ValueError("artist_count must not be negative")
        self.seed = seed
        self.artists: tuple[CatalogArtist, ...] = self._build_artists(artist_count)
        self._artists_by_imvdb_id = {artist.imvdb_id: artist for artist in self.artists}
        self._artists_by_musicbrainz_id = {a.musicbrainz_id: a for a in self.artists}
        self._videos: dict[int, tuple[CatalogVideo, ...]] = {}

    def _build_artists(self, count: int) -> tuple[CatalogArtist, ...]:
        rng = random.Random(f"{self.seed}:artists")
        artists: list[CatalogArtist] = []
        seen_slugs: set[str] = set()
        while len(artists) < count:
            name, kind = _artist_name(rng)
            slug = slugify(name)
            if slug in seen_slugs:
                continue
            seen_slugs.add(slug)
            artists.append(_build_artist(rng, len(artists), name, kind))
        return tuple(artists)

    def artist(self, imvdb_id: int) -> CatalogArtist | None:
        return self._artists_by_imvdb_id.get(imvdb_id)

    def artist_by_musicbrainz_id(self, musicbrainz_id: str) -> CatalogArtist | None:
        return self._artists_by_musicbrainz_id.get(musicbrainz_id)

    def videos_of(self, artist: CatalogArtist) -> tuple[CatalogVideo, ...]:
        # Deterministic, so two threads racing here compute the same tuple: no lock needed.
        if artist.imvdb_id not in self._videos:
            self._videos[artist.imvdb_id] = _build_videos(artist, self.seed)
        return self._videos[artist.imvdb_id]

    def video(self, imvdb_id: int) -> CatalogVideo | None:
        artist = self.artist(imvdb_id // 1000)
        if artist is None:
            return None
        number = imvdb_id % 1000
        if not 1 <= number <= artist.video_count:
            return None
        return self.videos_of(artist)[number - 1]

    def all_videos(self) -> Iterator[CatalogVideo]:
        for artist in self.artists:
            yield from self.videos_of(artist)


@lru_cache(maxsize=4)
def get_catalog(artist_count: int = DEFAULT_ARTIST_COUNT) -> Catalog:
    """A shared, immutable catalog per size (building the full one takes about a second)."""
    return Catalog(artist_count)
