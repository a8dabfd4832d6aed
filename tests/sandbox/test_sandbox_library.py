"""The library: /me/library by URI, the saved lists, follows and top items."""

from __future__ import annotations

from sandbox_helpers import Api, Ids

from spotify_mcp.sandbox import Sandbox
from spotify_mcp.sandbox.seed import DJ_USER, UNFOLLOWED_PLAYLIST


def contains(api: Api, *uris: str) -> list[bool]:
    response = api.get("/me/library/contains", params={"uris": ",".join(uris)})
    assert response.status_code == 200, response.text
    return list(response.json())


def test_save_contains_and_remove_every_kind(sb: Sandbox, api: Api) -> None:
    ids = Ids.of(sb)
    uris = [
        f"spotify:track:{ids.track}",
        f"spotify:album:{ids.album}",
        f"spotify:episode:{ids.episode}",
        f"spotify:show:{ids.show}",
        f"spotify:audiobook:{ids.audiobook}",
        f"spotify:artist:{ids.artist}",
        f"spotify:user:{DJ_USER}",
        f"spotify:playlist:{UNFOLLOWED_PLAYLIST}",
    ]
    api.delete("/me/library", params={"uris": ",".join(uris)})
    assert contains(api, *uris) == [False] * len(uris)
    assert api.put("/me/library", params={"uris": ",".join(uris[:4])}).status_code == 200
    assert contains(api, *uris) == [True] * 4 + [False] * 4
    api.put("/me/library", params={"uris": ",".join(uris[4:])})
    assert contains(api, *reversed(uris)) == [True] * len(uris)  # answers in the order asked


def test_saved_items_are_listed_newest_first(sb: Sandbox, api: Api) -> None:
    album = Ids.of(sb).album
    api.delete("/me/library", params={"uris": f"spotify:album:{album}"})
    api.put("/me/library", params={"uris": f"spotify:album:{album}"})
    first = api.get("/me/albums?limit=1").json()["items"][0]
    assert first["album"]["id"] == album
    assert first["added_at"] > api.get("/me/albums?limit=1&offset=1").json()["items"][0]["added_at"]


def test_a_thousand_saved_tracks_in_twenty_pages_of_fifty(api: Api) -> None:
    url = "/me/tracks?limit=50"
    seen: list[str] = []
    for _ in range(20):
        page = api.get(url).json()
        seen += [item["track"]["id"] for item in page["items"]]
        url = page["next"]
    assert len(seen) == len(set(seen)) == 1000
    assert page["total"] >= 1200


def test_following_a_playlist_adds_it_to_my_playlists(api: Api) -> None:
    uri = f"spotify:playlist:{UNFOLLOWED_PLAYLIST}"
    followers = api.get(f"/playlists/{UNFOLLOWED_PLAYLIST}").json()["followers"]["total"]
    api.put("/me/library", params={"uris": uri})
    assert api.get("/me/playlists?limit=1").json()["items"][0]["id"] == UNFOLLOWED_PLAYLIST
    assert (
        api.get(f"/playlists/{UNFOLLOWED_PLAYLIST}").json()["followers"]["total"] == followers + 1
    )
    api.delete("/me/library", params={"uris": uri})
    ids = [p["id"] for p in api.get("/me/playlists?limit=50").json()["items"]]
    assert UNFOLLOWED_PLAYLIST not in ids


def test_library_requests_are_validated_before_anything_changes(sb: Sandbox, api: Api) -> None:
    track = f"spotify:track:{Ids.of(sb).track}"
    api.delete("/me/library", params={"uris": track})
    unknown = api.put("/me/library", params={"uris": f"{track},spotify:album:{'0' * 22}"})
    assert unknown.status_code == 404
    assert contains(api, track) == [False]
    assert api.put("/me/library", params={"uris": ",".join([track] * 41)}).status_code == 400
    malformed = api.put("/me/library", params={"uris": "spotify:chapter:x"})
    assert malformed.status_code == 400
    body = malformed.json()
    assert body["error"]["status"] == body["status"] == 400  # see errors.error_body


def test_scopes_depend_on_the_kind_of_uri(sb: Sandbox) -> None:
    ids = Ids.of(sb)
    library_only = Api(sb, sb.token(scopes=["user-library-modify"]))
    assert (
        library_only.put("/me/library", params={"uris": f"spotify:track:{ids.track}"}).status_code
        == 200
    )
    assert (
        library_only.put("/me/library", params={"uris": f"spotify:artist:{ids.artist}"}).status_code
        == 403
    )
    follow_only = Api(sb, sb.token(scopes=["user-follow-modify"]))
    assert (
        follow_only.put("/me/library", params={"uris": f"spotify:user:{DJ_USER}"}).status_code
        == 200
    )


def test_followed_artists_cursor_paging(api: Api) -> None:
    seen: list[str] = []
    page = api.get("/me/following?type=artist&limit=7").json()["artists"]
    while True:
        seen += [artist["id"] for artist in page["items"]]
        if "next" not in page:
            break
        assert page["cursors"]["after"] == seen[-1]
        page = api.get(page["next"]).json()["artists"]
    assert len(seen) == len(set(seen)) == page["total"] == 25


def test_top_items_differ_by_time_range(api: Api) -> None:
    short = api.get("/me/top/artists?time_range=short_term&limit=50").json()
    long = api.get("/me/top/artists?time_range=long_term&limit=50").json()
    assert short["total"] == long["total"] == 40
    assert [a["id"] for a in short["items"]] != [a["id"] for a in long["items"]]
    assert api.get("/me/top/tracks").json()["total"] == 50
