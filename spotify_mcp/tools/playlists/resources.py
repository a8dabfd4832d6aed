"""The playlists resources: the user's playlists, a playlist, and completion of its ID."""

from __future__ import annotations

from typing import TYPE_CHECKING

from spotify_mcp.models import ItemPage
from spotify_mcp.names import has_words
from spotify_mcp.refs import parse_ref, typed_id
from spotify_mcp.tools.playlists.arguments import PAGE
from spotify_mcp.tools.playlists.reading import (
    NAME_SCAN,
    playlists_from,
    playlists_get,
    playlists_get_items,
    playlists_list,
)
from spotify_mcp.tools.playlists.refusals import NotMine
from spotify_mcp.tools.playlists.results import PlaylistView

if TYPE_CHECKING:
    from spotify_mcp.session import Spotify


def my_playlists(spotify: Spotify) -> ItemPage:
    """The user's playlists (the first 50)."""
    return playlists_list(spotify, limit=PAGE)


def playlist_view(id: str, spotify: Spotify) -> PlaylistView:
    """A playlist's details and, for the user's own and collaborative ones, its first 50
    items (Spotify shows no one else's)."""
    ref = parse_ref(id, "playlist")
    details = playlists_get(spotify, ref)
    try:
        items: ItemPage | None = playlists_get_items(spotify, ref)
    except NotMine:
        items = None
    return PlaylistView(playlist=details, items=items)


def complete_playlist_id(spotify: Spotify, partial: str) -> list[str]:
    """IDs of the user's playlists (the newest 1,000: 20 requests, sent at once) whose ID
    starts with, or name has the words of, ``partial``; a URI or URL typed so far counts by
    its ID."""
    text = typed_id(partial, "playlist")
    mine = playlists_from(spotify, 0, NAME_SCAN)
    ids_and_names = ((p["id"], p.get("name") or "") for p in mine.items)
    return [
        ident for ident, name in ids_and_names if ident.startswith(text) or has_words(name, text)
    ]
