"""The playlists tools end to end: a real server over stdio against the sandbox.

Tests that change items work on playlists they create, so they stay independent of each
other and of cached reads of the seeded playlists.
"""

from __future__ import annotations

import base64
from typing import Any

import pytest
from stdio_server import StdioServer
from toolkit import operations_hit

from spotify_mcp.app import App
from spotify_mcp.sandbox import Sandbox
from spotify_mcp.sandbox.ids import make_id
from spotify_mcp.sandbox.seed import (
    COLLAB_PLAYLIST,
    DEEP_FOCUS_PLAYLIST,
    EMPTY_PLAYLIST,
    FOLLOWED_PLAYLIST,
    playlist_id,
)

UNKNOWN_PLAYLIST = "spotify:playlist:0000000000000000000000"
FOCUS = f"spotify:playlist:{DEEP_FOCUS_PLAYLIST}"  # a bare ID could be of any kind in items
LATE_NIGHT = make_id("playlist", "late-night")  # owned by the premium user, private
TINY_JPEG = bytes.fromhex("ffd8ffe000104a46494600010100000100010000ffd9")


@pytest.fixture(scope="module", autouse=True)
def seeded(sandbox: Sandbox) -> None:
    """Seeded state before this module's servers start (so nothing stale is cached)."""
    sandbox.reset()


@pytest.fixture(scope="module")
def tracks(sandbox: Sandbox) -> list[str]:
    """300 distinct track URIs from the sandbox's catalogue."""
    return [f"spotify:track:{ident}" for ident in list(sandbox.runtime.catalog.tracks)[:300]]


@pytest.fixture(scope="module")
def album(sandbox: Sandbox) -> tuple[str, list[str]]:
    """An album of the catalogue with more than one track, and its tracks in order."""
    found = next(a for a in sandbox.runtime.catalog.albums.values() if len(a.track_ids) >= 10)
    return f"spotify:album:{found.id}", [f"spotify:track:{ident}" for ident in found.track_ids]


def new_playlist(server: StdioServer, name: str = "Test") -> str:
    return str(server.call_ok("playlists_create", {"name": name})["playlist"])


def item_uris(server: StdioServer, playlist: str) -> list[str]:
    """Every item, 200 a call (the most one call returns), by next_offset."""
    items: list[dict[str, Any]] = []
    offset: int | None = 0
    while offset is not None:
        page = server.call_ok("playlists_get_items", playlist=playlist, offset=offset, all=True)
        items += page["items"]
        offset = page.get("next_offset")
    assert [item["position"] for item in items] == list(range(len(items)))
    return [item["uri"] for item in items]


def requests_to(sandbox: Sandbox, playlist: str, method: str) -> list[dict[str, Any]]:
    path = f"/v1/playlists/{playlist.rsplit(':', 1)[-1]}/items"
    return [r for r in sandbox.requests() if r["path"] == path and r["method"] == method]


# -- reading ----------------------------------------------------------------------------------


def test_list_pages_through_my_playlists(server: StdioServer) -> None:
    first = server.call_ok("playlists_list", limit=5)
    rest = server.call_ok("playlists_list", limit=50, offset=first["next_offset"])
    assert first["next_offset"] == 5 and "next_offset" not in rest
    # 8 seeded, plus any that tests of this module created before this one.
    uris = [p["uri"] for p in first["items"] + rest["items"]]
    assert len(set(uris)) == len(uris) == first["total"] >= 8
    names = {p["name"] for p in first["items"] + rest["items"]}
    assert {"Deep Focus", "Crate Digging"} <= names


def test_the_users_own_playlists_are_marked_mine(server: StdioServer) -> None:
    listed = server.call_ok("playlists_list", limit=50)["items"]
    mine = {p["name"]: p["mine"] for p in listed}
    # Friday Night Collab: the user collaborates on it, but it is Marisol's.
    assert (mine["Deep Focus"], mine["Crate Digging"], mine["Friday Night Collab"]) == (
        True,
        False,
        False,
    )
    assert server.call_ok("playlists_get", playlist=DEEP_FOCUS_PLAYLIST)["mine"] is True
    assert server.call_ok("playlists_get", playlist=FOLLOWED_PLAYLIST)["mine"] is False


def test_list_finds_playlists_by_the_words_of_their_name(server: StdioServer) -> None:
    def found(name: str) -> list[str]:
        return [p["name"] for p in server.call_ok("playlists_list", {"name": name})["items"]]

    assert found("deep focus") == found("FOCUS deep") == found("deepfocus") == ["Deep Focus"]
    assert found("road classics") == ["Road Trip Classics"]
    assert found("zqxj") == []
    # None has every word: those with the most, so a word too many hides nothing.
    assert found("my deep focus playlist") == found("deep focuses") == ["Deep Focus"]
    cafe = new_playlist(server, "Café Lo-Fi ☕")
    # Accents, punctuation and spaces aside; an emoji is a word like any other.
    for name in ("cafe lofi", "CAFÉ lo fi", "☕"):
        assert [p["uri"] for p in server.call_ok("playlists_list", {"name": name})["items"]] == [
            cafe
        ]


def test_list_by_name_spells_out_letters_without_a_decomposed_accent(server: StdioServer) -> None:
    """NFKD takes "é" apart, not "ø" or "æ": they are spelled out, as Spotify's search does."""
    made = new_playlist(server, "Sørensen Æther Łódź")
    for name in ("sorensen aether lodz", "SØRENSEN", "æther"):
        assert [p["uri"] for p in server.call_ok("playlists_list", {"name": name})["items"]] == [
            made
        ]


def test_matches_by_name_page_on_from_the_first_not_shown(server: StdioServer) -> None:
    # Newest first: Stroll Three, Unmatched Walk, Stroll Two, Stroll One.
    for name in ("Stroll One", "Stroll Two", "Unmatched Walk", "Stroll Three"):
        new_playlist(server, name)
    first = server.call_ok("playlists_list", {"name": "stroll"}, limit=2)
    assert [p["name"] for p in first["items"]] == ["Stroll Three", "Stroll Two"]
    assert first["total"] == 3 and first["next_offset"] == 3  # where Stroll One is
    rest = server.call_ok("playlists_list", {"name": "stroll"}, limit=2, offset=3)
    assert [p["name"] for p in rest["items"]] == ["Stroll One"]
    assert rest["total"] == 1 and "next_offset" not in rest
    assert all(p["mine"] for p in first["items"] + rest["items"])


def test_get_shows_details(server: StdioServer) -> None:
    details = server.call_ok("playlists_get", playlist=DEEP_FOCUS_PLAYLIST)
    assert details["name"] == "Deep Focus" and details["owner"] == "Avery Lane"
    assert details["total"] == 150 and details["snapshot_id"]


def test_items_of_someone_elses_playlist_are_not_shown(server: StdioServer) -> None:
    message = server.call_error("playlists_get_items", playlist=FOLLOWED_PLAYLIST)
    assert "only of playlists the user owns or collaborates on" in message
    assert server.call_ok("playlists_get", playlist=FOLLOWED_PLAYLIST)["name"]


def test_get_items_pages_with_positions(server: StdioServer) -> None:
    url = f"https://open.spotify.com/playlist/{DEEP_FOCUS_PLAYLIST}?si=abc"
    page = server.call_ok("playlists_get_items", playlist=url, offset=40, limit=20)
    assert [i["position"] for i in page["items"]] == list(range(40, 60))
    assert page["total"] == 150 and page["next_offset"] == 60
    assert all(i["uri"].startswith("spotify:track:") and i["artists"] for i in page["items"])


def test_get_items_all_reads_every_page_in_three_requests(
    uncached: StdioServer, sandbox: Sandbox
) -> None:
    sandbox.clear_requests()
    page = uncached.call_ok("playlists_get_items", playlist=DEEP_FOCUS_PLAYLIST, all=True)
    assert [i["position"] for i in page["items"]] == list(range(150))
    assert "next_offset" not in page
    assert len(requests_to(sandbox, DEEP_FOCUS_PLAYLIST, "GET")) == 3


def test_brief_items_keep_positions_and_name_who_by(server: StdioServer) -> None:
    read = {"playlist": playlist_id("morning-commute"), "all": True}
    full = server.call_ok("playlists_get_items", read)
    brief = server.call_ok("playlists_get_items", {**read, "brief": True})
    assert brief["total"] == full["total"]
    pairs = list(zip(brief["items"], full["items"], strict=True))
    assert all(b["uri"] == f["uri"] and b["position"] == f["position"] for b, f in pairs)
    assert all(set(b) <= {"uri", "name", "by", "position", "added_at"} for b, _ in pairs)
    episodes = [(b, f) for b, f in pairs if f["uri"].startswith("spotify:episode:")]
    assert episodes and all(b["by"] == f["show"]["name"] for b, f in episodes)


def test_get_items_includes_episodes(sb: Sandbox, uncached: StdioServer) -> None:
    # The seeded playlist by ID: playlists other tests create push it down playlists_list.
    commute = playlist_id("morning-commute")
    items = uncached.call_ok("playlists_get_items", playlist=commute, all=True)["items"]
    kinds = {i["uri"].split(":")[1] for i in items}
    assert kinds == {"track", "episode"} and len(items) == 40


def test_get_cover(server: StdioServer) -> None:
    cover = server.call_ok("playlists_get_cover", playlist=DEEP_FOCUS_PLAYLIST)
    assert cover["urls"] and all(url.startswith("https://") for url in cover["urls"])


# -- creating and changing details ------------------------------------------------------------


def test_create_then_read(server: StdioServer) -> None:
    created = server.call_ok(
        "playlists_create", {"name": "Rainy Day"}, description="Soft and slow", collaborative=True
    )
    details = server.call_ok("playlists_get", playlist=created["playlist"])
    assert details["name"] == "Rainy Day" and details["description"] == "Soft and slow"
    assert details["public"] is False and details["collaborative"] is True
    assert details["total"] == 0 and details["snapshot_id"] == created["snapshot_id"]
    mine = server.call_ok("playlists_list", limit=1)["items"]
    assert mine[0]["uri"] == created["playlist"]


def test_create_with_items_adds_them_in_order_100_a_request(
    uncached: StdioServer, sandbox: Sandbox, tracks: list[str]
) -> None:
    sandbox.clear_requests()
    created = uncached.call_ok("playlists_create", {"name": "Made full"}, items=tracks[:250])
    playlist = created["playlist"]
    assert created["added"] == 250
    assert len(requests_to(sandbox, playlist, "POST")) == 3
    assert item_uris(uncached, playlist) == tracks[:250]
    details = uncached.call_ok("playlists_get", playlist=playlist)
    assert created["snapshot_id"] == details["snapshot_id"]  # the version after the adds
    assert uncached.call_ok("playlists_create", {"name": "Made empty"}, items=[])["added"] == 0


def playlists_named(server: StdioServer, name: str) -> list[str]:
    return [p["uri"] for p in server.call_ok("playlists_list", {"name": name})["items"]]


@pytest.mark.parametrize(
    ("at", "said"),
    [
        (100, "and added the first 100 of 151 items; items[100:] did not go through. Not found"),
        (0, "playlists_create); items[0:] did not go through. Not found"),
    ],
)
def test_create_whose_adds_fail_says_the_playlist_was_made_and_how_to_finish(
    uncached: StdioServer, tracks: list[str], at: int, said: str
) -> None:
    name = f"Half made {'late' if at else 'early'}"
    unknown = "spotify:track:0000000000000000000000"  # well-formed: only Spotify can refuse it
    items = [*tracks[:at], unknown, *tracks[at:150]]
    error = uncached.call_error("playlists_create", {"name": name}, items=items)
    [playlist] = playlists_named(uncached, name)  # made once
    assert f"Created {playlist} (finish with playlists_add_items on it, not playlists_create)" in (
        error
    )
    assert said in error and f"To finish, send{' only' if at else ''} items[{at}:]" in error
    assert item_uris(uncached, playlist) == tracks[:at]
    # The advice, followed without the unknown item.
    rest = [item for item in items[at:] if item != unknown]
    uncached.call_ok("playlists_add_items", playlist=playlist, items=rest)
    assert item_uris(uncached, playlist) == tracks[:150]


def test_update_then_read(server: StdioServer) -> None:
    playlist = new_playlist(server)
    changed = server.call_ok(
        "playlists_update", {"name": "Renamed"}, playlist=playlist, public=True, description=""
    )
    assert changed["changed"] == ["name", "description", "public"]
    details = server.call_ok("playlists_get", playlist=playlist)
    assert details["name"] == "Renamed" and details["public"] is True
    assert "description" not in details


@pytest.mark.parametrize(
    ("tool", "args", "expected"),
    [
        ("playlists_create", {"name": "X", "public": True, "collaborative": True}, "private"),
        ("playlists_create", {"name": ""}, "at least 1 character"),
        ("playlists_create", {}, "name"),
        ("playlists_update", {"playlist": EMPTY_PLAYLIST}, "at least one of"),
        ("playlists_update", {"playlist": EMPTY_PLAYLIST, "description": "x" * 301}, "300"),
        ("playlists_list", {"limit": 51}, "less than or equal to 50"),
        ("playlists_list", {"name": "  "}, "at least 1 character"),
        (
            "playlists_add_items",
            {
                "playlist": EMPTY_PLAYLIST,
                "items": ["spotify:track:4uLU6hMCjMI75M1A2tKUQC"],
                "position": 0,
                "skip_present": True,
            },
            "skip_present adds at the end: pass position or skip_present",
        ),
        ("playlists_list", {"name": "!!! -"}, "'!!! -' has no letters, digits or emoji"),
        ("playlists_get_items", {"playlist": EMPTY_PLAYLIST, "offset": -1}, "greater than"),
        ("playlists_get", {"playlist": "spotify:album:4uLU6hMCjMI75M1A2tKUQC"}, "album"),
        ("playlists_get", {"playlist": "spotify:playlist:short"}, "not a valid Spotify playlist"),
        ("playlists_get", {}, "playlist"),
        ("playlists_create", {"name": "   "}, "at least 1 character"),
        ("playlists_get_items", {"playlist": EMPTY_PLAYLIST, "offset": True}, "not a number"),
        ("playlists_get", {"playlist": "x" * 100_000}, "'xxxxxxxxxx"),  # and short: see below
        ("playlists_get", {"playlist": UNKNOWN_PLAYLIST}, "Not found"),
        ("playlists_get_items", {"playlist": UNKNOWN_PLAYLIST}, "Not found"),
    ],
)
def test_bad_input_and_unknown_ids(
    server: StdioServer, tool: str, args: dict[str, Any], expected: str
) -> None:
    error = server.call_error(tool, args)
    assert expected in error and len(error) < 500  # what was given is quoted, cut short


def test_many_bad_items_make_one_short_error(server: StdioServer) -> None:
    error = server.call_error("playlists_add_items", playlist=EMPTY_PLAYLIST, items=["bad"] * 1000)
    assert "items.0: 'bad' is not a Spotify URI or URL" in error and "; and 995 more." in error
    assert len(error) < 2000


# -- adding -----------------------------------------------------------------------------------


def test_add_250_items_sends_three_requests_in_order(
    uncached: StdioServer, sandbox: Sandbox, tracks: list[str]
) -> None:
    playlist = new_playlist(uncached)
    sandbox.clear_requests()
    added = uncached.call_ok("playlists_add_items", playlist=playlist, items=tracks[:250])
    posts = requests_to(sandbox, playlist, "POST")
    assert len(posts) == 3 and all(p["status"] == 201 for p in posts)
    assert added["added"] == 250 and added["snapshot_id"]
    assert item_uris(uncached, playlist) == tracks[:250]


def test_add_at_a_position_keeps_order_across_chunks(
    server: StdioServer, tracks: list[str]
) -> None:
    playlist = new_playlist(server)
    server.call_ok("playlists_add_items", playlist=playlist, items=tracks[:2])
    inserted = tracks[100:250]
    server.call_ok("playlists_add_items", playlist=playlist, items=inserted, position=1)
    assert item_uris(server, playlist) == [tracks[0], *inserted, tracks[1]]


def test_add_accepts_urls_ids_of_episodes_and_duplicates(
    server: StdioServer, sandbox: Sandbox, tracks: list[str]
) -> None:
    playlist = new_playlist(server)
    episode = f"spotify:episode:{next(iter(sandbox.runtime.catalog.episodes))}"
    url = f"https://open.spotify.com/track/{tracks[0].rsplit(':', 1)[-1]}"
    server.call_ok("playlists_add_items", playlist=playlist, items=[url, episode, tracks[0]])
    assert item_uris(server, playlist) == [tracks[0], episode, tracks[0]]


@pytest.mark.parametrize(
    ("items", "expected"),
    [
        (["spotify:artist:4uLU6hMCjMI75M1A2tKUQC"], "here; search_list_contents lists its albums"),
        (["spotify:show:4uLU6hMCjMI75M1A2tKUQC"], "here; search_list_contents lists its episodes"),
        (["spotify:track:nope"], "not a valid Spotify track ID"),
        (["4uLU6hMCjMI75M1A2tKUQC"], "bare ID"),
        ([], "at least 1 item"),
    ],
)
def test_add_rejects_bad_items_before_any_request(
    uncached: StdioServer, sandbox: Sandbox, items: list[str], expected: str
) -> None:
    sandbox.clear_requests()
    error = uncached.call_error("playlists_add_items", playlist=EMPTY_PLAYLIST, items=items)
    assert expected in error and sandbox.requests() == []


def test_add_skipping_present_items_is_safe_to_repeat(
    uncached: StdioServer, sandbox: Sandbox, tracks: list[str]
) -> None:
    playlist = new_playlist(uncached)
    a, b, c = tracks[:3]
    uncached.call_ok("playlists_add_items", playlist=playlist, items=[a])
    add = {"playlist": playlist, "items": [b, a, c, b], "skip_present": True}
    added = uncached.call_ok("playlists_add_items", add)
    assert (added["added"], added["skipped"]) == (2, 2) and added["snapshot_id"]
    assert item_uris(uncached, playlist) == [a, b, c]
    sandbox.clear_requests()
    again = uncached.call_ok("playlists_add_items", add)
    assert (again["added"], again["skipped"]) == (0, 4)
    assert requests_to(sandbox, playlist, "POST") == []  # nothing left to add: nothing sent
    assert item_uris(uncached, playlist) == [a, b, c]


def test_skipping_present_items_reads_past_the_first_page_and_keeps_order(
    server: StdioServer, tracks: list[str]
) -> None:
    playlist = new_playlist(server)
    server.call_ok("playlists_add_items", playlist=playlist, items=tracks[:120])
    added = server.call_ok(
        "playlists_add_items",
        playlist=playlist,
        items=[tracks[119], tracks[200], tracks[60], tracks[201]],
        skip_present=True,
    )
    assert (added["added"], added["skipped"]) == (2, 2)
    assert item_uris(server, playlist) == [*tracks[:120], tracks[200], tracks[201]]


def test_present_items_and_repeats_are_read_from_spotify_not_from_a_cache(
    server: StdioServer, uncached: StdioServer, tracks: list[str]
) -> None:
    playlist = new_playlist(server)
    a, b = tracks[:2]
    server.call_ok("playlists_add_items", playlist=playlist, items=[a])
    assert item_uris(server, playlist) == [a]  # cached
    uncached.call_ok("playlists_add_items", playlist=playlist, items=[b])  # elsewhere
    added = server.call_ok("playlists_add_items", playlist=playlist, items=[b], skip_present=True)
    assert added["added"] == 0
    uncached.call_ok("playlists_add_items", playlist=playlist, items=[a])  # elsewhere
    removed = server.call_ok("playlists_remove_duplicates", playlist=playlist)
    assert [(r["uri"], r["extra"]) for r in removed["repeats"]] == [(a, 1)]
    assert item_uris(uncached, playlist) == [a, b]


def test_add_position_out_of_range(server: StdioServer, tracks: list[str]) -> None:
    playlist = new_playlist(server)
    error = server.call_error(
        "playlists_add_items", playlist=playlist, items=tracks[:1], position=5
    )
    assert "invalid" in error.lower()


def test_adding_to_someone_elses_playlist_says_who_may(
    server: StdioServer, tracks: list[str]
) -> None:
    error = server.call_error("playlists_add_items", playlist=FOLLOWED_PLAYLIST, items=tracks[:1])
    assert "Only the owner or collaborators can change the items of" in error
    # not "change a copy": the items of a playlist not the user's cannot be read to copy
    assert "playlists_list shows which playlists are the user's (mine)" in error


def test_collaborators_may_add_but_not_rename(server: StdioServer, tracks: list[str]) -> None:
    before = server.call_ok("playlists_get", playlist=COLLAB_PLAYLIST)["total"]
    server.call_ok("playlists_add_items", playlist=COLLAB_PLAYLIST, items=tracks[:1])
    assert server.call_ok("playlists_get", playlist=COLLAB_PLAYLIST)["total"] == before + 1
    error = server.call_error("playlists_update", {"name": "Mine now"}, playlist=COLLAB_PLAYLIST)
    assert "Only the owner" in error


def test_a_failed_chunk_says_how_many_were_added(server: StdioServer, tracks: list[str]) -> None:
    playlist = new_playlist(server)
    unknown = "spotify:track:0000000000000000000000"  # well-formed: only Spotify can refuse it
    error = server.call_error(
        "playlists_add_items", playlist=playlist, items=[*tracks[:100], unknown]
    )
    assert "Added the first 100 of 101 items; items[100:] did not go through. Not found" in error
    assert f"Spotify has no item for {unknown}. Leave them out" in error  # Spotify says not which
    assert "To finish, send only items[100:]: all 101 again would repeat the first 100." in error
    assert item_uris(server, playlist) == tracks[:100]


def test_a_refused_first_chunk_says_nothing_went_through(
    server: StdioServer, tracks: list[str]
) -> None:
    playlist = new_playlist(server)
    unknown = "spotify:track:0000000000000000000000"
    items = [unknown, *tracks[:100]]
    error = server.call_error("playlists_add_items", playlist=playlist, items=items)
    # not only "Not found", which would leave the model wondering about the other 100
    assert "playlists_add_items: Nothing changed: none of the 101 items went through" in error
    assert f"Spotify has no item for {unknown}. Leave them out" in error
    assert item_uris(server, playlist) == []


@pytest.mark.parametrize(
    ("playlist", "position", "said"),
    [
        (FOLLOWED_PLAYLIST, None, "Only the owner or collaborators can change the items"),
        (UNKNOWN_PLAYLIST, None, "playlists_list with name finds the user's playlists"),
        (None, 5, "position must be at most the item count of"),
    ],
)
def test_a_refusal_of_the_whole_call_is_explained_whatever_the_item_count(
    uncached: StdioServer, tracks: list[str], playlist: str | None, position: int | None, said: str
) -> None:
    """Someone else's playlist, an unknown one, a position past the end: the tool's own
    explanation, for 150 items as for 5 (wrapped as "Nothing changed", it was lost)."""
    target = playlist or new_playlist(uncached)

    def error(items: list[str]) -> str:
        args = {"playlist": target, "items": items, "position": position}
        return uncached.call_error("playlists_add_items", args)

    assert said in error(tracks[:5])
    assert error(tracks[:150]) == error(tracks[:5])


# -- albums and playlists among the items -----------------------------------------------------


def test_an_album_among_the_items_adds_its_tracks_in_place_at_a_position(
    server: StdioServer, sandbox: Sandbox, tracks: list[str], album: tuple[str, list[str]]
) -> None:
    playlist = new_playlist(server)
    server.call_ok("playlists_add_items", playlist=playlist, items=tracks[:2])
    episode = f"spotify:episode:{next(iter(sandbox.runtime.catalog.episodes))}"
    ref, album_tracks = album
    items = [tracks[5], ref, episode]
    added = server.call_ok("playlists_add_items", playlist=playlist, items=items, position=1)
    assert added["added"] == len(album_tracks) + 2 and "left_out" not in added
    assert item_uris(server, playlist) == [tracks[0], tracks[5], *album_tracks, episode, tracks[1]]


def test_two_playlists_merge_without_repeats_in_order(
    uncached: StdioServer, sandbox: Sandbox, tracks: list[str]
) -> None:
    a = uncached.call_ok("playlists_create", {"name": "A"}, items=tracks[:60])["playlist"]
    b = uncached.call_ok("playlists_create", {"name": "B"}, items=tracks[40:120])["playlist"]
    merged = new_playlist(uncached, "Merged")
    uncached.call_ok("playlists_add_items", playlist=merged, items=[tracks[100]])
    merge = {"playlist": merged, "items": [a, b], "skip_present": True}
    sandbox.clear_requests()
    added = uncached.call_ok("playlists_add_items", merge)
    assert (added["added"], added["skipped"]) == (119, 21)  # 20 in both, 1 there before
    assert item_uris(uncached, merged) == [tracks[100], *tracks[:100], *tracks[101:120]]
    assert len(requests_to(sandbox, a, "GET")) == 2  # 60 items, 50 a page
    assert (again := uncached.call_ok("playlists_add_items", merge))["added"] == 0
    assert again["skipped"] == 140
    # Or made in one call, then deduplicated.
    everything = uncached.call_ok("playlists_create", {"name": "Everything"}, items=[a, b])
    assert everything["added"] == 140
    uncached.call_ok("playlists_remove_duplicates", playlist=everything["playlist"])
    assert item_uris(uncached, everything["playlist"]) == tracks[:120]


def test_an_empty_playlist_among_the_items_adds_nothing(server: StdioServer) -> None:
    playlist = new_playlist(server)
    empty = f"spotify:playlist:{EMPTY_PLAYLIST}"
    added = server.call_ok("playlists_add_items", playlist=playlist, items=[empty])
    # not Spotify's "No uris provided" for an empty add
    assert added == {"playlist": playlist, "added": 0} and item_uris(server, playlist) == []


def test_create_from_a_playlist_of_more_than_100_items(server: StdioServer) -> None:
    focus = item_uris(server, DEEP_FOCUS_PLAYLIST)
    copy = server.call_ok("playlists_create", {"name": "Focus copy"}, items=[FOCUS])
    assert copy["added"] == len(focus) == 150
    assert item_uris(server, copy["playlist"]) == focus


@pytest.mark.parametrize(
    ("source", "said"),
    [
        (
            f"spotify:playlist:{FOLLOWED_PLAYLIST}",
            "Spotify shows the items only of playlists the user owns or collaborates on, and "
            f"spotify:playlist:{FOLLOWED_PLAYLIST} is neither, so they cannot be added; "
            "nothing changed.",
        ),
        (
            "spotify:album:0000000000000000000000",
            "Not found: spotify:album:0000000000000000000000, in items; nothing changed. Check "
            "the ID, URI or URL: search finds albums by name.",
        ),
        (
            UNKNOWN_PLAYLIST,
            f"Not found: {UNKNOWN_PLAYLIST}, in items; nothing changed. Check the ID, URI or "
            "URL: playlists_list with name finds the user's playlists, search public ones.",
        ),
    ],
)
def test_a_source_that_cannot_be_read_changes_nothing(
    uncached: StdioServer, sandbox: Sandbox, tracks: list[str], source: str, said: str
) -> None:
    playlist = new_playlist(uncached)
    sandbox.clear_requests()
    items = [tracks[0], FOCUS, source]
    error = uncached.call_error("playlists_add_items", playlist=playlist, items=items)
    assert error == f"Error executing tool playlists_add_items: {said}"
    assert requests_to(sandbox, playlist, "POST") == []
    name = f"From {source[-6:]}"
    error = uncached.call_error("playlists_create", {"name": name}, items=items)
    assert error == f"Error executing tool playlists_create: {said}"
    assert playlists_named(uncached, name) == []  # not created either


def test_items_that_come_to_more_than_a_playlist_holds_are_refused_before_sending(
    uncached: StdioServer, sandbox: Sandbox
) -> None:
    playlist = new_playlist(uncached)
    sandbox.clear_requests()
    items = [FOCUS] * 67  # 150 items each: 10,050
    error = uncached.call_error("playlists_add_items", playlist=playlist, items=items)
    assert "items come to 10,050 tracks and episodes" in error and "holds 10,000" in error
    assert len(requests_to(sandbox, DEEP_FOCUS_PLAYLIST, "GET")) == 3  # read once
    assert requests_to(sandbox, playlist, "POST") == []
    assert "10,050" in uncached.call_error("playlists_create", {"name": "Too big"}, items=items)
    assert playlists_named(uncached, "Too big") == []


def test_a_failure_after_an_album_and_a_playlist_says_which_of_their_items_to_send(
    uncached: StdioServer, sandbox: Sandbox, tracks: list[str], album: tuple[str, list[str]]
) -> None:
    playlist = new_playlist(uncached)
    uncached.call_ok("playlists_add_items", playlist=playlist, items=tracks[:2])
    focus = item_uris(uncached, DEEP_FOCUS_PLAYLIST)
    ref, album_tracks = album
    items = [ref, FOCUS, tracks[5]]
    total, rest = len(album_tracks) + 151, 100 - len(album_tracks)  # where focus is cut
    path = f"/v1/playlists/{playlist.rpartition(':')[2]}/items"
    sandbox.add_fault(method="POST", path=path, latency_ms=1, times=1)  # the first 100 go in
    sandbox.add_fault(method="POST", path=path, status=400, message="Refused", times=1)
    try:
        error = uncached.call_error(
            "playlists_add_items", playlist=playlist, items=items, position=1
        )
    finally:
        sandbox.clear_faults()
    assert f"Added the first 100 of {total} items; the other {total - 100} items did not go" in (
        error
    )
    advice = (
        f"To finish, send only the last {total - 100} items (items[1] from offset {rest}, then "
        "items[2:]; playlists_get_items lists its items) with position 101: all "
        f"{total} again would repeat the first 100."
    )
    assert advice in error
    # The advice, followed: the items of items[1] from that offset, then items[2:].
    page = uncached.call_ok(
        "playlists_get_items", playlist=DEEP_FOCUS_PLAYLIST, offset=rest, all=True
    )
    remaining = [item["uri"] for item in page["items"]] + items[2:]
    uncached.call_ok("playlists_add_items", playlist=playlist, items=remaining, position=101)
    assert item_uris(uncached, playlist) == [tracks[0], *album_tracks, *focus, tracks[5], tracks[1]]


# -- removing, moving, replacing --------------------------------------------------------------


def test_a_playlist_among_its_own_items_of_many_requests_is_refused(
    uncached: StdioServer, sandbox: Sandbox, tracks: list[str]
) -> None:
    """Its items are read before the change: replaced part way, it would hold only the first
    100 (neither the same call nor a read of it could finish the change); added to at a
    position, the rest read from it would have moved."""
    playlist = uncached.call_ok("playlists_create", {"name": "Self"}, items=tracks[:150])[
        "playlist"
    ]
    path = f"/v1/playlists/{playlist.rpartition(':')[2]}/items"
    sandbox.add_fault(method="POST", path=path, status=400, message="Refused", times=1)
    try:
        replaced = uncached.call_error(
            "playlists_replace_items", playlist=playlist, items=[tracks[200], playlist]
        )
        added = uncached.call_error(
            "playlists_add_items", playlist=playlist, items=[playlist], position=0
        )
    finally:
        sandbox.clear_faults()
    assert f"{playlist} is among its own items, which come to 151" in replaced
    assert "its other items lost. Nothing changed: add to it" in replaced
    assert "would move its items that the rest is read from. Nothing changed" in added
    assert item_uris(uncached, playlist) == tracks[:150]
    # In one request, or at the end, no failure can leave it half read.
    small = uncached.call_ok("playlists_create", {"name": "Small"}, items=tracks[:50])["playlist"]
    uncached.call_ok("playlists_replace_items", playlist=small, items=[tracks[200], small])
    assert item_uris(uncached, small) == [tracks[200], *tracks[:50]]
    uncached.call_ok("playlists_add_items", playlist=playlist, items=[playlist])
    assert item_uris(uncached, playlist) == tracks[:150] * 2


def test_an_album_removes_and_replaces_as_its_tracks(
    server: StdioServer, tracks: list[str], album: tuple[str, list[str]]
) -> None:
    ref, album_tracks = album
    other = next(track for track in tracks if track not in album_tracks)
    playlist = new_playlist(server)
    replaced = server.call_ok("playlists_replace_items", playlist=playlist, items=[other, ref])
    assert replaced["total"] == 1 + len(album_tracks)
    assert item_uris(server, playlist) == [other, *album_tracks]
    server.call_ok("playlists_add_items", playlist=playlist, items=album_tracks[:2])  # repeats
    removed = server.call_ok("playlists_remove_items", playlist=playlist, items=[ref])
    assert removed["removed"] == len(album_tracks) + 2  # every occurrence of each
    assert item_uris(server, playlist) == [other]
    error = server.call_error(
        "playlists_remove_items", playlist=playlist, items=[ref], positions=[0]
    )
    assert f"{ref} stands for many items, which positions cannot pair with" in error


def test_an_artist_removes_their_tracks_there(server: StdioServer, sandbox: Sandbox) -> None:
    """ "Remove every song by X from this playlist", without reading it to find them."""
    catalog = sandbox.runtime.catalog
    artist = next(a for a in catalog.artists.values() if len(a.album_ids) >= 2)
    theirs = [
        f"spotify:track:{t.id}" for t in catalog.tracks.values() if artist.id in t.artist_ids
    ][:3]
    others = [
        f"spotify:track:{t.id}" for t in catalog.tracks.values() if artist.id not in t.artist_ids
    ][:2]
    playlist = new_playlist(server)
    server.call_ok("playlists_add_items", playlist=playlist, items=[theirs[0], *others, *theirs])
    removed = server.call_ok(
        "playlists_remove_items", playlist=playlist, items=[f"spotify:artist:{artist.id}"]
    )
    assert removed["removed"] == 4 and item_uris(server, playlist) == others
    # None of theirs left: nothing to remove, not Spotify's "Missing items" for an empty list
    again = server.call_ok(
        "playlists_remove_items", playlist=playlist, items=[f"spotify:artist:{artist.id}"]
    )
    assert again == {"playlist": playlist, "removed": 0} and item_uris(server, playlist) == others
    # Someone else's playlist: read for their tracks, refused as a removal is
    error = server.call_error(
        "playlists_remove_items", playlist=FOLLOWED_PLAYLIST, items=[f"spotify:artist:{artist.id}"]
    )
    assert "Only the owner or collaborators can change the items of" in error


def test_remove_every_occurrence(server: StdioServer, tracks: list[str]) -> None:
    playlist = new_playlist(server)
    a, b, c = tracks[:3]
    server.call_ok("playlists_add_items", playlist=playlist, items=[a, b, a, c, a])
    removed = server.call_ok("playlists_remove_items", playlist=playlist, items=[a, a])
    assert removed["removed"] == 3 and removed["snapshot_id"]  # occurrences, as Spotify did
    assert item_uris(server, playlist) == [b, c]
    again = server.call_ok("playlists_remove_items", playlist=playlist, items=[a])
    assert again["removed"] == 0  # not there any more: nothing to claim


def test_removed_is_counted_by_spotify_not_by_a_cache_that_missed_a_change_elsewhere(
    server: StdioServer, uncached: StdioServer, tracks: list[str]
) -> None:
    playlist = new_playlist(server)
    a, b, c, d = tracks[:4]
    server.call_ok("playlists_add_items", playlist=playlist, items=[a, b, a])
    assert server.call_ok("playlists_remove_items", playlist=playlist, items=[a])["removed"] == 2
    uncached.call_ok("playlists_add_items", playlist=playlist, items=[c, d])  # elsewhere
    assert server.call_ok("playlists_remove_items", playlist=playlist, items=[b])["removed"] == 1


def test_a_removal_made_is_not_reported_failed_when_the_count_after_cannot_be_read(
    uncached: StdioServer, sandbox: Sandbox, tracks: list[str]
) -> None:
    playlist = new_playlist(uncached)
    a, b = tracks[:2]
    uncached.call_ok("playlists_add_items", playlist=playlist, items=[a, b, a])
    path = f"/v1/playlists/{playlist.rpartition(':')[2]}/items"
    sandbox.add_fault(method="GET", path=path, latency_ms=1, times=1)  # the count before
    sandbox.add_fault(method="GET", path=path, status=503, times=20)  # the count after
    try:
        removed = uncached.call_ok("playlists_remove_items", playlist=playlist, items=[a])
    finally:
        sandbox.clear_faults()
    assert "removed" not in removed and removed["snapshot_id"]
    assert item_uris(uncached, playlist) == [b]


def test_remove_one_occurrence_by_position(server: StdioServer, tracks: list[str]) -> None:
    playlist = new_playlist(server)
    a, b = tracks[:2]
    added = server.call_ok("playlists_add_items", playlist=playlist, items=[a, b, a, b])
    removed = server.call_ok(
        "playlists_remove_items",
        playlist=playlist,
        items=[a, b],
        positions=[2, 1],
        snapshot_id=added["snapshot_id"],
    )
    assert removed["removed"] == 2 and removed["snapshot_id"] != added["snapshot_id"]
    assert item_uris(server, playlist) == [a, b]


def test_remove_more_than_a_chunk_of_references(
    uncached: StdioServer, sandbox: Sandbox, tracks: list[str]
) -> None:
    playlist = new_playlist(uncached)
    uncached.call_ok("playlists_add_items", playlist=playlist, items=tracks[:210])
    sandbox.clear_requests()
    uncached.call_ok("playlists_remove_items", playlist=playlist, items=tracks[5:205])
    assert len(requests_to(sandbox, playlist, "DELETE")) == 2
    assert item_uris(uncached, playlist) == tracks[:5] + tracks[205:210]


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        ({"positions": [0, 1]}, "got 1 items and 2 positions"),
        ({"positions": [-1]}, "greater than or equal to 0"),
        ({"positions": [3]}, "The positions do not hold those items"),  # nothing there
        ({"positions": [True]}, "positions: true or false is not a number (got [true])"),
        ({"items": []}, "at least 1 item"),
    ],
)
def test_remove_bad_input(
    server: StdioServer, tracks: list[str], args: dict[str, Any], expected: str
) -> None:
    playlist = new_playlist(server)
    server.call_ok("playlists_add_items", playlist=playlist, items=tracks[:2])
    error = server.call_error(
        "playlists_remove_items", {"playlist": playlist, "items": tracks[:1], **args}
    )
    assert expected in error
    assert item_uris(server, playlist) == tracks[:2]


def test_remove_duplicates_keeps_each_first_occurrence(
    uncached: StdioServer, sandbox: Sandbox, tracks: list[str]
) -> None:
    playlist = new_playlist(uncached)
    a, b, c = tracks[:3]
    episode = f"spotify:episode:{next(iter(sandbox.runtime.catalog.episodes))}"
    items = [a, b, a, episode, c, b, a, episode]
    uncached.call_ok("playlists_add_items", playlist=playlist, items=items)
    sandbox.clear_requests()
    found = uncached.call_ok("playlists_remove_duplicates", playlist=playlist, dry_run=True)
    assert found["extra"] == 4 and "removed" not in found and "snapshot_id" not in found
    assert requests_to(sandbox, playlist, "DELETE") == []  # "make none until I confirm"
    assert item_uris(uncached, playlist) == items
    removed = uncached.call_ok("playlists_remove_duplicates", playlist=playlist)
    assert removed["removed"] == 4 and removed["snapshot_id"] and "extra" not in removed
    # Each repeated item named, in the order its first repeat comes.
    repeats = [(r["uri"], r["extra"]) for r in removed["repeats"]]
    assert repeats == [(a, 2), (b, 1), (episode, 1)] and removed["repeated"] == 3
    assert found["repeats"] == removed["repeats"]
    assert all(r["name"] for r in removed["repeats"])
    assert len(requests_to(sandbox, playlist, "DELETE")) == 1
    assert item_uris(uncached, playlist) == [a, b, episode, c]
    sandbox.clear_requests()
    again = uncached.call_ok("playlists_remove_duplicates", playlist=playlist)
    assert again == {"playlist": playlist, "removed": 0, "repeated": 0, "repeats": []}
    assert requests_to(sandbox, playlist, "DELETE") == []  # nothing to remove: nothing sent


def test_remove_duplicates_of_more_than_100_items_in_chunks(
    uncached: StdioServer, sandbox: Sandbox, tracks: list[str]
) -> None:
    """The second request's positions are those after the first removal."""
    playlist = new_playlist(uncached)
    items = [*tracks[:150], tracks[300 - 1], *tracks[149::-1]]  # each of 150 twice
    uncached.call_ok("playlists_add_items", playlist=playlist, items=items)
    sandbox.clear_requests()
    removed = uncached.call_ok("playlists_remove_duplicates", playlist=playlist)
    assert removed["removed"] == removed["repeated"] == 150
    # The first 20 named: the result stays small however many there were.
    assert [r["uri"] for r in removed["repeats"]] == tracks[149:129:-1]
    assert len(requests_to(sandbox, playlist, "DELETE")) == 2
    assert item_uris(uncached, playlist) == [*tracks[:150], tracks[299]]


def test_remove_duplicates_of_someone_elses_playlist(server: StdioServer) -> None:
    error = server.call_error("playlists_remove_duplicates", playlist=FOLLOWED_PLAYLIST)
    assert "Only the owner or collaborators can change the items of" in error


def test_reorder_moves_a_range(server: StdioServer, tracks: list[str]) -> None:
    playlist = new_playlist(server)
    a, b, c, d = tracks[:4]
    server.call_ok("playlists_add_items", playlist=playlist, items=[a, b, c, d])
    moved = server.call_ok(
        "playlists_reorder_items", playlist=playlist, range_start=0, range_length=2, insert_before=4
    )
    assert moved["moved"] == 2 and moved["snapshot_id"]
    assert item_uris(server, playlist) == [c, d, a, b]
    server.call_ok("playlists_reorder_items", playlist=playlist, range_start=3, insert_before=0)
    assert item_uris(server, playlist) == [b, c, d, a]


def test_reorder_out_of_range(server: StdioServer, tracks: list[str]) -> None:
    playlist = new_playlist(server)
    server.call_ok("playlists_add_items", playlist=playlist, items=tracks[:2])
    args = {"playlist": playlist, "range_start": 5, "insert_before": 0}
    refused = server.call_error("playlists_reorder_items", args)
    assert "Spotify rejected" in refused and "must each be at most the item count" in refused
    assert refused.endswith(", now 2 (positions count from 0).")
    assert "greater than or equal to 1" in server.call_error(
        "playlists_reorder_items", {**args, "range_start": 0, "range_length": 0}
    )
    assert "insert_before" in server.call_error(
        "playlists_reorder_items", {"playlist": playlist, "range_start": 0}
    )


def test_a_move_past_the_end_whose_count_cannot_be_read_says_where_to_find_it(
    server: StdioServer, sandbox: Sandbox, tracks: list[str]
) -> None:
    playlist = new_playlist(server)
    server.call_ok("playlists_add_items", playlist=playlist, items=tracks[:2])
    ident = playlist.rsplit(":", 1)[-1]
    sandbox.add_fault(method="GET", path=f"/v1/playlists/{ident}/items", status=403)
    args = {"playlist": playlist, "range_start": 5, "insert_before": 0}
    refused = server.call_error("playlists_reorder_items", args)
    assert refused.endswith(", which playlists_get gives (positions count from 0).")


def test_replace_sends_one_put_then_posts(
    uncached: StdioServer, sandbox: Sandbox, tracks: list[str]
) -> None:
    playlist = new_playlist(uncached)
    uncached.call_ok("playlists_add_items", playlist=playlist, items=tracks[:3])
    sandbox.clear_requests()
    replaced = uncached.call_ok("playlists_replace_items", playlist=playlist, items=tracks[50:280])
    assert replaced["total"] == 230
    assert len(requests_to(sandbox, playlist, "PUT")) == 1
    assert len(requests_to(sandbox, playlist, "POST")) == 2
    assert item_uris(uncached, playlist) == tracks[50:280]


def test_replace_with_nothing_empties(server: StdioServer, tracks: list[str]) -> None:
    playlist = new_playlist(server)
    server.call_ok("playlists_add_items", playlist=playlist, items=tracks[:3])
    assert server.call_ok("playlists_replace_items", playlist=playlist, items=[])["total"] == 0
    assert item_uris(server, playlist) == []


# -- cover images -----------------------------------------------------------------------------


def test_upload_cover_then_read(server: StdioServer) -> None:
    playlist = new_playlist(server)
    before = server.call_ok("playlists_get_cover", playlist=playlist)["urls"]
    image = "data:image/jpeg;base64," + base64.b64encode(TINY_JPEG).decode()
    changed = server.call_ok("playlists_upload_cover", playlist=playlist, image=image)
    assert changed["changed"] == ["cover"]
    after = server.call_ok("playlists_get_cover", playlist=playlist)["urls"]
    assert after and after != before


@pytest.mark.parametrize(
    ("image", "expected"),
    [
        (base64.b64encode(b"GIF89a" + bytes(30)).decode(), "must be a JPEG"),
        ("not base64!", "must be base64"),
        (base64.b64encode(TINY_JPEG + bytes(200 * 1024)).decode(), "Spotify takes 256 KB"),
        ("", "at least 1 character"),
    ],
)
def test_upload_cover_checks_the_image_first(
    uncached: StdioServer, sandbox: Sandbox, image: str, expected: str
) -> None:
    sandbox.clear_requests()
    error = uncached.call_error("playlists_upload_cover", playlist=EMPTY_PLAYLIST, image=image)
    assert expected in error and sandbox.requests() == []


# -- someone else's playlist, unknown playlists -----------------------------------------------


@pytest.mark.parametrize(
    ("tool", "args"),
    [
        ("playlists_update", {"description": "mine"}),
        ("playlists_remove_items", {"items": ["spotify:track:4uLU6hMCjMI75M1A2tKUQC"]}),
        ("playlists_reorder_items", {"range_start": 0, "insert_before": 2}),
        ("playlists_replace_items", {"items": []}),
        ("playlists_upload_cover", {"image": base64.b64encode(TINY_JPEG).decode()}),
    ],
)
def test_changing_someone_elses_playlist(
    server: StdioServer, tool: str, args: dict[str, Any]
) -> None:
    error = server.call_error(tool, {"playlist": FOLLOWED_PLAYLIST, **args})
    owner_only = tool in ("playlists_update", "playlists_upload_cover")
    who = "Only the owner can" if owner_only else "Only the owner or collaborators can"
    assert error.startswith(f"Error executing tool {tool}: {who} change")
    assert server.call_ok("playlists_get", playlist=FOLLOWED_PLAYLIST)["total"] == 60


def test_a_collaborator_is_told_only_the_owner_changes_details(server: StdioServer) -> None:
    error = server.call_error("playlists_update", {"playlist": COLLAB_PLAYLIST, "name": "Ours"})
    assert "Only the owner can change the details and cover of" in error


def test_stale_positions_say_to_read_them_again(server: StdioServer, tracks: list[str]) -> None:
    playlist = new_playlist(server)
    server.call_ok("playlists_add_items", playlist=playlist, items=tracks[:3])
    positions = {"items": [tracks[2]], "positions": [2]}
    server.call_ok("playlists_remove_items", playlist=playlist, **positions)
    again = server.call_error("playlists_remove_items", playlist=playlist, **positions)
    assert "Read playlists_get_items again" in again and ".." not in again


@pytest.mark.parametrize(
    ("tool", "args"),
    [
        ("playlists_add_items", {"items": ["spotify:track:4uLU6hMCjMI75M1A2tKUQC"]}),
        ("playlists_update", {"public": False}),
        ("playlists_get_cover", {}),
        ("playlists_get", {}),
        ("playlists_remove_duplicates", {}),
    ],
)
def test_unknown_playlist(server: StdioServer, tool: str, args: dict[str, Any]) -> None:
    error = server.call_error(tool, {"playlist": UNKNOWN_PLAYLIST, **args})
    assert f"Not found: {UNKNOWN_PLAYLIST}. Check the ID, URI or URL: playlists_list" in error
    assert "with name finds the user's playlists, search only public ones." in error


# -- declared endpoints ---------------------------------------------------------------------


def sample_calls(tracks: list[str], album: str = "") -> dict[str, list[dict[str, Any]]]:
    """Calls that together reach every endpoint each playlists tool declares."""
    mine = {"playlist": LATE_NIGHT}  # read by no other test here (the others' reads are cached)
    return {
        "playlists_list": [{}],
        "playlists_get": [mine],
        "playlists_get_items": [mine],
        "playlists_get_cover": [mine],
        "playlists_create": [
            {"name": "Sample", "items": [*tracks[:1], album, f"spotify:playlist:{EMPTY_PLAYLIST}"]}
        ],
        "playlists_update": [{**mine, "description": "Sample"}],
        "playlists_add_items": [{**mine, "items": [*tracks[:2], album], "skip_present": True}],
        "playlists_remove_items": [{**mine, "items": [*tracks[:2], album]}],
        "playlists_remove_duplicates": [mine],
        "playlists_reorder_items": [{**mine, "range_start": 0, "insert_before": 2}],
        "playlists_replace_items": [
            {**mine, "items": [*tracks[:101], album, f"spotify:playlist:{EMPTY_PLAYLIST}"]}
        ],
        "playlists_upload_cover": [{**mine, "image": base64.b64encode(TINY_JPEG).decode()}],
    }


def test_every_playlists_tool_has_sample_calls(tracks: list[str]) -> None:
    assert {spec.name for spec in App.create().tools.by_plugin("playlists")} == set(
        sample_calls(tracks)
    )


@pytest.mark.parametrize("tool", sample_calls([]))
def test_declared_endpoints_are_the_ones_called(
    uncached: StdioServer, sb: Sandbox, tracks: list[str], album: tuple[str, list[str]], tool: str
) -> None:
    if tool == "playlists_remove_duplicates":  # a repeat to remove
        uncached.call_ok("playlists_add_items", playlist=LATE_NIGHT, items=tracks[:1] * 2)
    samples = sample_calls(tracks, album[0])[tool]
    calls = [lambda args=args: uncached.call_ok(tool, args) for args in samples]
    reached = {operation for call in calls for operation in operations_hit(sb, call)[1]}
    assert reached == set(App.create().tools.get(tool).endpoints)  # type: ignore[union-attr]
