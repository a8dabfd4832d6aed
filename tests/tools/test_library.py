"""The library plugin end to end: saved items, save/remove/contains through /me/library,
follows, top items and the profile, over stdio against the sandbox (without the cache, so
every read shows the sandbox's current state)."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qs

import pytest
from stdio_server import StdioServer
from toolkit import assert_refused, operations_hit, queries, uri

from spotify_mcp.sandbox import PREMIUM_USER
from spotify_mcp.sandbox.seed import CURATOR_USER, DJ_USER, UNFOLLOWED_PLAYLIST

if TYPE_CHECKING:
    from spotify_mcp.sandbox import Sandbox

UNKNOWN = "0000000000000000000000"
CHAPTER = "spotify:chapter:" + "1" * 22


def me(sandbox: Sandbox) -> Any:
    return sandbox.runtime.state.users[PREMIUM_USER]


def newest_first(collection: dict[str, str], kind: str) -> list[str]:
    return [uri(kind, ident) for ident in reversed(collection)]


def unsaved(sandbox: Sandbox, kind: str, count: int = 1) -> list[str]:
    """URIs of catalogue items of ``kind`` the premium user has not saved (or followed)."""
    user = me(sandbox)
    catalog = sandbox.runtime.catalog
    table, mine = {
        "track": (catalog.tracks, user.saved["track"]),
        "album": (catalog.albums, user.saved["album"]),
        "show": (catalog.shows, user.saved["show"]),
        "episode": (catalog.episodes, user.saved["episode"]),
        "audiobook": (catalog.audiobooks, user.saved["audiobook"]),
        "artist": (catalog.artists, user.followed_artists),
    }[kind]
    return [uri(kind, ident) for ident in table if ident not in mine][:count]


def library_requests(sandbox: Sandbox, method: str) -> list[list[str]]:
    """The URIs of each /me/library request of ``method``, in the order they arrived."""
    return [
        parse_qs(e["query"])["uris"][0].split(",")
        for e in sandbox.requests()
        if e["method"] == method and e["path"].startswith("/v1/me/library")
    ]


# -- library_list_saved -------------------------------------------------------------------


def test_saved_tracks_newest_first(uncached: StdioServer, sb: Sandbox) -> None:
    page = uncached.call_ok("library_list_saved", kind="track", limit=5)
    expected = newest_first(me(sb).saved["track"], "track")
    assert [t["uri"] for t in page["items"]] == expected[:5]
    assert page["total"] == 1250 and page["offset"] == 0 and page["next_offset"] == 5
    assert page["items"][0]["artists"] and page["items"][0]["album"]["uri"]
    saved_at = me(sb).saved["track"]
    assert [t["added_at"] for t in page["items"]] == [
        saved_at[u.split(":")[2]] for u in expected[:5]
    ]
    tail = uncached.call_ok("library_list_saved", kind="track", limit=50, offset=1240)
    assert [t["uri"] for t in tail["items"]] == expected[1240:] and "next_offset" not in tail


@pytest.mark.parametrize("kind", ["track", "album", "show", "episode", "audiobook", "artist"])
def test_brief_saved_items_name_each_item_only(uncached: StdioServer, kind: str) -> None:
    full = uncached.call_ok("library_list_saved", kind=kind, limit=20)["items"]
    brief = uncached.call_ok("library_list_saved", kind=kind, limit=20, brief=True)["items"]
    assert [b["uri"] for b in brief] == [f["uri"] for f in full]
    assert [b.get("added_at") for b in brief] == [f.get("added_at") for f in full]
    assert all(set(b) <= {"uri", "name", "by", "added_at"} for b in brief)
    by = {
        "track": lambda f: ", ".join(artist["name"] for artist in f["artists"]),
        "album": lambda f: ", ".join(artist["name"] for artist in f["artists"]),
        "show": lambda f: f["publisher"],
        "episode": lambda f: f["show"]["name"],
        "audiobook": lambda f: ", ".join(f["authors"]),
        "artist": lambda f: None,
    }[kind]
    assert [b.get("by") for b in brief] == [by(f) for f in full]
    if kind == "track":
        assert len(json.dumps(brief)) < len(json.dumps(full)) / 2


def test_reading_1000_saved_tracks_sends_20_requests(uncached: StdioServer, sb: Sandbox) -> None:
    """200 a call at most (a result stays within clients' limits), by next_offset."""

    def read_1000() -> list[dict[str, Any]]:
        items: list[dict[str, Any]] = []
        while len(items) < 1000:
            args = {"kind": "track", "limit": 200, "offset": len(items)}
            page = uncached.call_ok("library_list_saved", args)
            assert page["total"] == 1250 and page["next_offset"] == len(items) + 200
            items += page["items"]
        return items

    items, hit = operations_hit(sb, read_1000)
    assert hit == ["GET /me/tracks"] * 20
    pages = sorted((int(q["offset"][0]), q["limit"][0]) for q in queries(sb))
    assert pages == [(offset, "50") for offset in range(0, 1000, 50)]
    assert [t["uri"] for t in items] == newest_first(me(sb).saved["track"], "track")[:1000]


@pytest.mark.parametrize("kind", ["album", "show", "episode", "audiobook"])
def test_other_saved_kinds(uncached: StdioServer, sb: Sandbox, kind: str) -> None:
    page = uncached.call_ok("library_list_saved", kind=kind, limit=50)
    assert [item["uri"] for item in page["items"]] == newest_first(me(sb).saved[kind], kind)
    assert page["total"] == len(me(sb).saved[kind])
    saved_at = me(sb).saved[kind]
    assert [item["added_at"] for item in page["items"]] == list(reversed(saved_at.values()))
    expected_field = {"album": "release_date", "show": "publisher", "episode": "show"}
    field = expected_field.get(kind, "authors")
    assert all(field in item for item in page["items"])


def test_followed_artists_page_by_cursor(uncached: StdioServer, sb: Sandbox) -> None:
    followed = newest_first(me(sb).followed_artists, "artist")
    everything = uncached.call_ok("library_list_saved", kind="artist", limit=50)
    assert [a["uri"] for a in everything["items"]] == followed
    assert everything["total"] == 25 and "next_offset" not in everything
    window = uncached.call_ok("library_list_saved", kind="artist", limit=10, offset=10)
    assert [a["uri"] for a in window["items"]] == followed[10:20]
    assert window["next_offset"] == 20


def test_following_more_artists_then_reading_them_all(uncached: StdioServer, sb: Sandbox) -> None:
    new = unsaved(sb, "artist", 35)
    assert uncached.call_ok("library_save", refs=new)["count"] == 35
    page, hit = operations_hit(
        sb, lambda: uncached.call_ok("library_list_saved", kind="artist", limit=60)
    )
    assert page["total"] == 60 and len(page["items"]) == 60
    assert set(new) <= {a["uri"] for a in page["items"]}
    assert hit == ["GET /me/following"] * 2  # 50, then 10 after the first page's cursor
    assert "after" in queries(sb)[1]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        ({}, "kind"),
        ({"kind": "playlist"}, "'track', 'album'"),
        ({"kind": "track", "limit": 201}, "less than or equal to 200"),
        ({"kind": "track", "limit": 0}, "greater than or equal to 1"),
        ({"kind": "track", "offset": -5}, "greater than or equal to 0"),
    ],
)
def test_list_saved_bad_input(
    uncached: StdioServer, sb: Sandbox, args: dict[str, Any], message: str
) -> None:
    assert message in assert_refused(uncached, sb, "library_list_saved", args)


# -- save, remove, contains -----------------------------------------------------------------


def test_save_check_list_and_remove_every_kind(uncached: StdioServer, sb: Sandbox) -> None:
    refs = [
        *(unsaved(sb, kind)[0] for kind in ("track", "album", "show", "episode", "audiobook")),
        unsaved(sb, "artist")[0].replace("spotify:artist:", "https://open.spotify.com/artist/"),
        uri("user", CURATOR_USER),
        uri("playlist", UNFOLLOWED_PLAYLIST),
    ]
    uris = [*refs[:5], unsaved(sb, "artist")[0], *refs[6:]]
    before = uncached.call_ok("library_contains", refs=refs)["saved"]
    assert before == dict.fromkeys(uris, False)

    saved, hit = operations_hit(sb, lambda: uncached.call_ok("library_save", refs=refs))
    assert saved == {"count": 8, "uris": uris}
    assert hit == ["PUT /me/library"] and library_requests(sb, "PUT") == [uris]
    assert uncached.call_ok("library_contains", refs=refs)["saved"] == dict.fromkeys(uris, True)
    newest = uncached.call_ok("library_list_saved", kind="track", limit=1)["items"][0]
    assert newest["uri"] == uris[0]
    artist = uncached.call_ok("library_list_saved", kind="artist", limit=1)["items"][0]
    assert artist["uri"] == uris[5]

    removed = uncached.call_ok("library_remove", refs=refs)
    assert removed == {"count": 8, "uris": uris}
    assert uncached.call_ok("library_contains", refs=refs)["saved"] == dict.fromkeys(uris, False)


def test_unfollowing_a_user_and_a_followed_playlist(uncached: StdioServer, sb: Sandbox) -> None:
    followed = [uri("user", DJ_USER), next(iter(newest_first(me(sb).playlists, "playlist")))]
    assert uncached.call_ok("library_contains", refs=followed)["saved"] == dict.fromkeys(
        followed, True
    )
    uncached.call_ok("library_remove", refs=followed)
    assert uncached.call_ok("library_contains", refs=followed)["saved"] == dict.fromkeys(
        followed, False
    )


def test_many_references_go_40_a_request(uncached: StdioServer, sb: Sandbox) -> None:
    tracks = unsaved(sb, "track", 100)
    refs = [*tracks, *tracks[:10]]  # repeats are sent once
    # not 100 URIs read back: the model sent them (a walk removing 616 read 24 KB of them)
    assert uncached.call_ok("library_save", refs=refs) == {"count": 100}
    assert library_requests(sb, "PUT") == [tracks[:40], tracks[40:80], tracks[80:]]
    sb.clear_requests()
    saved = uncached.call_ok("library_contains", refs=refs)["saved"]
    assert saved == dict.fromkeys(tracks, True)
    assert sorted(library_requests(sb, "GET")) == sorted([tracks[:40], tracks[40:80], tracks[80:]])
    sb.clear_requests()
    assert uncached.call_ok("library_remove", refs=tracks)["count"] == 100
    assert len(library_requests(sb, "DELETE")) == 3
    assert not any(uncached.call_ok("library_contains", refs=tracks)["saved"].values())


def test_a_failed_chunk_says_what_was_saved(uncached: StdioServer, sb: Sandbox) -> None:
    tracks = unsaved(sb, "track", 40)
    message = uncached.call_error("library_save", refs=[*tracks, uri("track", UNKNOWN)])
    assert "The first 40 of 41 items were saved; the other item did not go through" in message
    # Spotify's 404 says not which: the lookups of the chunk's 1 item do.
    assert f"Not found: Spotify has no item for {uri('track', UNKNOWN)}. Leave them out" in message
    # the same call would meet the same refusal: fix it first
    assert message.endswith("Once that is fixed, sending the same call again is safe.")
    assert all(uncached.call_ok("library_contains", refs=tracks)["saved"].values())


def test_a_refused_first_chunk_says_nothing_was_saved(uncached: StdioServer, sb: Sandbox) -> None:
    tracks = unsaved(sb, "track", 40)
    message = uncached.call_error("library_save", refs=[uri("track", UNKNOWN), *tracks])
    assert "library_save: Nothing changed: none of the 41 items went through. Not found" in message
    assert not any(uncached.call_ok("library_contains", refs=tracks)["saved"].values())


@pytest.mark.parametrize("tool", ["library_save", "library_remove", "library_contains"])
@pytest.mark.parametrize(
    ("refs", "message"),
    [
        (None, "refs"),
        ([], "at least 1 item"),
        (["spotify:track:" + UNKNOWN] * 1001, "at most 1000 items"),
        ([CHAPTER], "is a chapter, but a track, album"),
        (["spotify:album:abc"], "not a valid Spotify album ID"),
        ([UNKNOWN], "bare ID"),
    ],
)
def test_change_and_check_bad_input(
    uncached: StdioServer, sb: Sandbox, tool: str, refs: list[str] | None, message: str
) -> None:
    args = {} if refs is None else {"refs": refs}
    assert message in assert_refused(uncached, sb, tool, args)


def test_saving_an_unknown_item_names_it(uncached: StdioServer, sb: Sandbox) -> None:
    albums = [uri("album", a) for a in list(sb.runtime.catalog.albums)[:3]]
    refs = [albums[0], uri("album", UNKNOWN), albums[1], uri("album", "1" * 22), albums[2]]
    message = uncached.call_error("library_save", refs=refs)
    assert f"Spotify has no item for {refs[1]}, {refs[3]}. Leave them out; search" in message


def test_saving_an_audiobook_chapter_says_it_is_one(uncached: StdioServer, sb: Sandbox) -> None:
    book = next(iter(sb.runtime.catalog.audiobooks.values()))
    chapter = uri("episode", book.child_ids[0])  # chapters have episode URIs
    message = uncached.call_error("library_save", refs=[chapter, uri("track", UNKNOWN)])
    assert (
        f"{chapter} is a chapter of {uri('audiobook', book.id)}, which Spotify does not take "
        f"here. Spotify has no item for {uri('track', UNKNOWN)}. Leave them out" in message
    )


def test_an_unknown_item_the_lookups_cannot_tell_says_how_to_find_it(
    uncached: StdioServer, sb: Sandbox
) -> None:
    sb.add_fault(method="GET", path=f"/v1/albums/{UNKNOWN}", status=403)
    message = uncached.call_error("library_save", refs=[uri("album", UNKNOWN)])
    assert "Not found: an item given does not exist." in message
    assert "search_get_items marks which are missing" in message


def test_an_unknown_playlist_is_not_sent_to_search_get_items(uncached: StdioServer) -> None:
    """search_get_items looks up catalog items only: no playlists, no users."""
    message = uncached.call_error("library_save", refs=[uri("playlist", UNKNOWN)])
    assert "Not found" in message and "search_get_items" not in message


# -- top items and profile ----------------------------------------------------------------


def test_top_artists_and_tracks(uncached: StdioServer, sb: Sandbox) -> None:
    user = me(sb)
    short = uncached.call_ok("library_list_top", kind="artist", time_range="short_term", limit=50)
    assert [a["uri"] for a in short["items"]] == [
        uri("artist", i) for i in user.top_artists["short_term"]
    ]
    tracks = uncached.call_ok("library_list_top", kind="track", limit=10, offset=5)
    expected = [uri("track", i) for i in user.top_tracks["medium_term"][5:15]]
    assert [t["uri"] for t in tracks["items"]] == expected
    assert tracks["total"] == 50 and tracks["next_offset"] == 15
    brief = uncached.call_ok("library_list_top", kind="track", limit=10, offset=5, brief=True)
    assert [t["uri"] for t in brief["items"]] == expected
    assert set(brief["items"][0]) == {"uri", "name", "by"} and brief["next_offset"] == 15


@pytest.mark.parametrize(
    ("args", "message"),
    [
        ({}, "kind"),
        ({"kind": "album"}, "'artist' or 'track'"),
        ({"kind": "track", "time_range": "all_time"}, "short_term"),
        ({"kind": "track", "limit": 51}, "less than or equal to 50"),
    ],
)
def test_top_bad_input(
    uncached: StdioServer, sb: Sandbox, args: dict[str, Any], message: str
) -> None:
    assert message in assert_refused(uncached, sb, "library_list_top", args)


def test_profile_tool_and_resource(uncached: StdioServer) -> None:
    profile = uncached.call_ok("library_get_profile")
    assert profile["uri"] == uri("user", PREMIUM_USER)
    assert profile["name"] == "Avery Lane" and profile["product"] == "premium"
    assert profile["country"] == "US" and profile["followers"] >= 0
    resource = uncached.portal.call(uncached.client.read_resource, "spotify://me")
    assert json.loads(resource.contents[0].text) == profile


# -- Spotify's errors, for every tool ---------------------------------------------------------

# Spotify's answer to an account a Development Mode app has not been given.
NOT_REGISTERED = (
    "Check settings on developer.spotify.com/dashboard, the user may not be registered."
)
CALLS = [
    ("library_list_saved", {"kind": "track"}, "GET", "/me/tracks"),
    ("library_list_saved", {"kind": "artist"}, "GET", "/me/following"),
    ("library_save", {"refs": ["spotify:track:" + UNKNOWN]}, "PUT", "/me/library"),
    ("library_remove", {"refs": ["spotify:track:" + UNKNOWN]}, "DELETE", "/me/library"),
    ("library_contains", {"refs": ["spotify:track:" + UNKNOWN]}, "GET", "/me/library/contains"),
    ("library_list_top", {"kind": "artist"}, "GET", "/me/top/artists"),
    ("library_get_profile", {}, "GET", "/me"),
]


@pytest.mark.parametrize(("tool", "args", "method", "path"), CALLS)
@pytest.mark.parametrize(
    ("status", "rule", "message"),
    [
        (401, {"message": "The access token expired"}, "auth login"),
        (403, {"message": "Insufficient client scope"}, "auth status"),
        (403, {"message": NOT_REGISTERED}, "Add the account's email under User Management"),
        (429, {"retry_after": 0}, "rate limit"),
    ],
)
def test_spotify_errors_are_explained(
    uncached: StdioServer,
    sb: Sandbox,
    tool: str,
    args: dict[str, Any],
    method: str,
    path: str,
    status: int,
    rule: dict[str, Any],
    message: str,
) -> None:
    sb.add_fault(method=method, path=f"/v1{path}", status=status, times=None, **rule)
    assert message in uncached.call_error(tool, args)
