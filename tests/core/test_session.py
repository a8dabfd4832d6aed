"""Every request spotipy makes runs the pipeline; the transport owns the token; no retries."""

from __future__ import annotations

import threading

import pytest
import requests
from spotipy.exceptions import SpotifyException

from spotify_mcp.auth import StaticToken
from spotify_mcp.pipeline import CallNext, Request, Response
from spotify_mcp.session import build_session


class Recorder:
    name, order = "recorder", 1

    def __init__(self) -> None:
        self.seen: list[Request] = []
        self.lock = threading.Lock()

    def __call__(self, request: Request, call_next: CallNext) -> Response:
        with self.lock:
            self.seen.append(request)
        return call_next(request)


def sandbox_requests(sandbox) -> list[dict]:
    return requests.get(f"{sandbox.base_url}/_sandbox/requests", timeout=5).json()


def test_every_request_passes_the_middleware_including_next_pages(fresh_sandbox) -> None:
    recorder = Recorder()
    token = fresh_sandbox.token()
    spotify = build_session([recorder], StaticToken(token), fresh_sandbox.api_url)
    page = spotify.current_user_saved_tracks(limit=50)
    second = spotify.next(page)
    spotify.current_user()
    assert second is not None and second["offset"] == 50
    assert [r.endpoint for r in recorder.seen] == ["/me/tracks", "/me/tracks", "/me"]
    assert recorder.seen[1].params["offset"] == "50"
    assert all("Authorization" not in r.headers for r in recorder.seen)
    assert all(token not in repr(r) for r in recorder.seen)
    assert len(sandbox_requests(fresh_sandbox)) == 3


def test_spotipy_retries_are_off(fresh_sandbox) -> None:
    requests.post(
        f"{fresh_sandbox.base_url}/_sandbox/faults",
        json={"method": "GET", "path": "/v1/me", "status": 503, "times": 3},
        timeout=5,
    )
    spotify = build_session([], StaticToken(fresh_sandbox.token()), fresh_sandbox.api_url)
    with pytest.raises(SpotifyException) as error:
        spotify.current_user()
    assert error.value.http_status == 503
    assert len(sandbox_requests(fresh_sandbox)) == 1
