"""The ``library`` plugin: the user's saved items, follows, top items and profile.

Saving, removing and checking go through ``/me/library`` for every kind (tracks, albums,
shows, episodes, audiobooks, and follows of artists, users and playlists), as spotipy 2.26
does, so one tool per action covers every kind, 40 references a request.
"""

from __future__ import annotations

from collections.abc import Callable
from contextlib import nullcontext
from typing import TYPE_CHECKING, Annotated, Any, Literal

from pydantic import BaseModel, Field

from spotify_mcp import hookimpl
from spotify_mcp.fanout import fan_out, read_pages, send_in_chunks
from spotify_mcp.lookup import naming_missing
from spotify_mcp.models import (
    MAX_ITEMS_PER_CALL,
    BriefItems,
    Item,
    ItemPage,
    Payload,
    any_item,
    briefly,
    saved_item,
)
from spotify_mcp.progress import Progress
from spotify_mcp.refs import CATALOG_KINDS, Ref, ref_type

if TYPE_CHECKING:
    from spotify_mcp.registry import ResourceRegistry, ToolRegistry
    from spotify_mcp.session import Spotify

SavedKind = Literal["track", "album", "show", "episode", "audiobook", "artist"]
LibraryRef = ref_type(
    "track", "album", "show", "episode", "audiobook", "artist", "user", "playlist"
)
Refs = Annotated[list[LibraryRef], Field(min_length=1, max_length=1000)]

_URIS_PER_REQUEST = 40
_PAGE = 50  # the largest page of saved items, followed artists and top items


class LibraryChange(BaseModel):
    # What was sent: Spotify does not say which were saved (or followed) already.
    count: int
    uris: list[str]


class InLibrary(BaseModel):
    saved: dict[str, bool]  # URI -> saved or followed


class Profile(BaseModel):
    uri: str
    name: str
    country: str | None = None
    product: str | None = None
    followers: int | None = None

    @classmethod
    def of(cls, payload: Payload) -> Profile:
        return cls(
            uri=payload["uri"],
            name=payload.get("display_name") or payload["id"],
            country=payload.get("country"),
            product=payload.get("product"),
            followers=(payload.get("followers") or {}).get("total"),
        )


def library_list_saved(
    spotify: Spotify,
    kind: SavedKind,
    limit: Annotated[int, Field(ge=1, le=MAX_ITEMS_PER_CALL)] = 20,
    offset: Annotated[int, Field(ge=0)] = 0,
    brief: BriefItems = False,
) -> ItemPage:
    """Saved tracks, albums, shows, episodes or audiobooks with added_at, or followed artists
    (kind=artist), newest first."""
    if kind == "artist":
        return _followed_artists(spotify, offset, limit, brief)

    def fetch(start: int, count: int) -> Any:
        return spotify._get(f"me/{kind}s", limit=count, offset=start)

    return read_pages(
        fetch,
        lambda row: saved_item(row, kind, brief),
        ItemPage,
        offset=offset,
        limit=limit,
        page_size=_PAGE,
    )


def _followed_artists(spotify: Spotify, offset: int, limit: int, brief: bool) -> ItemPage:
    """Followed artists page by cursor, which cannot jump: read up to offset + limit."""
    artists: list[Any] = []
    after, total = None, 0
    while len(artists) < offset + limit:
        count = min(_PAGE, offset + limit - len(artists))
        page = spotify._get("me/following", type="artist", limit=count, after=after)["artists"]
        artists += page.get("items") or []
        total = page.get("total") or 0
        after = (page.get("cursors") or {}).get("after")
        if not after or not page.get("next"):
            break
    window = artists[offset : offset + limit]
    end = offset + len(window)
    return ItemPage(
        items=[_item(artist, brief) for artist in window],
        total=total,
        offset=offset,
        next_offset=end if window and end < total else None,
    )


def library_save(spotify: Spotify, refs: Refs) -> LibraryChange:
    """Save items, or follow artists, users or playlists."""
    return _change(spotify, spotify._put, refs, "saved")


def library_remove(spotify: Spotify, refs: Refs) -> LibraryChange:
    """Remove saved items, or unfollow artists, users or playlists (unfollowing an own
    playlist removes it from the user's playlists)."""
    return _change(spotify, spotify._delete, refs, "removed")


def library_contains(spotify: Spotify, refs: Refs) -> InLibrary:
    """Whether each item is saved or followed."""
    uris = _unique(refs)
    chunks = _chunks(uris)
    answers = fan_out(
        lambda chunk: spotify._get("me/library/contains", uris=",".join(chunk)),
        chunks,
        Progress(len(chunks), "requests"),
    )
    return InLibrary(saved=dict(zip(uris, (a for answer in answers for a in answer), strict=True)))


def library_list_top(
    spotify: Spotify,
    kind: Literal["artist", "track"],
    time_range: Literal["short_term", "medium_term", "long_term"] = "medium_term",
    limit: Annotated[int, Field(ge=1, le=50)] = 20,
    offset: Annotated[int, Field(ge=0)] = 0,
    brief: BriefItems = False,
) -> ItemPage:
    """The user's most played artists or tracks: short_term ~4 weeks, medium_term ~6
    months, long_term ~1 year."""
    page = spotify._get(f"me/top/{kind}s", time_range=time_range, limit=limit, offset=offset)
    return ItemPage.of(page, lambda payload: _item(payload, brief))


def library_get_profile(spotify: Spotify) -> Profile:
    """The user's name, country and product (premium or free)."""
    return Profile.of(spotify._get("me"))


# -- helpers ------------------------------------------------------------------------------


def _item(payload: Payload, brief: bool) -> Item:
    item = any_item(payload)
    return briefly(item) if brief else item


def _unique(refs: list[Ref]) -> list[str]:
    return list(dict.fromkeys(ref.uri for ref in refs))


def _chunks(uris: list[str]) -> list[list[str]]:
    return [uris[i : i + _URIS_PER_REQUEST] for i in range(0, len(uris), _URIS_PER_REQUEST)]


def _change(
    spotify: Spotify, send: Callable[..., Any], refs: list[Ref], done: str
) -> LibraryChange:
    """Send the chunks in order; a failure says how many went through before it."""
    uris = _unique(refs)
    # Spotify's 404 names no item; a lookup tells which, but only of catalog items.
    lookable = all(ref.kind in CATALOG_KINDS for ref in refs)

    def send_chunk(_: int, chunk: list[str]) -> Any:
        with naming_missing(spotify, chunk, 404) if lookable else nullcontext():
            return send("me/library", uris=",".join(chunk))

    send_in_chunks(
        uris,
        _URIS_PER_REQUEST,
        send_chunk,
        lambda sent: f"The first {sent} of {len(uris)} items were {done}",
    )
    return LibraryChange(count=len(uris), uris=uris)


# -- hooks --------------------------------------------------------------------------------


@hookimpl
def register_tools(registry: ToolRegistry) -> None:
    registry.add(
        library_list_saved,
        title="List saved items or followed artists",
        read_only=True,
        endpoints=[
            "GET /me/tracks",
            "GET /me/albums",
            "GET /me/shows",
            "GET /me/episodes",
            "GET /me/audiobooks",
            "GET /me/following",
        ],
    )
    registry.add(
        library_save,
        title="Save or follow",
        read_only=False,
        destructive=False,
        idempotent=True,
        endpoints=["PUT /me/library"],
    )
    registry.add(
        library_remove,
        title="Remove or unfollow",
        read_only=False,
        destructive=True,
        idempotent=True,
        endpoints=["DELETE /me/library"],
    )
    registry.add(
        library_contains,
        title="Check saved or followed",
        read_only=True,
        endpoints=["GET /me/library/contains"],
    )
    registry.add(
        library_list_top,
        title="Top artists or tracks",
        read_only=True,
        endpoints=["GET /me/top/artists", "GET /me/top/tracks"],
    )
    registry.add(library_get_profile, title="My profile", read_only=True, endpoints=["GET /me"])


@hookimpl
def register_resources(registry: ResourceRegistry) -> None:
    registry.add(library_get_profile, uri="spotify://me", name="me", title="My profile")


@hookimpl
def oauth_scopes() -> list[str]:
    return [
        "user-library-read",
        "user-library-modify",
        "user-follow-read",
        "user-follow-modify",
        "user-top-read",
        "user-read-private",  # country and product in the profile
        "user-read-playback-position",  # saved episodes
        "playlist-read-private",  # library_contains on playlists
        "playlist-modify-public",  # following playlists
    ]
