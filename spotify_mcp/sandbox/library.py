"""The user's library: `/me/library` save/remove/contains by URI, saved-item lists, follows."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from .endpoint import Call, Handler, Operations
from .errors import bad_request, not_found
from .ids import parse_uri
from .paging import with_query
from .state import SAVED_KINDS, State, User, iso_now

ops = Operations()

MAX_URIS = 40
LIBRARY_SCOPES = "playlist-modify-public user-follow-modify user-library-modify"
LIBRARY_READ_SCOPES = "playlist-read-private user-follow-read user-library-read"
# URI kind -> (scope to change it, scope to read it)
_KIND_SCOPES = {
    **dict.fromkeys(SAVED_KINDS, ("user-library-modify", "user-library-read")),
    "artist": ("user-follow-modify", "user-follow-read"),
    "user": ("user-follow-modify", "user-follow-read"),
    "playlist": ("playlist-modify-public", "playlist-read-private"),
}


def _collection(user: User, kind: str) -> dict[str, str]:
    """The dict (id -> added_at) that holds saved or followed items of `kind`."""
    if kind == "artist":
        return user.followed_artists
    if kind == "user":
        return user.followed_users
    if kind == "playlist":
        return user.playlists
    return user.saved[kind]


def _parsed_uris(call: Call, *, for_change: bool) -> list[tuple[str, str]]:
    parsed = []
    for uri in call.uri_list(MAX_URIS):
        kind_id = parse_uri(uri)
        if kind_id is None or kind_id[0] not in _KIND_SCOPES:
            raise bad_request(f"Unsupported URI: {uri}")
        change, read = _KIND_SCOPES[kind_id[0]]
        call.require_scope(change if for_change else read)
        parsed.append(kind_id)
    return parsed


def _exists(call: Call, kind: str, ident: str) -> bool:
    state: State = call.rt.state
    if kind == "user":
        return ident in state.users
    if kind == "playlist":
        return ident in state.playlists
    return call.rt.catalog.exists(kind, ident)


def _change(call: Call, apply: Callable[[dict[str, str], str, str], None]) -> None:
    """Validate every URI first (all or nothing), then apply the change to each."""
    parsed = _parsed_uris(call, for_change=True)
    for kind, ident in parsed:
        if not _exists(call, kind, ident):
            raise not_found()
    for kind, ident in parsed:
        apply(_collection(call.me, kind), kind, ident)


@ops.put("/me/library", scopes=LIBRARY_SCOPES, flat_errors=True)
def save_library_items(call: Call) -> None:
    now = iso_now(call.rt.clock())
    playlists = call.rt.state.playlists

    def save(collection: dict[str, str], kind: str, ident: str) -> None:
        if ident not in collection:
            collection[ident] = now
            if kind == "playlist":
                playlists[ident].followers += 1

    _change(call, save)


@ops.delete("/me/library", scopes=LIBRARY_SCOPES, flat_errors=True)
def remove_library_items(call: Call) -> None:
    playlists = call.rt.state.playlists

    def remove(collection: dict[str, str], kind: str, ident: str) -> None:
        if collection.pop(ident, None) is not None and kind == "playlist":
            playlists[ident].followers -= 1

    _change(call, remove)


@ops.get("/me/library/contains", scopes=LIBRARY_READ_SCOPES, flat_errors=True)
def check_library_contains(call: Call) -> Any:
    return [
        ident in _collection(call.me, kind) for kind, ident in _parsed_uris(call, for_change=False)
    ]


# path -> (kind, Catalog table, object shape, scopes); items are {"added_at", <kind>: object}
SAVED_LISTS = {
    "/me/tracks": ("track", "tracks", "full", "user-library-read"),
    "/me/albums": ("album", "albums", "full", "user-library-read"),
    "/me/episodes": (
        "episode",
        "episodes",
        "full",
        "user-library-read user-read-playback-position",
    ),
    "/me/shows": ("show", "shows", "simple", "user-library-read"),
    "/me/audiobooks": ("audiobook", "audiobooks", "full", "user-library-read"),
}


def saved_list_handler(kind: str, table: str, shape: str) -> Handler:
    def get_saved(call: Call) -> Any:
        saved = call.me.saved[kind]
        objects = getattr(call.rt.catalog, table)
        return call.page(
            list(reversed(saved)),  # newest first
            call.limit(),
            call.offset(),
            lambda ident: {"added_at": saved[ident], kind: getattr(objects[ident], shape)},
        )

    return get_saved


for _path, (_kind, _table, _shape, _scopes) in SAVED_LISTS.items():
    ops.get(_path, scopes=_scopes)(saved_list_handler(_kind, _table, _shape))


@ops.get("/me/following", scopes="user-follow-read")
def get_followed_artists(call: Call) -> Any:
    if call.required("type") != "artist":
        raise bad_request("Invalid type, only artist is supported")
    limit = call.limit()
    followed = list(reversed(call.me.followed_artists))  # most recently followed first
    after = call.query.get("after")
    start = 0
    if after:
        if after not in call.me.followed_artists:
            raise bad_request("Invalid after cursor")
        start = followed.index(after) + 1
    window = followed[start : start + limit]
    artists = call.rt.catalog.artists
    body: dict[str, Any] = {
        "cursors": {},
        "href": call.full_url,
        "items": [artists[ident].full for ident in window],
        "limit": limit,
        "total": len(followed),
    }
    # The spec's cursor paging has no nullable fields: the last page omits `next` and `after`.
    if start + limit < len(followed):
        body["cursors"]["after"] = window[-1]
        body["next"] = with_query(
            call.url, [("type", "artist"), ("after", window[-1]), ("limit", limit)]
        )
    return {"artists": body}
