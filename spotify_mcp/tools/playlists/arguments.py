"""The playlists tools' parameter types, and the sizes Spotify takes."""

from __future__ import annotations

from typing import Annotated

from pydantic import Field, StringConstraints

from spotify_mcp.refs import ITS_TRACKS, ref_type

CHUNK = 100  # items per add, remove or replace request
PAGE = 50  # items per GET of a playlist's items
ITEM_TYPES = ("track", "episode")
SOURCE_KINDS = ("album", "playlist")  # added as their items

PlaylistRef = ref_type("playlist")
Addable = ref_type(*ITEM_TYPES, *SOURCE_KINDS, elsewhere=ITS_TRACKS)
Removable = ref_type(*ITEM_TYPES, *SOURCE_KINDS, "artist")  # an artist: their tracks there
# Stripped, so a name of only spaces is our clear error, not Spotify's "missing name".
Name = Annotated[str, StringConstraints(strip_whitespace=True), Field(min_length=1, max_length=100)]
Description = Annotated[str, Field(max_length=300)]
Snapshot = Annotated[str | None, Field(description="Version the positions refer to")]
