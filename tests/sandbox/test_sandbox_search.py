"""Search: free text, field filters, types, paging limits."""

from __future__ import annotations

from typing import Any

from sandbox_helpers import Api

from spotify_mcp.sandbox import Sandbox


def search(api: Api, q: str, kind: str = "track", **params: Any) -> dict[str, Any]:
    response = api.get("/search", params={"q": q, "type": kind, **params})
    assert response.status_code == 200, response.text
    page: dict[str, Any] = response.json()[f"{kind}s"]
    return page


def test_track_filters_narrow_the_results(sb: Sandbox, api: Api) -> None:
    catalog = sb.runtime.catalog
    album = next(a for a in catalog.albums.values() if len(a.track_ids) > 5)
    artist = catalog.artists[album.artist_ids[0]]
    track = catalog.tracks[album.track_ids[3]]
    q = f'track:"{track.name}" album:"{album.name}" artist:"{artist.name}" year:{album.year}'
    found = search(api, q, limit=10)
    assert track.id in [item["id"] for item in found["items"]]
    assert all(item["album"]["id"] == album.id for item in found["items"])


def test_year_ranges_and_genres(sb: Sandbox, api: Api) -> None:
    page = search(api, "year:1990-1999 genre:jazz", "track", limit=10)
    assert page["total"] > 0
    tracks = sb.runtime.catalog.tracks
    for item in page["items"]:
        track = tracks[item["id"]]
        assert 1990 <= track.year <= 1999 and "jazz" in track.genres
    artists = search(api, "genre:jazz", "artist", limit=10)
    assert all("jazz" in artist["genres"] for artist in artists["items"])


def test_case_and_accents_do_not_count(sb: Sandbox, api: Api) -> None:
    artist = next(a for a in sb.runtime.catalog.artists.values() if "ø" in a.name)
    plain = artist.name.lower().replace("ø", "o")  # "Nia Sørensen" -> "nia sorensen"
    for q in (plain, f'artist:"{plain.upper()}"', artist.name):
        assert artist.id in [a["id"] for a in search(api, q, "artist", limit=10)["items"]], q


def test_limit_defaults_to_five_and_pages_follow(api: Api) -> None:
    page = search(api, "a", "track")
    assert page["limit"] == 5 and len(page["items"]) == 5 and page["total"] > 100
    second = api.get(page["next"]).json()["tracks"]
    assert second["offset"] == 5
    assert {i["id"] for i in page["items"]}.isdisjoint(i["id"] for i in second["items"])


def test_no_next_page_past_the_offset_limit(api: Api) -> None:
    """openapi.yml caps `offset` at 1000: no `next` link may start past it."""
    near_the_end = search(api, "e", offset=990, limit=10)
    assert near_the_end["total"] > 1010
    assert api.get(near_the_end["next"]).json()["tracks"]["offset"] == 1000
    assert search(api, "e", offset=1000, limit=10)["next"] is None
    assert search(api, "e", offset=995, limit=10)["next"] is None  # 1005 would be refused


def test_exact_name_matches_come_first(sb: Sandbox, api: Api) -> None:
    artist = list(sb.runtime.catalog.artists.values())[-1]
    assert search(api, artist.name, "artist")["items"][0]["id"] == artist.id


def test_other_types(sb: Sandbox, api: Api) -> None:
    show = next(iter(sb.runtime.catalog.shows.values()))
    assert search(api, show.name, "show")["items"][0]["id"] == show.id
    assert search(api, show.name, "episode")["total"] == 25
    assert search(api, "lighthouse", "audiobook")["total"] >= 1
    playlists = search(api, "essentials", "playlist")
    assert [p["name"] for p in playlists["items"]] == ["Indie Essentials"]
    assert search(api, "drafts", "playlist")["total"] == 0  # private playlists are not found


def test_filters_that_do_not_apply_exclude_the_type(api: Api) -> None:
    response = api.get("/search", params={"q": "genre:jazz", "type": "track,show,album"}).json()
    assert response["tracks"]["total"] > 0 and response["shows"]["total"] == 0
    assert response["albums"]["total"] == 0  # genre is for artists and tracks (openapi.yml)


def test_nothing_found(api: Api) -> None:
    page = search(api, "zzzzqqqq")
    assert page == {**page, "items": [], "total": 0, "next": None}


def every_id(api: Api, q: str, kind: str) -> list[str]:
    """The IDs of every result, page after page."""
    ids: list[str] = []
    page = search(api, q, kind, limit=10)
    while True:
        ids += [item["id"] for item in page["items"]]
        if not page["next"]:
            return ids
        page = api.get(page["next"]).json()[f"{kind}s"]


def test_tag_new_finds_the_albums_of_the_past_two_weeks(sb: Sandbox, api: Api) -> None:
    catalog = sb.runtime.catalog
    found = every_id(api, "tag:new", "album")
    assert [catalog.albums[ident].simple["release_date"] for ident in found] == ["2026-05-27"]
    (new,) = found
    artist = catalog.artists[catalog.albums[new].artist_ids[0]]
    assert every_id(api, f'tag:new artist:"{artist.name}" year:2026', "album") == [new]
    assert every_id(api, "tag:new year:2025", "album") == []
    assert search(api, "tag:new", "track")["total"] == 0  # a filter for albums only


def test_tag_hipster_finds_the_least_popular_tenth_of_albums(sb: Sandbox, api: Api) -> None:
    albums = sb.runtime.catalog.albums
    found = set(every_id(api, "tag:hipster", "album"))
    assert len(found) == len(albums) // 10  # 15 of 150: no tie at the edge
    popularity = {ident: album.full["popularity"] for ident, album in albums.items()}
    least_popular_rest = min(p for ident, p in popularity.items() if ident not in found)
    assert all(popularity[ident] < least_popular_rest for ident in found)
    assert every_id(api, "tag:hipster tag:new", "album") == []  # the new album is not among them
    assert search(api, "tag:mainstream", "album")["total"] == 0
