"""The ``library`` plugin: the user's saved items, follows, top items and profile.

Saving, removing and checking go through ``/me/library`` for every kind (tracks, albums,
shows, episodes, audiobooks, and follows of artists, users and playlists), as spotipy 2.26
does, so one tool per action covers every kind, 40 references a request.
"""

from __future__ import annotations

from collections.abc import Callable
from contextlib import nullcontext
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Annotated, Any, Literal

from pydantic import BaseModel, Field

from spotify_mcp import hookimpl
from spotify_mcp.errors import InvalidInput, clipped
from spotify_mcp.fanout import fan_out, read_pages, send_in_chunks
from spotify_mcp.lookup import naming_missing
from spotify_mcp.models import (
    MAX_ITEMS_PER_CALL,
    AnyItem,
    BriefItems,
    Item,
    ItemPage,
    Page,
    Payload,
    any_item,
    briefly,
    saved_item,
)
from spotify_mcp.names import has_words, squash
from spotify_mcp.pipeline import fresh
from spotify_mcp.progress import Progress
from spotify_mcp.refs import CATALOG_KINDS, Ref, WrongKind, is_link, parse_ref, ref_type

if TYPE_CHECKING:
    from spotify_mcp.registry import ResourceRegistry, ToolRegistry
    from spotify_mcp.session import Spotify

SavedKind = Literal["track", "album", "show", "episode", "audiobook", "artist"]
Kept = Literal["track", "album", "show", "episode", "audiobook"]  # saved, with added_at
LibraryRef = ref_type(
    "track", "album", "show", "episode", "audiobook", "artist", "user", "playlist"
)
Refs = Annotated[list[LibraryRef], Field(min_length=1, max_length=1000)]

_URIS_PER_REQUEST = 40
_PAGE = 50  # the largest page of saved items, followed artists and top items
SCAN = 2_000  # saved items a filtered listing looks through (40 requests, read concurrently)
#: Saved items a removal by filter looks through, from the newest: most users' whole library.
REMOVAL_SCAN = 10_000
BY_WHOM = "by this artist (name or URI), show, publisher or author"
NAMED = 20  # matches a removal by filter names
#: Nothing was saved before: an earlier added_before is a misread date.
SPOTIFY_BEGAN = datetime(2006, 4, 1, tzinfo=UTC)
#: What kind of reference ``by`` takes for saved items of each kind; the others have words only.
_BY_REF = {"track": "artist", "album": "artist", "episode": "show"}


#: The most references a change's result lists back: past them, a model that sent hundreds
#: would read them all again (24 KB for 616).
SHOWN_BACK = 50


class LibraryChange(BaseModel):
    # What was sent: Spotify does not say which were saved (or followed) already.
    count: int
    uris: list[str] | None = None  # as URIs, up to SHOWN_BACK


# Not a docstring: it would be sent in tools/list.
class SavedPage(ItemPage):
    scanned: int | None = None  # filtered: the saved items looked through from offset
    closest: list[str] | None = None  # by matched none: the names seen nearest to it


class SavedRemoval(BaseModel):
    removed: int | None = None  # not with dry_run
    matched: int
    scanned: int  # saved items looked through, from the newest
    unread: int | None = None  # the older ones past REMOVAL_SCAN, not looked through
    first: list[AnyItem]  # the first matches, named
    closest: list[str] | None = None  # as SavedPage's


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
    by: Annotated[
        str | None,
        Field(description=f"Only items {BY_WHOM}; filters look through {SCAN:,} from offset"),
    ] = None,
    added_before: datetime | None = None,
) -> SavedPage:
    """Saved tracks, albums, shows, episodes or audiobooks with added_at, or followed artists
    (kind=artist), newest first."""
    if by is None and added_before is None:
        if kind == "artist":
            return _followed_artists(spotify, offset, limit, brief)
        page = _rows(spotify, kind, offset, limit)
        return SavedPage(
            items=[saved_item(row, kind, brief) for row in page.items],
            total=page.total,
            offset=offset,
            next_offset=page.next_offset,
        )
    if kind == "artist":
        raise InvalidInput(
            "by and added_before filter saved items, not followed artists (kind=artist): "
            "list those (brief=true for names only), or check one with library_contains"
        )
    keep = _filter(kind, by, added_before)  # a bad filter is refused before any request
    looked = _rows(spotify, kind, offset, SCAN)
    # Rows are never null: the n-th row read is at offset + n.
    found = looked.matching(keep, limit)
    return SavedPage(
        items=[saved_item(row, kind, brief) for row in found.items],
        total=found.total,
        offset=offset,
        next_offset=found.next_offset,
        scanned=max(looked.read_to - offset, 0),
        closest=_closest(by, kind, looked.items),
    )


def _closest(by: str | None, kind: str, rows: list[Payload]) -> list[str] | None:
    """Where ``by`` matches none of ``rows`` (not only none saved before added_before), the
    names in them nearest to it: a name misspelt ("Theo Vanse") would read as "the user
    saved nothing by them"."""
    if not by or any(map(_filter(kind, by, None), rows)):
        return None
    import difflib  # rarely needed: not at startup

    names = _names_whose(kind, rows)
    near = difflib.get_close_matches(squash(by), list(names), n=3, cutoff=0.6)
    return [names[squashed] for squashed in near] or None


def library_remove_saved(
    spotify: Spotify,
    kind: Kept,
    by: Annotated[str | None, Field(description=f"Those {BY_WHOM}")] = None,
    added_before: datetime | None = None,
    dry_run: Annotated[bool, Field(description="Only find them")] = False,
) -> SavedRemoval:
    """Remove the saved items of a kind that library_list_saved's by and added_before find
    (either or both), looking through all of them (up to 10,000)."""
    if by is None and added_before is None:
        raise InvalidInput(
            "pass by, added_before or both: they pick the saved items to remove "
            "(library_remove removes the items it is given)"
        )
    keep = _filter(kind, by, added_before)
    # From Spotify, not the cache: an item saved again elsewhere has a new added_at.
    looked = _rows(spotify, kind, 0, REMOVAL_SCAN, fresh_reads=True)
    rows = [row for row in looked.items if keep(row)]
    found = [saved_item(row, kind, brief=True) for row in _one_named(kind, by, rows)]
    removed = None
    if not dry_run:
        refs = [parse_ref(item.uri) for item in found]
        removed = _change(spotify, spotify._delete, refs, "removed").count if refs else 0
    return SavedRemoval(
        removed=removed,
        matched=len(found),
        scanned=looked.read_to,
        unread=looked.total - looked.read_to or None,
        first=found[:NAMED],
        closest=_closest(by, kind, looked.items),
    )


def _one_named(kind: str, by: str | None, rows: list[Payload]) -> list[Payload]:
    """Of ``rows``, which ``by`` matches, those of the one it names, for a removal: words
    that fit several names ("nia": Nia Sørensen and Nia Quinn; "ann": Joanna Newsom) mean
    the one whose whole name they are, else are refused (someone else's items would go)."""
    if by is None:
        return rows
    names = _names_whose(kind, rows, _by(kind, by))
    if len(names) < 2:  # one name, or an artist's or show's reference
        return rows
    whole = squash(by)
    if whole not in names:
        raise InvalidInput(
            f"by {clipped(by)!r} fits several names: {', '.join(list(names.values())[:5])}; "
            f"a removal takes one's items: pass the whole name"
            f"{', or the URI' if kind in _BY_REF else ''} of the one meant"
        )
    return [
        row for row in rows if any(squash(w.get("name") or "") == whole for w in _whose(kind, row))
    ]


def _rows(
    spotify: Spotify, kind: str, offset: int, limit: int, fresh_reads: bool = False
) -> Page[dict]:
    """Up to ``limit`` saved items of ``kind`` from ``offset``, raw and in order (the pages
    read concurrently), from Spotify itself with ``fresh_reads``."""

    def fetch(start: int, count: int) -> Any:
        with fresh() if fresh_reads else nullcontext():  # here: pages come in other threads
            return spotify._get(f"me/{kind}s", limit=count, offset=start)

    return read_pages(fetch, dict, Page[dict], offset=offset, limit=limit, page_size=_PAGE)


def _filter(kind: str, by: str | None, before: datetime | None) -> Callable[[Payload], bool]:
    """Whether a saved row is by ``by`` and was saved before ``before`` (either may be None;
    a time without a zone is UTC, as Spotify's added_at). Checked before any request: a bad
    ``by`` or ``added_before`` is refused."""
    is_by = _by(kind, by) if by is not None else None
    cut = before.replace(tzinfo=before.tzinfo or UTC) if before else None
    if cut is not None and cut < SPOTIFY_BEGAN:
        # pydantic reads "2025" as 2025 seconds after 1970: "before 2025" would find none.
        raise InvalidInput(
            f"added_before {cut.isoformat()} is before Spotify existed (a number is "
            "read as seconds since 1970): pass a date, such as 2025-01-01"
        )

    def keep(row: Payload) -> bool:
        if cut is not None:
            at = _saved_at(row)
            # Saved when, Spotify does not say: not known to be before (a removal took it).
            if at is None or at >= cut:
                return False
        return is_by is None or any(is_by(whose) for whose in _whose(kind, row))

    return keep


def _saved_at(row: Payload) -> datetime | None:
    """When the row's item was saved, if Spotify says (saved audiobooks may come without)."""
    added = row.get("added_at")
    return datetime.fromisoformat(added) if added else None


def _by(kind: str, by: str) -> Callable[[Payload], bool]:
    """Whether an artist, show, publisher or author (``{"name": ..., "id": ...}``) is the
    one ``by`` names: by its ID where ``by`` is a reference, else by the words of its name."""
    by = by.strip()
    ref_kind = _BY_REF.get(kind)
    if ref_kind is not None:
        try:
            ref = parse_ref(by, ref_kind)
        except InvalidInput as error:  # a name, unless written as a reference
            if isinstance(error, WrongKind) or is_link(by):
                raise InvalidInput(f"by: {error}") from None
        else:
            return lambda whose: whose.get("id") == ref.id
    if is_link(by):
        raise InvalidInput(
            f"by takes the words of a name for kind={kind} (a reference only for tracks, "
            f"albums and episodes), not {clipped(by)!r}"
        )
    if not squash(by):
        raise InvalidInput(f"by {by!r} has no letters, digits or emoji to look for")
    return lambda whose: has_words(whose.get("name") or "", by)


def _names_whose(
    kind: str, rows: list[Payload], of: Callable[[Payload], bool] = lambda _: True
) -> dict[str, str]:
    """The names of whom ``rows`` are by (those ``of`` takes), keyed as ``squash`` writes
    them."""
    return {
        squash(name): name
        for row in rows
        for whose in _whose(kind, row)
        if of(whose) and (name := whose.get("name"))
    }


def _whose(kind: str, row: Payload) -> list[Payload]:
    """Whom a saved item is by, as ``by`` matches it: a track's or album's artists, an
    episode's show and its publisher, a show's publisher, an audiobook's authors."""
    item = row.get(kind) or row  # saved audiobooks may come unwrapped
    if kind == "episode":
        show = item.get("show") or {}
        return [show, {"name": show.get("publisher")}]
    if kind == "show":
        return [{"name": item.get("publisher")}]
    return list(item.get("authors" if kind == "audiobook" else "artists") or [])


def _followed_artists(spotify: Spotify, offset: int, limit: int, brief: bool) -> SavedPage:
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
    return SavedPage(
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
    return LibraryChange(count=len(uris), uris=uris if len(uris) <= SHOWN_BACK else None)


# -- hooks --------------------------------------------------------------------------------


SAVED_LISTS = [f"GET /me/{kind}s" for kind in ("track", "album", "show", "episode", "audiobook")]


@hookimpl
def register_tools(registry: ToolRegistry) -> None:
    registry.add(
        library_list_saved,
        title="List saved items or followed artists",
        read_only=True,
        endpoints=[*SAVED_LISTS, "GET /me/following"],
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
        library_remove_saved,
        title="Remove saved items by artist or date",
        read_only=False,
        destructive=True,
        idempotent=True,
        endpoints=[*SAVED_LISTS, "DELETE /me/library"],
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
