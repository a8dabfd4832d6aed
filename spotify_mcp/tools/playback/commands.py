"""Player commands other than starting: transfer, pause, skip, settings, the queue. Each
takes device_id; Spotify answers asynchronously, so they say what was asked."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated, Literal
from urllib.parse import quote

from pydantic import BaseModel, Field

from spotify_mcp.errors import InvalidInput, partly_done, refused_in_state
from spotify_mcp.refs import ITS_TRACKS, ref_type
from spotify_mcp.tools.playback.devices import (
    NO_DEVICE,
    Device,
    DeviceId,
    called,
    choose_among,
    devices_of,
    not_a_device,
    playback_devices,
)

if TYPE_CHECKING:
    from spotify_mcp.session import Spotify


MAX_QUEUE_ADD = 20
DAY_MS = 86_400_000  # bounds a relative seek: no episode or chapter is longer


Queueable = ref_type(
    "track",
    "episode",
    elsewhere={
        **ITS_TRACKS,
        "audiobook": "playback_start plays it on from where the user left off",
    },
)


class PlayerCommand(BaseModel):
    done: str


def playback_transfer(
    spotify: Spotify,
    device_id: DeviceId,
    play: Annotated[bool, Field(description="Start playing (default: keep the state)")] = False,
) -> PlayerCommand:
    """Move playback to a device from playback_devices, making it the active one. Premium."""
    spotify.transfer_playback(device_id, force_play=play)
    device = next((d for d in devices_of(spotify) or [] if d.id == device_id), None)
    return PlayerCommand(done=f"transferred to {device.name if device else device_id}")


def playback_pause(spotify: Spotify, device_id: DeviceId | None = None) -> PlayerCommand:
    """Pause (resume with playback_start). Premium."""
    from spotipy.exceptions import SpotifyException

    try:
        spotify.pause_playback(sent(device_id))
    except SpotifyException as error:
        idle = error.reason == NO_DEVICE
        # Pausing what is paused, or with nothing active, is refused; the caller wanted it
        # quiet, and it is, unless Spotify says something plays (it has answered
        # NO_ACTIVE_DEVICE to a web player that was playing).
        if not (idle or refused_in_state(error)):
            raise
        state = spotify.current_playback()
        if state and state.get("is_playing"):
            raise
        if idle:
            return PlayerCommand(done="nothing is playing (no device is active)")
        if not state:
            raise
        return PlayerCommand(done="already paused")
    return PlayerCommand(done="paused")


def playback_skip(
    spotify: Spotify, to: Literal["next", "previous"] = "next", device_id: DeviceId | None = None
) -> PlayerCommand:
    """Skip to the next item (queue first) or the previous one (past a few seconds,
    previous restarts the item). Premium."""
    (spotify.next_track if to == "next" else spotify.previous_track)(sent(device_id))
    return PlayerCommand(done=f"skipped to {to}")


def playback_set(
    spotify: Spotify,
    repeat: Literal["track", "context", "off"] | None = None,
    shuffle: bool | None = None,
    volume: Annotated[int | None, Field(ge=0, le=100)] = None,
    volume_by: Annotated[int | None, Field(ge=-100, le=100, description="e.g. 10 or -10")] = None,
    position_ms: Annotated[int | None, Field(ge=0, description="Seek")] = None,
    seek_by_ms: Annotated[
        int | None, Field(ge=-DAY_MS, le=DAY_MS, description="Seek from here (negative: back)")
    ] = None,
    device_id: DeviceId | None = None,
) -> PlayerCommand:
    """Set repeat, shuffle, volume (percent) and/or seek in the current item; pass only
    what changes. Premium."""
    if volume is not None and volume_by is not None:
        raise InvalidInput("pass volume or volume_by, not both")
    if position_ms is not None and seek_by_ms is not None:
        raise InvalidInput("pass position_ms or seek_by_ms, not both")
    if volume_by is not None:
        volume = _volume_moved(spotify, device_id, volume_by)
    if seek_by_ms is not None:
        position_ms = _position_moved(spotify, device_id, seek_by_ms)
    settings = (
        ("position_ms", position_ms, spotify.seek_track),
        ("repeat", repeat, spotify.repeat),
        ("shuffle", shuffle, spotify.shuffle),
        ("volume", volume, spotify.volume),
    )
    chosen = [(name, value, call) for name, value, call in settings if value is not None]
    if not chosen:
        raise InvalidInput(
            "pass at least one of repeat, shuffle, volume, volume_by, position_ms, seek_by_ms"
        )
    done: list[str] = []
    for name, value, call in chosen:
        with partly_done(f"Done: {', '.join(done)}; setting {name} failed", bool(done)):
            call(value, sent(device_id))
        # shuffle=true, as it was sent, not Python's True
        done.append(f"{name}={str(value).lower() if isinstance(value, bool) else value}")
    return PlayerCommand(done=", ".join(done))


def _volume_moved(spotify: Spotify, device_id: str | None, by: int) -> int:
    """The volume ``by`` points from the device's own (``device_id``'s, else the active
    one's), within 0 and 100."""
    devices = playback_devices(spotify).devices
    device = next((d for d in devices if (d.id == device_id if device_id else d.active)), None)
    if device is None:
        raise not_a_device(device_id, devices) if device_id else choose_among(devices)
    if device.volume is None:
        raise InvalidInput(f"{device.name} does not let its volume be set")
    return min(100, max(0, device.volume + by))


def _position_moved(spotify: Spotify, device_id: str | None, by: int) -> int:
    """The position ``by`` ms from where the active device is in its item (not before its
    start; past its end is refused)."""
    now = spotify.current_playback(additional_types="episode") or {}
    item = now.get("item")
    if not item:
        raise InvalidInput(
            "Nothing is playing to seek in: playback_start plays an item from position_ms"
        )
    active = Device.of(now.get("device") or {})
    if device_id and device_id != active.id and not called(device_id, [active]):
        raise InvalidInput(
            f"seek_by_ms moves through what {active.name} (the active device) plays; for "
            "another device pass position_ms"
        )
    progress = now.get("progress_ms") or 0
    position = max(0, progress + by)
    if position >= item["duration_ms"]:
        raise InvalidInput(
            f"{(item['duration_ms'] - progress) // 1000} s of the item remain; playback_skip "
            "goes to the next one"
        )
    return position


def playback_queue_add(
    spotify: Spotify,
    items: Annotated[list[Queueable], Field(min_length=1, max_length=MAX_QUEUE_ADD)],
    device_id: DeviceId | None = None,
) -> PlayerCommand:
    """Queue tracks/episodes in order, after those queued before and ahead of the rest of
    the album or playlist; they cannot be removed again. Premium."""
    done: list[str] = []
    for item in items:
        with partly_done(f"Done: {', '.join(done)}; queueing {item.uri} failed", bool(done)):
            spotify.add_to_queue(item.uri, sent(device_id))
        done.append(item.uri)
    return PlayerCommand(done=f"queued {counted(len(done))}")


def sent(device_id: str | None) -> str | None:
    """``device_id`` as a query value: spotipy puts it in the query string as it is, and
    "x&device_id=y" would pick y."""
    return quote(device_id, safe="") if device_id else None


def counted(items: int) -> str:
    return f"{items} item{'' if items == 1 else 's'}"
