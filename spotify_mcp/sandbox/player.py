"""The player endpoints: state, devices, transfer, play/pause/skip/seek, modes, queue, history.

Commands need Premium (403 PREMIUM_REQUIRED) and an active device (404 NO_ACTIVE_DEVICE)
unless `device_id` names one, which then becomes the active device, if the command succeeds.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from .catalog import Track
from .endpoint import NO_CONTENT, Call, Operations
from .errors import (
    ApiError,
    bad_request,
    no_active_device,
    not_found,
    player_error,
    premium_required,
    restricted,
)
from .ids import parse_uri
from .paging import with_query
from .playback import Player

ops = Operations()

READ = "user-read-playback-state"
MODIFY = "user-modify-playback-state"
REPEAT_STATES = ("track", "context", "off")
ARTIST_CONTEXT_SIZE = 10  # playing an artist plays their most popular tracks


def _player(call: Call) -> Player:
    player = call.me.player
    player.sync()
    return player


def _premium_player(call: Call) -> Player:
    if call.me.product != "premium":
        raise premium_required()
    return _player(call)


def _activate(player: Player, device_id: str) -> None:
    device = player.device(device_id)
    if device is None:
        raise not_found("Device not found")
    player.active = device


def _target(call: Call) -> Player:
    """The player a command acts on, after the Premium and active-device checks."""
    player = _premium_player(call)
    device_id = call.query.get("device_id")
    if device_id:
        _activate(player, device_id)
    elif player.active is None:
        raise no_active_device()
    return player


def _command(handler: Callable[[Call], Any]) -> Callable[[Call], Any]:
    """A player command: one refused leaves the active device as it was (its `device_id`
    makes a device active only for a command that runs)."""

    @functools.wraps(handler)
    def run(call: Call) -> Any:
        player = call.me.player
        before = player.active
        try:
            return handler(call)
        except ApiError:
            player.active = before
            raise

    return run


def _loaded(call: Call) -> Player:
    player = _target(call)
    if player.item is None:
        raise restricted()
    return player


def _context(call: Call, uri: str | None) -> dict[str, Any] | None:
    parsed = parse_uri(uri) if uri else None
    if parsed is None:
        return None
    kind, ident = parsed
    return {
        "external_urls": {"spotify": f"https://open.spotify.com/{kind}/{ident}"},
        "href": f"{call.rt.catalog.api}/{kind}s/{ident}",
        "type": kind,
        "uri": uri,
    }


def _now_playing(call: Call, player: Player) -> dict[str, Any]:
    """The fields CurrentlyPlayingObject and CurrentlyPlayingContextObject share."""
    item = player.item
    body: dict[str, Any] = {
        "actions": {
            "pausing": not player.playing,
            "resuming": player.playing,
            "skipping_prev": False,
            "skipping_next": False,
        },
        "currently_playing_type": item.full["type"] if item else "unknown",
        "is_playing": player.playing,
        "progress_ms": player.progress_ms(),
        "timestamp": int(call.rt.clock() * 1000),
    }
    # Fields the spec does not mark nullable are left out, rather than null, when unset.
    if item is not None:
        body["item"] = item.full
    context = _context(call, player.context_uri)
    if context is not None:
        body["context"] = context
    return body


@ops.get("/me/player", scopes=READ)
def get_playback_state(call: Call) -> Any:
    player = _player(call)
    if player.active is None:
        return NO_CONTENT
    return {
        **_now_playing(call, player),
        "device": player.active.object(True),
        "repeat_state": player.repeat,
        "shuffle_state": player.shuffle,
    }


@ops.get("/me/player/currently-playing", scopes="user-read-currently-playing")
def get_currently_playing(call: Call) -> Any:
    player = _player(call)
    if player.active is None or player.item is None:
        return NO_CONTENT  # the spec lists only 200, but Spotify answers 204 when idle
    return _now_playing(call, player)


@ops.get("/me/player/devices", scopes=READ)
def get_devices(call: Call) -> Any:
    player = _player(call)
    return {"devices": [device.object(device is player.active) for device in player.devices]}


@ops.put("/me/player", scopes=MODIFY, status=204)
def transfer_playback(call: Call) -> None:
    player = _premium_player(call)
    body = call.json()
    ids = body.get("device_ids") if isinstance(body, dict) else None
    if not isinstance(ids, list) or len(ids) != 1 or not isinstance(ids[0], str):
        raise bad_request("device_ids must hold exactly one device id")
    _activate(player, ids[0])
    if body.get("play") is True and player.item is not None and not player.playing:
        player.resume()


def _context_items(call: Call, uri: Any) -> list[Track]:
    parsed = parse_uri(uri) if isinstance(uri, str) else None
    if parsed is None or parsed[0] not in ("album", "artist", "playlist", "show", "audiobook"):
        raise bad_request("Invalid context uri")
    kind, ident = parsed
    catalog = call.rt.catalog
    if kind == "playlist":
        playlist = call.rt.state.playlists.get(ident)
        items = [entry.item for entry in playlist.entries] if playlist else None
    elif kind == "artist":
        artist = catalog.artists.get(ident)
        tracks = [catalog.tracks[t] for t in artist.track_ids] if artist else None
        items = (
            sorted(tracks, key=lambda t: -t.popularity)[:ARTIST_CONTEXT_SIZE] if tracks else None
        )
    else:  # an album, a show or an audiobook
        items = catalog.children(kind, ident)
    if items is None:
        raise not_found("Context not found")
    if not items:
        raise restricted()
    return items


def _offset(offset: Any, items: list[Track]) -> int:
    if offset is None:
        return 0
    if isinstance(offset, dict) and isinstance(offset.get("position"), int):
        if 0 <= offset["position"] < len(items):
            return int(offset["position"])
    elif isinstance(offset, dict) and isinstance(offset.get("uri"), str):
        for index, item in enumerate(items):
            if item.uri == offset["uri"]:
                return index
    raise bad_request("Invalid offset")


@ops.put("/me/player/play", scopes=MODIFY, status=204)
@_command
def start_playback(call: Call) -> None:
    player = _target(call)
    body = call.json() or {}
    if not isinstance(body, dict):
        raise bad_request("Error parsing JSON.")
    context_uri, uris = body.get("context_uri"), body.get("uris")
    if context_uri is None and uris is None:  # resume
        if player.item is None:
            raise restricted()
        if not player.playing:
            player.resume()
        return
    if context_uri is not None and uris is not None:
        raise bad_request("Only one of context_uri and uris may be given")
    items = _context_items(call, context_uri) if context_uri is not None else call.playables(uris)
    if not items:
        raise bad_request("uris must not be empty")
    position_ms = body.get("position_ms", 0)
    if not isinstance(position_ms, int) or isinstance(position_ms, bool) or position_ms < 0:
        raise bad_request("Invalid position_ms")
    index = _offset(body.get("offset"), items)
    player.play(context_uri, [item.uri for item in items], index, position_ms)


@ops.put("/me/player/pause", scopes=MODIFY, status=204)
@_command
def pause_playback(call: Call) -> None:
    player = _target(call)
    if not player.playing:
        raise restricted()  # Spotify refuses to pause what is not playing
    player.pause()


@ops.post("/me/player/next", scopes=MODIFY, status=204)
@_command
def skip_next(call: Call) -> None:
    _loaded(call).skip_next()


@ops.post("/me/player/previous", scopes=MODIFY, status=204)
@_command
def skip_previous(call: Call) -> None:
    _loaded(call).skip_previous()


@ops.put("/me/player/seek", scopes=MODIFY, status=204)
@_command
def seek(call: Call) -> None:
    position_ms = call.integer("position_ms", None, 0, None)
    _loaded(call).seek(position_ms)


@ops.put("/me/player/repeat", scopes=MODIFY, status=204)
@_command
def set_repeat(call: Call) -> None:
    state = call.required("state")
    if state not in REPEAT_STATES:
        raise bad_request("State must be one of track, context or off")
    _target(call).repeat = state


@ops.put("/me/player/volume", scopes=MODIFY, status=204)
@_command
def set_volume(call: Call) -> None:
    volume = call.integer("volume_percent", None, 0, 100)
    player = _target(call)
    device = player.active
    if device is None or not device.supports_volume:
        raise player_error(403, "Cannot control device volume", "VOLUME_CONTROL_DISALLOW")
    device.volume_percent = volume


@ops.put("/me/player/shuffle", scopes=MODIFY, status=204)
@_command
def set_shuffle(call: Call) -> None:
    state = call.required("state")
    if state not in ("true", "false"):
        raise bad_request("State must be true or false")
    _target(call).set_shuffle(state == "true")


@ops.get("/me/player/queue", scopes="user-read-currently-playing user-read-playback-state")
def get_queue(call: Call) -> Any:
    player = _player(call)
    catalog = call.rt.catalog
    upcoming = [catalog.playable(uri) for uri in player.upcoming()]
    body: dict[str, Any] = {"queue": [item.full for item in upcoming if item is not None]}
    if player.item is not None:
        body["currently_playing"] = player.item.full
    return body


@ops.post("/me/player/queue", scopes=MODIFY, status=204)
@_command
def add_to_queue(call: Call) -> None:
    player = _target(call)  # Premium and a device first, as for every player command
    (item,) = call.playables([call.required("uri")])
    player.add_to_queue(item.uri)


def _played_at(ms: int) -> str:
    return datetime.fromtimestamp(ms / 1000, UTC).isoformat(timespec="milliseconds")[:-6] + "Z"


@ops.get("/me/player/recently-played", scopes="user-read-recently-played")
def get_recently_played(call: Call) -> Any:
    limit = call.limit()
    before = call.integer("before", 0, 0, None)
    after = call.integer("after", 0, 0, None)
    if before and after:
        raise bad_request("Only one of after or before may be given")
    history = list(reversed(_player(call).history))  # newest first
    if after:
        newer = [entry for entry in history if entry[0] > after]
        window = newer[-limit:]  # the ones right after the cursor
    else:
        window = [entry for entry in history if not before or entry[0] < before][:limit]
    items = []
    for played_at, track, context_uri in window:
        entry: dict[str, Any] = {"played_at": _played_at(played_at), "track": track.full}
        context = _context(call, context_uri)
        if context is not None:
            entry["context"] = context
        items.append(entry)
    body: dict[str, Any] = {"cursors": {}, "href": call.full_url, "items": items, "limit": limit}
    if window:
        body["cursors"] = {"after": str(window[0][0]), "before": str(window[-1][0])}
        # `next` pages the way the caller does: with `after` forward in time, else back.
        edge, cursor = (0, "after") if after else (-1, "before")
        if window[edge] is not history[edge]:  # plays remain that way
            body["next"] = with_query(call.url, [(cursor, window[edge][0]), ("limit", limit)])
    return body
