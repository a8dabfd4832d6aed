"""Albums and playlists among the items to add: each stands for its tracks and episodes, in
place, read from Spotify before anything is sent."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from spotify_mcp.errors import InvalidInput, answered
from spotify_mcp.fanout import fan_out
from spotify_mcp.lookup import contents
from spotify_mcp.models import PLAYLIST_MAX_ITEMS, Page
from spotify_mcp.refs import ITS_TRACKS
from spotify_mcp.tools.playlists.arguments import SOURCE_KINDS
from spotify_mcp.tools.playlists.reading import items_at
from spotify_mcp.tools.playlists.refusals import items_hidden

if TYPE_CHECKING:
    from spotify_mcp.refs import Ref
    from spotify_mcp.session import Spotify

_FIND = {
    "album": "search finds albums by name",
    "playlist": "playlists_list with name finds the user's playlists, search public ones",
}


@dataclass(frozen=True)
class Expansion:
    """The URIs to send, and where each came from: ``origins[n]`` is the index in the call's
    items and, for one of an album or playlist, its offset there (None for a track or episode
    given itself)."""

    uris: list[str]
    origins: list[tuple[int, int | None]]
    items: list[Ref]  # the call's
    left_out: int | None  # local files, unavailable items of the playlists (None: none)

    @property
    def argument(self) -> str | None:
        """``"items"`` while the URIs are the call's items, so that what is left of a partial
        change is a slice of them; else None: counted, and said by :meth:`rest`."""
        return None if any(offset is not None for _, offset in self.origins) else "items"

    def rest(self, first: int) -> str:
        """The URIs from ``first`` on, in terms of the call's items: `` (items[2] from offset
        50, then items[3:]; ...)``; nothing where :attr:`argument` names them."""
        if self.argument:
            return ""
        index, offset = self.origins[first]
        if offset is None or first == 0 or self.origins[first - 1][0] != index:
            return f" (items[{index}:])"  # from the start of an item given
        after = f", then items[{index + 1}:]" if index + 1 < len(self.items) else ""
        where = ITS_TRACKS[self.items[index].kind]
        return f" (items[{index}] from offset {offset}{after}; {where})"


def expand(spotify: Spotify, items: list[Ref]) -> Expansion:
    """``items`` with each album and playlist replaced by its items, each read once and all
    concurrently; refused when they come to more than a playlist holds."""
    sources = list(dict.fromkeys(item for item in items if item.kind in SOURCE_KINDS))
    read = fan_out(lambda ref: _contents(spotify, ref), sources)
    contents = dict(zip(sources, read, strict=True))
    uris: list[str] = []
    origins: list[tuple[int, int | None]] = []
    left_out = 0
    for index, item in enumerate(items):
        if item not in contents:
            uris.append(item.uri)
            origins.append((index, None))
            continue
        for offset, uri in enumerate(contents[item]):
            if uri is None:
                left_out += 1
            else:
                uris.append(uri)
                origins.append((index, offset))
    if len(uris) > PLAYLIST_MAX_ITEMS:
        raise InvalidInput(
            f"items come to {len(uris):,} tracks and episodes with the albums' and playlists' "
            f"own; a playlist holds {PLAYLIST_MAX_ITEMS:,}. Nothing changed: send fewer."
        )
    return Expansion(uris, origins, items, left_out or None)


def _contents(spotify: Spotify, source: Ref) -> list[str | None]:
    """The URIs of an album's tracks or a playlist's items, by position (None for what cannot
    be added: a local file, an unavailable item)."""
    with answered(
        404,
        lambda _: InvalidInput(
            f"Not found: {source.uri}, in items; nothing changed. Check the ID, URI or URL: "
            f"{_FIND[source.kind]}."
        ),
    ):
        if source.kind == "playlist":
            with items_hidden(source, ", so they cannot be added; nothing changed."):
                return [item.uri if item else None for item in items_at(spotify, source)]

        tracks = contents(
            spotify, source, lambda track: track["uri"], Page[str], limit=PLAYLIST_MAX_ITEMS
        )
        return list(tracks.items)
