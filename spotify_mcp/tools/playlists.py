"""The ``playlists`` plugin: the user's playlists, their items, and changes to both.

Spotify takes at most 100 items a request, so long lists are sent in chunks, in order, each
exactly once (never retried here: the retry middleware knows what is safe to repeat). When
a chunk fails, the error says how many items were already changed, so nothing is added twice.
"""

from __future__ import annotations

import base64
import binascii
import functools
import inspect
import unicodedata
from bisect import bisect_left
from collections.abc import Callable, Iterator, Mapping
from contextlib import AbstractContextManager, contextmanager, nullcontext
from typing import TYPE_CHECKING, Annotated, Any

from loguru import logger
from pydantic import BaseModel, Field, StringConstraints

from spotify_mcp import hookimpl
from spotify_mcp.errors import InvalidInput, RetryLater, SpotifyMCPError, answered, explain
from spotify_mcp.fanout import read_pages, send_in_chunks
from spotify_mcp.lookup import naming_missing
from spotify_mcp.models import (
    MAX_ITEMS_PER_CALL,
    PLAYLIST_MAX_ITEMS,
    BriefItems,
    Episode,
    Item,
    ItemPage,
    Page,
    Payload,
    Playlist,
    Track,
    any_item,
    briefly,
    extended,
    unresumed,
)
from spotify_mcp.pipeline import fresh, sent_once
from spotify_mcp.refs import ITS_TRACKS, Ref, parse_ref, ref_type, typed_id

if TYPE_CHECKING:
    from spotify_mcp.registry import ResourceRegistry, ToolRegistry
    from spotify_mcp.session import Spotify

CHUNK = 100  # items per add, remove or replace request
PAGE = 50  # items per GET of a playlist's items
REPEATS_SHOWN = 20  # repeated items a deduplication names
NAME_SCAN = 1_000  # the user's playlists a look-up by name goes through (20 requests at most)
#: Letters NFKD does not take apart, spelled with their base letters ("sorensen" finds
#: "Sørensen"), as Spotify's search does.
_SPELLED_OUT = str.maketrans(
    {"ø": "o", "æ": "ae", "œ": "oe", "ł": "l", "đ": "d", "ð": "d", "þ": "th"}
)
MAX_COVER = 256 * 1024  # bytes of base64 text Spotify accepts for a cover
ITEM_TYPES = ("track", "episode")

PlaylistRef = ref_type("playlist")
Playable = ref_type("track", "episode", elsewhere=ITS_TRACKS)
# Stripped, so a name of only spaces is our clear error, not Spotify's "missing name".
Name = Annotated[str, StringConstraints(strip_whitespace=True), Field(min_length=1, max_length=100)]
Description = Annotated[str, Field(max_length=300)]
Snapshot = Annotated[str | None, Field(description="Version the positions refer to")]


# -- results --------------------------------------------------------------------------------


def _entry(position: int, entry: Payload, brief: bool) -> Item | None:
    """The entry's track or episode with its position; None when no longer available."""
    payload = entry.get("item") or entry.get("track")
    # Without resume points: the playlist's reads are cached longer than our player
    # commands can evict them.
    item = any_item(unresumed(payload)) if payload else None
    if not isinstance(item, Track | Episode):
        return None
    shown = briefly(item) if brief else item
    return extended(shown, position=position, added_at=entry.get("added_at"))


class Changed(BaseModel):
    playlist: str
    snapshot_id: str | None = None  # the playlist's version after the change


class Added(Changed):
    added: int
    skipped: int | None = None  # with skip_present: already there, or repeated in items


class Removed(Changed):
    removed: int | None = None  # unknown when the count after could not be read


class Repeat(BaseModel):
    uri: str
    name: str
    removed: int  # occurrences removed, the first kept


class Deduplicated(Changed):
    removed: int
    repeated: int  # items that had repeats
    repeats: list[Repeat]  # the first few of them, by position


class Moved(Changed):
    moved: int


class Replaced(Changed):
    total: int


class Updated(Changed):
    changed: list[str]


class Cover(BaseModel):
    urls: list[str]  # largest first; they expire within a day


class PlaylistView(BaseModel):
    playlist: Playlist
    items: ItemPage | None = Field(None, description="Absent for a playlist not the user's.")


# -- reading --------------------------------------------------------------------------------


def playlists_list(
    spotify: Spotify,
    limit: Annotated[int, Field(ge=1, le=50)] = 20,
    offset: Annotated[int, Field(ge=0, le=100_000)] = 0,
    name: Annotated[
        Name | None,
        Field(
            description=f"A word or two of the name: those with each of them (case, accents "
            f"and punctuation aside), among {NAME_SCAN:,} from offset"
        ),
    ] = None,
) -> ItemPage:
    """The user's playlists, owned (mine) and followed, newest first. Find theirs by name
    here (search finds only public playlists)."""
    me = _my_id(spotify)
    if name is None:
        page = spotify.current_user_playlists(limit=limit, offset=offset)
        return ItemPage.of(page, lambda payload: Playlist.of(payload, me))
    if not _squash(name):
        raise InvalidInput(f"name {name!r} has no letters, digits or emoji to look for")
    looked = _my_playlists(spotify, offset, NAME_SCAN)
    found = [
        (offset + n, payload)
        for n, payload in enumerate(looked.items)
        if _has_words(payload.get("name") or "", name)
    ]
    # More matches than asked for: go on after the last one shown.
    next_offset = found[limit][0] if len(found) > limit else looked.next_offset
    return ItemPage(
        items=[Playlist.of(payload, me) for _, payload in found[:limit]],
        total=len(found),
        offset=offset,
        next_offset=next_offset,
    )


def _my_playlists(spotify: Spotify, offset: int, limit: int) -> Page[dict]:
    """Up to ``limit`` of the user's playlists from ``offset``, raw and in order (the pages
    read concurrently)."""

    def fetch(start: int, count: int) -> Any:
        return spotify.current_user_playlists(limit=count, offset=start)

    return read_pages(fetch, dict, Page[dict], offset=offset, limit=limit, page_size=PAGE)


def _has_words(name: str, words: str) -> bool:
    """Whether each of ``words`` is in ``name``, ignoring case, accents, spaces and
    punctuation: "lofi" and "lo fi" find "Lo-Fi Beats", "café" finds "CAFE"."""
    squashed = _squash(name)
    return all(_squash(word) in squashed for word in words.split())


def _squash(text: str) -> str:
    """Letters, digits and symbols (emoji) only, case-folded and without accents."""
    decomposed = unicodedata.normalize("NFKD", text.casefold()).translate(_SPELLED_OUT)
    return "".join(c for c in decomposed if unicodedata.category(c)[0] in "LNS")


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
    with _not_mine(
        f"Spotify shows the items only of playlists the user owns or collaborates on, and "
        f"{playlist.uri} is neither; playlists_get still gives its details."
    ):
        raw = read_pages(
            fetch,
            dict,
            Page[dict],
            offset=offset,
            limit=MAX_ITEMS_PER_CALL if all else limit,
            page_size=PAGE,
        )
    entries = [_entry(raw.offset + n, entry, brief) for n, entry in enumerate(raw.items)]
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


# -- changing -------------------------------------------------------------------------------


def playlists_create(
    spotify: Spotify,
    name: Name,
    description: Description = "",
    public: bool = False,
    collaborative: bool = False,
    items: Annotated[list[Playable], Field(max_length=PLAYLIST_MAX_ITEMS)] | None = None,
) -> Added:
    """Create a playlist of the user's, private unless public=true (collaborative ones are
    private), with items added in order."""
    if public and collaborative:
        raise InvalidInput("a collaborative playlist must be private (public=false)")
    created = spotify.current_user_playlist_create(
        name, public=public, collaborative=collaborative, description=description
    )
    uri, uris = created["uri"], [item.uri for item in items or []]
    if not uris:
        return Added(playlist=uri, snapshot_id=created.get("snapshot_id"), added=0)

    def done(sent: int) -> str:
        # Never "the same call again": it would create a second playlist.
        made = f"Created {uri} (finish with playlists_add_items on it, not playlists_create)"
        return f"{made} and added the first {sent} of {len(uris)} items" if sent else made

    result = send_in_chunks(
        uris,
        CHUNK,
        _naming_missing(spotify, lambda _, chunk: spotify.playlist_add_items(created["id"], chunk)),
        done,
        lambda _: "",
        argument="items",
        begun=True,
    )
    return Added(playlist=uri, snapshot_id=result.get("snapshot_id"), added=len(uris))


def playlists_update(
    spotify: Spotify,
    playlist: PlaylistRef,
    name: Name | None = None,
    description: Description | None = None,
    public: bool | None = None,
    collaborative: bool | None = None,
) -> Updated:
    """Change a playlist's name, description, public or collaborative flag; pass only what
    changes. Owner only."""
    changes = {
        "name": name,
        "description": description,
        "public": public,
        "collaborative": collaborative,
    }
    changed = [key for key, value in changes.items() if value is not None]
    if not changed:
        raise InvalidInput("pass at least one of name, description, public, collaborative")
    if public and collaborative:
        raise InvalidInput("a collaborative playlist must be private (public=false)")
    with _editing(playlist, owner_only=True):
        spotify.playlist_change_details(playlist.id, **{key: changes[key] for key in changed})
    return Updated(playlist=playlist.uri, changed=changed)


def playlists_add_items(
    spotify: Spotify,
    playlist: PlaylistRef,
    items: Annotated[list[Playable], Field(min_length=1, max_length=PLAYLIST_MAX_ITEMS)],
    position: Annotated[int | None, Field(ge=0, description="Insert here; default: end")] = None,
    skip_present: Annotated[
        bool,
        Field(
            description="Skip items already there or repeated: safe to repeat; reads the "
            "items first; adds at the end"
        ),
    ] = False,
) -> Added:
    """Add tracks/episodes in the given order, any number (sent 100 a request). Adding again
    duplicates them, unless skip_present."""
    if skip_present and position is not None:
        # After a partial failure, the same call would put the rest at position, before the
        # items added: only at the end does repeating it keep the order given.
        raise InvalidInput("skip_present adds at the end: pass position or skip_present")
    uris = [item.uri for item in items]

    def add(start: int, chunk: list[str]) -> Any:
        at = None if position is None else position + start
        return spotify.playlist_add_items(playlist.id, chunk, at)

    with (
        _editing(playlist),
        _bounds_checked(spotify, playlist, "Index out of bounds", "position must be"),
    ):
        if skip_present:
            present = {item.uri for item in _items_at(spotify, playlist) if item}
            uris = [uri for uri in dict.fromkeys(uris) if uri not in present]
            if not uris:  # nothing to send: nothing changes
                return Added(playlist=playlist.uri, added=0, skipped=len(items))
        result = send_in_chunks(
            uris,
            CHUNK,
            _naming_missing(spotify, add),
            lambda sent: f"Added the first {sent} of {len(uris)} items",
            # Skipping what is there, the same call finishes the change. Counted: those sent
            # are no slice of items.
            None
            if skip_present
            else lambda first: "" if position is None else f" with position {position + first}",
            argument=None if skip_present else "items",
        )
    skipped = len(items) - len(uris) if skip_present else None
    return Added(
        playlist=playlist.uri,
        snapshot_id=result.get("snapshot_id"),
        added=len(uris),
        skipped=skipped,
    )


def playlists_remove_items(
    spotify: Spotify,
    playlist: PlaylistRef,
    items: Annotated[list[Playable], Field(min_length=1, max_length=PLAYLIST_MAX_ITEMS)],
    positions: Annotated[
        list[Annotated[int, Field(ge=0)]] | None,
        Field(description="Only these occurrences: items[i] is at positions[i]"),
    ] = None,
    snapshot_id: Snapshot = None,
) -> Removed:
    """Remove every occurrence of the items (any number), or only those at positions (from
    playlists_get_items; Spotify checks each holds its item) of at most 100 different items."""
    occurrences = None if positions is None else _occurrences(items, positions)
    with _editing(playlist), _snapshot_checked(playlist):
        with fresh():
            before = _item_count(spotify, playlist)
        if occurrences is not None:  # one request: all positions refer to the same version
            with _positions_checked(playlist):
                result = spotify.playlist_remove_specific_occurrences_of_items(
                    playlist.id, occurrences, snapshot_id=snapshot_id
                )
        else:
            uris = list(dict.fromkeys(item.uri for item in items))
            result = send_in_chunks(
                uris,
                CHUNK,
                lambda _, chunk: spotify.playlist_remove_all_occurrences_of_items(
                    playlist.id, chunk, snapshot_id=snapshot_id
                ),
                lambda sent: f"Removed every occurrence of the first {sent} of {len(uris)} items",
            )
    snapshot = result.get("snapshot_id")
    return Removed(
        playlist=playlist.uri, snapshot_id=snapshot, removed=_count_drop(spotify, playlist, before)
    )


def _item_count(spotify: Spotify, playlist: Ref) -> int:
    return int(spotify.playlist_items(playlist.id, fields="total", limit=1)["total"])


def _count_drop(spotify: Spotify, playlist: Ref, before: int) -> int | None:
    """How far the item count fell from ``before`` (Spotify does not say how many occurrences
    a removal took); None if the count cannot be read: the removal is made, and a failed
    read must not make it look undone."""
    try:
        with fresh():
            return max(0, before - _item_count(spotify, playlist))
    except Exception as error:
        logger.info("item count of {} after a removal unknown: {}", playlist.uri, error)
        return None


def playlists_remove_duplicates(spotify: Spotify, playlist: PlaylistRef) -> Deduplicated:
    """Remove every repeat of each item, keeping its first occurrence."""
    with _editing(playlist):
        repeats: dict[str, list[int]] = {}  # uri -> positions of its repeats
        names: dict[str, str] = {}
        for position, item in enumerate(_items_at(spotify, playlist)):
            if item is None:
                continue
            if item.uri in names:
                repeats.setdefault(item.uri, []).append(position)
            names[item.uri] = item.name
        if not repeats:
            return Deduplicated(playlist=playlist.uri, removed=0, repeated=0, repeats=[])
        groups = list(repeats.items())

        def remove(start: int, chunk: list[tuple[str, list[int]]]) -> Any:
            # Earlier chunks removed repeats before some of these: their positions moved up.
            gone = sorted(p for _, positions in groups[:start] for p in positions)
            occurrences = [
                {"uri": uri, "positions": [p - bisect_left(gone, p) for p in positions]}
                for uri, positions in chunk
            ]
            with _positions_moved(playlist):
                return spotify.playlist_remove_specific_occurrences_of_items(
                    playlist.id, occurrences
                )

        result = send_in_chunks(
            groups,
            CHUNK,
            remove,
            lambda sent: f"Removed the repeats of the first {sent} of {len(groups)} repeated items",
        )
    return Deduplicated(
        playlist=playlist.uri,
        snapshot_id=result.get("snapshot_id"),
        removed=sum(len(positions) for positions in repeats.values()),
        repeated=len(groups),
        repeats=[
            Repeat(uri=uri, name=names[uri], removed=len(positions))
            for uri, positions in groups[:REPEATS_SHOWN]
        ],
    )


def _items_at(spotify: Spotify, playlist: Ref) -> list[Item | None]:
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
    return Item.of(payload) if playable else None  # the API cannot add or remove local files


def playlists_reorder_items(
    spotify: Spotify,
    playlist: PlaylistRef,
    range_start: Annotated[int, Field(ge=0)],
    insert_before: Annotated[int, Field(ge=0)],
    range_length: Annotated[int, Field(ge=1)] = 1,
    snapshot_id: Snapshot = None,
) -> Moved:
    """Move range_length items starting at range_start to before insert_before (use the
    item count to move them to the end)."""
    moved = "range_start + range_length and insert_before must each be"
    with (
        _editing(playlist),
        _bounds_checked(spotify, playlist, "Invalid range", moved),
        _snapshot_checked(playlist),
    ):
        result = spotify.playlist_reorder_items(
            playlist.id, range_start, insert_before, range_length, snapshot_id=snapshot_id
        )
    return Moved(playlist=playlist.uri, snapshot_id=result.get("snapshot_id"), moved=range_length)


def playlists_replace_items(
    spotify: Spotify,
    playlist: PlaylistRef,
    items: Annotated[list[Playable], Field(max_length=PLAYLIST_MAX_ITEMS)],
) -> Replaced:
    """Set the playlist's items to exactly these, in order; [] empties it. Every item not
    listed is removed."""
    uris = [item.uri for item in items]

    def replace_then_add(start: int, chunk: list[str]) -> Any:
        if start > 0:
            return spotify.playlist_add_items(playlist.id, chunk)
        # With adds to follow, not repeated when unsure: a late first copy would drop them.
        with sent_once() if len(uris) > CHUNK else nullcontext():
            return spotify.playlist_replace_items(playlist.id, chunk)

    with _editing(playlist):
        result = send_in_chunks(
            uris,
            CHUNK,
            _naming_missing(spotify, replace_then_add),
            lambda sent: f"The playlist holds the first {sent} of {len(uris)} items",
            argument="items",
        )
    return Replaced(playlist=playlist.uri, snapshot_id=result.get("snapshot_id"), total=len(uris))


def playlists_upload_cover(
    spotify: Spotify,
    playlist: PlaylistRef,
    image: Annotated[str, Field(min_length=1, description="Base64 of the JPEG file")],
) -> Updated:
    """Replace a playlist's cover with a JPEG of at most 256 KB (as base64)."""
    data = _jpeg_base64(image)
    with _editing(playlist, owner_only=True):
        spotify.playlist_upload_cover_image(playlist.id, data)
    return Updated(playlist=playlist.uri, changed=["cover"])


def _occurrences(items: list[Ref], positions: list[int]) -> list[dict[str, Any]]:
    """``[{"uri", "positions"}]``, one object per distinct item, as Spotify expects."""
    if len(positions) != len(items):
        raise InvalidInput(
            f"positions pair up with items (items[i] is at positions[i]): got {len(items)} "
            f"items and {len(positions)} positions. For two occurrences of one item, repeat "
            "it: items=[u, u], positions=[10, 31]"
        )
    by_uri: dict[str, list[int]] = {}
    for item, position in zip(items, positions, strict=True):
        by_uri.setdefault(item.uri, []).append(position)
    if len(by_uri) > CHUNK:
        raise InvalidInput(f"remove at most {CHUNK} different items by position in one call")
    return [{"uri": uri, "positions": at} for uri, at in by_uri.items()]


def _jpeg_base64(text: str) -> str:
    """The base64 text of a JPEG, checked; a data: URL prefix is accepted."""
    data = (
        "".join(text.split(",", 1)[-1].split())
        if text.startswith("data:")
        else "".join(text.split())
    )
    if len(data) > MAX_COVER:
        raise InvalidInput(f"the image is {len(data) // 1024} KB of base64; Spotify takes 256 KB")
    try:
        raw = base64.b64decode(data, validate=True)
    except (binascii.Error, ValueError):
        raise InvalidInput("image must be base64 text (of a JPEG)") from None
    if not raw.startswith(b"\xff\xd8\xff"):
        raise InvalidInput("image must be a JPEG (base64 of a file starting with FF D8 FF)")
    return data


@contextmanager
def _editing(playlist: Ref, *, owner_only: bool = False) -> Iterator[None]:
    """Spotify's 403 on someone else's playlist, as a message that says what to do."""
    if owner_only:
        explanation = f"Only the owner can change the details and cover of {playlist.uri}."
    else:  # a copy is no way out: Spotify shows others' playlists' items to nobody else
        explanation = (
            f"Only the owner or collaborators can change the items of {playlist.uri}, and "
            "only they can read them. playlists_list shows which playlists are the user's "
            "(mine); playlists_create makes a new one."
        )
    with _not_mine(explanation):
        yield


def _positions_checked(playlist: Ref) -> AbstractContextManager[None]:
    """Spotify's 400 for positions that do not hold the items, said with the way out."""
    return answered(
        400,
        lambda _: InvalidInput(
            f"The positions do not hold those items in {playlist.uri}, in the version "
            "snapshot_id names (else the current one): it changed since they were read, or "
            "the positions are wrong. Read playlists_get_items again, then remove by the "
            "positions it shows."
        ),
        when=lambda message: "snapshot" not in message.lower(),
    )


def _positions_moved(playlist: Ref) -> AbstractContextManager[None]:
    """Spotify's 400 for positions that no longer hold the repeats read: nothing wrong was
    removed, and reading again finds them where they are now."""
    return answered(
        400,
        lambda _: RetryLater(
            f"{playlist.uri} changed since its items were read (Spotify checks "
            "each position still holds its item, so no other item went).",
            0,
        ),
    )


def _snapshot_checked(playlist: Ref) -> AbstractContextManager[None]:
    """Spotify's 400 for a snapshot_id it does not know, said with where to get one."""
    return answered(
        400,
        lambda _: InvalidInput(
            f"snapshot_id is not a version of {playlist.uri} Spotify knows: leave it out for "
            "the current version, or pass one a change of the playlist returned."
        ),
        when=lambda message: "snapshot" in message.lower(),
    )


def _bounds_checked(
    spotify: Spotify, playlist: Ref, refusal: str, rule: str
) -> AbstractContextManager[None]:
    """Spotify's 400 ``refusal`` for a position past the end, said with the ``rule`` it broke
    ("... must be") and the item count."""
    return answered(
        400,
        lambda error: InvalidInput(
            f"{explain(error)} {rule} at most the item count of {playlist.uri}, "
            f"{_count_now(spotify, playlist)} (positions count from 0)."
        ),
        when=lambda message: refusal in message,
    )


def _count_now(spotify: Spotify, playlist: Ref) -> str:
    """The item count for an error message, read from Spotify; where it cannot be read, where
    to find it."""
    try:
        with fresh():
            return f"now {_item_count(spotify, playlist)}"
    except Exception as error:
        logger.info("item count of {} unknown: {}", playlist.uri, error)
        return "which playlists_get gives"


def _naming_missing(
    spotify: Spotify, send: Callable[[int, list[str]], Any]
) -> Callable[[int, list[str]], Any]:
    """``send`` of a chunk of items, whose refusal for an item Spotify has none for names it
    (Spotify's answer does not)."""

    def run(start: int, chunk: list[str]) -> Any:
        with naming_missing(spotify, chunk, 400):
            return send(start, chunk)

    return run


def _pointing_to_mine(tool: Callable[..., Any]) -> Callable[..., Any]:
    """``tool``; if it takes a playlist, its 404 says where the user's own are found: search,
    which the generic hint names, finds only public playlists."""
    if "playlist" not in inspect.signature(tool).parameters:
        return tool

    @functools.wraps(tool)
    def run(**arguments: Any) -> Any:
        uri = arguments["playlist"].uri
        with answered(
            404,
            lambda _: SpotifyMCPError(
                f"Not found: {uri}. Check the ID, URI or URL: playlists_list with name finds "
                "the user's playlists, search only public ones."
            ),
        ):
            return tool(**arguments)

    return run


class NotMine(SpotifyMCPError):
    """Spotify refused for want of ownership (not of a scope)."""


def _not_mine(explanation: str) -> AbstractContextManager[None]:
    """A 403 for want of ownership (not of a scope) becomes :class:`NotMine` (explanation)."""
    return answered(
        403, lambda _: NotMine(explanation), when=lambda message: "scope" not in message.lower()
    )


# -- resources ------------------------------------------------------------------------------


def my_playlists(spotify: Spotify) -> ItemPage:
    """The user's playlists (the first 50), newest first."""
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
    mine = _my_playlists(spotify, 0, NAME_SCAN)
    ids_and_names = ((p["id"], p.get("name") or "") for p in mine.items)
    return [
        ident for ident, name in ids_and_names if ident.startswith(text) or _has_words(name, text)
    ]


# -- hooks ----------------------------------------------------------------------------------


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
        registry.add(_pointing_to_mine(fn), title=title, read_only=True, endpoints=endpoints)
    # (fn, title, destructive, idempotent, endpoints)
    write: list[tuple[Callable[..., Any], str, bool, bool, list[str]]] = [
        (
            playlists_create,
            "Create a playlist",
            False,
            False,
            ["POST /me/playlists", "POST /playlists/{playlist_id}/items"],
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
            ["POST /playlists/{playlist_id}/items", "GET /playlists/{playlist_id}/items"],
        ),
        (
            playlists_remove_items,
            "Remove items from a playlist",
            True,
            False,
            ["DELETE /playlists/{playlist_id}/items", "GET /playlists/{playlist_id}/items"],
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
            ["PUT /playlists/{playlist_id}/items", "POST /playlists/{playlist_id}/items"],
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
            _pointing_to_mine(fn),
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
