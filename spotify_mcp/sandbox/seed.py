"""The seeded users, their libraries, playlists, devices and listening history.

Everything here is deterministic (a fixed RNG seed over the deterministic catalogue), except
play-history timestamps, which are placed just before the moment the state is seeded.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from .catalog import Catalog
from .ids import make_hex, make_id
from .objects import user_object
from .playback import Device, Player
from .state import SAVED_KINDS, Playlist, PlaylistEntry, State, User, iso_now

PREMIUM_USER = "sandboxpremium"
FREE_USER = "sandboxfree"
DJ_USER = "kestreldj"  # owns a playlist the premium user follows but may not edit
COLLAB_USER = "marisolmix"  # owns a collaborative playlist the premium user may edit
CURATOR_USER = "sandboxcurator"  # owns public playlists nobody follows yet

SEED = 1989
LIBRARY_EPOCH = datetime(2026, 5, 31, 12, 0, tzinfo=UTC).timestamp()
TIME_RANGES = ("short_term", "medium_term", "long_term")


def playlist_id(key: str) -> str:
    """The ID of the seeded playlist `key`."""
    return make_id("playlist", key)


@dataclass(frozen=True, slots=True)
class PlaylistSeed:
    key: str
    owner: str
    name: str
    description: str
    tracks: int
    episodes: int = 0
    public: bool = True
    collaborative: bool = False
    followers: int = 0
    genre: str | None = None  # draw the tracks from this genre

    @property
    def id(self) -> str:
        return playlist_id(self.key)


PLAYLISTS = (
    PlaylistSeed("deep-focus", PREMIUM_USER, "Deep Focus", "Long instrumental stretches.", 150),
    PlaylistSeed(
        "morning-commute", PREMIUM_USER, "Morning Commute", "Music and news.", 35, episodes=5
    ),
    PlaylistSeed("road-trip", PREMIUM_USER, "Road Trip Classics", "Windows down.", 75, followers=3),
    PlaylistSeed(
        "late-night",
        PREMIUM_USER,
        "Late Night Jazz",
        "After hours.",
        30,
        public=False,
        genre="jazz",
    ),
    PlaylistSeed("empty", PREMIUM_USER, "Empty Drafts", "", 0, public=False),
    PlaylistSeed("crate-digging", DJ_USER, "Crate Digging", "Rare finds.", 60, followers=812),
    PlaylistSeed(
        "friday-collab",
        COLLAB_USER,
        "Friday Night Collab",
        "Everyone adds two songs.",
        25,
        public=False,
        collaborative=True,
        followers=4,
    ),
    *(
        PlaylistSeed(key, CURATOR_USER, name, blurb, 40, followers=followers, genre=genre)
        for key, name, blurb, genre, followers in (
            ("indie", "Indie Essentials", "Guitars first.", "indie rock", 40210),
            ("jazz", "Jazz Classics", "The standards.", "jazz", 18800),
            ("synth", "Synthpop Nights", "Neon and drum machines.", "synthpop", 0),
            ("ambient", "Chill Ambient", "Slow down.", "ambient", 9051),
            ("hiphop", "Hip Hop Heat", "Fresh verses.", "hip hop", 22001),
        )
    ),
    PlaylistSeed("free-mix", FREE_USER, "My Mix", "Saved for later.", 20),
)
DEEP_FOCUS_PLAYLIST = playlist_id("deep-focus")  # owned, 150 items (> 100)
EMPTY_PLAYLIST = playlist_id("empty")  # owned, private, no items
FOLLOWED_PLAYLIST = playlist_id("crate-digging")  # followed, owned by DJ_USER: 403
COLLAB_PLAYLIST = playlist_id("friday-collab")  # collaborative, owned by COLLAB_USER
UNFOLLOWED_PLAYLIST = playlist_id("jazz")  # public, not followed by anyone


@dataclass(frozen=True, slots=True)
class UserSeed:
    id: str
    display_name: str
    product: str
    country: str
    devices: tuple[tuple[str, str, int | None, bool], ...] = ()  # name, type, volume, volume?
    saved: tuple[int, int, int, int, int] = (0, 0, 0, 0, 0)  # per kind, as in SAVED_KINDS
    followed_artists: int = 0
    followed_users: tuple[str, ...] = ()
    playlists: tuple[str, ...] = ()  # keys of followed or owned playlists, oldest first
    top: tuple[int, int] = (0, 0)  # artists, tracks per time range
    recently_played: int = 0


USERS = (
    UserSeed(
        PREMIUM_USER,
        "Avery Lane",
        "premium",
        "US",
        devices=(
            ("Sandbox Laptop", "Computer", 60, True),
            ("Sandbox Phone", "Smartphone", 100, False),
            ("Living Room Speaker", "Speaker", 35, True),
        ),
        saved=(1250, 40, 30, 6, 4),
        followed_artists=25,
        followed_users=(DJ_USER,),
        playlists=(
            "indie",
            "crate-digging",
            "friday-collab",
            "empty",
            "late-night",
            "road-trip",
            "morning-commute",
            "deep-focus",
        ),
        top=(40, 50),
        recently_played=30,
    ),
    UserSeed(
        FREE_USER,
        "Jordan Park",
        "free",
        "GB",
        devices=(("Jordan's Phone", "Smartphone", 100, False),),
        saved=(60, 5, 5, 2, 1),
        followed_artists=8,
        playlists=("indie", "free-mix"),
        top=(20, 30),
        recently_played=10,
    ),
    UserSeed(DJ_USER, "DJ Kestrel", "premium", "DE", playlists=("crate-digging",)),
    UserSeed(COLLAB_USER, "Marisol", "premium", "MX", playlists=("friday-collab",)),
    UserSeed(
        CURATOR_USER,
        "Sandbox Curator",
        "premium",
        "SE",
        playlists=("indie", "jazz", "synth", "ambient", "hiphop"),
    ),
)


def device_id(user: str, name: str) -> str:
    """Spotify device IDs are 40 hex characters."""
    return make_hex("device", user, name)


def seed_state(catalog: Catalog, clock: Callable[[], float]) -> State:
    """A fresh copy of the seeded state (used at start and by every reset)."""
    rng = random.Random(SEED)
    state = State({}, {})
    for playlist in PLAYLISTS:
        state.playlists[playlist.id] = _playlist(catalog, rng, playlist)
    for user in USERS:
        state.users[user.id] = _user(catalog, rng, user, clock)
    return state


def _added_at(index: int, spacing_hours: int) -> str:
    """Library dates step back from a fixed epoch, newest last (dicts keep oldest first)."""
    return iso_now(LIBRARY_EPOCH - index * spacing_hours * 3600)


def _playlist(catalog: Catalog, rng: random.Random, spec: PlaylistSeed) -> Playlist:
    pool = [t for t in catalog.tracks.values() if spec.genre is None or spec.genre in t.genres]
    if len(pool) < spec.tracks:  # a thin genre: fill up from the whole catalogue
        pool = list(catalog.tracks.values())
    items = rng.sample(pool, spec.tracks)
    for episode in rng.sample(list(catalog.episodes), spec.episodes):
        items.insert(rng.randrange(len(items) + 1), catalog.episodes[episode])
    entries = [
        PlaylistEntry(item, _added_at(len(items) - n, 5), spec.owner)
        for n, item in enumerate(items)
    ]
    return Playlist(
        spec.id,
        spec.owner,
        spec.name,
        spec.description,
        spec.public,
        spec.collaborative,
        entries,
        followers=spec.followers,
    )


def _newest_last(ids: list[str], spacing_hours: int) -> dict[str, str]:
    count = len(ids)
    return {ident: _added_at(count - n, spacing_hours) for n, ident in enumerate(ids)}


def _user(catalog: Catalog, rng: random.Random, spec: UserSeed, clock: Callable[[], float]) -> User:
    api = catalog.api
    devices = [
        Device(device_id(spec.id, name), name, kind, volume, supports)
        for name, kind, volume, supports in spec.devices
    ]
    user = User(
        spec.id,
        spec.display_name,
        spec.product,
        spec.country,
        f"{spec.id}@example.com",
        user_object(api, spec.id, spec.display_name, rng.randint(3, 900)),
        Player(catalog, devices, clock),
    )
    for kind, count in zip(SAVED_KINDS, spec.saved, strict=True):
        user.saved[kind] = _newest_last(rng.sample(list(catalog.tables[kind]), count), 7)
    user.followed_artists = _newest_last(
        rng.sample(list(catalog.artists), spec.followed_artists), 50
    )
    user.followed_users = _newest_last(list(spec.followed_users), 100)
    user.playlists = _newest_last([playlist_id(key) for key in spec.playlists], 100)
    for time_range in TIME_RANGES:
        user.top_artists[time_range] = rng.sample(list(catalog.artists), spec.top[0])
        user.top_tracks[time_range] = rng.sample(list(catalog.tracks), spec.top[1])
    now = clock()
    for n, ident in enumerate(rng.sample(list(catalog.tracks), spec.recently_played)):
        played_at = now - (spec.recently_played - n) * 240
        user.player.history.append((int(played_at * 1000), catalog.tracks[ident], None))
    return user


def describe(state: State, catalog: Catalog) -> dict[str, Any]:
    """The facts tests need: users, their devices and counts, notable playlists, catalogue size."""
    return {
        "users": [
            {
                "id": user.id,
                "display_name": user.display_name,
                "product": user.product,
                "devices": [{"id": d.id, "name": d.name, "type": d.type} for d in user.devices],
                "saved": {kind: len(items) for kind, items in user.saved.items()},
                "followed_artists": len(user.followed_artists),
                "playlists": list(reversed(user.playlists)),
            }
            for user in state.users.values()
        ],
        "playlists": {
            "deep_focus": DEEP_FOCUS_PLAYLIST,
            "empty": EMPTY_PLAYLIST,
            "followed_not_collaborative": FOLLOWED_PLAYLIST,
            "collaborative": COLLAB_PLAYLIST,
            "unfollowed_public": UNFOLLOWED_PLAYLIST,
        },
        "catalog": {
            "artists": len(catalog.artists),
            "albums": len(catalog.albums),
            "tracks": len(catalog.tracks),
            "shows": len(catalog.shows),
            "episodes": len(catalog.episodes),
            "audiobooks": len(catalog.audiobooks),
            "chapters": len(catalog.chapters),
        },
    }
