"""The seeded, deterministic catalogue: artists, albums, tracks, shows, episodes, audiobooks.

Same seed, same IDs, names and dates on every run. Objects are precomputed JSON-able dicts
(see objects.py) so reads cost a lookup; the catalogue itself never changes after build.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from . import objects
from .ids import make_hex, make_id, parse_uri
from .words import (
    ADJECTIVES,
    AUDIOBOOKS,
    EPISODE_TOPICS,
    FIRST_NAMES,
    GENRES,
    LABELS,
    LAST_NAMES,
    NOUNS,
    PLURAL_NOUNS,
    SHOWS,
    TITLE_PATTERNS,
)

JSON = dict[str, Any]
SEED = 20260226
ARTIST_COUNT = 60
EPISODES_PER_SHOW = 25
LATEST_EPISODE = date(2026, 6, 1)


@dataclass(slots=True)
class Artist:
    id: str
    name: str
    genres: list[str]
    popularity: int
    simple: JSON
    full: JSON
    album_ids: list[str] = field(default_factory=list)
    appears_on: list[str] = field(default_factory=list)  # other artists' albums, as a guest
    track_ids: list[str] = field(default_factory=list)
    years: set[int] = field(default_factory=set)


@dataclass(slots=True)
class Album:
    id: str
    name: str
    album_type: str
    year: int
    artist_ids: list[str]
    genres: list[str]
    upc: str
    simple: JSON
    full: JSON
    discography: JSON
    track_ids: list[str]

    @property
    def child_ids(self) -> list[str]:
        return self.track_ids


@dataclass(slots=True)
class Track:
    """Anything playable: a track, an episode or a chapter (`full` is what players show)."""

    id: str
    uri: str
    name: str
    duration_ms: int
    simple: JSON
    full: JSON
    parent_id: str  # album, show or audiobook
    artist_ids: list[str] = field(default_factory=list)
    year: int = 0
    genres: list[str] = field(default_factory=list)
    popularity: int = 0
    isrc: str = ""


@dataclass(slots=True)
class Collection:
    """A show or an audiobook: a named list of episodes or chapters."""

    id: str
    name: str
    byline: str  # publisher or author
    simple: JSON
    full: JSON
    child_ids: list[str]


@dataclass(slots=True)
class Catalog:
    api: str
    artists: dict[str, Artist]
    albums: dict[str, Album]
    tracks: dict[str, Track]
    shows: dict[str, Collection]
    episodes: dict[str, Track]
    audiobooks: dict[str, Collection]
    chapters: dict[str, Track]

    def playable(self, uri: str) -> Track | None:
        """The track, episode or chapter a `spotify:track:`/`spotify:episode:` URI names."""
        parsed = parse_uri(uri)
        if parsed is None:
            return None
        kind, ident = parsed
        if kind == "track":
            return self.tracks.get(ident)
        if kind == "episode":
            return self.episodes.get(ident) or self.chapters.get(ident)
        return None

    def exists(self, kind: str, ident: str) -> bool:
        """True when a catalogue item of URI kind `kind` has ID `ident`."""
        tables: dict[str, dict[str, Any]] = {
            "track": self.tracks,
            "album": self.albums,
            "artist": self.artists,
            "show": self.shows,
            "episode": self.episodes,
            "audiobook": self.audiobooks,
        }
        table = tables.get(kind)
        return table is not None and ident in table


def build_catalog(api: str) -> Catalog:
    """Generate the whole catalogue; `api` is the `.../v1` base every `href` points into."""
    rng = random.Random(SEED)
    catalog = Catalog(api, {}, {}, {}, {}, {}, {}, {})
    _build_music(catalog, rng)
    _build_shows(catalog, rng)
    _build_audiobooks(catalog, rng)
    return catalog


def _title(rng: random.Random) -> str:
    return rng.choice(TITLE_PATTERNS).format(
        adj=rng.choice(ADJECTIVES),
        noun=rng.choice(NOUNS),
        noun2=rng.choice(NOUNS),
        plural=rng.choice(PLURAL_NOUNS),
    )


def _artist_names(rng: random.Random) -> list[str]:
    names: list[str] = []
    while len(names) < ARTIST_COUNT:
        style = rng.random()
        if style < 0.45:
            name = f"{rng.choice(FIRST_NAMES)} {rng.choice(LAST_NAMES)}"
        elif style < 0.75:
            name = f"The {rng.choice(ADJECTIVES)} {rng.choice(PLURAL_NOUNS)}"
        else:
            name = f"{rng.choice(ADJECTIVES)} {rng.choice(NOUNS)}"
        if name not in names:
            names.append(name)
    return names


def _release(rng: random.Random, year: int) -> tuple[str, str]:
    """(release_date, precision): older records are often only known to the year."""
    if year < 1980 and rng.random() < 0.5:
        return str(year), "year"
    day = date(year, 1, 1) + timedelta(days=rng.randrange(365))
    return day.isoformat(), "day"


def _build_music(catalog: Catalog, rng: random.Random) -> None:
    api = catalog.api
    for index, name in enumerate(_artist_names(rng)):
        ident = make_id("artist", index)
        genres = rng.sample(GENRES, rng.choice((1, 1, 2)))
        popularity = rng.randint(18, 96)
        simple, full = objects.artist_objects(
            api, ident, name, genres, popularity, popularity**2 * rng.randint(40, 400)
        )
        artist = Artist(ident, name, genres, popularity, simple, full)
        catalog.artists[ident] = artist
        debut = rng.randint(1966, 2019)
        for number in range(3 if index < 30 else 2):
            year = min(debut + number * rng.randint(1, 5), 2025)
            _build_album(catalog, rng, artist, number, year)


def _build_album(
    catalog: Catalog, rng: random.Random, artist: Artist, number: int, year: int
) -> None:
    api = catalog.api
    ident = make_id("album", artist.id, number)
    roll = rng.random()
    album_type = (
        "album" if number == 0 or roll < 0.6 else "single" if roll < 0.85 else "compilation"
    )
    count = {"album": rng.randint(10, 15), "single": rng.randint(1, 3)}.get(
        album_type, rng.randint(12, 16)
    )
    name = _title(rng)
    release_date, precision = _release(rng, year)
    popularity = max(0, min(100, artist.popularity + rng.randint(-15, 10)))
    simple = objects.album_simple(
        api,
        ident,
        name=name,
        album_type=album_type,
        total_tracks=count,
        release_date=release_date,
        precision=precision,
        artists=[artist.simple],
    )
    album_tracks = [
        _build_track(catalog, rng, artist, simple, position, year, popularity)
        for position in range(1, count + 1)
    ]
    full = objects.album_full(
        api,
        simple,
        tracks=[track.simple for track in album_tracks],
        label=rng.choice(LABELS),
        genres=artist.genres,
        popularity=popularity,
        upc=make_hex("upc", ident, length=12),
    )
    track_ids = [track.id for track in album_tracks]
    catalog.albums[ident] = Album(
        ident,
        name,
        album_type,
        year,
        [artist.id],
        artist.genres,
        full["external_ids"]["upc"],
        simple,
        full,
        {**simple, "album_group": album_type},
        track_ids,
    )
    artist.album_ids.append(ident)
    artist.track_ids.extend(track_ids)
    artist.years.add(year)


def _build_track(
    catalog: Catalog,
    rng: random.Random,
    artist: Artist,
    album: JSON,
    position: int,
    year: int,
    album_popularity: int,
) -> Track:
    ident = make_id("track", album["id"], position)
    artists = [artist]
    if catalog.artists and rng.random() < 0.1:
        guest = catalog.artists[rng.choice(list(catalog.artists))]
        if guest is not artist:
            artists.append(guest)
            if album["id"] not in guest.appears_on:
                guest.appears_on.append(album["id"])
    name = _title(rng)
    if len(artists) > 1:
        name = f"{name} (feat. {artists[1].name})"
    duration = rng.randint(95_000, 420_000)
    popularity = max(0, min(100, album_popularity + rng.randint(-20, 12)))
    isrc = f"QZ{make_hex('isrc', ident, length=3).upper()}{year % 100:02d}{position:05d}"
    simple, full = objects.track_objects(
        catalog.api,
        ident,
        name=name,
        artists=[a.simple for a in artists],
        album=album,
        track_number=position,
        duration_ms=duration,
        explicit=rng.random() < (0.5 if "hip hop" in artist.genres else 0.1),
        popularity=popularity,
        isrc=isrc,
    )
    track = Track(
        ident,
        full["uri"],
        name,
        duration,
        simple,
        full,
        album["id"],
        [a.id for a in artists],
        year,
        artist.genres,
        popularity,
        isrc,
    )
    catalog.tracks[ident] = track
    return track


def _build_shows(catalog: Catalog, rng: random.Random) -> None:
    api = catalog.api
    for index, (name, publisher, description) in enumerate(SHOWS):
        ident = make_id("show", index)
        simple = objects.show_simple(
            api,
            ident,
            name=name,
            publisher=publisher,
            description=description,
            total_episodes=EPISODES_PER_SHOW,
        )
        episodes: list[Track] = []
        for number in range(EPISODES_PER_SHOW, 0, -1):  # newest first, as Spotify lists them
            episode_id = make_id("episode", ident, number)
            released = LATEST_EPISODE - timedelta(days=7 * (EPISODES_PER_SHOW - number) + index)
            topic = EPISODE_TOPICS[(number + index) % len(EPISODE_TOPICS)]
            title = f"{number}. {topic}"
            duration = rng.randint(20, 75) * 60_000 + rng.randint(0, 59_000)
            ep_simple, ep_full = objects.episode_objects(
                api,
                episode_id,
                name=title,
                description=f"{name}, episode {number}: {topic.lower()}.",
                duration_ms=duration,
                release_date=released.isoformat(),
                show=simple,
            )
            episode = Track(episode_id, ep_full["uri"], title, duration, ep_simple, ep_full, ident)
            catalog.episodes[episode_id] = episode
            episodes.append(episode)
        full = objects.show_full(simple, [episode.simple for episode in episodes])
        catalog.shows[ident] = Collection(
            ident, name, publisher, simple, full, [e.id for e in episodes]
        )


def _build_audiobooks(catalog: Catalog, rng: random.Random) -> None:
    api = catalog.api
    for index, (name, author, narrator) in enumerate(AUDIOBOOKS):
        ident = make_id("audiobook", index)
        count = rng.randint(8, 24)
        publisher = rng.choice(LABELS).replace("Records", "Audio")
        simple = objects.audiobook_simple(
            api,
            ident,
            name=name,
            author=author,
            narrator=narrator,
            publisher=publisher,
            description=f"{name}, written by {author} and read by {narrator}.",
            total_chapters=count,
        )
        released = date(2018 + index % 8, 1 + index, 1 + 2 * index).isoformat()
        chapters: list[Track] = []
        for number in range(1, count + 1):
            chapter_id = make_id("chapter", ident, number)
            title = f"Chapter {number}"
            duration = rng.randint(15, 45) * 60_000 + rng.randint(0, 59_000)
            ch_simple, ch_full = objects.chapter_objects(
                api,
                chapter_id,
                name=title,
                number=number,
                description=f"{name}: chapter {number}.",
                duration_ms=duration,
                release_date=released,
                audiobook=simple,
            )
            chapter = Track(chapter_id, ch_full["uri"], title, duration, ch_simple, ch_full, ident)
            catalog.chapters[chapter_id] = chapter
            chapters.append(chapter)
        full = objects.audiobook_full(simple, [chapter.simple for chapter in chapters])
        catalog.audiobooks[ident] = Collection(
            ident, name, author, simple, full, [c.id for c in chapters]
        )
