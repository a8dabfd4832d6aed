"""Helpers shared by the sandbox tests (kept out of conftest.py so tests can import them)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import requests

from spotify_mcp.sandbox import PREMIUM_USER, Sandbox
from spotify_mcp.sandbox.seed import device_id

COVERAGE: dict[str, set[str]] = {"covered": set(), "current": set()}  # conformance report


class Api:
    """A requests.Session against the sandbox's /v1 with a bearer token (None: no header)."""

    def __init__(self, sandbox: Sandbox, token: str | None) -> None:
        self.url = sandbox.api_url
        self.session = requests.Session()
        if token is not None:
            self.session.headers["Authorization"] = f"Bearer {token}"

    def request(self, method: str, path: str, **kwargs: Any) -> requests.Response:
        url = path if path.startswith("http") else self.url + path
        return self.session.request(method, url, timeout=10, **kwargs)

    def get(self, path: str, **kwargs: Any) -> requests.Response:
        return self.request("GET", path, **kwargs)

    def put(self, path: str, **kwargs: Any) -> requests.Response:
        return self.request("PUT", path, **kwargs)

    def post(self, path: str, **kwargs: Any) -> requests.Response:
        return self.request("POST", path, **kwargs)

    def delete(self, path: str, **kwargs: Any) -> requests.Response:
        return self.request("DELETE", path, **kwargs)


LAPTOP = device_id(PREMIUM_USER, "Sandbox Laptop")
PHONE = device_id(PREMIUM_USER, "Sandbox Phone")  # does not support volume control
UNKNOWN_ID = "0" * 22  # well-formed, but nothing has it


def client_credentials_token(sandbox: Sandbox) -> str:
    """An app-only (catalog) token from the accounts service."""
    response = requests.post(
        f"{sandbox.base_url}/api/token",
        data={"grant_type": "client_credentials"},
        auth=("sandbox-client", "sandbox-secret"),
        timeout=10,
    )
    response.raise_for_status()
    return str(response.json()["access_token"])


@dataclass(frozen=True)
class Ids:
    """One catalogue ID of each kind (an artist with albums, a track of that artist...)."""

    artist: str
    album: str
    track: str
    show: str
    episode: str
    audiobook: str
    chapter: str

    @classmethod
    def of(cls, sandbox: Sandbox) -> Ids:
        catalog = sandbox.runtime.catalog
        artist = next(a for a in catalog.artists.values() if a.appears_on)
        show = next(iter(catalog.shows.values()))
        book = next(iter(catalog.audiobooks.values()))
        return cls(
            artist.id,
            artist.album_ids[0],
            artist.track_ids[0],
            show.id,
            show.child_ids[0],
            book.id,
            book.child_ids[0],
        )
