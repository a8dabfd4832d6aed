"""What a cached read is keyed by, which group it belongs to, and what each mutation makes stale.

Every cached entry carries one invalidation group (``READ_GROUPS``); a mutation evicts the
groups ``INVALIDATES`` names for it. Both tables are keyed by endpoint templates
(``Request.endpoint``) and matched by the longest prefix, so ``/playlists/{id}/items``
falls under ``/playlists/{id}``. ``{id}`` in a group name is filled with the request's ID.
"""

from __future__ import annotations

from collections.abc import Mapping
from urllib.parse import urlencode

from spotify_mcp.pipeline import LIBRARY_PATHS, Request

CATALOG = "catalog"
"""The group of every read no table entry matches: shared music data no mutation of ours changes."""
POSITIONS = "positions"
"""Episodes and chapters, and the saved episodes: they carry where the user stopped, which
moves as they listen (here or elsewhere), so they are kept no longer than library reads, and
our player commands evict them."""

READ_GROUPS: dict[str, str] = {
    "/me": "profile",
    "/users/{id}": "profile",
    "/me/playlists": "playlist-lists",
    "/users/{id}/playlists": "playlist-lists",
    "/playlists/{id}": "playlist:{id}",
    # "Does the user follow this playlist" is library state, not the playlist's content.
    "/playlists/{id}/followers": "library",
    "/me/player": "player",
    **dict.fromkeys(
        ("/episodes", "/chapters", "/shows/{id}/episodes", "/audiobooks/{id}/chapters"), POSITIONS
    ),
    # Search finds playlists by name: creating or renaming one changes its results.
    "/search": "search",
    **dict.fromkeys(LIBRARY_PATHS, "library"),
    "/me/episodes": POSITIONS,  # library state too: saving evicts it (INVALIDATES)
}

INVALIDATES: dict[str, tuple[str, ...]] = {
    # Details, items, cover: the playlist's reads, and my playlists (they show names, counts),
    # and search (it finds playlists by name and shows their details).
    "/playlists/{id}": ("playlist:{id}", "playlist-lists", "search"),
    "/playlists/{id}/followers": ("playlist:{id}", "playlist-lists", "library"),
    "/me/playlists": ("playlist-lists", "search"),
    "/users/{id}/playlists": ("playlist-lists", "search"),
    # /me/library saves any kind of item, playlists included (they then appear in my playlists).
    "/me/library": ("library", "playlist-lists", POSITIONS),
    **dict.fromkeys(LIBRARY_PATHS[1:], ("library",)),
    "/me/episodes": ("library", POSITIONS),
    "/me/player": ("player", POSITIONS),
}


def cache_key(request: Request) -> str:
    """Account, method, URL, query (market included) and language: what makes a reply differ."""
    query = urlencode(sorted(request.params.items()))
    language = next((v for k, v in request.headers.items() if k.lower() == "accept-language"), "")
    return f"{request.account}|{request.method} {request.url}?{query}|{language}"


def read_group(request: Request) -> str:
    """The invalidation group of a read."""
    return _match(READ_GROUPS, request, (CATALOG,))[0]


def ttl_family(request: Request, group: str) -> str:
    """The endpoint family whose TTL a read of ``group`` is kept for: its own, but the
    library's for episodes and chapters (``POSITIONS``)."""
    return "library" if group == POSITIONS else request.family


def stale_groups(request: Request) -> tuple[str, ...]:
    """The read groups a mutation makes stale (none for endpoints no rule names)."""
    return _match(INVALIDATES, request, ())


def _match(
    table: Mapping[str, str | tuple[str, ...]], request: Request, default: tuple[str, ...]
) -> tuple[str, ...]:
    template = request.endpoint
    parts = template.split("/")
    for end in range(len(parts), 1, -1):
        found = table.get("/".join(parts[:end]))
        if found is not None:
            groups = (found,) if isinstance(found, str) else found
            return tuple(_fill(group, parts, request.path) for group in groups)
    return default


def _fill(group: str, template_parts: list[str], path: str) -> str:
    if "{id}" not in group:
        return group
    return group.replace("{id}", path.split("/")[template_parts.index("{id}")])
