"""Every current operation of openapi.yml, happy path and error cases, over real HTTP; each
response must have the documented status and validate against the spec's schema."""

from __future__ import annotations

import base64
from collections.abc import Callable
from dataclasses import dataclass

import pytest
import requests
from openapi_spec import SpecValidator, load_spec
from sandbox_helpers import (
    COVERAGE,
    LAPTOP,
    PHONE,
    UNKNOWN_ID,
    Api,
    Ids,
    client_credentials_token,
)

from spotify_mcp.sandbox import FREE_USER, Sandbox
from spotify_mcp.sandbox.app import operations
from spotify_mcp.sandbox.seed import (
    COLLAB_PLAYLIST,
    DEEP_FOCUS_PLAYLIST,
    EMPTY_PLAYLIST,
    FOLLOWED_PLAYLIST,
)

Outcome = list[tuple[int, requests.Response]]
JPEG = base64.b64encode(b"\xff\xd8\xff\xe0" + b"\x00" * 64).decode()


@dataclass
class Ctx:
    sb: Sandbox
    api: Api  # premium user, every scope
    free: Api  # free user
    app: Api  # client credentials (catalog only)
    anon: Api  # no token
    ids: Ids

    def scoped(self, *scopes: str) -> Api:
        """The premium user with only `scopes`."""
        return Api(self.sb, self.sb.token(scopes=list(scopes)))

    def activate(self) -> None:
        self.api.put("/me/player", json={"device_ids": [LAPTOP]}).raise_for_status()

    def play(self) -> None:
        album = f"spotify:album:{self.ids.album}"
        response = self.api.put(f"/me/player/play?device_id={LAPTOP}", json={"context_uri": album})
        response.raise_for_status()


CASES: dict[tuple[str, str], Callable[[Ctx], Outcome]] = {}


def case(method: str, path: str) -> Callable[[Callable[[Ctx], Outcome]], Callable[[Ctx], Outcome]]:
    def register(fn: Callable[[Ctx], Outcome]) -> Callable[[Ctx], Outcome]:
        CASES[(method, path)] = fn
        return fn

    return register


# -- catalogue ------------------------------------------------------------------------------


@case("GET", "/albums/{id}")
def _album(c: Ctx) -> Outcome:
    return [
        (200, c.api.get(f"/albums/{c.ids.album}?market=US")),
        (200, c.app.get(f"/albums/{c.ids.album}")),
        (400, c.api.get("/albums/not-an-id")),
        (404, c.api.get(f"/albums/{UNKNOWN_ID}")),
        (401, c.anon.get(f"/albums/{c.ids.album}")),
    ]


@case("GET", "/albums/{id}/tracks")
def _album_tracks(c: Ctx) -> Outcome:
    return [
        (200, c.api.get(f"/albums/{c.ids.album}/tracks?limit=3&offset=1")),
        (200, c.api.get(f"/albums/{c.ids.album}/tracks/")),  # spotipy's trailing slash
        (400, c.api.get(f"/albums/{c.ids.album}/tracks?limit=51")),
        (400, c.api.get(f"/albums/{c.ids.album}/tracks?limit=0")),
        (404, c.api.get(f"/albums/{UNKNOWN_ID}/tracks")),
    ]


@case("GET", "/artists/{id}")
def _artist(c: Ctx) -> Outcome:
    return [
        (200, c.api.get(f"/artists/{c.ids.artist}")),
        (404, c.api.get(f"/artists/{UNKNOWN_ID}")),
    ]


@case("GET", "/artists/{id}/albums")
def _artist_albums(c: Ctx) -> Outcome:
    base = f"/artists/{c.ids.artist}/albums"
    return [
        (200, c.api.get(base)),
        (200, c.api.get(f"{base}?include_groups=album,single,appears_on&limit=10")),
        (400, c.api.get(f"{base}?limit=11")),
        (400, c.api.get(f"{base}?include_groups=mixtape")),
    ]


@case("GET", "/tracks/{id}")
def _track(c: Ctx) -> Outcome:
    return [
        (200, c.api.get(f"/tracks/{c.ids.track}")),
        (400, c.api.get("/tracks/abc")),
        (400, c.api.get(f"/tracks/{c.ids.track}?market=usa")),
        (404, c.api.get(f"/tracks/{UNKNOWN_ID}")),
        (401, Api(c.sb, "not-a-token").get(f"/tracks/{c.ids.track}")),
        (401, Api(c.sb, c.sb.token(expires_in=0)).get(f"/tracks/{c.ids.track}")),
    ]


@case("GET", "/shows/{id}")
def _show(c: Ctx) -> Outcome:
    return [
        (200, c.api.get(f"/shows/{c.ids.show}")),
        (200, c.app.get(f"/shows/{c.ids.show}")),
        (404, c.api.get(f"/shows/{UNKNOWN_ID}")),
    ]


@case("GET", "/shows/{id}/episodes")
def _show_episodes(c: Ctx) -> Outcome:
    return [
        (200, c.api.get(f"/shows/{c.ids.show}/episodes/?limit=50")),
        (400, c.api.get(f"/shows/{c.ids.show}/episodes?offset=-1")),
        (404, c.api.get(f"/shows/{UNKNOWN_ID}/episodes")),
    ]


@case("GET", "/episodes/{id}")
def _episode(c: Ctx) -> Outcome:
    return [
        (200, c.api.get(f"/episodes/{c.ids.episode}")),
        (404, c.api.get(f"/episodes/{UNKNOWN_ID}")),
    ]


@case("GET", "/audiobooks/{id}")
def _audiobook(c: Ctx) -> Outcome:
    return [
        (200, c.api.get(f"/audiobooks/{c.ids.audiobook}")),
        (400, c.api.get("/audiobooks/x")),
        (404, c.api.get(f"/audiobooks/{UNKNOWN_ID}")),
    ]


@case("GET", "/audiobooks/{id}/chapters")
def _audiobook_chapters(c: Ctx) -> Outcome:
    return [
        (200, c.api.get(f"/audiobooks/{c.ids.audiobook}/chapters?limit=2&offset=1")),
        (404, c.api.get(f"/audiobooks/{UNKNOWN_ID}/chapters")),
    ]


@case("GET", "/chapters/{id}")
def _chapter(c: Ctx) -> Outcome:
    return [
        (200, c.api.get(f"/chapters/{c.ids.chapter}")),
        (404, c.api.get(f"/chapters/{UNKNOWN_ID}")),
    ]


@case("GET", "/search")
def _search(c: Ctx) -> Outcome:
    every_type = "album,artist,playlist,track,show,episode,audiobook"
    return [
        (200, c.api.get("/search", params={"q": "a", "type": every_type, "limit": 10})),
        (200, c.app.get("/search", params={"q": "year:1990-2010 genre:jazz", "type": "track"})),
        (400, c.api.get("/search", params={"type": "track"})),
        (400, c.api.get("/search", params={"q": "x", "type": "song"})),
        (400, c.api.get("/search", params={"q": "x", "type": "track", "limit": 11})),
        (400, c.api.get("/search", params={"q": "x", "type": "track", "offset": 1001})),
    ]


# -- the user ---------------------------------------------------------------------------------


@case("GET", "/me")
def _me(c: Ctx) -> Outcome:
    return [
        (200, c.api.get("/me/")),
        (200, c.free.get("/me")),
        (200, c.scoped("user-read-private").get("/me")),
        (403, c.scoped("user-top-read").get("/me")),
        (403, c.app.get("/me")),
    ]


@case("GET", "/me/top/artists")
def _top_artists(c: Ctx) -> Outcome:
    return [
        (200, c.api.get("/me/top/artists?time_range=short_term&limit=5")),
        (400, c.api.get("/me/top/artists?time_range=forever")),
        (403, c.scoped("user-read-private").get("/me/top/artists")),
    ]


@case("GET", "/me/top/tracks")
def _top_tracks(c: Ctx) -> Outcome:
    return [
        (200, c.api.get("/me/top/tracks?offset=40")),
        (400, c.api.get("/me/top/tracks?limit=100")),
    ]


@case("GET", "/me/following")
def _following(c: Ctx) -> Outcome:
    first = c.api.get("/me/following?type=artist&limit=10")
    return [
        (200, first),
        (200, c.api.get(first.json()["artists"]["next"])),
        (200, c.api.get("/me/following?type=artist&limit=50")),  # the last page
        (400, c.api.get("/me/following?type=user")),
        (403, c.app.get("/me/following?type=artist")),
    ]


# -- library ----------------------------------------------------------------------------------


@case("PUT", "/me/library")
def _save(c: Ctx) -> Outcome:
    uris = f"spotify:track:{c.ids.track},spotify:album:{c.ids.album},spotify:artist:{c.ids.artist}"
    return [
        (200, c.api.put("/me/library", params={"uris": uris})),
        (200, c.api.put("/me/library", params={"uris": f"spotify:playlist:{COLLAB_PLAYLIST}"})),
        (
            400,
            c.api.put(
                "/me/library", params={"uris": ",".join([f"spotify:track:{c.ids.track}"] * 41)}
            ),
        ),
        (400, c.api.put("/me/library", params={"uris": "spotify:planet:earth"})),
        (400, c.api.put("/me/library")),
        (404, c.api.put("/me/library", params={"uris": f"spotify:track:{UNKNOWN_ID}"})),
        (
            403,
            c.scoped("user-library-modify").put(
                "/me/library", params={"uris": f"spotify:artist:{c.ids.artist}"}
            ),
        ),
    ]


@case("DELETE", "/me/library")
def _remove(c: Ctx) -> Outcome:
    return [
        (
            200,
            c.api.delete(
                "/me/library", params={"uris": f"spotify:show:{c.ids.show},spotify:user:kestreldj"}
            ),
        ),
        (400, c.api.delete("/me/library", params={"uris": "spotify:track:short"})),
    ]


@case("GET", "/me/library/contains")
def _contains(c: Ctx) -> Outcome:
    uris = f"spotify:track:{c.ids.track},spotify:playlist:{DEEP_FOCUS_PLAYLIST},spotify:user:x"
    return [
        (200, c.api.get("/me/library/contains", params={"uris": uris})),
        (400, c.api.get("/me/library/contains")),
        (
            403,
            c.scoped("user-library-read").get(
                "/me/library/contains", params={"uris": "spotify:user:x"}
            ),
        ),
    ]


@case("GET", "/me/tracks")
def _saved_tracks(c: Ctx) -> Outcome:
    return [
        (200, c.api.get("/me/tracks?limit=50&offset=1200&market=from_token")),
        (403, c.scoped("user-follow-read").get("/me/tracks")),
    ]


@case("GET", "/me/albums")
def _saved_albums(c: Ctx) -> Outcome:
    return [(200, c.api.get("/me/albums?limit=5")), (200, c.free.get("/me/albums"))]


@case("GET", "/me/episodes")
def _saved_episodes(c: Ctx) -> Outcome:
    return [(200, c.api.get("/me/episodes")), (400, c.api.get("/me/episodes?offset=x"))]


@case("GET", "/me/shows")
def _saved_shows(c: Ctx) -> Outcome:
    return [(200, c.api.get("/me/shows")), (401, c.anon.get("/me/shows"))]


@case("GET", "/me/audiobooks")
def _saved_audiobooks(c: Ctx) -> Outcome:
    return [(200, c.api.get("/me/audiobooks")), (403, c.app.get("/me/audiobooks"))]


# -- playlists --------------------------------------------------------------------------------


@case("GET", "/me/playlists")
def _my_playlists(c: Ctx) -> Outcome:
    return [
        (200, c.api.get("/me/playlists?limit=3&offset=2")),
        (400, c.api.get("/me/playlists?limit=51")),
    ]


@case("POST", "/me/playlists")
def _create_playlist(c: Ctx) -> Outcome:
    return [
        (201, c.api.post("/me/playlists", json={"name": "New", "public": False})),
        (
            201,
            c.api.post(
                "/me/playlists", json={"name": "Jam", "public": False, "collaborative": True}
            ),
        ),
        (400, c.api.post("/me/playlists", json={"public": True})),
        (
            400,
            c.api.post("/me/playlists", json={"name": "x", "public": True, "collaborative": True}),
        ),
        (
            403,
            c.scoped("playlist-modify-public").post(
                "/me/playlists", json={"name": "p", "public": False}
            ),
        ),
    ]


@case("GET", "/playlists/{playlist_id}")
def _playlist(c: Ctx) -> Outcome:
    return [
        (200, c.api.get(f"/playlists/{DEEP_FOCUS_PLAYLIST}?additional_types=track,episode")),
        (200, c.app.get(f"/playlists/{FOLLOWED_PLAYLIST}")),
        (400, c.api.get("/playlists/bad")),
        (404, c.api.get(f"/playlists/{UNKNOWN_ID}")),
    ]


@case("PUT", "/playlists/{playlist_id}")
def _change_details(c: Ctx) -> Outcome:
    return [
        (200, c.api.put(f"/playlists/{DEEP_FOCUS_PLAYLIST}", json={"name": "Deeper Focus"})),
        (
            400,
            c.api.put(f"/playlists/{EMPTY_PLAYLIST}", json={"public": True, "collaborative": True}),
        ),
        (403, c.api.put(f"/playlists/{FOLLOWED_PLAYLIST}", json={"name": "Mine now"})),
        (403, c.api.put(f"/playlists/{COLLAB_PLAYLIST}", json={"name": "Collaborators may not"})),
    ]


@case("GET", "/playlists/{playlist_id}/items")
def _playlist_items(c: Ctx) -> Outcome:
    first = c.api.get(f"/playlists/{DEEP_FOCUS_PLAYLIST}/items?limit=50")
    return [
        (200, first),
        (200, c.api.get(first.json()["next"])),
        (200, c.api.get(f"/playlists/{DEEP_FOCUS_PLAYLIST}/items?offset=140")),
        (400, c.api.get(f"/playlists/{DEEP_FOCUS_PLAYLIST}/items?limit=100")),
        (404, c.api.get(f"/playlists/{UNKNOWN_ID}/items")),
    ]


@case("POST", "/playlists/{playlist_id}/items")
def _add_items(c: Ctx) -> Outcome:
    url = f"/playlists/{EMPTY_PLAYLIST}/items"
    track, episode = f"spotify:track:{c.ids.track}", f"spotify:episode:{c.ids.episode}"
    return [
        (201, c.api.post(url, json=[track, episode])),  # spotipy's bare array
        (201, c.api.post(url, json={"uris": [track], "position": 1})),
        (201, c.api.post(f"{url}?position=0&uris={track}")),
        (201, c.api.post(f"/playlists/{COLLAB_PLAYLIST}/items", json=[track])),
        (400, c.api.post(url, json=[track] * 101)),
        (400, c.api.post(url, json=["spotify:track:nope"])),
        (400, c.api.post(url, json={"uris": [track], "position": 99})),
        (403, c.api.post(f"/playlists/{FOLLOWED_PLAYLIST}/items", json=[track])),
        (404, c.api.post(f"/playlists/{UNKNOWN_ID}/items", json=[track])),
    ]


@case("PUT", "/playlists/{playlist_id}/items")
def _reorder_replace(c: Ctx) -> Outcome:
    url = f"/playlists/{DEEP_FOCUS_PLAYLIST}/items"
    return [
        (200, c.api.put(url, json={"range_start": 0, "insert_before": 10, "range_length": 2})),
        (
            200,
            c.api.put(
                f"/playlists/{EMPTY_PLAYLIST}/items",
                json={"uris": [f"spotify:track:{c.ids.track}"]},
            ),
        ),
        (400, c.api.put(url, json={"range_start": 149, "insert_before": 0, "range_length": 5})),
        (400, c.api.put(url, json={})),
        (403, c.api.put(f"/playlists/{FOLLOWED_PLAYLIST}/items", json={"uris": []})),
    ]


@case("DELETE", "/playlists/{playlist_id}/items")
def _remove_items(c: Ctx) -> Outcome:
    url = f"/playlists/{DEEP_FOCUS_PLAYLIST}/items"
    items = c.api.get(f"{url}?limit=2").json()["items"]
    first, second = (item["item"]["uri"] for item in items)
    snapshot = c.api.get(f"/playlists/{DEEP_FOCUS_PLAYLIST}").json()["snapshot_id"]
    return [
        (200, c.api.delete(url, json={"items": [{"uri": first}], "snapshot_id": snapshot})),
        (200, c.api.delete(url, json={"tracks": [{"uri": second, "positions": [0]}]})),
        (400, c.api.delete(url, json={"items": [{"uri": second, "positions": [0]}]})),
        (400, c.api.delete(url, json={})),
        (
            403,
            c.api.delete(f"/playlists/{FOLLOWED_PLAYLIST}/items", json={"items": [{"uri": first}]}),
        ),
    ]


@case("GET", "/playlists/{playlist_id}/images")
def _cover(c: Ctx) -> Outcome:
    return [
        (200, c.api.get(f"/playlists/{DEEP_FOCUS_PLAYLIST}/images")),
        (200, c.api.get(f"/playlists/{EMPTY_PLAYLIST}/images")),
        (404, c.api.get(f"/playlists/{UNKNOWN_ID}/images")),
    ]


@case("PUT", "/playlists/{playlist_id}/images")
def _upload_cover(c: Ctx) -> Outcome:
    url = f"/playlists/{EMPTY_PLAYLIST}/images"
    jpeg = {"Content-Type": "image/jpeg"}
    return [
        (202, c.api.put(url, data=JPEG, headers=jpeg)),
        (400, c.api.put(url, data="not base64!", headers=jpeg)),
        (400, c.api.put(url, data=base64.b64encode(b"GIF89a"), headers=jpeg)),
        (403, c.api.put(f"/playlists/{FOLLOWED_PLAYLIST}/images", data=JPEG, headers=jpeg)),
        (403, c.scoped("playlist-modify-private").put(url, data=JPEG, headers=jpeg)),
    ]


# -- player -----------------------------------------------------------------------------------


@case("GET", "/me/player")
def _playback_state(c: Ctx) -> Outcome:
    idle = c.api.get("/me/player")
    c.activate()
    active = c.api.get("/me/player")
    c.play()
    return [
        (204, idle),
        (200, active),
        (200, c.api.get("/me/player?market=US")),
        (204, c.free.get("/me/player")),
    ]


@case("PUT", "/me/player")
def _transfer(c: Ctx) -> Outcome:
    return [
        (204, c.api.put("/me/player", json={"device_ids": [LAPTOP], "play": False})),
        (400, c.api.put("/me/player", json={"device_ids": [LAPTOP, PHONE]})),
        (404, c.api.put("/me/player", json={"device_ids": ["f" * 40]})),
        (403, c.free.put("/me/player", json={"device_ids": [LAPTOP]})),
    ]


@case("GET", "/me/player/devices")
def _devices(c: Ctx) -> Outcome:
    return [(200, c.api.get("/me/player/devices")), (200, c.free.get("/me/player/devices"))]


@case("GET", "/me/player/currently-playing")
def _currently_playing(c: Ctx) -> Outcome:
    idle = c.api.get("/me/player/currently-playing")
    c.play()
    return [(204, idle), (200, c.api.get("/me/player/currently-playing?additional_types=episode"))]


@case("PUT", "/me/player/play")
def _play(c: Ctx) -> Outcome:
    uris = {"uris": [f"spotify:track:{c.ids.track}", f"spotify:episode:{c.ids.episode}"]}
    playlist = {"context_uri": f"spotify:playlist:{DEEP_FOCUS_PLAYLIST}", "offset": {"position": 3}}
    return [
        (404, c.api.put("/me/player/play", json=uris)),
        (204, c.api.put(f"/me/player/play?device_id={LAPTOP}", json=uris)),
        (204, c.api.put("/me/player/play", json=playlist)),
        (204, c.api.put("/me/player/play", json={"context_uri": f"spotify:artist:{c.ids.artist}"})),
        (
            204,
            c.api.put(
                "/me/player/play",
                json={"context_uri": f"spotify:show:{c.ids.show}", "position_ms": 1000},
            ),
        ),
        (400, c.api.put("/me/player/play", json={"context_uri": "spotify:track:x"})),
        (400, c.api.put("/me/player/play", json={**playlist, "offset": {"position": 999}})),
        (403, c.free.put("/me/player/play", json=uris)),
    ]


@case("PUT", "/me/player/pause")
def _pause(c: Ctx) -> Outcome:
    no_device = c.api.put("/me/player/pause")
    c.play()
    return [
        (404, no_device),
        (204, c.api.put("/me/player/pause")),
        (403, c.api.put("/me/player/pause")),
    ]


@case("POST", "/me/player/next")
def _next(c: Ctx) -> Outcome:
    no_device = c.api.post("/me/player/next")
    c.play()
    return [
        (404, no_device),
        (204, c.api.post("/me/player/next")),
        (403, c.free.post("/me/player/next")),
    ]


@case("POST", "/me/player/previous")
def _previous(c: Ctx) -> Outcome:
    c.play()
    return [
        (204, c.api.post("/me/player/previous")),
        (204, c.api.post(f"/me/player/previous?device_id={LAPTOP}")),
    ]


@case("PUT", "/me/player/seek")
def _seek(c: Ctx) -> Outcome:
    c.play()
    return [
        (204, c.api.put("/me/player/seek?position_ms=25000")),
        (400, c.api.put("/me/player/seek")),
        (400, c.api.put("/me/player/seek?position_ms=-5")),
    ]


@case("PUT", "/me/player/repeat")
def _repeat(c: Ctx) -> Outcome:
    c.activate()
    return [
        (204, c.api.put("/me/player/repeat?state=context")),
        (400, c.api.put("/me/player/repeat?state=all")),
    ]


@case("PUT", "/me/player/volume")
def _volume(c: Ctx) -> Outcome:
    c.activate()
    return [
        (204, c.api.put("/me/player/volume?volume_percent=40")),
        (400, c.api.put("/me/player/volume?volume_percent=101")),
        (403, c.api.put(f"/me/player/volume?volume_percent=40&device_id={PHONE}")),
    ]


@case("PUT", "/me/player/shuffle")
def _shuffle(c: Ctx) -> Outcome:
    c.play()
    return [
        (204, c.api.put("/me/player/shuffle?state=true")),
        (400, c.api.put("/me/player/shuffle?state=yes")),
    ]


@case("GET", "/me/player/recently-played")
def _recently_played(c: Ctx) -> Outcome:
    c.play()
    first = c.api.get("/me/player/recently-played?limit=10")
    return [
        (200, first),
        (200, c.api.get(first.json()["next"])),
        (200, c.api.get("/me/player/recently-played?after=0&limit=5")),
        (200, c.free.get("/me/player/recently-played?limit=50")),
        (400, c.api.get("/me/player/recently-played?after=1&before=2")),
        (403, c.scoped("user-top-read").get("/me/player/recently-played")),
    ]


@case("GET", "/me/player/queue")
def _queue(c: Ctx) -> Outcome:
    idle = c.api.get("/me/player/queue")
    c.play()
    return [(200, idle), (200, c.api.get("/me/player/queue"))]


@case("POST", "/me/player/queue")
def _add_to_queue(c: Ctx) -> Outcome:
    uri = f"spotify:track:{c.ids.track}"
    no_device = c.api.post(f"/me/player/queue?uri={uri}")
    c.play()
    return [
        (404, no_device),
        (204, c.api.post(f"/me/player/queue?uri={uri}")),
        (400, c.api.post("/me/player/queue?uri=spotify:album:x")),
        (400, c.api.post("/me/player/queue")),
    ]


# -- the tests --------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def spec() -> SpecValidator:
    validator = SpecValidator(load_spec())
    COVERAGE["current"] = {f"{m} {p}" for m, p in validator.current()}
    return validator


@pytest.fixture
def ctx(sb: Sandbox, api: Api) -> Ctx:
    return Ctx(
        sb,
        api,
        Api(sb, sb.token(FREE_USER)),
        Api(sb, client_credentials_token(sb)),
        Api(sb, None),
        Ids.of(sb),
    )


@pytest.mark.parametrize("operation", sorted(CASES), ids=lambda op: f"{op[0]} {op[1]}")
def test_operation_conforms(operation: tuple[str, str], ctx: Ctx, spec: SpecValidator) -> None:
    for expected, response in CASES[operation](ctx):
        request = response.request
        path = request.path_url.split("?")[0]
        assert spec.operation_of(str(request.method), path) == operation, path
        assert response.status_code == expected, (
            f"{request.method} {request.path_url}: {response.status_code} {response.text[:300]}"
        )
        spec.validate(operation, response)
    COVERAGE["covered"].add(f"{operation[0]} {operation[1]}")


def test_every_current_operation_is_covered() -> None:
    spec = SpecValidator(load_spec())  # not the fixture: a missing spec FAILS here, loudly
    missing = spec.current() - set(CASES)
    assert not missing, f"operations without conformance cases: {sorted(missing)}"
    assert len(spec.current()) == 49


def test_the_sandbox_implements_exactly_the_spec(spec: SpecValidator) -> None:
    served = {(op.method, op.path) for op in operations()}
    assert served == spec.current() | spec.deprecated()


def test_enforced_scopes_come_from_the_spec(spec: SpecValidator) -> None:
    for op in operations():
        assert set(op.scopes) <= spec.scopes((op.method, op.path)), (op.method, op.path)


def test_removed_operations_answer_403_like_development_mode(ctx: Ctx, spec: SpecValidator) -> None:
    """The 48 deprecated operations: 401 without a token first, then 403 with an ErrorObject."""
    assert len(spec.deprecated()) == 48
    for method, path in sorted(spec.deprecated()):
        url = path.replace("{id}", ctx.ids.track).replace("{playlist_id}", DEEP_FOCUS_PLAYLIST)
        url = url.replace("{user_id}", "kestreldj").replace("{category_id}", "pop")
        assert ctx.anon.request(method, url).status_code == 401, (method, path)
        response = ctx.api.request(method, url)
        assert response.status_code == 403, (method, path, response.text)
        spec.validate((method, path), response)
