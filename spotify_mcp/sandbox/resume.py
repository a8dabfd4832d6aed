"""Resume points in replies: where the user is in each episode and chapter a reply holds.

The shared catalogue objects carry none, because Spotify sets `resume_point` only for a user
token with the user-read-playback-position scope (openapi.yml, EpisodeBase and ChapterBase):
such a reply gets copies holding the user's own (the player keeps them, playback.py).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .playback import Player

SCOPE = "user-read-playback-position"
# Objects of these types never hold an episode or chapter: not looked into (a track page is
# most of a large reply).
_WITHOUT_EPISODES = frozenset({"track", "album", "artist", "user"})


def with_resume_points(body: Any, player: Player) -> Any:
    """`body` with the user's `resume_point` in every episode and chapter object."""
    if isinstance(body, list):
        return [with_resume_points(item, player) for item in body]
    if not isinstance(body, dict):
        return body
    kind = body.get("type")
    if kind == "episode":  # chapters are typed "episode" too
        return {**body, "resume_point": player.resume_point(body["uri"])}
    if kind in _WITHOUT_EPISODES:
        return body
    return {key: with_resume_points(value, player) for key, value in body.items()}
