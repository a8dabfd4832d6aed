"""Starting playback: items, or a context from an offset, or an audiobook from where the
user left off; the result names what plays."""

from __future__ import annotations

from contextlib import AbstractContextManager, nullcontext
from typing import TYPE_CHECKING, Annotated

from pydantic import Field

from spotify_mcp.errors import InvalidInput, answered
from spotify_mcp.lookup import catalog_item, contents
from spotify_mcp.models import Chapter, Page, any_item
from spotify_mcp.refs import ref_type
from spotify_mcp.tools.playback.commands import PlayerCommand, counted, sent
from spotify_mcp.tools.playback.devices import DeviceId

if TYPE_CHECKING:
    from spotify_mcp.refs import Ref
    from spotify_mcp.session import Spotify


MAX_START_ITEMS = 100
CONTEXT_KINDS = ("album", "playlist", "artist", "show", "audiobook")
MAX_CHAPTERS = 1_000  # read to find where the user left off an audiobook


Playable = ref_type(
    "track", "episode", elsewhere=dict.fromkeys(CONTEXT_KINDS, "to play it, pass it as context")
)
Context = ref_type(
    *CONTEXT_KINDS,
    elsewhere=dict.fromkeys(("track", "episode"), "to play it, pass it in items"),
)


def playback_start(
    spotify: Spotify,
    items: Annotated[list[Playable] | None, Field(min_length=1, max_length=MAX_START_ITEMS)] = None,
    context: Context | None = None,
    offset: Annotated[int | None, Field(ge=0, description="Index to start at, from 0")] = None,
    offset_item: Annotated[Playable | None, Field(description="Item to start at")] = None,
    position_ms: Annotated[
        int | None, Field(ge=0, description="An episode's resume_ms continues it")
    ] = None,
    device_id: DeviceId | None = None,
) -> PlayerCommand:
    """Play items, or a context (album, playlist, artist, show; an audiobook from where the
    user left off), from an offset and position_ms; no arguments: resume. Replaces what
    plays (playback_queue_add plays next). Premium."""
    if items and context:
        raise InvalidInput("pass items or context, not both")
    if offset is not None and offset_item is not None:
        raise InvalidInput("pass offset or offset_item, not both")
    has_offset = offset is not None or offset_item is not None
    if has_offset and not (items or context):
        raise InvalidInput("offset and offset_item need items or a context")
    if has_offset and context and context.kind == "artist":
        raise InvalidInput("an artist plays from its top: offsets work on its albums")
    if items and offset is not None and offset >= len(items):
        raise InvalidInput(
            f"offset {offset} is past the last of the {len(items)} items (offsets count from 0)"
        )
    if items and offset_item and offset_item.uri not in {item.uri for item in items}:
        raise InvalidInput(f"offset_item {offset_item.uri} is not among the items")
    if context and context.kind == "audiobook":
        return _play_audiobook(spotify, context, offset, offset_item, position_ms, device_id)
    start_at = {"uri": offset_item.uri} if offset_item else None
    with _offset_checked(spotify, context, offset) if has_offset and context else nullcontext():
        spotify.start_playback(
            device_id=sent(device_id),
            context_uri=context.uri if context else None,
            uris=[item.uri for item in items] if items else None,
            offset={"position": offset} if offset is not None else start_at,
            position_ms=position_ms,
        )
    if context:
        # "From track 4" is offset 3: say which item it is, so the model need not look.
        at = f", from {_name_of(spotify, offset_item)}" if offset_item else ""
        if offset:
            named = _name_at(spotify, context, offset)
            at = f", from {named} (item {offset + 1})" if named else f", item {offset + 1}"
        return PlayerCommand(done=f"playing {_name_of(spotify, context)} ({context.kind}){at}")
    if not items:
        return PlayerCommand(done="resumed")
    first = offset_item or items[offset or 0]
    of = f", item {items.index(first) + 1} of {len(items)}" if len(items) > 1 else ""
    return PlayerCommand(done=f"playing {_name_of(spotify, first)}{of}")


def _offset_checked(
    spotify: Spotify, context: Ref, offset: int | None
) -> AbstractContextManager[None]:
    """Spotify's 400 "Invalid offset" for a context (offsets into items are checked before
    sending), said with the context's item count: Spotify's answer gives neither."""

    def explained(_: Exception) -> InvalidInput:
        listing = "search_list_contents or playlists_get_items lists its items"
        if offset is None:
            return InvalidInput(f"offset_item is not in {context.uri}; {listing}.")
        count = _item_count(spotify, context)
        if count is None:
            return InvalidInput(
                f"offset {offset} is past the end of {context.uri} (offsets count from 0); "
                f"{listing}."
            )
        return _past_the_end(offset, context, count)

    return answered(400, explained, when=lambda message: "offset" in message.lower())


def _past_the_end(offset: int, context: Ref, count: int) -> InvalidInput:
    return InvalidInput(
        f"offset {offset} is past the end of {context.uri}, which holds {counted(count)} "
        "(offsets count from 0)."
    )


_COUNTED_AS = {"album": "total_tracks", "playlist": "total", "show": "total_episodes"}


def _item_count(spotify: Spotify, context: Ref) -> int | None:
    """How many items ``context`` holds; None when it cannot be read."""
    try:
        payload = catalog_item(spotify, context)
    except Exception:
        return None
    return getattr(any_item(payload), _COUNTED_AS[context.kind], None) if payload else None


def _play_audiobook(
    spotify: Spotify,
    book: Ref,
    offset: int | None,
    offset_item: Ref | None,
    position_ms: int | None,
    device_id: str | None,
) -> PlayerCommand:
    """``book``'s chapters (Spotify plays an audiobook as its chapters, up to 100 at once)
    from ``offset`` or ``offset_item``, else from where the user left off."""
    chapters = contents(spotify, book, Chapter.of, Page[Chapter], limit=MAX_CHAPTERS).items
    uris = [chapter.uri for chapter in chapters]
    if not uris:  # an empty list would resume whatever played last
        raise InvalidInput(f"Spotify lists no chapters of {book.uri} to play")
    if offset_item is not None:
        if offset_item.uri not in uris:
            raise InvalidInput(
                f"offset_item is not in {book.uri}; search_list_contents lists its chapters."
            )
        start = uris.index(offset_item.uri)
    elif offset is not None:
        if offset >= len(uris):
            raise _past_the_end(offset, book, len(uris))
        start = offset
    else:
        start, left_at = _left_off(chapters)
        position_ms = left_at if position_ms is None else position_ms
    spotify.start_playback(
        device_id=sent(device_id),
        uris=uris[start : start + MAX_START_ITEMS],
        position_ms=position_ms,
    )
    at = f" at {position_ms} ms" if position_ms else ""
    return PlayerCommand(done=f"playing {_name_of(spotify, book)}, {chapters[start].name}{at}")


def _name_of(spotify: Spotify, ref: Ref) -> str:
    """``ref``'s name, for a result to say what plays (a model would read the player for it);
    its URI when the name cannot be read: the command is done all the same."""
    try:
        if ref.kind == "playlist":  # its first 100 items come with it, unless filtered out
            payload = spotify._get(f"playlists/{ref.id}", fields="name")
        else:
            payload = catalog_item(spotify, ref)  # the cache keeps catalog reads a day
    except Exception:
        payload = None
    return str(payload["name"]) if payload else ref.uri


#: Where a context's items are listed, a page of them at a time.
_ITEMS_OF = {
    "album": "albums/{}/tracks",
    "playlist": "playlists/{}/items",
    "show": "shows/{}/episodes",
}


def _name_at(spotify: Spotify, context: Ref, offset: int) -> str | None:
    """The name of the item at ``offset`` in ``context``; None when it cannot be read."""
    try:
        page = spotify._get(_ITEMS_OF[context.kind].format(context.id), limit=1, offset=offset)
        entry = (page.get("items") or [{}])[0] or {}
        return str((entry.get("item") or entry.get("track") or entry)["name"])
    except Exception:
        return None


def _left_off(chapters: list[Chapter]) -> tuple[int, int | None]:
    """Where the user left off an audiobook: the furthest chapter begun, at its resume
    point, or the one after it if finished; the start when none was begun or all were."""
    begun = [i for i, chapter in enumerate(chapters) if chapter.resume_ms or chapter.fully_played]
    if not begun:
        return 0, None
    furthest = begun[-1]
    if not chapters[furthest].fully_played:
        return furthest, chapters[furthest].resume_ms
    return (furthest + 1, None) if furthest + 1 < len(chapters) else (0, None)
