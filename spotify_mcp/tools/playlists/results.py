"""What the playlists tools return."""

from __future__ import annotations

from pydantic import BaseModel, Field

from spotify_mcp.models import (
    Episode,
    Item,
    ItemPage,
    Payload,
    Playlist,
    Track,
    any_item,
    briefly,
    extended,
    unresumed,
)


def entry_item(position: int, entry: Payload, brief: bool) -> Item | None:
    """The entry's track or episode with its position; None when no longer available."""
    payload = entry.get("item") or entry.get("track")
    # Without resume points: the playlist's reads are cached longer than our player
    # commands can evict them.
    item = any_item(unresumed(payload)) if payload else None
    if not isinstance(item, Track | Episode):
        return None
    shown = briefly(item) if brief else item
    return extended(shown, position=position, added_at=entry.get("added_at"))


class Changed(BaseModel):
    playlist: str
    snapshot_id: str | None = None  # the playlist's version after the change


class Added(Changed):
    added: int
    skipped: int | None = None  # with skip_present: already there, or repeated in items
    left_out: int | None = None  # local files and unavailable items of the playlists given


class Removed(Changed):
    removed: int | None = None  # unknown when the count after could not be read


class Repeat(BaseModel):
    uri: str
    name: str
    extra: int  # occurrences after the first, which a removal takes


class Deduplicated(Changed):
    removed: int | None = None  # not with dry_run, where "removed: 0" read as "none to remove"
    repeated: int  # items that had repeats
    extra: int | None = None  # dry_run: the occurrences a removal would take
    repeats: list[Repeat]  # the first few of them, by position


class Moved(Changed):
    moved: int


class Replaced(Changed):
    total: int
    left_out: int | None = None  # as Added's


class Updated(Changed):
    changed: list[str]


class Cover(BaseModel):
    urls: list[str]  # largest first; they expire within a day


class PlaylistView(BaseModel):
    playlist: Playlist
    items: ItemPage | None = Field(None, description="Absent for a playlist not the user's.")
