"""Result shapes built from Spotify payloads: what the sandbox cannot show yet."""

from __future__ import annotations

from typing import Any

import pytest

from spotify_mcp.models import any_item

EPISODE = {"type": "episode", "uri": "spotify:episode:1", "name": "E", "duration_ms": 60_000}
CHAPTER = {**EPISODE, "chapter_number": 3}


@pytest.mark.parametrize("payload", [EPISODE, CHAPTER], ids=["episode", "chapter"])
@pytest.mark.parametrize(
    ("point", "shown"),
    [
        ({"fully_played": False, "resume_position_ms": 0}, {}),
        ({"fully_played": False, "resume_position_ms": 754_000}, {"resume_ms": 754_000}),
        ({"fully_played": True, "resume_position_ms": 0}, {"fully_played": True}),
        (None, {}),
    ],
    ids=["not started", "started", "finished", "no scope"],
)
def test_a_resume_point_is_shown_once_the_user_started(
    payload: dict[str, Any], point: dict[str, Any] | None, shown: dict[str, Any]
) -> None:
    item = any_item({**payload, "resume_point": point} if point else payload)
    dumped = item.model_dump(exclude_none=True)
    assert {key: dumped[key] for key in ("resume_ms", "fully_played") if key in dumped} == shown


@pytest.mark.parametrize(
    ("released", "year"), [("1987-06-01", 1987), ("1987", 1987), ("0000", None)]
)
def test_a_tracks_year_is_its_albums_release_year(released: str, year: int | None) -> None:
    album = {"uri": "spotify:album:1", "name": "A", "release_date": released}
    track = any_item({"type": "track", "uri": "spotify:track:1", "name": "T", "album": album})
    assert track.model_dump().get("year") == year  # Spotify's placeholder "0000" is no year
