"""Changing playlists: create, details, items (add, remove, deduplicate, move, replace),
cover."""

from __future__ import annotations

import base64
import binascii
from bisect import bisect_left
from contextlib import AbstractContextManager, nullcontext
from typing import TYPE_CHECKING, Annotated, Any

from loguru import logger
from pydantic import Field

from spotify_mcp.errors import InvalidInput, answered, explain
from spotify_mcp.fanout import send_in_chunks
from spotify_mcp.models import PLAYLIST_MAX_ITEMS, Track
from spotify_mcp.pipeline import fresh, sent_once
from spotify_mcp.tools.playlists.arguments import (
    CHUNK,
    ITEM_TYPES,
    Addable,
    Description,
    Name,
    PlaylistRef,
    Removable,
    Snapshot,
)
from spotify_mcp.tools.playlists.reading import item_count, items_at
from spotify_mcp.tools.playlists.refusals import (
    editing,
    naming_unknown_items,
    positions_checked,
    positions_moved,
    snapshot_checked,
)
from spotify_mcp.tools.playlists.results import (
    Added,
    Deduplicated,
    Moved,
    Removed,
    Repeat,
    Replaced,
    Updated,
)
from spotify_mcp.tools.playlists.sources import Expansion, expand

if TYPE_CHECKING:
    from spotify_mcp.refs import Ref
    from spotify_mcp.session import Spotify

REPEATS_SHOWN = 20  # repeated items a deduplication names
MAX_COVER = 256 * 1024  # bytes of base64 text Spotify accepts for a cover


def playlists_create(
    spotify: Spotify,
    name: Name,
    description: Description = "",
    public: bool = False,
    collaborative: bool = False,
    items: Annotated[list[Addable], Field(max_length=PLAYLIST_MAX_ITEMS)] | None = None,
) -> Added:
    """Create a playlist of the user's, private unless public=true (collaborative ones are
    private), with items added in order (an album or playlist: its items)."""
    if public and collaborative:
        raise InvalidInput("a collaborative playlist must be private (public=false)")
    expansion = expand(spotify, items or [])  # before creating: a refusal leaves nothing made
    created = spotify.current_user_playlist_create(
        name, public=public, collaborative=collaborative, description=description
    )
    uri, uris = created["uri"], expansion.uris
    if not uris:
        return Added(
            playlist=uri,
            snapshot_id=created.get("snapshot_id"),
            added=0,
            left_out=expansion.left_out,
        )

    def done(sent: int) -> str:
        # Never "the same call again": it would create a second playlist.
        made = f"Created {uri} (finish with playlists_add_items on it, not playlists_create)"
        return f"{made} and added the first {sent} of {len(uris)} items" if sent else made

    result = send_in_chunks(
        uris,
        CHUNK,
        naming_unknown_items(
            spotify, lambda _, chunk: spotify.playlist_add_items(created["id"], chunk)
        ),
        done,
        expansion.rest,
        argument=expansion.argument,
        begun=True,
    )
    return Added(
        playlist=uri,
        snapshot_id=result.get("snapshot_id"),
        added=len(uris),
        left_out=expansion.left_out,
    )


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
    with editing(playlist, owner_only=True):
        spotify.playlist_change_details(playlist.id, **{key: changes[key] for key in changed})
    return Updated(playlist=playlist.uri, changed=changed)


def playlists_add_items(
    spotify: Spotify,
    playlist: PlaylistRef,
    items: Annotated[list[Addable], Field(min_length=1, max_length=PLAYLIST_MAX_ITEMS)],
    position: Annotated[int | None, Field(ge=0, description="Insert here; default: end")] = None,
    skip_present: Annotated[
        bool,
        Field(
            description="Skip items already there or repeated: safe to repeat; reads the "
            "items first; adds at the end"
        ),
    ] = False,
) -> Added:
    """Add tracks/episodes in the given order, any number (sent 100 a request); an album or
    playlist adds its items. Adding again duplicates them, unless skip_present."""
    if skip_present and position is not None:
        # After a partial failure, the same call would put the rest at position, before the
        # items added: only at the end does repeating it keep the order given.
        raise InvalidInput("skip_present adds at the end: pass position or skip_present")
    expansion = expand(spotify, items)
    uris = expansion.uris
    if not uris:  # empty playlists, or of local files only: Spotify refuses an empty add
        skipped = 0 if skip_present else None
        return Added(playlist=playlist.uri, added=0, skipped=skipped, left_out=expansion.left_out)
    if position is not None:
        _not_from_itself(
            playlist,
            expansion,
            "would move its items that the rest is read from",
            "add it at the end (no position)",
        )

    def add(start: int, chunk: list[str]) -> Any:
        at = None if position is None else position + start
        return spotify.playlist_add_items(playlist.id, chunk, at)

    with (
        editing(playlist),
        _bounds_checked(spotify, playlist, "Index out of bounds", "position must be"),
    ):
        if skip_present:
            present = {item.uri for item in items_at(spotify, playlist) if item}
            uris = [uri for uri in dict.fromkeys(uris) if uri not in present]
            if not uris:  # nothing to send: nothing changes
                return Added(
                    playlist=playlist.uri,
                    added=0,
                    skipped=len(expansion.uris),
                    left_out=expansion.left_out,
                )
        result = send_in_chunks(
            uris,
            CHUNK,
            naming_unknown_items(spotify, add),
            lambda sent: f"Added the first {sent} of {len(uris)} items",
            # Skipping what is there, the same call finishes the change. Counted: those sent
            # are no slice of items.
            None
            if skip_present
            else lambda first: (
                expansion.rest(first)
                + ("" if position is None else f" with position {position + first}")
            ),
            argument=None if skip_present else expansion.argument,
        )
    skipped = len(expansion.uris) - len(uris) if skip_present else None
    return Added(
        playlist=playlist.uri,
        snapshot_id=result.get("snapshot_id"),
        added=len(uris),
        skipped=skipped,
        left_out=expansion.left_out,
    )


def playlists_remove_items(
    spotify: Spotify,
    playlist: PlaylistRef,
    items: Annotated[list[Removable], Field(min_length=1, max_length=PLAYLIST_MAX_ITEMS)],
    positions: Annotated[
        list[Annotated[int, Field(ge=0)]] | None,
        Field(description="Only these occurrences: items[i] is at positions[i]"),
    ] = None,
    snapshot_id: Snapshot = None,
) -> Removed:
    """Remove every occurrence of the items (any number; an album or playlist: its items; an
    artist: their tracks here), or only those at positions (from playlists_get_items; Spotify
    checks each holds its item) of at most 100 different items."""
    occurrences = None if positions is None else _occurrences(items, positions)
    with editing(playlist), snapshot_checked(playlist):
        uris = [] if occurrences is not None else _removed_by_uri(spotify, playlist, items)
        if occurrences is None and not uris:  # an artist with no track here: Spotify refuses []
            return Removed(playlist=playlist.uri, removed=0)
        with fresh():
            before = item_count(spotify, playlist)
        if occurrences is not None:  # one request: all positions refer to the same version
            with positions_checked(playlist):
                result = spotify.playlist_remove_specific_occurrences_of_items(
                    playlist.id, occurrences, snapshot_id=snapshot_id
                )
        else:
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


def _removed_by_uri(spotify: Spotify, playlist: Ref, items: list[Ref]) -> list[str]:
    """What a removal by URI takes, each once: the tracks and episodes given, the items of
    the albums and playlists given, and the tracks in ``playlist`` by the artists given
    (featuring them too), all read before anything changes."""
    artists = {item.uri for item in items if item.kind == "artist"}
    uris = expand(spotify, [item for item in items if item.kind != "artist"]).uris
    if artists:
        uris += [
            item.uri
            for item in items_at(spotify, playlist)
            if isinstance(item, Track) and any(artist.uri in artists for artist in item.artists)
        ]
    return list(dict.fromkeys(uris))


def _count_drop(spotify: Spotify, playlist: Ref, before: int) -> int | None:
    """How far the item count fell from ``before`` (Spotify does not say how many occurrences
    a removal took); None if the count cannot be read: the removal is made, and a failed
    read must not make it look undone."""
    try:
        with fresh():
            return max(0, before - item_count(spotify, playlist))
    except Exception as error:
        logger.info("item count of {} after a removal unknown: {}", playlist.uri, error)
        return None


def playlists_remove_duplicates(
    spotify: Spotify,
    playlist: PlaylistRef,
    dry_run: Annotated[bool, Field(description="Only find the repeats")] = False,
) -> Deduplicated:
    """Remove every repeat of each item, keeping its first occurrence."""
    with editing(playlist):
        repeats: dict[str, list[int]] = {}  # uri -> positions of its repeats
        names: dict[str, str] = {}
        for position, item in enumerate(items_at(spotify, playlist)):
            if item is None:
                continue
            if item.uri in names:
                repeats.setdefault(item.uri, []).append(position)
            names[item.uri] = item.name
        groups = list(repeats.items())
        shown = [
            Repeat(uri=uri, name=names[uri], extra=len(positions))
            for uri, positions in groups[:REPEATS_SHOWN]
        ]
        extra = sum(len(positions) for positions in repeats.values())
        if dry_run or not repeats:  # nothing to send: nothing changes
            return Deduplicated(
                playlist=playlist.uri,
                removed=None if dry_run else 0,
                repeated=len(groups),
                extra=extra if dry_run else None,
                repeats=shown,
            )

        def remove(start: int, chunk: list[tuple[str, list[int]]]) -> Any:
            # Earlier chunks removed repeats before some of these: their positions moved up.
            gone = sorted(p for _, positions in groups[:start] for p in positions)
            occurrences = [
                {"uri": uri, "positions": [p - bisect_left(gone, p) for p in positions]}
                for uri, positions in chunk
            ]
            with positions_moved(playlist):
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
        removed=extra,
        repeated=len(groups),
        repeats=shown,
    )


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
        editing(playlist),
        _bounds_checked(spotify, playlist, "Invalid range", moved),
        snapshot_checked(playlist),
    ):
        result = spotify.playlist_reorder_items(
            playlist.id, range_start, insert_before, range_length, snapshot_id=snapshot_id
        )
    return Moved(playlist=playlist.uri, snapshot_id=result.get("snapshot_id"), moved=range_length)


def playlists_replace_items(
    spotify: Spotify,
    playlist: PlaylistRef,
    items: Annotated[list[Addable], Field(max_length=PLAYLIST_MAX_ITEMS)],
) -> Replaced:
    """Set the playlist's items to exactly these, in order (an album or playlist: its items);
    [] empties it. Every item not listed is removed, and each item's added_at becomes now."""
    expansion = expand(spotify, items)
    uris = expansion.uris
    _not_from_itself(
        playlist,
        expansion,
        "would leave it holding only the first of them, its other items lost",
        "add to it (playlists_add_items takes a position)",
    )

    def replace_then_add(start: int, chunk: list[str]) -> Any:
        if start > 0:
            return spotify.playlist_add_items(playlist.id, chunk)
        # With adds to follow, not repeated when unsure: a late first copy would drop them.
        with sent_once() if len(uris) > CHUNK else nullcontext():
            return spotify.playlist_replace_items(playlist.id, chunk)

    with editing(playlist):
        result = send_in_chunks(
            uris,
            CHUNK,
            naming_unknown_items(spotify, replace_then_add),
            lambda sent: f"The playlist holds the first {sent} of {len(uris)} items",
            argument=expansion.argument,
        )
    return Replaced(
        playlist=playlist.uri,
        snapshot_id=result.get("snapshot_id"),
        total=len(uris),
        left_out=expansion.left_out,
    )


def _not_from_itself(playlist: Ref, expansion: Expansion, failure: str, instead: str) -> None:
    """Refuses ``playlist`` among its own items when they take more than one request: its
    items are read before the change, and a failure part way ``failure``, so that neither
    the same call nor the rest read from it would finish the change."""
    if len(expansion.uris) > CHUNK and playlist in expansion.items:
        raise InvalidInput(
            f"{playlist.uri} is among its own items, which come to {len(expansion.uris)}, more "
            f"than one request takes ({CHUNK}), and a failure part way {failure}. Nothing changed: "
            f"{instead}, or pass its items as tracks and episodes (playlists_get_items)."
        )


def playlists_upload_cover(
    spotify: Spotify,
    playlist: PlaylistRef,
    image: Annotated[str, Field(min_length=1, description="Base64 of the JPEG file")],
) -> Updated:
    """Replace a playlist's cover with a JPEG of at most 256 KB (as base64)."""
    data = _jpeg_base64(image)
    with editing(playlist, owner_only=True):
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
    many = next((item for item in items if item.kind not in ITEM_TYPES), None)
    if many is not None:
        raise InvalidInput(
            f"{many.uri} stands for many items, which positions cannot pair with: remove its "
            "items everywhere without positions, or pass tracks and episodes"
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
            return f"now {item_count(spotify, playlist)}"
    except Exception as error:
        logger.info("item count of {} unknown: {}", playlist.uri, error)
        return "which playlists_get gives"
