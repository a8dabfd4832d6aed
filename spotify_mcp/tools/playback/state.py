"""What is playing, what plays next, and what played: the player's state, the queue and
the history."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated
from urllib.parse import parse_qs, urlsplit

from pydantic import BaseModel, Field

from spotify_mcp.errors import InvalidInput
from spotify_mcp.models import (
    AnyItem,
    BriefItems,
    Chapter,
    Episode,
    Item,
    Payload,
    Track,
    any_item,
    briefly,
)
from spotify_mcp.tools.playback.devices import Device, devices_of

if TYPE_CHECKING:
    from spotify_mcp.session import Spotify


class PlaybackState(BaseModel):
    playing: bool
    item: AnyItem | None = None
    progress_ms: int | None = None
    context: str | None = None
    device: str | None = None
    device_id: str | None = None
    volume: int | None = None
    shuffle: bool | None = None
    repeat: str | None = None
    devices: list[Device] | None = None  # when none is active: those to play on

    @classmethod
    def of(cls, payload: Payload) -> PlaybackState:
        device = Device.of(payload.get("device") or {})
        return cls(
            playing=bool(payload.get("is_playing")),
            item=_playable(payload.get("item")),
            progress_ms=payload.get("progress_ms"),
            context=(payload.get("context") or {}).get("uri"),
            device=device.name or None,
            device_id=device.id,
            volume=device.volume,
            shuffle=payload.get("shuffle_state"),
            repeat=payload.get("repeat_state"),
        )


class Queue(BaseModel):
    current: AnyItem | None = None
    queue: list[AnyItem]


class PlayedTrack(Track):
    played_at: str
    context: str | None = None


class RecentlyPlayed(BaseModel):
    items: list[AnyItem]
    next_before: int | None = None  # older plays: pass as before
    next_after: int | None = None  # newer plays, when paging with after: pass as after


def playback_state(spotify: Spotify, item_only: bool = False) -> PlaybackState:
    """What is playing (item, progress, context), on which device, shuffle and repeat; no
    device: none is active, and devices lists those to play on. item_only: just item and
    progress."""
    read = spotify.currently_playing if item_only else spotify.current_playback
    payload = read(additional_types="episode")
    if not payload:  # 204: no active device; the model's next step is to pick one
        return PlaybackState(playing=False, devices=devices_of(spotify))
    return PlaybackState.of(payload)


def playback_queue(spotify: Spotify, brief: BriefItems = False) -> Queue:
    """The current item and what plays next: the queue, then the context, not marked apart
    (about 20). Spotify cannot remove queued items."""

    def shown(item: Item) -> Item:
        return briefly(item) if brief else item

    payload = spotify.queue() or {}
    current = _playable(payload.get("currently_playing"))
    upcoming = [_playable(item) for item in payload.get("queue") or []]
    return Queue(
        current=shown(current) if current else None,
        queue=[shown(item) for item in upcoming if item is not None],
    )


def playback_recently_played(
    spotify: Spotify,
    limit: Annotated[int, Field(ge=1, le=50)] = 20,
    before: Annotated[int | None, Field(ge=1, description="Unix ms")] = None,
    after: Annotated[int | None, Field(ge=1, description="Unix ms")] = None,
) -> RecentlyPlayed:
    """Tracks played recently, each with the context (playlist, album) it played from,
    newest first (Spotify keeps about 50). Older: before=next_before; newer than a time:
    after, then after=next_after."""
    if before is not None and after is not None:
        raise InvalidInput("pass before or after, not both")
    for name, value in (("before", before), ("after", after)):
        if value is not None and value < 10**11:  # before 1973 in ms: seconds meant
            raise InvalidInput(f"{name} is in Unix milliseconds; {value} looks like seconds")
    payload = spotify.current_user_recently_played(limit=limit, before=before, after=after) or {}
    # Spotify's next page goes the way this one went; its link says which way, and from where.
    following = parse_qs(urlsplit(payload.get("next") or "").query)
    return RecentlyPlayed(
        items=[
            PlayedTrack(
                **Track.of(entry["track"]).model_dump(),
                played_at=entry["played_at"],
                context=(entry.get("context") or {}).get("uri"),
            )
            for entry in payload.get("items") or []
            if entry.get("track")
        ],
        next_before=_cursor(following, "before"),
        next_after=_cursor(following, "after"),
    )


def _playable(payload: Payload | None) -> Item | None:
    """A track, episode or audiobook chapter (None for an ad or an unknown item)."""
    item = any_item(payload) if payload else None
    return item if isinstance(item, Track | Episode | Chapter) else None


def _cursor(query: dict[str, list[str]], name: str) -> int | None:
    values = query.get(name)
    return int(values[0]) if values and values[0].isdigit() else None


def current_playback(spotify: Spotify) -> PlaybackState:
    """What is playing now, on which device, with shuffle and repeat."""
    return playback_state(spotify)
