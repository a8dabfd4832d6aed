"""The player: devices, Premium, reasons, contexts, queue, history, and progress over time
(driven by a fake clock, so no test waits)."""

from __future__ import annotations

import pytest
from sandbox_helpers import LAPTOP, PHONE, Api, Ids

from spotify_mcp.sandbox import FREE_USER, Sandbox
from spotify_mcp.sandbox.catalog import Catalog, build_catalog
from spotify_mcp.sandbox.playback import Device, Player
from spotify_mcp.sandbox.seed import DEEP_FOCUS_PLAYLIST


def reason(response: object) -> str | None:
    return response.json()["error"].get("reason")  # type: ignore[attr-defined,no-any-return]


def album_uris(sb: Sandbox, ids: Ids) -> list[str]:
    catalog = sb.runtime.catalog
    return [catalog.tracks[t].uri for t in catalog.albums[ids.album].track_ids]


def now_playing(api: Api) -> str:
    return str(api.get("/me/player/currently-playing").json()["item"]["uri"])


def test_commands_need_an_active_device_until_a_transfer(sb: Sandbox, api: Api) -> None:
    ids = Ids.of(sb)
    refused = api.put("/me/player/play", json={"uris": [f"spotify:track:{ids.track}"]})
    assert refused.status_code == 404 and reason(refused) == "NO_ACTIVE_DEVICE"
    assert api.get("/me/player").status_code == 204
    assert api.put("/me/player", json={"device_ids": [LAPTOP]}).status_code == 204
    state = api.get("/me/player").json()
    assert state["device"]["id"] == LAPTOP and state["is_playing"] is False
    assert api.get("/me/player/currently-playing").status_code == 204  # nothing loaded yet
    assert (
        api.put("/me/player/play", json={"uris": [f"spotify:track:{ids.track}"]}).status_code == 204
    )
    assert now_playing(api) == f"spotify:track:{ids.track}"
    devices = api.get("/me/player/devices").json()["devices"]
    assert [d["is_active"] for d in devices].count(True) == 1


def test_free_users_get_premium_required(sb: Sandbox) -> None:
    free = Api(sb, sb.token(FREE_USER))
    device = free.get("/me/player/devices").json()["devices"][0]["id"]
    for response in (
        free.put("/me/player", json={"device_ids": [device]}),
        free.put(f"/me/player/play?device_id={device}", json={}),
        free.put("/me/player/pause"),
        free.post("/me/player/queue?uri=spotify:track:" + Ids.of(sb).track),
        free.post("/me/player/queue"),  # Premium is checked before the parameters
    ):
        assert response.status_code == 403 and reason(response) == "PREMIUM_REQUIRED"


def test_play_an_album_from_an_offset_uri_then_skip(sb: Sandbox, api: Api) -> None:
    ids = Ids.of(sb)
    uris = album_uris(sb, ids)
    body = {"context_uri": f"spotify:album:{ids.album}", "offset": {"uri": uris[2]}}
    assert api.put(f"/me/player/play?device_id={LAPTOP}", json=body).status_code == 204
    state = api.get("/me/player").json()
    assert state["item"]["uri"] == uris[2]
    assert state["context"]["uri"] == f"spotify:album:{ids.album}"
    assert state["currently_playing_type"] == "track"
    assert [item["uri"] for item in api.get("/me/player/queue").json()["queue"]] == uris[3:]
    api.post("/me/player/next")
    assert now_playing(api) == uris[3]
    api.post("/me/player/previous")
    assert now_playing(api) == uris[2]


def test_queue_plays_before_the_rest_of_the_context(sb: Sandbox, api: Api) -> None:
    ids = Ids.of(sb)
    api.put(
        f"/me/player/play?device_id={LAPTOP}", json={"context_uri": f"spotify:album:{ids.album}"}
    )
    episode = f"spotify:episode:{ids.episode}"
    assert api.post(f"/me/player/queue?uri={episode}").status_code == 204
    assert api.get("/me/player/queue").json()["queue"][0]["uri"] == episode
    api.post("/me/player/next")
    assert now_playing(api) == episode
    assert api.get("/me/player").json()["currently_playing_type"] == "episode"
    api.post("/me/player/previous")  # back to the album's track played before the episode
    assert now_playing(api) == album_uris(sb, ids)[0]


def test_play_a_playlist_by_position(sb: Sandbox, api: Api) -> None:
    items = api.get(f"/playlists/{DEEP_FOCUS_PLAYLIST}/items?limit=5").json()["items"]
    body = {"context_uri": f"spotify:playlist:{DEEP_FOCUS_PLAYLIST}", "offset": {"position": 4}}
    api.put(f"/me/player/play?device_id={LAPTOP}", json=body)
    assert now_playing(api) == items[4]["item"]["uri"]


def test_pause_resume_and_pausing_twice(sb: Sandbox, api: Api) -> None:
    api.put(
        f"/me/player/play?device_id={LAPTOP}",
        json={"context_uri": f"spotify:album:{Ids.of(sb).album}"},
    )
    assert api.put("/me/player/pause").status_code == 204
    assert api.get("/me/player").json()["is_playing"] is False
    again = api.put("/me/player/pause")
    assert again.status_code == 403 and reason(again) == "UNKNOWN"
    assert api.put("/me/player/play").status_code == 204  # resume
    assert api.get("/me/player").json()["is_playing"] is True


def test_modes_and_volume(sb: Sandbox, api: Api) -> None:
    api.put("/me/player", json={"device_ids": [LAPTOP]})
    api.put("/me/player/repeat?state=track")
    api.put("/me/player/shuffle?state=true")
    api.put("/me/player/volume?volume_percent=15")
    state = api.get("/me/player").json()
    assert (state["repeat_state"], state["shuffle_state"], state["device"]["volume_percent"]) == (
        "track",
        True,
        15,
    )
    refused = api.put(f"/me/player/volume?volume_percent=15&device_id={PHONE}")
    assert refused.status_code == 403 and reason(refused) == "VOLUME_CONTROL_DISALLOW"
    # A command refused on the device it names leaves the active device as it was.
    assert api.get("/me/player").json()["device"]["id"] == LAPTOP


def test_recently_played_records_each_track_started(sb: Sandbox, api: Api) -> None:
    ids = Ids.of(sb)
    uris = album_uris(sb, ids)[:2]
    api.put(f"/me/player/play?device_id={LAPTOP}", json={"uris": uris})
    history = api.get("/me/player/recently-played?limit=1").json()["items"]
    assert history[0]["track"]["uri"] == uris[0]
    api.post("/me/player/next")
    recent = api.get("/me/player/recently-played?limit=2").json()["items"]
    assert [item["track"]["uri"] for item in recent] == [uris[1], uris[0]]
    assert "context" not in recent[0]  # a bare list of URIs has no context


def test_recently_played_cursor_pages_cover_the_history_once(sb: Sandbox, api: Api) -> None:
    seen: list[str] = []
    page = api.get("/me/player/recently-played?limit=7").json()
    while True:
        seen += [item["played_at"] for item in page["items"]]
        if "next" not in page:
            break
        page = api.get(page["next"]).json()
    assert len(seen) == 30 and seen == sorted(seen, reverse=True)
    newest = api.get("/me/player/recently-played?limit=1").json()["cursors"]["after"]
    assert api.get(f"/me/player/recently-played?after={newest}").json()["items"] == []


def test_recently_played_pages_forward_with_after(api: Api) -> None:
    """With `after`, `next` keeps going forward in time (after the page's newest play, its
    `cursors.after`), as spotipy's `next()` follows it: every newer play once, none older."""
    url = "/me/player/recently-played"
    history = api.get(f"{url}?limit=50").json()
    played = [item["played_at"] for item in history["items"]]  # newest first
    page = api.get(f"{url}?after={history['cursors']['before']}&limit=7").json()
    seen: list[str] = []
    while True:
        seen += [item["played_at"] for item in page["items"]]
        if "next" not in page:
            break
        assert f"after={page['cursors']['after']}" in page["next"]
        page = api.get(page["next"]).json()
    assert sorted(seen, reverse=True) == played[:-1] and len(set(seen)) == len(seen)


# -- progress over time, with a fake clock ------------------------------------------------------


class FakeClock:
    def __init__(self) -> None:
        self.now = 1_000_000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture(scope="module")
def catalog() -> Catalog:
    return build_catalog("http://127.0.0.1:1/v1")


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def player(catalog: Catalog, clock: FakeClock) -> Player:
    player = Player(catalog, [Device("d" * 40, "Desk", "Computer", 50)], clock)
    album = next(a for a in catalog.albums.values() if len(a.track_ids) >= 4)
    player.play("spotify:album:" + album.id, [catalog.tracks[t].uri for t in album.track_ids], 0, 0)
    return player


def duration(player: Player, index: int) -> int:
    track = player.catalog.playable(player.items[index])
    assert track is not None
    return track.duration_ms


def test_progress_follows_the_clock_and_pause_freezes_it(player: Player, clock: FakeClock) -> None:
    clock.now += 12.5
    assert player.progress_ms() == 12_500
    player.pause()
    clock.now += 60
    assert player.progress_ms() == 12_500
    player.resume()
    clock.now += 1
    assert player.progress_ms() == 13_500


def test_finished_tracks_advance_and_enter_the_history(player: Player, clock: FakeClock) -> None:
    clock.now += (duration(player, 0) + duration(player, 1)) / 1000 + 2
    player.sync()
    assert player.current == player.items[2]
    assert player.progress_ms() == 2_000
    assert [track.uri for _, track, _ in list(player.history)[-3:]] == player.items[:3]


def test_repeat_track_restarts_and_the_end_of_a_context_stops(
    player: Player, clock: FakeClock
) -> None:
    player.repeat = "track"
    clock.now += duration(player, 0) / 1000 + 1
    player.sync()
    assert player.current == player.items[0] and player.progress_ms() == 1_000
    player.repeat = "off"
    clock.now += sum(duration(player, i) for i in range(len(player.items))) / 1000
    player.sync()
    assert player.current == player.items[-1] and not player.playing


def test_repeat_context_wraps_around(player: Player, clock: FakeClock) -> None:
    player.repeat = "context"
    player.cursor = len(player.order) - 1
    player.current = player.items[-1]
    player.seek(duration(player, len(player.items) - 1))
    assert player.current == player.items[0] and player.playing


def test_previous_restarts_after_three_seconds(player: Player, clock: FakeClock) -> None:
    player.skip_next()
    clock.now += 5
    player.skip_previous()
    assert player.current == player.items[1] and player.progress_ms() == 0
    player.skip_previous()
    assert player.current == player.items[0]


def test_shuffle_keeps_the_current_item_and_is_reproducible(player: Player) -> None:
    player.skip_next()
    current = player.current
    player.set_shuffle(True)
    order = list(player.order)
    assert player.current == current and player.items[order[0]] == current
    assert sorted(order) == list(range(len(player.items)))
    player.set_shuffle(False)
    player.set_shuffle(True)
    assert player.order == order


# -- resume points of episodes and chapters ------------------------------------------------------


@pytest.fixture
def episodes(catalog: Catalog) -> list[str]:
    """The first show's first two episodes, then the first audiobook's first chapter."""
    show = next(iter(catalog.shows.values()))
    book = next(iter(catalog.audiobooks.values()))
    return [catalog.episodes[e].uri for e in show.child_ids[:2]] + [
        catalog.chapters[book.child_ids[0]].uri
    ]


def point(player: Player, uri: str) -> tuple[int, bool]:
    resume = player.resume_point(uri)
    return resume["resume_position_ms"], resume["fully_played"]


def length(player: Player, uri: str) -> int:
    item = player.catalog.playable(uri)
    assert item is not None
    return item.duration_ms


def test_leaving_an_episode_keeps_where_the_user_stopped(
    player: Player, clock: FakeClock, episodes: list[str]
) -> None:
    first, second, chapter = episodes
    player.play(None, episodes, 0, 60_000)
    clock.now += 30
    assert point(player, first) == (90_000, False)  # live while it plays
    player.pause()
    clock.now += 600
    assert point(player, first) == (90_000, False)
    player.skip_next()  # paused: it stays where it was
    assert point(player, first) == (90_000, False) and point(player, second) == (0, False)
    player.resume()
    clock.now += 5
    player.seek(120_000)
    clock.now += 1
    player.play(None, [chapter], 0, 0)  # something else starts
    assert point(player, second) == (121_000, False)
    clock.now += 2
    assert point(player, chapter) == (2_000, False)


def test_played_to_the_end_an_episode_is_fully_played(
    player: Player, clock: FakeClock, episodes: list[str]
) -> None:
    first, second, chapter = episodes
    player.play(None, [first, second], 0, length(player, first) - 1_000)
    clock.now += 3
    player.sync()
    assert player.current == second
    assert point(player, first) == (0, True)
    player.play(None, [chapter], 0, length(player, chapter))  # at the end: over at once
    assert not player.playing
    assert point(player, chapter) == (0, True)  # stopped on it, at 0: still fully played
    player.play(None, [first], 0, 0)
    player.skip_next()  # left at once: a replay that never got going changes nothing
    assert point(player, first) == (0, True)
    player.play(None, [first], 0, 10_000)
    assert point(player, first) == (10_000, False)  # played again: under way once more


def test_tracks_have_no_resume_point(player: Player, clock: FakeClock) -> None:
    clock.now += 10
    player.skip_next()
    assert player.resume_points == {}
