"""The ``playback`` plugin: what is playing, devices, player commands, the queue, history.

Player commands need Spotify Premium and an active device; Spotify answers them
asynchronously, so they return what was asked and ``playback_state`` shows the outcome.
Settings that are independent PUTs (repeat, shuffle, volume, position) share one tool,
``playback_set``: one call for "shuffle on, volume 30", and one entry fewer in tools/list.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from spotify_mcp import hookimpl
from spotify_mcp.tools.playback.commands import (
    playback_pause,
    playback_queue_add,
    playback_set,
    playback_skip,
    playback_transfer,
)
from spotify_mcp.tools.playback.devices import naming_devices, playback_devices
from spotify_mcp.tools.playback.starting import playback_start
from spotify_mcp.tools.playback.state import (
    current_playback,
    playback_queue,
    playback_recently_played,
    playback_state,
)

if TYPE_CHECKING:
    from spotify_mcp.registry import ResourceRegistry, ToolRegistry

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
            naming_devices(fn),
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
