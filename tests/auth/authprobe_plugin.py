"""A test plugin, installed with real entry-point metadata: one tool that needs a user, one
that works with an app-only token, and the scopes it declares (``AUTHPROBE_SCOPES``)."""

from __future__ import annotations

import os
from typing import TYPE_CHECKING

from pydantic import BaseModel

from spotify_mcp import hookimpl

if TYPE_CHECKING:
    from spotify_mcp.registry import ToolRegistry
    from spotify_mcp.session import Spotify


class Me(BaseModel):
    id: str


class Found(BaseModel):
    total: int


def probe_me(spotify: Spotify) -> Me:
    """The logged-in user's ID."""
    return Me(id=spotify.current_user()["id"])


def probe_catalog(spotify: Spotify) -> Found:
    """How many tracks a catalog search finds."""
    return Found(total=spotify.search("night", limit=1, type="track")["tracks"]["total"])


@hookimpl
def register_tools(registry: ToolRegistry) -> None:
    registry.add(probe_me, title="Probe me", read_only=True)
    registry.add(probe_catalog, title="Probe catalog", read_only=True, requires_user=False)


@hookimpl
def oauth_scopes() -> list[str]:
    return os.environ.get("AUTHPROBE_SCOPES", "user-read-private").split()
