"""Looking up catalog items one by one: Spotify removed its batch lookups, so each is a
request (the cache keeps catalog reads a day).

Tools use it to show items, and to say which of the catalog items a change named Spotify has
none for: Spotify refuses the whole request without saying which.
"""

from __future__ import annotations

from collections.abc import Callable
from contextlib import AbstractContextManager
from typing import TYPE_CHECKING, Any, TypeVar

from loguru import logger

from spotify_mcp.errors import WHICH_ARE_MISSING, InvalidInput, answered, listed, names_no_item
from spotify_mcp.fanout import fan_out, read_pages
from spotify_mcp.models import Page, Payload
from spotify_mcp.refs import parse_ref

if TYPE_CHECKING:
    from spotify_mcp.refs import Ref
    from spotify_mcp.session import Spotify

T = TypeVar("T")
P = TypeVar("P", bound=Page[Any])

#: Parent kind -> what it holds (its API path's word), and the largest page Spotify serves.
CONTENTS = {
    "album": ("tracks", 50),
    "artist": ("albums", 10),
    "show": ("episodes", 50),
    "audiobook": ("chapters", 50),
}


def catalog_item(spotify: Spotify, ref: Ref, market: str | None = None) -> Payload | None:
    """The catalog item ``ref`` names, or None where Spotify has none. Spotify gives audiobook
    chapters episode URIs, so an episode that is not found is tried as a chapter."""
    from spotipy.exceptions import SpotifyException

    for kind in ("episode", "chapter") if ref.kind == "episode" else (ref.kind,):
        try:
            return dict(spotify._get(f"{kind}s/{ref.id}", market=market))
        except SpotifyException as error:
            if error.http_status != 404:
                raise
    return None


def contents(
    spotify: Spotify,
    parent: Ref,
    convert: Callable[[Payload], Any],
    into: type[P],
    *,
    limit: int,
    offset: int = 0,
    **params: Any,
) -> P:
    """Up to ``limit`` of what ``parent`` holds from ``offset`` (an album's tracks, an
    artist's albums, a show's episodes, an audiobook's chapters), as an ``into`` page, the
    pages read concurrently; ``params`` go with each request (``market``)."""
    holds, page_size = CONTENTS[parent.kind]

    def fetch(start: int, count: int) -> Payload:
        path = f"{parent.kind}s/{parent.id}/{holds}"
        return dict(spotify._get(path, limit=count, offset=start, **params))

    return read_pages(fetch, convert, into, offset=offset, limit=limit, page_size=page_size)


def naming_missing(spotify: Spotify, uris: list[str], status: int) -> AbstractContextManager[None]:
    """Spotify's refusal (``status``) of a request naming catalog items (``uris``) it has no
    item for, raised as which: each looked up, concurrently. Where they cannot be told, it
    says how to find out."""
    return answered(
        status,
        lambda _: InvalidInput(f"Not found: {_which_are_missing(spotify, uris)}"),
        # A 404 of /me/library is about its items; a 400 of a playlist's says so.
        when=lambda message: status == 404 or names_no_item(message),
    )


def _which_are_missing(spotify: Spotify, uris: list[str]) -> str:
    refs = [parse_ref(uri) for uri in uris]
    try:
        found = fan_out(lambda ref: catalog_item(spotify, ref), refs)
    except Exception as error:
        logger.info("which items are missing is unknown: {}", error)
        return f"an item given does not exist. {WHICH_ARE_MISSING}"
    missing = [ref.uri for ref, item in zip(refs, found, strict=True) if item is None]
    # A chapter has an episode URI: models pass it where episodes go, and chapters do not.
    chapters = [
        f"{ref.uri} is a chapter of {(item.get('audiobook') or {}).get('uri', 'an audiobook')}"
        for ref, item in zip(refs, found, strict=True)
        if item and "chapter_number" in item
    ]
    said = [f"{listed(chapters, '; ')}, which Spotify does not take here."] if chapters else []
    if missing:
        said.append(
            f"Spotify has no item for {listed(missing)}. Leave them out; search finds the "
            "right ones."
        )
    # else the lookups tell no missing item apart
    return " ".join(said) or f"an item given does not exist. {WHICH_ARE_MISSING}"
