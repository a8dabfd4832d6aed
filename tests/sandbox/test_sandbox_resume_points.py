"""Resume points: where the user is in each episode and chapter, in every reply holding one,
for a user token with the user-read-playback-position scope (and only then)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from sandbox_helpers import LAPTOP, Api, Ids, client_credentials_token

from spotify_mcp.sandbox import Sandbox
from spotify_mcp.sandbox.seed import playlist_id

NOT_RESUMED = {"fully_played": False, "resume_position_ms": 0}


def play(api: Api, uri: str, position_ms: int) -> None:
    body = {"uris": [uri], "position_ms": position_ms}
    assert api.put(f"/me/player/play?device_id={LAPTOP}", json=body).status_code == 204


def test_an_episode_played_partway_resumes_where_the_user_paused(sb: Sandbox, api: Api) -> None:
    ids = Ids.of(sb)
    episode = sb.runtime.catalog.episodes[ids.episode]
    play(api, episode.uri, 60_000)
    assert api.put("/me/player/pause").status_code == 204
    paused_at = api.get("/me/player").json()["progress_ms"]
    assert 60_000 <= paused_at < episode.duration_ms
    assert api.put("/me/library", params={"uris": episode.uri}).status_code == 200
    replies: dict[str, Callable[[], Any]] = {
        "episode": lambda: api.get(f"/episodes/{ids.episode}").json(),
        "show": lambda: api.get(f"/shows/{ids.show}").json()["episodes"]["items"][0],
        "show episodes": lambda: api.get(f"/shows/{ids.show}/episodes").json()["items"][0],
        "saved": lambda: api.get("/me/episodes").json()["items"][0]["episode"],
        "search": lambda: api.get(
            "/search", params={"q": episode.name, "type": "episode", "limit": 1}
        ).json()["episodes"]["items"][0],
        "player": lambda: api.get("/me/player").json()["item"],
        "queue": lambda: api.get("/me/player/queue").json()["currently_playing"],
    }
    for reply, item in replies.items():
        shown = item()
        assert shown["id"] == ids.episode, reply
        assert shown["resume_point"] == {"fully_played": False, "resume_position_ms": paused_at}
    other = api.get(f"/shows/{ids.show}/episodes").json()["items"][1]
    assert other["resume_point"] == NOT_RESUMED


def test_a_chapter_played_to_the_end_is_fully_played(sb: Sandbox, api: Api) -> None:
    ids = Ids.of(sb)
    chapter = sb.runtime.catalog.chapters[ids.chapter]
    play(api, chapter.uri, chapter.duration_ms)  # at the end: over at once
    finished = {"fully_played": True, "resume_position_ms": 0}
    assert api.get(f"/chapters/{ids.chapter}").json()["resume_point"] == finished
    chapters = api.get(f"/audiobooks/{ids.audiobook}/chapters").json()["items"]
    assert chapters[0]["resume_point"] == finished
    assert chapters[1]["resume_point"] == NOT_RESUMED
    book = api.get(f"/audiobooks/{ids.audiobook}").json()
    assert book["chapters"]["items"][0]["resume_point"] == finished


def test_only_a_user_token_with_the_scope_gets_resume_points(sb: Sandbox, api: Api) -> None:
    ids = Ids.of(sb)
    without_scope = Api(sb, sb.token(scopes=["user-read-playback-state"]))
    app = Api(sb, client_credentials_token(sb))
    for client in (without_scope, app):
        assert "resume_point" not in client.get(f"/episodes/{ids.episode}").json()
        assert "resume_point" not in client.get(f"/chapters/{ids.chapter}").json()
        assert "resume_point" not in client.get(f"/shows/{ids.show}/episodes").json()["items"][0]
    assert api.get(f"/episodes/{ids.episode}").json()["resume_point"] == NOT_RESUMED
    assert "resume_point" not in api.get(f"/tracks/{ids.track}").json()


def test_the_fields_filter_selects_from_the_reply_with_resume_points(api: Api) -> None:
    commute = playlist_id("morning-commute")  # 35 tracks and 5 episodes
    items = api.get(f"/playlists/{commute}/items?limit=50").json()["items"]
    episode = next(entry["item"] for entry in items if entry["item"]["type"] == "episode")
    play(api, episode["uri"], 90_000)
    api.put("/me/player/pause").raise_for_status()
    url = f"/playlists/{commute}/items?limit=50&fields=items(track(uri,resume_point))"
    selected = {e["track"]["uri"]: e["track"] for e in api.get(url).json()["items"]}
    assert selected[episode["uri"]]["resume_point"]["resume_position_ms"] >= 90_000
    assert sum("resume_point" in item for item in selected.values()) == 5  # tracks have none
    names_only = api.get(f"/playlists/{commute}?fields=items.items(track(name))").json()
    assert all(entry["track"].keys() == {"name"} for entry in names_only["items"]["items"])
