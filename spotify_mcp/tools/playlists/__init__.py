"""The ``playlists`` plugin: the user's playlists, their items, and changes to both.

Spotify takes at most 100 items a request, so long lists are sent in chunks, in order, each
exactly once (never retried here: the retry middleware knows what is safe to repeat). When
a chunk fails, the error says how many items were already changed, so nothing is added twice.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from spotify_mcp import hookimpl
from spotify_mcp.tools.playlists.changing import (
    playlists_add_items,
    playlists_create,
    playlists_remove_duplicates,
    playlists_remove_items,
    playlists_reorder_items,
    playlists_replace_items,
    playlists_update,
    playlists_upload_cover,
)
from spotify_mcp.tools.playlists.reading import (
    playlists_get,
    playlists_get_cover,
    playlists_get_items,
    playlists_list,
)
from spotify_mcp.tools.playlists.refusals import pointing_to_mine
from spotify_mcp.tools.playlists.resources import complete_playlist_id, my_playlists, playlist_view

if TYPE_CHECKING:
    from spotify_mcp.registry import ResourceRegistry, ToolRegistry


@hookimpl
def register_tools(registry: ToolRegistry) -> None:
    read: list[tuple[Callable[..., Any], str, list[str]]] = [
        # GET /me: which playlists are the user's (mine)
        (playlists_list, "My playlists", ["GET /me/playlists", "GET /me"]),
        (playlists_get, "Playlist details", ["GET /playlists/{playlist_id}", "GET /me"]),
        (playlists_get_items, "Playlist items", ["GET /playlists/{playlist_id}/items"]),
        (playlists_get_cover, "Playlist cover", ["GET /playlists/{playlist_id}/images"]),
    ]
    for fn, title, endpoints in read:
        registry.add(pointing_to_mine(fn), title=title, read_only=True, endpoints=endpoints)
    # (fn, title, destructive, idempotent, endpoints)
    write: list[tuple[Callable[..., Any], str, bool, bool, list[str]]] = [
        (
            playlists_create,
            "Create a playlist",
            False,
            False,
            # GET: the items of albums and playlists given among the items
            [
                "POST /me/playlists",
                "POST /playlists/{playlist_id}/items",
                "GET /albums/{id}/tracks",
                "GET /playlists/{playlist_id}/items",
            ],
        ),
        (
            playlists_update,
            "Change playlist details",
            False,
            True,
            ["PUT /playlists/{playlist_id}"],
        ),
        (
            playlists_add_items,
            "Add items to a playlist",
            False,
            False,
            [
                "POST /playlists/{playlist_id}/items",
                "GET /playlists/{playlist_id}/items",
                "GET /albums/{id}/tracks",
            ],
        ),
        (
            playlists_remove_items,
            "Remove items from a playlist",
            True,
            False,
            [
                "DELETE /playlists/{playlist_id}/items",
                "GET /playlists/{playlist_id}/items",
                "GET /albums/{id}/tracks",
            ],
        ),
        (
            playlists_remove_duplicates,
            "Remove repeated items from a playlist",
            True,
            True,
            ["GET /playlists/{playlist_id}/items", "DELETE /playlists/{playlist_id}/items"],
        ),
        (
            playlists_reorder_items,
            "Move items in a playlist",
            False,
            False,
            ["PUT /playlists/{playlist_id}/items"],
        ),
        (
            playlists_replace_items,
            "Replace a playlist's items",
            True,
            True,
            [
                "PUT /playlists/{playlist_id}/items",
                "POST /playlists/{playlist_id}/items",
                "GET /albums/{id}/tracks",
                "GET /playlists/{playlist_id}/items",
            ],
        ),
        (
            playlists_upload_cover,
            "Upload a playlist cover",
            True,
            True,
            ["PUT /playlists/{playlist_id}/images"],
        ),
    ]
    for fn, title, destructive, idempotent, endpoints in write:
        registry.add(
            pointing_to_mine(fn),
            title=title,
            read_only=False,
            destructive=destructive,
            idempotent=idempotent,
            endpoints=endpoints,
        )


@hookimpl
def register_resources(registry: ResourceRegistry) -> None:
    registry.add(my_playlists, uri="spotify://playlists", title="My playlists", name="playlists")
    registry.add(
        playlist_view,
        uri="spotify://playlist/{id}",
        title="Playlist",
        name="playlist",
        complete={"id": complete_playlist_id},
    )


@hookimpl
def oauth_scopes() -> list[str]:
    return [
        "playlist-read-private",
        "playlist-read-collaborative",
        "playlist-modify-private",
        "playlist-modify-public",
        "ugc-image-upload",
    ]
