"""Reading playlists: the user's, one's details, its items, its cover."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Annotated, Any

from pydantic import Field

from spotify_mcp.errors import InvalidInput
from spotify_mcp.fanout import read_pages
from spotify_mcp.models import (
    MAX_ITEMS_PER_CALL,
    PLAYLIST_MAX_ITEMS,
    BriefItems,
    Item,
    ItemPage,
    Page,
    Payload,
    Playlist,
    any_item,
)
from spotify_mcp.names import squash, words_in
from spotify_mcp.pipeline import fresh
from spotify_mcp.tools.playlists.arguments import ITEM_TYPES, PAGE, Name, PlaylistRef
from spotify_mcp.tools.playlists.refusals import items_hidden
from spotify_mcp.tools.playlists.results import Cover, entry_item

if TYPE_CHECKING:
    from spotify_mcp.refs import Ref
    from spotify_mcp.session import Spotify

NAME_SCAN = 1_000  # the user's playlists a look-up by name goes through (20 requests at most)


def playlists_list(
    spotify: Spotify,
    limit: Annotated[int, Field(ge=1, le=50)] = 20,
    offset: Annotated[int, Field(ge=0, le=100_000)] = 0,
    name: Annotated[
        Name | None,
        Field(
            description=f"A word or two of the name: those with each (else with the most; "
            f"case, accents and punctuation aside), among {NAME_SCAN:,} from offset"
        ),
    ] = None,
) -> ItemPage:
    """The user's playlists, owned (mine) and followed. Find theirs by name here (search
    finds only public playlists)."""
    me = _my_id(spotify)
    if name is None:
        page = spotify.current_user_playlists(limit=limit, offset=offset)
        return ItemPage.of(page, lambda payload: Playlist.of(payload, me))
    if not squash(name):
        raise InvalidInput(f"name {name!r} has no letters, digits or emoji to look for")
    looked = playlists_from(spotify, offset, NAME_SCAN)
    words = name.split()

    def score(payload: Payload) -> int:
        return words_in(payload.get("name") or "", words)

    # None has every word ("my jazz playlist"): those with the most, so that a word too many
    # does not hide the playlist meant.
    best = max(map(score, looked.items), default=0)
    found = looked.matching(lambda payload: score(payload) == best > 0, limit)
    return ItemPage(
        items=[Playlist.of(payload, me) for payload in found.items],
        total=found.total,
        offset=found.offset,
        next_offset=found.next_offset,
    )


def playlists_from(spotify: Spotify, offset: int, limit: int) -> Page[dict]:
    """Up to ``limit`` of the user's playlists from ``offset``, raw and in order (the pages
    read concurrently)."""

    def fetch(start: int, count: int) -> Any:
        return spotify.current_user_playlists(limit=count, offset=start)

    return read_pages(fetch, dict, Page[dict], offset=offset, limit=limit, page_size=PAGE)


def playlists_get(spotify: Spotify, playlist: PlaylistRef) -> Playlist:
    """A playlist's details: name, owner (mine: the user's), description, visibility, item
    count, snapshot_id. Items: playlists_get_items."""
    payload = spotify.playlist(playlist.id, additional_types=ITEM_TYPES)
    return Playlist.of(payload, _my_id(spotify))


def _my_id(spotify: Spotify) -> str:
    """The user's ID, to tell their own playlists (the cache keeps the profile an hour)."""
    return str(spotify._get("me")["id"])


def playlists_get_items(
    spotify: Spotify,
    playlist: PlaylistRef,
    offset: Annotated[int, Field(ge=0)] = 0,
    limit: Annotated[int, Field(ge=1, le=PAGE)] = PAGE,
    all: Annotated[
        bool, Field(description=f"Every page from offset, up to {MAX_ITEMS_PER_CALL}")
    ] = False,
    brief: BriefItems = False,
) -> ItemPage:
    """A playlist's tracks and episodes, each with its position (what changes by position
    take) and added_at. next_offset continues."""

    def fetch(start: int, count: int) -> Mapping[str, Any]:
        return spotify.playlist_items(
            playlist.id, limit=count, offset=start, additional_types=ITEM_TYPES
        )

    # Entries are never null (their item may be): raw positions follow the page's order.
    with items_hidden(playlist, "; playlists_get still gives its details."):
        raw = read_pages(
            fetch,
            dict,
            Page[dict],
            offset=offset,
            limit=MAX_ITEMS_PER_CALL if all else limit,
            page_size=PAGE,
        )
    entries = [entry_item(raw.offset + n, entry, brief) for n, entry in enumerate(raw.items)]
    return ItemPage(
        items=[entry for entry in entries if entry],
        total=raw.total,
        offset=raw.offset,
        next_offset=raw.next_offset,
    )


def playlists_get_cover(spotify: Spotify, playlist: PlaylistRef) -> Cover:
    """The cover image URLs of a playlist."""
    images = spotify.playlist_cover_image(playlist.id) or []
    return Cover(urls=[image["url"] for image in images if image.get("url")])


def items_at(spotify: Spotify, playlist: Ref) -> list[Item | None]:
    """The playlist's item at each position (None for one that cannot be added or removed:
    unavailable, or a local file), every page read concurrently and from Spotify itself: a
    change is computed from them."""

    def fetch(start: int, count: int) -> Any:
        with fresh():  # here, not around read_pages: the pages are read in other threads
            return spotify.playlist_items(
                playlist.id, limit=count, offset=start, additional_types=ITEM_TYPES
            )

    raw = read_pages(fetch, dict, Page[dict], offset=0, limit=PLAYLIST_MAX_ITEMS, page_size=PAGE)
    return [_changeable(entry) for entry in raw.items]


def _changeable(entry: Payload) -> Item | None:
    payload = entry.get("item") or entry.get("track") or {}
    uri = payload.get("uri")
    playable = isinstance(uri, str) and uri.startswith(("spotify:track:", "spotify:episode:"))
    return any_item(payload) if playable else None  # the API cannot add or remove local files


def item_count(spotify: Spotify, playlist: Ref) -> int:
    return int(spotify.playlist_items(playlist.id, fields="total", limit=1)["total"])
