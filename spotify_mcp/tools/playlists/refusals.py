"""Spotify's refusals of playlist reads and changes, said with what to do instead."""

from __future__ import annotations

import functools
import inspect
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from typing import TYPE_CHECKING, Any

from spotify_mcp.errors import InvalidInput, RetryLater, SpotifyMCPError, answered
from spotify_mcp.lookup import naming_missing

if TYPE_CHECKING:
    from spotify_mcp.refs import Ref
    from spotify_mcp.session import Spotify


@contextmanager
def editing(playlist: Ref, *, owner_only: bool = False) -> Iterator[None]:
    """Spotify's 403 on someone else's playlist, as a message that says what to do."""
    if owner_only:
        explanation = f"Only the owner can change the details and cover of {playlist.uri}."
    else:  # a copy is no way out: Spotify shows others' playlists' items to nobody else
        explanation = (
            f"Only the owner or collaborators can change the items of {playlist.uri}, and "
            "only they can read them. playlists_list shows which playlists are the user's "
            "(mine); playlists_create makes a new one."
        )
    with not_mine(explanation):
        yield


def items_hidden(playlist: Ref, then: str) -> AbstractContextManager[None]:
    """Spotify's 403 for reading the items of a playlist not the user's, said with ``then``
    (what follows for the call)."""
    return not_mine(
        f"Spotify shows the items only of playlists the user owns or collaborates on, and "
        f"{playlist.uri} is neither{then}"
    )


def positions_checked(playlist: Ref) -> AbstractContextManager[None]:
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


def positions_moved(playlist: Ref) -> AbstractContextManager[None]:
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


def snapshot_checked(playlist: Ref) -> AbstractContextManager[None]:
    """Spotify's 400 for a snapshot_id it does not know, said with where to get one."""
    return answered(
        400,
        lambda _: InvalidInput(
            f"snapshot_id is not a version of {playlist.uri} Spotify knows: leave it out for "
            "the current version, or pass one a change of the playlist returned."
        ),
        when=lambda message: "snapshot" in message.lower(),
    )


def naming_unknown_items(
    spotify: Spotify, send: Callable[[int, list[str]], Any]
) -> Callable[[int, list[str]], Any]:
    """``send`` of a chunk of items, whose refusal for an item Spotify has none for names it
    (Spotify's answer does not)."""

    def run(start: int, chunk: list[str]) -> Any:
        with naming_missing(spotify, chunk, 400):
            return send(start, chunk)

    return run


def pointing_to_mine(tool: Callable[..., Any]) -> Callable[..., Any]:
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


def not_mine(explanation: str) -> AbstractContextManager[None]:
    """A 403 for want of ownership (not of a scope) becomes :class:`NotMine` (explanation)."""
    return answered(
        403, lambda _: NotMine(explanation), when=lambda message: "scope" not in message.lower()
    )
