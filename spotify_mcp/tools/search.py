"""The ``search`` plugin: the Spotify catalog. Search, look items up, list their contents.

Tool names start with the plugin's name (``search``, ``search_get_items``,
``search_list_contents``) so tools/list reads grouped by plugin. One lookup tool takes
references of every kind at once: a reference names its kind, and one tool keeps tools/list
short. Spotify removed the batch lookups for development-mode apps, so lookups fan out.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Annotated, Any, Literal

from pydantic import BaseModel, Field, StringConstraints

from spotify_mcp import hookimpl
from spotify_mcp.errors import InvalidInput
from spotify_mcp.fanout import fan_out
from spotify_mcp.lookup import CONTENTS, catalog_item, contents
from spotify_mcp.models import (
    Album,
    AnyItem,
    Artist,
    Item,
    ItemPage,
    Payload,
    Track,
    any_item,
    unresumed,
)
from spotify_mcp.progress import Progress
from spotify_mcp.refs import CATALOG_KINDS, ITS_TRACKS, Ref, parse_ref, ref_type, typed_id

if TYPE_CHECKING:
    from spotify_mcp.app import App
    from spotify_mcp.registry import ResourceRegistry, ToolRegistry
    from spotify_mcp.session import Spotify

MAX_OFFSET = 1000  # the last offset /search answers

AlbumGroup = Literal["album", "single", "compilation", "appears_on"]
SearchType = Literal["track", "album", "artist", "playlist", "show", "episode", "audiobook"]
CatalogRef = ref_type(
    *CATALOG_KINDS, elsewhere={"playlist": "playlists_get (with a user's login) gives its details"}
)
ParentRef = ref_type(*CONTENTS, elsewhere={"playlist": ITS_TRACKS["playlist"]})


class SearchResults(BaseModel):
    pages: dict[str, ItemPage]  # by type


class ItemError(BaseModel):
    uri: str
    error: str


class Lookup(BaseModel):
    items: list[AnyItem | ItemError]


def search(
    spotify: Spotify,
    query: Annotated[
        str,
        StringConstraints(strip_whitespace=True),
        Field(
            min_length=1,
            max_length=500,
            description="Words; filters: artist:, album:, track:, year:1990-1999, genre: "
            '(artists, tracks), tag:new, tag:hipster (albums); quote spaces: artist:"Nina Simone"',
        ),
    ],
    types: Annotated[tuple[SearchType, ...], Field(min_length=1)] = ("track",),
    limit: Annotated[int, Field(ge=1, le=10, description="Results per type")] = 5,
    offset: Annotated[int, Field(ge=0, le=MAX_OFFSET)] = 0,
    market: Annotated[
        str | None, Field(pattern="^[A-Za-z]{2}$", description="Country code, e.g. DE")
    ] = None,
    *,
    app: App,
) -> SearchResults:
    """Search the catalog by words and filters. At most 10 results per type a page."""
    kinds = list(dict.fromkeys(types))
    market = market.upper() if market else _market(app)
    payload = spotify.search(query, limit=limit, offset=offset, type=",".join(kinds), market=market)
    pages = {kind: ItemPage.of(payload[f"{kind}s"], _found) for kind in kinds}
    for page in pages.values():
        if page.next_offset is not None and page.next_offset > MAX_OFFSET:
            page.next_offset = None  # Spotify pages search results no further
    return SearchResults(pages=pages)


def _found(payload: Payload) -> Item:
    """A search result, without resume points: search replies are cached a day (lookups and
    lists show them)."""
    return any_item(unresumed(payload))


def search_get_items(
    spotify: Spotify,
    refs: Annotated[list[CatalogRef], Field(min_length=1, max_length=50)],
    *,
    app: App,
) -> Lookup:
    """Details of up to 50 items of any kinds, in order, fetched concurrently. A missing item
    is reported in its place."""
    market = _market(app)
    progress = Progress(len(refs), "items")
    return Lookup(items=fan_out(lambda ref: _lookup(spotify, ref, market), refs, progress))


def search_list_contents(
    spotify: Spotify,
    ref: ParentRef,
    limit: Annotated[int, Field(ge=1, le=50)] = 20,
    offset: Annotated[int, Field(ge=0)] = 0,
    groups: Annotated[
        list[AlbumGroup] | None,
        Field(
            min_length=1,
            description="Artist only: which albums (default: all, appears_on: others' albums)",
        ),
    ] = None,
    *,
    app: App,
) -> ItemPage:
    """Tracks of an album, albums of an artist, episodes of a show or chapters of an
    audiobook."""
    if groups and ref.kind != "artist":
        raise InvalidInput(f"groups filters an artist's albums: leave it out for {ref}")
    include_groups = ",".join(dict.fromkeys(groups)) if groups else None
    return contents(
        spotify,
        ref,
        any_item,
        ItemPage,
        offset=offset,
        limit=limit,
        market=_market(app),
        include_groups=include_groups,
    )


def _market(app: App) -> str | None:
    """The ``market`` setting: where catalog reads ask availability for (an app-only login
    has no country of its own, and Spotify hides shows and episodes from it without one)."""
    return app.config.settings.market


def _fetch(spotify: Spotify, ref: Ref, market: str | None) -> Any:
    return spotify._get(f"{ref.kind}s/{ref.id}", market=market)


def _lookup(spotify: Spotify, ref: Ref, market: str | None) -> Item | ItemError:
    """The item, or why it is missing."""
    payload = catalog_item(spotify, ref, market)
    if payload is None:
        return ItemError(uri=ref.uri, error=f"Not found: Spotify has no {ref.kind} with this ID.")
    return any_item(payload)


# -- resources ----------------------------------------------------------------------------


def album(spotify: Spotify, id: str, app: App) -> Album:
    """An album: name, artists, type, release date, number of tracks, cover."""
    return Album.of(_fetch(spotify, parse_ref(id, "album"), _market(app)))


def artist(spotify: Spotify, id: str, app: App) -> Artist:
    """An artist: name, genres, image."""
    return Artist.of(_fetch(spotify, parse_ref(id, "artist"), _market(app)))


def track(spotify: Spotify, id: str, app: App) -> Track:
    """A track: name, artists, album, duration."""
    return Track.of(_fetch(spotify, parse_ref(id, "track"), _market(app)))


def _id_completer(kind: str) -> Callable[[Spotify, str], list[str]]:
    """Completes a ``kind``'s ID: a URI or URL typed in full gives its ID; other text, the
    IDs of the first 10 ``kind``s a search for it finds (cached like any search)."""

    def complete(spotify: Spotify, partial: str) -> list[str]:
        text = typed_id(partial, kind)
        if not text:
            return []
        try:
            return [parse_ref(text, kind).id]
        except InvalidInput:  # a name, or a reference still being typed
            pass
        if text != partial.strip() or text.startswith("spotify:") or "spotify.com" in text:
            return []  # a URI or URL, not whole yet: no name to search for
        found = spotify.search(text, limit=10, type=kind)[f"{kind}s"]["items"] or []
        return [item["id"] for item in found if item]

    return complete


# -- hooks --------------------------------------------------------------------------------


@hookimpl
def register_tools(registry: ToolRegistry) -> None:
    registry.add(
        search,
        title="Search the catalog",
        read_only=True,
        requires_user=False,
        endpoints=["GET /search"],
    )
    registry.add(
        search_get_items,
        title="Look up items",
        read_only=True,
        requires_user=False,
        endpoints=[f"GET /{kind}s/{{id}}" for kind in CATALOG_KINDS],
    )
    registry.add(
        search_list_contents,
        title="List contents",
        read_only=True,
        requires_user=False,
        endpoints=[f"GET /{kind}s/{{id}}/{holds}" for kind, (holds, _) in CONTENTS.items()],
    )


@hookimpl
def register_resources(registry: ResourceRegistry) -> None:
    for reader in (album, artist, track):
        registry.add(
            reader,
            uri=f"spotify://{reader.__name__}/{{id}}",
            title=reader.__name__.title(),
            requires_user=False,
            complete={"id": _id_completer(reader.__name__)},
        )


@hookimpl
def oauth_scopes() -> list[str]:
    # Shows, episodes and chapters carry the user's resume point with this scope.
    return ["user-read-playback-position"]
