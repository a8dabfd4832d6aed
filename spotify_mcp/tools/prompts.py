"""The ``prompts`` plugin: everyday Spotify workflows as MCP prompts.

Each prompt walks a model through one task with this server's tools, named exactly (in
backticks; a test checks every name against tools/list). Prompts only guide: changes that
cannot be undone are left for the user to confirm.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated

from pydantic import Field

from spotify_mcp import hookimpl
from spotify_mcp.errors import InvalidInput, clipped
from spotify_mcp.models import PLAYLIST_MAX_ITEMS

if TYPE_CHECKING:
    from spotify_mcp.registry import PromptRegistry


def build_playlist(
    description: Annotated[str, Field(description="A mood, an occasion, a genre or an era")],
    size: Annotated[str, Field(description=f"Tracks, 1 to {PLAYLIST_MAX_ITEMS}")] = "25",
) -> str:
    """Build a new playlist that fits a description (a mood, an occasion, a genre, an era)."""
    description = _given("description", description, most=500)
    tracks = size.strip()
    # Short before int(): Python refuses to convert more than 4,300 digits.
    number = tracks.isascii() and tracks.isdigit() and len(tracks) <= 5
    if not (number and 1 <= int(tracks) <= PLAYLIST_MAX_ITEMS):
        raise InvalidInput(
            f"size must be a number of tracks, 1 to {PLAYLIST_MAX_ITEMS}; got {clipped(repr(size))}"
        )
    return f"""Build a Spotify playlist of about {int(tracks)} tracks for: {description}

1. Find candidates with `search` (types ["track"]; at most 10 results a page, so vary the
   query and use filters such as genre:, year:1990-1999, artist:"Name"). For an album or
   artist that fits, `search_list_contents` lists its tracks or albums. `library_list_top`
   shows what the user already likes, if that helps. If the description asks for the
   user's own music, take it from `library_list_saved` (kind track; by="an artist" keeps
   theirs, brief=true names them) instead.
2. Pick tracks that fit, without duplicates, in a good listening order.
3. Create the playlist with ONE `playlists_create` call: a short name, a one-line
   description, and every track as items, in order. If it reports an error after creating
   the playlist, do not create it again: finish with `playlists_add_items` on it, as the
   error says.
4. Sum up what you added (no need to read it back), then offer to play it with
   `playback_start` (context = the new playlist's URI)."""


def whats_playing() -> str:
    """What is playing now, what comes next, and what to do about it."""
    return """Tell me what is playing on Spotify and what comes next.

1. `playback_state`: the item, progress, device, shuffle and repeat. If no device is
   active, list devices with `playback_devices` and ask which one to use with
   `playback_transfer`.
2. `playback_queue`: the next items.
3. Summarise in two or three lines, then offer: skip (`playback_skip`), queue something
   similar (`search`, then `playback_queue_add`), save the current track (`library_save`),
   or change volume, shuffle or repeat (`playback_set`)."""


def tidy_library() -> str:
    """Find duplicates and clutter in the user's playlists and library."""
    return """Help me tidy my Spotify library. Propose changes; make none until I confirm.

1. `playlists_list` (page with offset) for my playlists. Only those I own (mine: true) can
   be changed (the items of collaborative ones too).
2. Note very long or empty playlists (their item counts). For each of mine,
   `playlists_remove_duplicates` with dry_run=true finds its repeated tracks (it changes
   nothing); `playlists_get_items` with brief=true shows what one holds.
3. `library_list_saved` (kind track, album, show, episode; brief=true; added_before a date
   two years ago) for saved items I may have forgotten.
4. Present a short plan. After I confirm: remove repeated tracks of a playlist with
   `playlists_remove_duplicates` (it keeps each track's first occurrence), other items with
   `playlists_remove_items`, move items with `playlists_reorder_items`, and unsave with
   `library_remove` (the items named) or `library_remove_saved` (all those saved before a
   date, or by an artist: the same filters as step 3)."""


def explore_artist(artist: Annotated[str, Field(description="The artist's name")]) -> str:
    """Explore an artist: who they are, their albums and where to start listening."""
    artist = _given("artist", artist, most=200)
    return f"""Help me explore the artist {artist} on Spotify.

1. Find them with `search` (types ["artist"]; results carry genres); if several match,
   pick the likeliest and say which.
2. `search_list_contents` for their albums (groups ["album"] for studio albums only).
3. For two or three key albums, `search_list_contents` on the album for its tracks.
4. Suggest where to start, then offer: play the artist or an album (`playback_start` with
   it as context), follow the artist (`library_save`), or make a starter playlist
   (`playlists_create` with its tracks as items)."""


def _given(name: str, value: str, most: int) -> str:
    """``value`` on one line, refused when it says nothing or is too long to be meant."""
    text = " ".join(value.split())
    if not text:
        raise InvalidInput(f"{name} is empty: say what it should be")
    if len(text) > most:
        raise InvalidInput(f"{name} is {len(text)} characters; at most {most}")
    return text


@hookimpl
def register_prompts(registry: PromptRegistry) -> None:
    registry.add(build_playlist, title="Build a playlist")
    registry.add(whats_playing, title="What's playing")
    registry.add(tidy_library, title="Tidy my library")
    registry.add(explore_artist, title="Explore an artist")
