"""Resume points end to end: the user plays an episode or chapter in the sandbox, and the
tools that show it say where they stopped (``resume_ms``) or that they finished it
(``fully_played``), from what Spotify returns with user-read-playback-position."""

from __future__ import annotations

from typing import Any

import pytest
from stdio_server import StdioServer

from spotify_mcp.sandbox import PREMIUM_USER, Sandbox
from spotify_mcp.sandbox.catalog import Collection, Track
from spotify_mcp.sandbox.seed import device_id

LAPTOP = device_id(PREMIUM_USER, "Sandbox Laptop")


@pytest.fixture
def listener(server: StdioServer, fresh_sandbox: Sandbox) -> StdioServer:
    """The premium user's laptop active, nothing played yet."""
    server.call_ok("playback_transfer", device_id=LAPTOP)
    return server


def looked_up(server: StdioServer, item: Track) -> dict[str, Any]:
    (found,) = server.call_ok("search_get_items", refs=[item.uri])["items"]
    assert found["uri"] == item.uri
    return dict(found)


def listed(server: StdioServer, parent: Collection, kind: str, item: Track) -> dict[str, Any]:
    page = server.call_ok("search_list_contents", ref=f"spotify:{kind}:{parent.id}", limit=50)
    return next(entry for entry in page["items"] if entry["uri"] == item.uri)


def test_an_episode_played_partway_shows_where_the_user_stopped(
    listener: StdioServer, fresh_sandbox: Sandbox
) -> None:
    catalog = fresh_sandbox.runtime.catalog
    show = list(catalog.shows.values())[1]
    episode, unplayed = (catalog.episodes[e] for e in show.child_ids[2:4])
    listener.call_ok("playback_start", items=[episode.uri], position_ms=600_000)
    listener.call_ok("playback_pause")
    player = fresh_sandbox.runtime.state.users[PREMIUM_USER].player
    stopped_at = player.progress_ms()  # paused: it stays there
    assert 600_000 <= stopped_at < episode.duration_ms
    found = looked_up(listener, episode)
    assert found["resume_ms"] == stopped_at and "fully_played" not in found
    assert listed(listener, show, "show", episode)["resume_ms"] == stopped_at
    assert "resume_ms" not in listed(listener, show, "show", unplayed)


def test_a_chapter_played_to_the_end_shows_fully_played(
    listener: StdioServer, fresh_sandbox: Sandbox
) -> None:
    catalog = fresh_sandbox.runtime.catalog
    book = list(catalog.audiobooks.values())[1]
    chapter = catalog.chapters[book.child_ids[0]]
    listener.call_ok("playback_start", items=[chapter.uri], position_ms=chapter.duration_ms)
    found = looked_up(listener, chapter)
    assert found["fully_played"] is True and "resume_ms" not in found
    assert listed(listener, book, "audiobook", chapter)["fully_played"] is True


def test_where_the_user_stopped_is_not_served_from_before_they_listened(
    listener: StdioServer, fresh_sandbox: Sandbox
) -> None:
    """The cache keeps catalog reads a day; episodes and chapters it keeps as briefly as the
    library, and our own player commands evict them."""
    catalog = fresh_sandbox.runtime.catalog
    show = list(catalog.shows.values())[2]
    episode = catalog.episodes[show.child_ids[0]]
    assert "resume_ms" not in looked_up(listener, episode)
    assert "resume_ms" not in listed(listener, show, "show", episode)
    listener.call_ok("playback_start", items=[episode.uri], position_ms=300_000)
    listener.call_ok("playback_pause")
    stopped_at = fresh_sandbox.runtime.state.users[PREMIUM_USER].player.progress_ms()
    assert looked_up(listener, episode)["resume_ms"] == stopped_at
    assert listed(listener, show, "show", episode)["resume_ms"] == stopped_at


def test_search_results_do_not_say_where_the_user_stopped(
    listener: StdioServer, fresh_sandbox: Sandbox
) -> None:
    """Search replies are kept a day: a resume point in them could be that old."""
    episode = next(iter(fresh_sandbox.runtime.catalog.episodes.values()))
    listener.call_ok("playback_start", items=[episode.uri], position_ms=300_000)
    listener.call_ok("playback_pause")
    assert looked_up(listener, episode)["resume_ms"] >= 300_000  # Spotify says it
    pages = listener.call_ok("search", query=episode.name, types=["episode"], limit=10)["pages"]
    found = [e for e in pages["episode"]["items"] if e["uri"] == episode.uri]
    assert found and "resume_ms" not in found[0]


def test_saved_episodes_show_where_the_user_stopped_after_our_player_commands(
    listener: StdioServer, fresh_sandbox: Sandbox
) -> None:
    """The list of saved episodes carries resume points too: a cached one from before the
    user listened is evicted by our player commands, as a lookup is."""
    episode = next(iter(fresh_sandbox.runtime.catalog.episodes.values()))
    listener.call_ok("library_save", refs=[episode.uri])

    def saved() -> dict[str, Any]:
        page = listener.call_ok("library_list_saved", kind="episode", limit=50)
        return next(item for item in page["items"] if item["uri"] == episode.uri)

    assert "resume_ms" not in saved()  # cached
    listener.call_ok("playback_start", items=[episode.uri], position_ms=300_000)
    listener.call_ok("playback_pause")
    stopped_at = fresh_sandbox.runtime.state.users[PREMIUM_USER].player.progress_ms()
    assert saved()["resume_ms"] == stopped_at


def test_episodes_in_a_playlist_do_not_say_where_the_user_stopped(
    listener: StdioServer, fresh_sandbox: Sandbox
) -> None:
    """A playlist's items are cached longer than our player commands can evict them."""
    episode = next(iter(fresh_sandbox.runtime.catalog.episodes.values()))
    playlist = listener.call_ok("playlists_create", {"name": "Episodes"}, items=[episode.uri])
    items = {"playlist": playlist["playlist"]}
    listener.call_ok("playback_start", items=[episode.uri], position_ms=300_000)
    listener.call_ok("playback_pause")
    assert looked_up(listener, episode)["resume_ms"] >= 300_000  # Spotify says it
    assert "resume_ms" not in listener.call_ok("playlists_get_items", items)["items"][0]


# -- an audiobook played from where the user left off -------------------------------------------


def now_playing(server: StdioServer) -> tuple[str, int]:
    state = server.call_ok("playback_state")
    return state["item"]["uri"], state["progress_ms"]


def test_an_audiobook_plays_from_where_the_user_left_off(
    listener: StdioServer, fresh_sandbox: Sandbox
) -> None:
    catalog = fresh_sandbox.runtime.catalog
    book = list(catalog.audiobooks.values())[2]
    first, second, third, fourth = (catalog.chapters[c] for c in book.child_ids[:4])
    uri = f"spotify:audiobook:{book.id}"
    listener.call_ok("playback_start", context=uri)
    assert now_playing(listener)[0] == first.uri  # never begun: from the start

    listener.call_ok("playback_start", items=[second.uri], position_ms=second.duration_ms)
    listener.call_ok("playback_start", context=uri)
    assert now_playing(listener)[0] == third.uri  # the one after the last finished

    listener.call_ok("playback_start", items=[third.uri], position_ms=400_000)
    listener.call_ok("playback_pause")
    stopped_at = fresh_sandbox.runtime.state.users[PREMIUM_USER].player.progress_ms()
    done = listener.call_ok("playback_start", context=uri)
    assert done["done"] == f"playing {book.name}, {third.name} at {stopped_at} ms"
    playing, progress = now_playing(listener)
    assert playing == third.uri and progress >= stopped_at
    # the rest of the book follows, not silence after one chapter
    assert listener.call_ok("playback_queue")["queue"][0]["uri"] == fourth.uri


def test_an_audiobook_plays_from_a_chapter_and_on(
    listener: StdioServer, fresh_sandbox: Sandbox
) -> None:
    catalog = fresh_sandbox.runtime.catalog
    book = list(catalog.audiobooks.values())[3]
    chapters = [catalog.chapters[c] for c in book.child_ids]
    uri = f"spotify:audiobook:{book.id}"
    listener.call_ok("playback_start", context=uri, offset=2, position_ms=1_000)
    playing, progress = now_playing(listener)
    assert playing == chapters[2].uri and progress >= 1_000
    assert listener.call_ok("playback_queue")["queue"][0]["uri"] == chapters[3].uri
    listener.call_ok("playback_start", context=uri, offset_item=chapters[4].uri)
    assert now_playing(listener)[0] == chapters[4].uri
    past = listener.call_error("playback_start", context=uri, offset=len(chapters))
    assert past.endswith(
        f"offset {len(chapters)} is past the end of {uri}, which holds {len(chapters)} items "
        "(offsets count from 0)."
    )


def test_a_brief_list_keeps_where_the_user_stopped(
    listener: StdioServer, fresh_sandbox: Sandbox
) -> None:
    """ "Continue my podcast": the saved episodes named only, with the one begun marked."""
    newest = listener.call_ok("library_list_saved", kind="episode", limit=1)["items"][0]
    listener.call_ok("playback_start", items=[newest["uri"]], position_ms=600_000)
    listener.call_ok("playback_pause")
    stopped_at = fresh_sandbox.runtime.state.users[PREMIUM_USER].player.progress_ms()
    brief = listener.call_ok("library_list_saved", kind="episode", limit=2, brief=True)
    begun, other = brief["items"]
    assert begun["uri"] == newest["uri"] and begun["resume_ms"] == stopped_at
    assert "resume_ms" not in other


def test_an_audiobook_with_no_chapters_listed_is_refused_before_playing(
    listener: StdioServer, fresh_sandbox: Sandbox
) -> None:
    book = list(fresh_sandbox.runtime.catalog.audiobooks.values())[4]
    chapters, book.child_ids = book.child_ids, []
    try:
        error = listener.call_error("playback_start", context=f"spotify:audiobook:{book.id}")
    finally:
        book.child_ids = chapters
    assert error.endswith(f"Spotify lists no chapters of spotify:audiobook:{book.id} to play")
