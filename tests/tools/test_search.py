"""The search plugin end to end: search, lookups and contents over stdio against the sandbox,
with a server without the cache so every read reaches the sandbox."""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest
from stdio_server import StdioServer, sandbox_env, text_of
from toolkit import UNCACHED, assert_refused, operations_hit, queries, uri

if TYPE_CHECKING:
    from spotify_mcp.sandbox import Sandbox

UNKNOWN = "0000000000000000000000"
LATENCY_MS = 150


@pytest.fixture(scope="module")
def cat(sandbox: Sandbox) -> Any:
    return sandbox.runtime.catalog


@pytest.fixture(scope="module")
def artist(cat: Any) -> Any:
    """The artist with the most albums (their own and appearances): 15."""
    return max(cat.artists.values(), key=lambda a: len(a.album_ids) + len(a.appears_on))


def fault(sandbox: Sandbox, path: str, status: int, **rule: Any) -> None:
    sandbox.add_fault(path=f"/v1{path}", status=status, times=None, **rule)


# -- search ---------------------------------------------------------------------------------


def test_search_with_an_artist_filter(uncached: StdioServer, sb: Sandbox, artist: Any) -> None:
    query = f'artist:"{artist.name}"'
    pages = uncached.call_ok("search", query=query, types=["track", "artist"], limit=10)["pages"]
    assert set(pages) == {"track", "artist"}
    tracks = pages["track"]
    assert len(tracks["items"]) == 10 and tracks["total"] > 10 and tracks["next_offset"] == 10
    for track in tracks["items"]:
        assert artist.name in [a["name"] for a in track["artists"]]
        assert track["uri"].startswith("spotify:track:") and track["duration_ms"] > 0
    assert pages["artist"]["items"][0] == {
        "uri": uri("artist", artist.id),
        "name": artist.name,
        "genres": artist.genres,
        "image": artist.full["images"][0]["url"],
    }
    assert queries(sb) == [
        {"q": [query], "type": ["track,artist"], "limit": ["10"], "offset": ["0"]}
    ]


def test_search_pages_on_with_offset(uncached: StdioServer, sb: Sandbox, artist: Any) -> None:
    query = f'artist:"{artist.name}"'
    first = uncached.call_ok("search", query=query)["pages"]["track"]
    assert len(first["items"]) == 5  # the default page
    second = uncached.call_ok("search", query=query, offset=first["next_offset"])["pages"]["track"]
    assert second["offset"] == 5 and second["total"] == first["total"]
    assert not {t["uri"] for t in first["items"]} & {t["uri"] for t in second["items"]}
    last = uncached.call_ok("search", query=query, offset=first["total"] - 2)["pages"]["track"]
    assert len(last["items"]) == 2 and "next_offset" not in last


def test_search_offers_no_page_past_the_last_it_can_read(uncached: StdioServer) -> None:
    last = uncached.call_ok("search", query="a", limit=10, offset=1000)["pages"]["track"]
    assert last["total"] > 1010 and len(last["items"]) == 10
    assert "next_offset" not in last  # offset 1010 would be refused


def test_search_year_and_genre_filters(uncached: StdioServer, cat: Any) -> None:
    albums = uncached.call_ok("search", query="year:1970-1979", types=["album"], limit=10)
    years = [a["release_date"][:4] for a in albums["pages"]["album"]["items"]]
    assert years and all("1970" <= year <= "1979" for year in years)
    artists = uncached.call_ok("search", query="genre:jazz", types=["artist"], limit=10)
    found = artists["pages"]["artist"]["items"]
    assert found and all("jazz" in a["genres"] for a in found)
    expected = sum("jazz" in a.genres for a in cat.artists.values())
    assert artists["pages"]["artist"]["total"] == expected


def test_tracks_carry_their_albums_release_year(uncached: StdioServer, cat: Any) -> None:
    tracks = uncached.call_ok("search", query="year:1980-1989", types=["track"], limit=10)
    found = tracks["pages"]["track"]["items"]
    assert found and all(
        track["year"] == cat.albums[cat.tracks[track["uri"].rpartition(":")[2]].parent_id].year
        and 1980 <= track["year"] <= 1989
        for track in found
    )


def test_an_album_gives_its_length_and_a_track_whether_it_is_explicit(
    uncached: StdioServer, cat: Any
) -> None:
    album = next(a for a in cat.albums.values() if len(a.track_ids) > 1)
    tracks = [cat.tracks[ident] for ident in album.track_ids]
    refs = [uri("album", album.id), *(uri("track", t.id) for t in tracks)]
    found, *shown = uncached.call_ok("search_get_items", refs=refs)["items"]
    # "which album is longest" without listing and adding up each one's tracks
    assert found["duration_ms"] == sum(t.duration_ms for t in tracks)
    # false said, not left out: absent would not tell "clean" from "unknown"
    assert [t["explicit"] for t in shown] == [t.full["explicit"] for t in tracks]


def test_search_new_albums(uncached: StdioServer, cat: Any) -> None:
    """tag:new: albums released in the past two weeks (the sandbox's new release)."""
    pages = uncached.call_ok("search", query="tag:new", types=["album", "track"])["pages"]
    (album,) = pages["album"]["items"]
    assert cat.albums[album["uri"].rsplit(":", 1)[1]].simple["release_date"] == "2026-05-27"
    assert pages["track"]["total"] == 0  # the tag is for albums only


def test_search_playlists_shows_and_audiobooks(uncached: StdioServer, cat: Any) -> None:
    show = next(iter(cat.shows.values()))
    book = next(iter(cat.audiobooks.values()))
    pages = uncached.call_ok("search", query="jazz", types=["playlist", "playlist"])["pages"]
    assert list(pages) == ["playlist"]  # repeated types are searched once
    assert any(p["name"] == "Jazz Classics" and p["owner"] for p in pages["playlist"]["items"])
    shows = uncached.call_ok("search", query=show.name, types=["show", "episode"])["pages"]
    assert shows["show"]["items"][0]["uri"] == uri("show", show.id)
    episodes = {uri("episode", ident) for ident in show.child_ids}
    assert {e["uri"] for e in shows["episode"]["items"]} <= episodes
    books = uncached.call_ok("search", query=book.name, types=["audiobook"], market="US")
    assert books["pages"]["audiobook"]["items"][0]["authors"] == [book.byline]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        ({}, "query"),
        ({"query": ""}, "at least 1 character"),
        ({"query": "  "}, "at least 1 character"),
        ({"query": "x", "limit": 11}, "less than or equal to 10"),
        ({"query": "x", "limit": 0}, "greater than or equal to 1"),
        ({"query": "x", "offset": 1001}, "less than or equal to 1000"),
        ({"query": "x", "types": []}, "at least 1 item"),
        ({"query": "x", "types": ["podcast"]}, "track"),
        ({"query": "x", "market": "usa"}, "pattern"),
        ({"q": "x"}, "unknown argument"),
    ],
)
def test_search_bad_input(
    uncached: StdioServer, sb: Sandbox, args: dict[str, Any], message: str
) -> None:
    assert message in assert_refused(uncached, sb, "search", args)


def test_a_list_whose_items_fail_is_not_also_called_too_short(
    uncached: StdioServer, sb: Sandbox
) -> None:
    """pydantic counts the failed items out, then finds the list empty: noise to a model."""
    message = assert_refused(uncached, sb, "search", {"query": "x", "types": ["tracks"]})
    assert message.endswith(
        "types.0: input should be 'track', 'album', 'artist', 'playlist', 'show', 'episode' or "
        "'audiobook' (got \"tracks\")."
    )


def test_invalid_arguments_are_reported_in_the_schemas_terms(
    uncached: StdioServer, sb: Sandbox
) -> None:
    message = assert_refused(uncached, sb, "search", {"types": "track", "limit": "ten"})
    assert message.startswith("Invalid arguments for search: query: missing; ")
    assert 'types: should be an array (got "track")' in message
    assert "limit: input should be a valid integer" in message and '(got "ten")' in message
    assert not any(noise in message for noise in ("pydantic", "tuple", "searchArguments"))


def test_search_errors_from_spotify(uncached: StdioServer, sb: Sandbox) -> None:
    fault(sb, "/search", 401, message="The access token expired")
    rejected = uncached.call_error("search", query="x")
    assert "access token given in SPOTIFY_ACCESS_TOKEN" in rejected  # not "log in": it wins
    sb.clear_faults()
    fault(sb, "/search", 429, retry_after=0)
    assert "rate limit" in uncached.call_error("search", query="x")


# -- search_get_items ---------------------------------------------------------------------


def test_lookup_of_every_kind_in_order(uncached: StdioServer, sb: Sandbox, cat: Any) -> None:
    track, album, show, episode, book = (
        next(iter(table.values()))
        for table in (cat.tracks, cat.albums, cat.shows, cat.episodes, cat.audiobooks)
    )
    chapter = next(iter(cat.chapters.values()))
    artist = cat.artists[track.artist_ids[0]]
    refs = [
        f"https://open.spotify.com/show/{show.id}?si=x",
        uri("track", track.id),
        uri("episode", chapter.id),  # Spotify's URI of a chapter
        uri("audiobook", book.id),
        f"https://open.spotify.com/album/{album.id}",
        uri("artist", artist.id),
        uri("episode", episode.id),
    ]
    items, hit = operations_hit(sb, lambda: uncached.call_ok("search_get_items", refs=refs))
    items = items["items"]
    assert [item["uri"] for item in items] == [
        uri("show", show.id),
        uri("track", track.id),
        uri("episode", chapter.id),
        uri("audiobook", book.id),
        uri("album", album.id),
        uri("artist", artist.id),
        uri("episode", episode.id),
    ]
    assert items[1]["name"] == track.name and items[1]["album"]["uri"] == uri("album", album.id)
    assert items[2]["chapter_number"] == 1 and items[2]["audiobook"]["uri"] == uri(
        "audiobook", chapter.parent_id
    )
    assert items[6]["show"]["uri"] == uri("show", episode.parent_id)
    assert sorted(hit) == sorted(
        [
            "GET /shows/{id}",
            "GET /tracks/{id}",
            "GET /episodes/{id}",  # not found: tried as a chapter next
            "GET /chapters/{id}",
            "GET /audiobooks/{id}",
            "GET /albums/{id}",
            "GET /artists/{id}",
            "GET /episodes/{id}",
        ]
    )


def test_unknown_items_are_reported_in_place(uncached: StdioServer, cat: Any) -> None:
    known = [uri("track", ident) for ident in list(cat.tracks)[:2]]
    refs = [known[0], uri("track", UNKNOWN), known[1], uri("episode", UNKNOWN)]
    items = uncached.call_ok("search_get_items", refs=refs)["items"]
    assert [item["uri"] for item in items] == refs
    assert "name" in items[0] and "name" in items[2]
    for missing in (items[1], items[3]):
        assert set(missing) == {"uri", "error"} and "Not found" in missing["error"]


def test_fifty_lookups_send_fifty_concurrent_requests(
    uncached: StdioServer, sb: Sandbox, cat: Any
) -> None:
    refs = [uri("track", ident) for ident in list(cat.tracks)[:50]]
    sb.add_fault(path="/v1/tracks/*", latency_ms=LATENCY_MS, times=None)
    result, hit = operations_hit(sb, lambda: uncached.call_ok("search_get_items", refs=refs))
    assert [item["uri"] for item in result["items"]] == refs
    assert hit == ["GET /tracks/{id}"] * 50
    # Each answer waits LATENCY_MS: requests that arrive before the first could have been
    # answered overlap it. Sequential calls would give 1; the pool allows at most 8.
    arrivals = sorted(entry["time"] for entry in sb.requests())
    overlapping = sum(t < arrivals[0] + LATENCY_MS / 1000 for t in arrivals)
    assert 2 <= overlapping <= 8


@pytest.mark.parametrize(
    ("refs", "message"),
    [
        (None, "refs"),
        ([], "at least 1 item"),
        ([uri("track", UNKNOWN)] * 51, "at most 50 items"),
        ([uri("playlist", UNKNOWN)], "is a playlist, but a track, album"),
        (["spotify:track:123"], "not a valid Spotify track ID"),
        ([UNKNOWN], "bare ID"),
        (["https://spotify.link/x"], "short links"),
    ],
)
def test_lookup_bad_input(
    uncached: StdioServer, sb: Sandbox, refs: list[str] | None, message: str
) -> None:
    args = {} if refs is None else {"refs": refs}
    assert message in assert_refused(uncached, sb, "search_get_items", args)


def test_lookup_errors_from_spotify(uncached: StdioServer, sb: Sandbox, cat: Any) -> None:
    refs = [uri("album", ident) for ident in list(cat.albums)[:3]]
    fault(sb, "/albums/*", 401)
    assert "access token" in uncached.call_error("search_get_items", refs=refs)
    sb.clear_faults()
    fault(sb, "/albums/*", 429, retry_after=0)
    assert "rate limit" in uncached.call_error("search_get_items", refs=refs)


# -- search_list_contents ---------------------------------------------------------------------


def test_album_tracks_in_album_order(uncached: StdioServer, sb: Sandbox, cat: Any) -> None:
    album = max(cat.albums.values(), key=lambda a: len(a.track_ids))
    page = uncached.call_ok("search_list_contents", ref=uri("album", album.id), limit=50)
    assert [t["uri"] for t in page["items"]] == [uri("track", i) for i in album.track_ids]
    assert page["total"] == len(album.track_ids) and "next_offset" not in page
    assert queries(sb) == [{"limit": ["50"], "offset": ["0"]}]


def test_artist_albums_read_ten_a_request(uncached: StdioServer, sb: Sandbox, artist: Any) -> None:
    ref = f"https://open.spotify.com/artist/{artist.id}"
    page, hit = operations_hit(
        sb, lambda: uncached.call_ok("search_list_contents", ref=ref, limit=15)
    )
    assert len(page["items"]) == page["total"] == 15 and "next_offset" not in page
    assert all(item["uri"].startswith("spotify:album:") for item in page["items"])
    # Someone else's album the artist appears on says so.
    appearances = [item for item in page["items"] if item["album_group"] == "appears_on"]
    assert len(appearances) == len(artist.appears_on) > 0
    assert hit == ["GET /artists/{id}/albums"] * 2
    assert sorted((q["offset"][0], q["limit"][0]) for q in queries(sb)) == [
        ("0", "10"),
        ("10", "5"),
    ]
    tail = uncached.call_ok("search_list_contents", ref=ref, limit=3, offset=12)
    assert [a["uri"] for a in tail["items"]] == [a["uri"] for a in page["items"][12:]]


def test_artist_albums_of_chosen_groups(
    uncached: StdioServer, sb: Sandbox, cat: Any, artist: Any
) -> None:
    ref = uri("artist", artist.id)
    page = uncached.call_ok("search_list_contents", ref=ref, groups=["appears_on"], limit=50)
    assert sorted(a["uri"] for a in page["items"]) == sorted(
        uri("album", i) for i in artist.appears_on
    )
    assert {a["album_group"] for a in page["items"]} == {"appears_on"}
    own = uncached.call_ok(
        "search_list_contents", ref=ref, groups=["album", "single", "album"], limit=50
    )
    wanted = [i for i in artist.album_ids if cat.albums[i].album_type in ("album", "single")]
    assert sorted(a["uri"] for a in own["items"]) == sorted(uri("album", i) for i in wanted)
    assert {q["include_groups"][0] for q in queries(sb)} == {"appears_on", "album,single"}


def test_groups_are_for_artists_only(uncached: StdioServer, sb: Sandbox, cat: Any) -> None:
    album = uri("album", next(iter(cat.albums)))
    message = assert_refused(
        uncached, sb, "search_list_contents", {"ref": album, "groups": ["single"]}
    )
    assert f"groups filters an artist's albums: leave it out for {album}" in message
    assert "groups" in assert_refused(
        uncached, sb, "search_list_contents", {"ref": album, "groups": ["ep"]}
    )


def test_show_episodes_page_by_page(uncached: StdioServer, cat: Any) -> None:
    show = next(iter(cat.shows.values()))
    ref = uri("show", show.id)
    first = uncached.call_ok("search_list_contents", ref=ref, limit=10)
    assert first["total"] == len(show.child_ids) and first["next_offset"] == 10
    rest = uncached.call_ok("search_list_contents", ref=ref, limit=50, offset=20)
    assert [e["uri"] for e in rest["items"]] == [uri("episode", i) for i in show.child_ids[20:]]
    assert "next_offset" not in rest


def test_audiobook_chapters(uncached: StdioServer, cat: Any) -> None:
    book = next(iter(cat.audiobooks.values()))
    page = uncached.call_ok("search_list_contents", ref=uri("audiobook", book.id))
    assert [c["chapter_number"] for c in page["items"]] == list(range(1, len(book.child_ids) + 1))


@pytest.mark.parametrize(
    ("args", "message"),
    [
        ({}, "ref"),
        ({"ref": uri("track", UNKNOWN)}, "is a track, but an album, artist, show or audiobook"),
        ({"ref": "spotify:album:nope"}, "not a valid Spotify album ID"),
        ({"ref": uri("playlist", UNKNOWN)}, "is expected here; playlists_get_items lists its"),
        ({"ref": uri("album", UNKNOWN), "limit": 51}, "less than or equal to 50"),
        ({"ref": uri("album", UNKNOWN), "offset": -1}, "greater than or equal to 0"),
    ],
)
def test_contents_bad_input(
    uncached: StdioServer, sb: Sandbox, args: dict[str, Any], message: str
) -> None:
    assert message in assert_refused(uncached, sb, "search_list_contents", args)


def test_contents_errors_from_spotify(uncached: StdioServer, sb: Sandbox, cat: Any) -> None:
    assert "Not found" in uncached.call_error("search_list_contents", ref=uri("show", UNKNOWN))
    album = uri("album", next(iter(cat.albums)))
    fault(sb, "/albums/*/tracks", 401)
    assert "access token" in uncached.call_error("search_list_contents", ref=album)
    sb.clear_faults()
    fault(sb, "/albums/*/tracks", 429, retry_after=0)
    assert "rate limit" in uncached.call_error("search_list_contents", ref=album)


# -- resources --------------------------------------------------------------------------------


def read(server: StdioServer, resource: str) -> str:
    result = server.portal.call(server.client.read_resource, resource)
    return str(result.contents[0].text)


def test_album_artist_and_track_resources(uncached: StdioServer, cat: Any) -> None:
    track = next(iter(cat.tracks.values()))
    assert json.loads(read(uncached, f"spotify://track/{track.id}"))["name"] == track.name
    album = json.loads(read(uncached, f"spotify://album/{track.parent_id}"))
    assert album["uri"] == uri("album", track.parent_id) and album["total_tracks"] > 0
    artist = json.loads(read(uncached, f"spotify://artist/{track.artist_ids[0]}"))
    assert artist["uri"] == uri("artist", track.artist_ids[0]) and artist["genres"]
    templates = uncached.portal.call(uncached.client.list_resource_templates)
    uris = {t.uri_template for t in templates.resource_templates}
    assert {"spotify://album/{id}", "spotify://artist/{id}", "spotify://track/{id}"} <= uris


@pytest.mark.parametrize(
    ("resource", "message"),
    [
        ("spotify://track/nope", "not a valid Spotify track ID"),
        (f"spotify://artist/{UNKNOWN}", "Not found"),
    ],
)
def test_resource_errors(uncached: StdioServer, resource: str, message: str) -> None:
    with pytest.raises(Exception, match=message):
        read(uncached, resource)


def test_errors_are_tool_results_not_crashes(uncached: StdioServer, sb: Sandbox) -> None:
    fault(sb, "/search", 401)
    result = uncached.call("search", query="x")
    assert result.is_error and "auth login" in text_of(result)
    sb.clear_faults()
    assert uncached.call_ok("search", query="jazz", types=["playlist"])["pages"]["playlist"]


def test_the_market_setting_applies_to_every_catalog_read(
    sb: Sandbox, cat: Any, artist: Any, tmp_path: Path
) -> None:
    env = {**sandbox_env(sb), **UNCACHED, "SPOTIFY_MCP_MARKET": "SE"}
    track_id = next(iter(cat.tracks))
    with StdioServer(env=env, home=tmp_path) as server:
        server.call_ok("search", query="a")
        server.call_ok("search_get_items", refs=[uri("track", track_id)])
        server.call_ok("search_list_contents", ref=uri("artist", artist.id))
        server.portal.call(server.client.read_resource, f"spotify://track/{track_id}")
        assert {q.get("market", [""])[0] for q in queries(sb)} == {"SE"}
        sb.clear_requests()
        server.call_ok("search", query="a", market="DE")  # an argument wins
        server.call_ok("search", query="b", market="de")  # as Spotify spells it
        assert [q["market"] for q in queries(sb)] == [["DE"], ["DE"]]
