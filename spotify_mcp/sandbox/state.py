"""Mutable sandbox state: users, their libraries and playlists. Mutated on the event loop only."""

from __future__ import annotations

import base64
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from .catalog import Track
from .ids import make_hex, make_id
from .playback import Device, Player

JSON = dict[str, Any]
SAVED_KINDS = ("track", "album", "episode", "show", "audiobook")


def iso_now(now: float) -> str:
    """Spotify's timestamp format: `2026-05-31T12:00:00Z`."""
    return datetime.fromtimestamp(now, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


KEPT_VERSIONS = 20  # snapshots of a playlist that positions may still refer to


@dataclass(slots=True)
class PlaylistEntry:
    item: Track  # a track or an episode
    added_at: str
    added_by: str


@dataclass(slots=True)
class Playlist:
    id: str
    owner_id: str
    name: str
    description: str
    public: bool
    collaborative: bool
    entries: list[PlaylistEntry]
    followers: int = 0
    version: int = 1
    cover: list[JSON] | None = None  # set by an upload; otherwise a mosaic of the items
    versions: dict[str, list[PlaylistEntry]] = field(default_factory=dict)
    """The entries of recent snapshots, for positions given against an older one."""

    @property
    def snapshot_id(self) -> str:
        raw = f"{self.version}:{make_hex(self.id, self.version, length=32)}"
        return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")

    def __post_init__(self) -> None:
        self._keep_version()

    def touch(self) -> None:
        """Every mutation gets a new snapshot_id (whose entries are kept for a while)."""
        self.version += 1
        self._keep_version()

    def _keep_version(self) -> None:
        self.versions[self.snapshot_id] = list(self.entries)
        while len(self.versions) > KEPT_VERSIONS:
            del self.versions[next(iter(self.versions))]


@dataclass(slots=True)
class User:
    id: str
    display_name: str
    product: str  # "premium" or "free"
    country: str
    email: str
    profile: JSON  # the PublicUserObject
    player: Player
    saved: dict[str, dict[str, str]] = field(
        default_factory=lambda: {kind: {} for kind in SAVED_KINDS}
    )  # kind -> {id: added_at}, oldest first
    followed_artists: dict[str, str] = field(default_factory=dict)
    followed_users: dict[str, str] = field(default_factory=dict)
    playlists: dict[str, str] = field(default_factory=dict)  # owned or followed, oldest first
    top_artists: dict[str, list[str]] = field(default_factory=dict)  # time_range -> ids
    top_tracks: dict[str, list[str]] = field(default_factory=dict)

    @property
    def devices(self) -> list[Device]:
        return self.player.devices


@dataclass(slots=True)
class State:
    users: dict[str, User]
    playlists: dict[str, Playlist]
    created: int = 0  # playlists created since the sandbox started: new IDs, deterministic

    def new_playlist_id(self, owner: str) -> str:
        self.created += 1
        return make_id("new-playlist", owner, self.created)

    def can_edit(self, playlist: Playlist, user: User) -> bool:
        """Owners, and followers of a collaborative playlist, may change its items."""
        return playlist.owner_id == user.id or (
            playlist.collaborative and playlist.id in user.playlists
        )
