"""The ``playback`` plugin: what is playing, devices, player commands, the queue, history.

Player commands need Spotify Premium and an active device; Spotify answers them
asynchronously, so they return what was asked and ``playback_state`` shows the outcome.
Settings that are independent PUTs (repeat, shuffle, volume, position) share one tool,
``playback_set``: one call for "shuffle on, volume 30", and one entry fewer in tools/list.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Sequence
from contextlib import AbstractContextManager, nullcontext
from typing import TYPE_CHECKING, Annotated, Any, Literal
from urllib.parse import parse_qs, quote, urlsplit

from pydantic import BaseModel, Field, StringConstraints

from spotify_mcp import hookimpl
from spotify_mcp.errors import (
    InvalidInput,
    SpotifyMCPError,
    answered,
    clipped,
    explain_http,
    listed,
    no_such_device,
    partly_done,
    refused_in_state,
)
from spotify_mcp.fanout import read_pages
from spotify_mcp.lookup import catalog_item
from spotify_mcp.models import (
    AnyItem,
    BriefItems,
    Chapter,
    Episode,
    Item,
    Page,
    Payload,
    Track,
    any_item,
    briefly,
)
from spotify_mcp.names import has_words, squash
from spotify_mcp.refs import ITS_TRACKS, ref_type

if TYPE_CHECKING:
    from spotify_mcp.refs import Ref
    from spotify_mcp.registry import ResourceRegistry, ToolRegistry
    from spotify_mcp.session import Spotify

MAX_QUEUE_ADD = 20
MAX_START_ITEMS = 100
DAY_MS = 86_400_000  # bounds a relative seek: no episode or chapter is longer
CONTEXT_KINDS = ("album", "playlist", "artist", "show", "audiobook")
MAX_CHAPTERS = 1_000  # read to find where the user left off an audiobook
NO_DEVICE = "NO_ACTIVE_DEVICE"  # Spotify's reason for a command with no device to run on

Playable = ref_type(
    "track", "episode", elsewhere=dict.fromkeys(CONTEXT_KINDS, "to play it, pass it as context")
)
Queueable = ref_type(
    "track",
    "episode",
    elsewhere={
        **ITS_TRACKS,
        "audiobook": "playback_start plays it on from where the user left off",
    },
)
Context = ref_type(
    *CONTEXT_KINDS,
    elsewhere=dict.fromkeys(("track", "episode"), "to play it, pass it in items"),
)
DeviceId = Annotated[str, StringConstraints(strip_whitespace=True), Field(min_length=1)]


# -- results --------------------------------------------------------------------------------


class Device(BaseModel):
    id: str | None = None
    name: str
    type: str
    active: bool
    volume: int | None = None  # absent when it cannot be set

    @classmethod
    def of(cls, payload: Payload) -> Device:
        return cls(
            id=payload.get("id"),
            name=payload.get("name") or "",
            type=payload.get("type") or "",
            active=bool(payload.get("is_active")),
            volume=payload.get("volume_percent") if payload.get("supports_volume") else None,
        )


class Devices(BaseModel):
    devices: list[Device]


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


class PlayerCommand(BaseModel):
    done: str


def _playable(payload: Payload | None) -> Item | None:
    """A track, episode or audiobook chapter (None for an ad or an unknown item)."""
    item = any_item(payload) if payload else None
    return item if isinstance(item, Track | Episode | Chapter) else None


def _offset_checked(
    spotify: Spotify, context: Ref, offset: int | None
) -> AbstractContextManager[None]:
    """Spotify's 400 "Invalid offset" for a context (offsets into items are checked before
    sending), said with the context's item count: Spotify's answer gives neither."""

    def explained(_: Exception) -> InvalidInput:
        listing = "search_list_contents or playlists_get_items lists its items"
        if offset is None:
            return InvalidInput(f"offset_item is not in {context.uri}; {listing}.")
        count = _item_count(spotify, context)
        if count is None:
            return InvalidInput(
                f"offset {offset} is past the end of {context.uri} (offsets count from 0); "
                f"{listing}."
            )
        return _past_the_end(offset, context, count)

    return answered(400, explained, when=lambda message: "offset" in message.lower())


def _past_the_end(offset: int, context: Ref, count: int) -> InvalidInput:
    return InvalidInput(
        f"offset {offset} is past the end of {context.uri}, which holds {_count(count)} "
        "(offsets count from 0)."
    )


_COUNTED_AS = {"album": "total_tracks", "playlist": "total", "show": "total_episodes"}


def _item_count(spotify: Spotify, context: Ref) -> int | None:
    """How many items ``context`` holds; None when it cannot be read."""
    try:
        payload = catalog_item(spotify, context)
    except Exception:
        return None
    return getattr(any_item(payload), _COUNTED_AS[context.kind], None) if payload else None


class NoActiveDevice(SpotifyMCPError):
    """Spotify's NO_ACTIVE_DEVICE, with the devices to choose from."""


def _naming_devices(command: Callable[..., PlayerCommand]) -> Callable[..., PlayerCommand]:
    """``command``, whose refusal for want of an active device, or of the device its
    device_id names, says which devices there are: the model recovers with one call (a
    transfer, or the command with a device_id), not two. A device's name passed for its ID,
    as models often do, runs the command on the one device of that name."""

    @functools.wraps(command)
    def run(**arguments: Any) -> PlayerCommand:
        try:
            return command(**arguments)
        except Exception as error:
            spotify, device_id = arguments["spotify"], arguments.get("device_id")
            if getattr(error, "reason", None) == NO_DEVICE:
                raise _no_active_device(spotify) from error
            if not device_id or not (isinstance(error, UnknownDevice) or no_such_device(error)):
                raise
            devices = _devices(spotify)
            called = _called(device_id, devices or [])
            if len(called) != 1 or called[0].id in (None, device_id):
                raise _not_a_device(device_id, devices, called) from error
        # Refused for its device_id, the command did nothing: it runs again, on that device.
        return run(**{**arguments, "device_id": called[0].id})

    return run


def _called(name: str, devices: list[Device]) -> list[Device]:
    """The devices called ``name`` (case aside), else those whose names have its words
    ("living room" for "Living Room Speaker")."""
    exact = [device for device in devices if device.name.casefold() == name.casefold()]
    return exact or [d for d in devices if squash(name) and has_words(d.name, name)]


def _devices(spotify: Spotify) -> list[Device] | None:
    """The user's devices, for an error to name or a name to pick; None when they cannot be
    read (the plain explanation says which tool lists them)."""
    try:
        return playback_devices(spotify).devices
    except Exception:
        return None


def _no_active_device(spotify: Spotify) -> NoActiveDevice:
    devices = _devices(spotify)
    if devices is None:
        return NoActiveDevice(explain_http(404, "", NO_DEVICE))
    return _choose_among(devices)


def _choose_among(devices: list[Device]) -> NoActiveDevice:
    """No device is active: the error that names the ones to choose from."""
    named = _named(devices)
    if not named:
        return NoActiveDevice(
            "No active Spotify device, and no device has the Spotify app open: ask the "
            "user to open Spotify on one, then call playback_devices."
        )
    return NoActiveDevice(
        f"No active Spotify device. The user's devices: {named}. "
        "playback_transfer makes one active (or pass device_id to this command)."
    )


class UnknownDevice(InvalidInput):
    """A device_id that names none of the user's devices."""


def _not_a_device(
    device_id: str, devices: list[Device] | None, called: Sequence[Device] = ()
) -> UnknownDevice:
    if len(called) > 1:
        return UnknownDevice(
            f"{clipped(device_id)!r} fits several devices: {_named(called)}; pass one's device_id"
        )
    if devices is None:
        known = "playback_devices lists them"
    else:
        known = _named(devices) or "none has the Spotify app open"
    return UnknownDevice(
        f"Not found: {clipped(device_id)!r} is none of the user's devices: {known}"
    )


def _named(devices: Sequence[Device]) -> str:
    return listed([f"{d.name} (device_id {d.id})" for d in devices if d.id])


# -- tools ----------------------------------------------------------------------------------


def playback_state(spotify: Spotify, item_only: bool = False) -> PlaybackState:
    """What is playing (item, progress, context), on which device, shuffle and repeat; no
    device: none is active, and devices lists those to play on. item_only: just item and
    progress."""
    read = spotify.currently_playing if item_only else spotify.current_playback
    payload = read(additional_types="episode")
    if not payload:  # 204: no active device; the model's next step is to pick one
        return PlaybackState(playing=False, devices=_devices(spotify))
    return PlaybackState.of(payload)


def playback_devices(spotify: Spotify) -> Devices:
    """The user's devices with the Spotify app open: IDs, which is active, volume (absent:
    cannot be set)."""
    return Devices(devices=[Device.of(d) for d in spotify.devices().get("devices") or []])


def playback_transfer(
    spotify: Spotify,
    device_id: DeviceId,
    play: Annotated[bool, Field(description="Start playing (default: keep the state)")] = False,
) -> PlayerCommand:
    """Move playback to a device from playback_devices, making it the active one. Premium."""
    spotify.transfer_playback(device_id, force_play=play)
    device = next((d for d in _devices(spotify) or [] if d.id == device_id), None)
    return PlayerCommand(done=f"transferred to {device.name if device else device_id}")


def playback_start(
    spotify: Spotify,
    items: Annotated[list[Playable] | None, Field(min_length=1, max_length=MAX_START_ITEMS)] = None,
    context: Context | None = None,
    offset: Annotated[int | None, Field(ge=0, description="Index to start at, from 0")] = None,
    offset_item: Annotated[Playable | None, Field(description="Item to start at")] = None,
    position_ms: Annotated[
        int | None, Field(ge=0, description="An episode's resume_ms continues it")
    ] = None,
    device_id: DeviceId | None = None,
) -> PlayerCommand:
    """Play items, or a context (album, playlist, artist, show; an audiobook from where the
    user left off), from an offset and position_ms; no arguments: resume. Replaces what
    plays (playback_queue_add plays next). Premium."""
    if items and context:
        raise InvalidInput("pass items or context, not both")
    if offset is not None and offset_item is not None:
        raise InvalidInput("pass offset or offset_item, not both")
    has_offset = offset is not None or offset_item is not None
    if has_offset and not (items or context):
        raise InvalidInput("offset and offset_item need items or a context")
    if has_offset and context and context.kind == "artist":
        raise InvalidInput("an artist plays from its top: offsets work on its albums")
    if items and offset is not None and offset >= len(items):
        raise InvalidInput(
            f"offset {offset} is past the last of the {len(items)} items (offsets count from 0)"
        )
    if items and offset_item and offset_item.uri not in {item.uri for item in items}:
        raise InvalidInput(f"offset_item {offset_item.uri} is not among the items")
    if context and context.kind == "audiobook":
        return _play_audiobook(spotify, context, offset, offset_item, position_ms, device_id)
    start_at = {"uri": offset_item.uri} if offset_item else None
    with _offset_checked(spotify, context, offset) if has_offset and context else nullcontext():
        spotify.start_playback(
            device_id=_sent(device_id),
            context_uri=context.uri if context else None,
            uris=[item.uri for item in items] if items else None,
            offset={"position": offset} if offset is not None else start_at,
            position_ms=position_ms,
        )
    if context:
        # "From track 4" is offset 3: say which item it is, so the model need not look.
        at = f", from {_name_of(spotify, offset_item)}" if offset_item else ""
        if offset:
            named = _name_at(spotify, context, offset)
            at = f", from {named} (item {offset + 1})" if named else f", item {offset + 1}"
        return PlayerCommand(done=f"playing {_name_of(spotify, context)} ({context.kind}){at}")
    if not items:
        return PlayerCommand(done="resumed")
    first = offset_item or items[offset or 0]
    of = f", item {items.index(first) + 1} of {len(items)}" if len(items) > 1 else ""
    return PlayerCommand(done=f"playing {_name_of(spotify, first)}{of}")


def _play_audiobook(
    spotify: Spotify,
    book: Ref,
    offset: int | None,
    offset_item: Ref | None,
    position_ms: int | None,
    device_id: str | None,
) -> PlayerCommand:
    """``book``'s chapters (Spotify plays an audiobook as its chapters, up to 100 at once)
    from ``offset`` or ``offset_item``, else from where the user left off."""
    chapters = read_pages(
        lambda start, count: spotify._get(
            f"audiobooks/{book.id}/chapters", limit=count, offset=start
        ),
        Chapter.of,
        Page[Chapter],
        offset=0,
        limit=MAX_CHAPTERS,
        page_size=50,
    ).items
    uris = [chapter.uri for chapter in chapters]
    if not uris:  # an empty list would resume whatever played last
        raise InvalidInput(f"Spotify lists no chapters of {book.uri} to play")
    if offset_item is not None:
        if offset_item.uri not in uris:
            raise InvalidInput(
                f"offset_item is not in {book.uri}; search_list_contents lists its chapters."
            )
        start = uris.index(offset_item.uri)
    elif offset is not None:
        if offset >= len(uris):
            raise _past_the_end(offset, book, len(uris))
        start = offset
    else:
        start, left_at = _left_off(chapters)
        position_ms = left_at if position_ms is None else position_ms
    spotify.start_playback(
        device_id=_sent(device_id),
        uris=uris[start : start + MAX_START_ITEMS],
        position_ms=position_ms,
    )
    at = f" at {position_ms} ms" if position_ms else ""
    return PlayerCommand(done=f"playing {_name_of(spotify, book)}, {chapters[start].name}{at}")


def _name_of(spotify: Spotify, ref: Ref) -> str:
    """``ref``'s name, for a result to say what plays (a model would read the player for it);
    its URI when the name cannot be read: the command is done all the same."""
    try:
        if ref.kind == "playlist":  # its first 100 items come with it, unless filtered out
            payload = spotify._get(f"playlists/{ref.id}", fields="name")
        else:
            payload = catalog_item(spotify, ref)  # the cache keeps catalog reads a day
    except Exception:
        payload = None
    return str(payload["name"]) if payload else ref.uri


#: Where a context's items are listed, a page of them at a time.
_ITEMS_OF = {
    "album": "albums/{}/tracks",
    "playlist": "playlists/{}/items",
    "show": "shows/{}/episodes",
}


def _name_at(spotify: Spotify, context: Ref, offset: int) -> str | None:
    """The name of the item at ``offset`` in ``context``; None when it cannot be read."""
    try:
        page = spotify._get(_ITEMS_OF[context.kind].format(context.id), limit=1, offset=offset)
        entry = (page.get("items") or [{}])[0] or {}
        return str((entry.get("item") or entry.get("track") or entry)["name"])
    except Exception:
        return None


def _left_off(chapters: list[Chapter]) -> tuple[int, int | None]:
    """Where the user left off an audiobook: the furthest chapter begun, at its resume
    point, or the one after it if finished; the start when none was begun or all were."""
    begun = [i for i, chapter in enumerate(chapters) if chapter.resume_ms or chapter.fully_played]
    if not begun:
        return 0, None
    furthest = begun[-1]
    if not chapters[furthest].fully_played:
        return furthest, chapters[furthest].resume_ms
    return (furthest + 1, None) if furthest + 1 < len(chapters) else (0, None)


def playback_pause(spotify: Spotify, device_id: DeviceId | None = None) -> PlayerCommand:
    """Pause (resume with playback_start). Premium."""
    from spotipy.exceptions import SpotifyException

    try:
        spotify.pause_playback(_sent(device_id))
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
    (spotify.next_track if to == "next" else spotify.previous_track)(_sent(device_id))
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
            call(value, _sent(device_id))
        # shuffle=true, as it was sent, not Python's True
        done.append(f"{name}={str(value).lower() if isinstance(value, bool) else value}")
    return PlayerCommand(done=", ".join(done))


def _volume_moved(spotify: Spotify, device_id: str | None, by: int) -> int:
    """The volume ``by`` points from the device's own (``device_id``'s, else the active
    one's), within 0 and 100."""
    devices = playback_devices(spotify).devices
    device = next((d for d in devices if (d.id == device_id if device_id else d.active)), None)
    if device is None:
        raise _not_a_device(device_id, devices) if device_id else _choose_among(devices)
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
    if device_id and device_id != active.id and not _called(device_id, [active]):
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
            spotify.add_to_queue(item.uri, _sent(device_id))
        done.append(item.uri)
    return PlayerCommand(done=f"queued {_count(len(done))}")


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


def _sent(device_id: str | None) -> str | None:
    """``device_id`` as a query value: spotipy puts it in the query string as it is, and
    "x&device_id=y" would pick y."""
    return quote(device_id, safe="") if device_id else None


def _count(items: int) -> str:
    return f"{items} item{'' if items == 1 else 's'}"


def _cursor(query: dict[str, list[str]], name: str) -> int | None:
    values = query.get(name)
    return int(values[0]) if values and values[0].isdigit() else None


# -- resources --------------------------------------------------------------------------------


def current_playback(spotify: Spotify) -> PlaybackState:
    """What is playing now, on which device, with shuffle and repeat."""
    return playback_state(spotify)


# -- hooks ----------------------------------------------------------------------------------

#: What playback_start's result reads to name what plays.
NAMING_ITEMS = [
    "GET /tracks/{id}",
    "GET /episodes/{id}",
    "GET /chapters/{id}",
    "GET /albums/{id}",
    "GET /playlists/{playlist_id}",
    "GET /artists/{id}",
    "GET /shows/{id}",
    "GET /audiobooks/{id}",
    # the item a context starts from
    "GET /albums/{id}/tracks",
    "GET /playlists/{playlist_id}/items",
    "GET /shows/{id}/episodes",
]


@hookimpl
def register_tools(registry: ToolRegistry) -> None:
    read: list[tuple[Callable[..., Any], str, list[str]]] = [
        (playback_state, "Playback state", ["GET /me/player", "GET /me/player/currently-playing"]),
        (playback_devices, "List devices", ["GET /me/player/devices"]),
        (playback_queue, "Show the queue", ["GET /me/player/queue"]),
        (playback_recently_played, "Recently played", ["GET /me/player/recently-played"]),
    ]
    for fn, title, endpoints in read:
        registry.add(fn, title=title, read_only=True, endpoints=endpoints)
    # (fn, title, idempotent, endpoints); no player command deletes anything
    commands: list[tuple[Callable[..., Any], str, bool, list[str]]] = [
        (
            playback_transfer,
            "Transfer playback",
            True,
            ["PUT /me/player", "GET /me/player/devices"],
        ),
        (
            playback_start,
            "Start or resume playback",
            True,
            ["PUT /me/player/play", "GET /audiobooks/{id}/chapters", *NAMING_ITEMS],
        ),
        (playback_pause, "Pause playback", True, ["PUT /me/player/pause"]),
        (
            playback_skip,
            "Skip to next or previous",
            False,
            ["POST /me/player/next", "POST /me/player/previous"],
        ),
        (
            playback_set,
            "Set repeat, shuffle, volume or position",
            True,
            [
                "PUT /me/player/seek",
                "PUT /me/player/repeat",
                "PUT /me/player/shuffle",
                "PUT /me/player/volume",
            ],
        ),
        (playback_queue_add, "Add to the queue", False, ["POST /me/player/queue"]),
    ]
    for fn, title, idempotent, endpoints in commands:
        registry.add(
            _naming_devices(fn),
            title=title,
            read_only=False,
            destructive=False,
            idempotent=idempotent,
            endpoints=endpoints,
        )


@hookimpl
def register_resources(registry: ResourceRegistry) -> None:
    registry.add(
        current_playback, uri="spotify://playback", title="Current playback", name="playback"
    )


@hookimpl
def oauth_scopes() -> list[str]:
    return [
        "user-read-playback-state",
        "user-modify-playback-state",
        "user-read-currently-playing",
        "user-read-recently-played",
    ]
