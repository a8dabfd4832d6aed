"""The current user's profile and top items."""

from __future__ import annotations

from typing import Any

from .endpoint import Call, Operations
from .errors import bad_request
from .seed import TIME_RANGES
from .views import private_user

ops = Operations()


@ops.get("/me", scopes="user-read-email user-read-private")
def get_current_user(call: Call) -> Any:
    return private_user(call.me, call.grant.scopes)


def _time_range(call: Call) -> str:
    time_range = call.query.get("time_range", "medium_term")
    if time_range not in TIME_RANGES:
        raise bad_request("Invalid time range")
    return time_range


@ops.get("/me/top/artists", scopes="user-top-read")
def get_top_artists(call: Call) -> Any:
    ids = call.me.top_artists[_time_range(call)]
    artists = call.rt.catalog.artists
    return call.page(ids, call.limit(), call.offset(), lambda ident: artists[ident].full)


@ops.get("/me/top/tracks", scopes="user-top-read")
def get_top_tracks(call: Call) -> Any:
    ids = call.me.top_tracks[_time_range(call)]
    tracks = call.rt.catalog.tracks
    return call.page(ids, call.limit(), call.offset(), lambda ident: tracks[ident].full)
