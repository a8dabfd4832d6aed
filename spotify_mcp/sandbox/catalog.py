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
TODAY = date(2026, 6, 1)  # the catalogue's present: the newest episodes come out on it
NEW_RELEASE = date(2026, 5, 27)  # the first artist's last album, new (search's tag:new)


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
    # URI kind -> its table (chapters have "episode" URIs but are not listed as episodes)
    tables: dict[str, dict[str, Any]] = field(init=False, repr=False)
    # parent kind -> the table of its children (album tracks, show episodes, audiobook chapters)
    child_tables: dict[str, dict[str, Track]] = field(init=False, repr=False)

    def __post_init__(self) -> None:
        self.tables = {
            "track": self.tracks,
            "album": self.albums,
            "artist": self.artists,
            "show": self.shows,
            "episode": self.episodes,
            "audiobook": self.audiobooks,
        }
        self.child_tables = {
            "album": self.tracks,
            "show": self.episodes,
            "audiobook": self.chapters,
        }

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
        table = self.tables.get(kind)
        return table is not None and ident in table

    def children(self, kind: str, ident: str) -> list[Track] | None:
        """The tracks of an album, episodes of a show or chapters of an audiobook (None when
        there is no such parent); `kind` is "album", "show" or "audiobook"."""
        parent = self.tables[kind].get(ident)
        if parent is None:
            return None
        table = self.child_tables[kind]
        return [table[child] for child in parent.child_ids]


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
        albums = 3 if index < 30 else 2
        for number in range(albums):
            year = min(debut + number * rng.randint(1, 5), 2025)
            new = index == 0 and number == albums - 1
            _build_album(catalog, rng, artist, number, year, new_release=new)


def _build_album(
    catalog: Catalog,
    rng: random.Random,
    artist: Artist,
    number: int,
    year: int,
    *,
    new_release: bool = False,
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
    if new_release:  # drawn all the same, so the rest of the catalogue stays as it was
        year, release_date, precision = NEW_RELEASE.year, NEW_RELEASE.isoformat(), "day"
    popularity = max(0, min(100, artist.popularity + rng.randint(-15, 10)))
    upc = make_hex("upc", ident, length=12)
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
        simple,
        tracks=[track.simple for track in album_tracks],
        label=rng.choice(LABELS),
        genres=artist.genres,
        popularity=popularity,
        upc=upc,
    )
    track_ids = [track.id for track in album_tracks]
    catalog.albums[ident] = Album(
        ident,
        name,
        album_type,
        year,
        [artist.id],
        upc,
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


def _collection(
    children: dict[str, Track], simple: JSON, byline: str, key: str, objs: list[tuple[JSON, JSON]]
) -> Collection:
    """A show or audiobook over the (simplified, full) objects of its episodes or chapters,
    which join the `children` table."""
    parent = simple["id"]
    items = [Track(s["id"], f["uri"], s["name"], s["duration_ms"], s, f, parent) for s, f in objs]
    children.update((item.id, item) for item in items)
    full = objects.with_children(simple, key, [item.simple for item in items])
    return Collection(parent, simple["name"], byline, simple, full, [item.id for item in items])


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
        episodes = []
        for number in range(EPISODES_PER_SHOW, 0, -1):  # newest first, as Spotify lists them
            released = TODAY - timedelta(days=7 * (EPISODES_PER_SHOW - number) + index)
            topic = EPISODE_TOPICS[(number + index) % len(EPISODE_TOPICS)]
            episode = objects.episode_objects(
                api,
                make_id("episode", ident, number),
                name=f"{number}. {topic}",
                description=f"{name}, episode {number}: {topic.lower()}.",
                duration_ms=rng.randint(20, 75) * 60_000 + rng.randint(0, 59_000),
                release_date=released.isoformat(),
                show=simple,
            )
            episodes.append(episode)
        catalog.shows[ident] = _collection(
            catalog.episodes, simple, publisher, "episodes", episodes
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
        chapters = [
            objects.chapter_objects(
                api,
                make_id("chapter", ident, number),
                name=f"Chapter {number}",
                number=number,
                description=f"{name}: chapter {number}.",
                duration_ms=rng.randint(15, 45) * 60_000 + rng.randint(0, 59_000),
                release_date=released,
                audiobook=simple,
            )
            for number in range(1, count + 1)
        ]
        catalog.audiobooks[ident] = _collection(
            catalog.chapters, simple, author, "chapters", chapters
        )
