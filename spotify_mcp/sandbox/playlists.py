"""Playlists: create, details, items (get/add/remove/reorder/replace) and cover images.

Only the owner, and followers of a collaborative playlist, may read or change items (403
otherwise); only the owner may change details. Every change gives the playlist a new
`snapshot_id`.
"""

from __future__ import annotations

import base64
import binascii
from typing import Any

from .catalog import Track
from .endpoint import Call, Operations, lookup, split_list
from .errors import ApiError, bad_request, forbidden
from .ids import make_hex, parse_uri
from .state import Playlist, PlaylistEntry, iso_now
from .views import playlist_entry, playlist_full, playlist_images, playlist_simple

ops = Operations()

MAX_ITEMS = 100
MAX_COVER_BYTES = 256 * 1024
MODIFY_SCOPES = "playlist-modify-private playlist-modify-public"


def _playlist(call: Call) -> Playlist:
    playlist: Playlist = lookup(call.rt.state.playlists, call.id("playlist_id"))
    return playlist


def _modify_scope(call: Call, public: bool) -> None:
    call.require_scope("playlist-modify-public" if public else "playlist-modify-private")


def _editable(call: Call) -> Playlist:
    """The playlist, if this user may change its items."""
    playlist = _playlist(call)
    _modify_scope(call, playlist.public)
    if not call.rt.state.can_edit(playlist, call.me):
        raise forbidden("You cannot modify a playlist you don't own.")
    return playlist


def _flag(body: dict[str, Any], key: str, default: bool | None) -> bool | None:
    value = body.get(key, default)
    if value is not None and not isinstance(value, bool):
        raise bad_request(f"Invalid value for {key}")
    return value


def _text(body: dict[str, Any], key: str) -> str | None:
    value = body.get(key)
    if value is not None and not isinstance(value, str):
        raise bad_request(f"Invalid value for {key}")
    return value


def _object_body(call: Call) -> dict[str, Any]:
    body = call.json()
    if body is None:
        return {}
    if not isinstance(body, dict):
        raise bad_request("Error parsing JSON.")
    return body


def _items(call: Call, uris: Any, verb: str) -> list[Track]:
    _check_count(uris, verb)
    return call.playables(uris)


def _check_count(items: Any, verb: str) -> None:
    if isinstance(items, list) and len(items) > MAX_ITEMS:
        raise bad_request(f"You can {verb} a maximum of {MAX_ITEMS} tracks per request.")


def _query_uris(call: Call) -> list[str] | None:
    """`uris` from the query string, which wins over the body when both are given."""
    raw = call.query.get("uris")
    return split_list(raw) if raw is not None else None


def _entries(call: Call, items: list[Track]) -> list[PlaylistEntry]:
    now = iso_now(call.rt.clock())
    return [PlaylistEntry(item, now, call.me.id) for item in items]


def _version(playlist: Playlist, body: dict[str, Any]) -> list[PlaylistEntry]:
    """The entries of the body's `snapshot_id` (default: the current ones), which positions
    refer to: the entries they name there are changed "even if more recent changes have been
    made" (openapi.yml). An unknown snapshot is 400."""
    snapshot = body.get("snapshot_id")
    if not snapshot:
        return playlist.entries
    base = playlist.versions.get(snapshot) if isinstance(snapshot, str) else None
    if base is None:
        raise bad_request("Invalid snapshot_id")
    return base


def _snapshot(playlist: Playlist) -> dict[str, str]:
    playlist.touch()
    return {"snapshot_id": playlist.snapshot_id}


@ops.get("/playlists/{playlist_id}", fields=True)
def get_playlist(call: Call) -> Any:
    return playlist_full(call.rt, _playlist(call))


@ops.put("/playlists/{playlist_id}", scopes=MODIFY_SCOPES)
def change_playlist_details(call: Call) -> None:
    playlist = _playlist(call)
    _modify_scope(call, playlist.public)
    if playlist.owner_id != call.me.id:
        raise forbidden("You cannot change details of a playlist you don't own.")
    body = _object_body(call)
    name = _text(body, "name")
    description = _text(body, "description")
    public = _flag(body, "public", None)
    collaborative = _flag(body, "collaborative", None)
    now_public = playlist.public if public is None else public
    now_collaborative = playlist.collaborative if collaborative is None else collaborative
    if now_public and now_collaborative:
        raise bad_request("Collaborative playlists can't be public")
    if name is not None:
        if not name.strip():
            raise bad_request("Playlist name can't be empty")
        playlist.name = name
    if description is not None:
        playlist.description = description
    playlist.public, playlist.collaborative = now_public, now_collaborative
    playlist.touch()


@ops.get("/playlists/{playlist_id}/items", scopes="playlist-read-private", fields=True)
def get_playlist_items(call: Call) -> Any:
    playlist = _playlist(call)
    if not call.rt.state.can_edit(playlist, call.me):  # since February 2026, per the spec
        raise forbidden("You can only read the items of playlists you own or collaborate on.")
    return call.page(
        playlist.entries,
        call.limit(),
        call.offset(),
        lambda entry: playlist_entry(call.rt, entry),
    )


@ops.post("/playlists/{playlist_id}/items", scopes=MODIFY_SCOPES, status=201)
def add_items(call: Call) -> Any:
    playlist = _editable(call)
    body = call.json()  # spotipy sends a bare array; the spec documents {"uris", "position"}
    uris = _query_uris(call)
    position: Any = call.query.get("position")
    if isinstance(body, dict):
        uris = uris if uris is not None else body.get("uris")
        position = position if position is not None else body.get("position")
    elif isinstance(body, list) and uris is None:
        uris = body
    if not uris:
        raise bad_request("No uris provided")
    items = _items(call, uris, "add")
    try:
        index = len(playlist.entries) if position is None else int(position)
    except (TypeError, ValueError):
        raise bad_request("Invalid position") from None
    if not 0 <= index <= len(playlist.entries):
        raise bad_request("Index out of bounds")
    playlist.entries[index:index] = _entries(call, items)
    return _snapshot(playlist)


@ops.put("/playlists/{playlist_id}/items", scopes=MODIFY_SCOPES)
def reorder_or_replace_items(call: Call) -> Any:
    playlist = _editable(call)
    body = _object_body(call)
    uris = _query_uris(call)
    if uris is None:
        uris = body.get("uris")
    if uris is not None:
        playlist.entries = _entries(call, _items(call, uris, "add"))
        return _snapshot(playlist)
    if "range_start" not in body or "insert_before" not in body:
        raise bad_request("Either uris or range_start and insert_before are required")
    _reorder(
        playlist,
        _version(playlist, body),
        body.get("range_start"),
        body.get("insert_before"),
        body.get("range_length", 1),
    )
    return _snapshot(playlist)


def _reorder(
    playlist: Playlist, base: list[PlaylistEntry], start: Any, insert_before: Any, length: Any
) -> None:
    """Move the entries `base[start:start+length]` to before `base[insert_before]`.

    Positions are read in `base` and applied to the entries they name, as for removal: those
    removed since stay removed, and the block goes before the next entry of `base` still
    there (the end if none).
    """
    size = len(base)
    values = (start, insert_before, length)
    if not all(isinstance(v, int) and not isinstance(v, bool) for v in values):
        raise bad_request("Invalid range")
    if start < 0 or length < 1 or start + length > size or not 0 <= insert_before <= size:
        raise bad_request("Invalid range")
    moving = {id(entry) for entry in base[start : start + length]}
    block = [entry for entry in playlist.entries if id(entry) in moving]
    rest = [entry for entry in playlist.entries if id(entry) not in moving]
    index = {id(entry): i for i, entry in enumerate(rest)}
    later = (index[id(entry)] for entry in base[insert_before:] if id(entry) in index)
    target = next(later, len(rest))
    rest[target:target] = block
    playlist.entries = rest


@ops.delete("/playlists/{playlist_id}/items", scopes=MODIFY_SCOPES)
def remove_items(call: Call) -> Any:
    playlist = _editable(call)
    body = _object_body(call)
    requested = body.get("items", body.get("tracks"))  # `tracks` is the older key
    if not isinstance(requested, list) or not requested:
        raise bad_request("Missing items")
    _check_count(requested, "remove")
    base = _version(playlist, body)
    drop: set[int] = set()  # id() of the entries to remove
    for wanted in requested:
        uri = wanted.get("uri") if isinstance(wanted, dict) else None
        if not isinstance(uri, str) or parse_uri(uri) is None:
            raise bad_request(f"Invalid track uri: {uri}")
        positions = wanted.get("positions")
        if positions is None:
            drop.update(id(entry) for entry in playlist.entries if entry.item.uri == uri)
            continue
        if not isinstance(positions, list) or not all(
            _holds(base, position, uri) for position in positions
        ):
            raise bad_request("Could not remove tracks, please check parameters.")
        drop.update(id(base[position]) for position in positions)
    playlist.entries = [e for e in playlist.entries if id(e) not in drop]
    return _snapshot(playlist)


def _holds(entries: list[PlaylistEntry], position: Any, uri: str) -> bool:
    return (
        isinstance(position, int)
        and 0 <= position < len(entries)
        and entries[position].item.uri == uri
    )


@ops.get("/me/playlists", scopes="playlist-read-private")
def get_my_playlists(call: Call) -> Any:
    playlists = call.rt.state.playlists
    newest_first = list(reversed(call.me.playlists))
    return call.page(
        newest_first,
        call.limit(),
        call.offset(maximum=100_000),
        lambda ident: playlist_simple(call.rt, playlists[ident]),
    )


@ops.post("/me/playlists", scopes=MODIFY_SCOPES, status=201)
def create_playlist(call: Call) -> Any:
    body = _object_body(call)
    name = _text(body, "name")
    if not name or not name.strip():
        raise bad_request("Missing required field: name")
    public = bool(_flag(body, "public", True))
    collaborative = bool(_flag(body, "collaborative", False))
    if public and collaborative:
        raise bad_request("Collaborative playlists can't be public")
    _modify_scope(call, public)
    state = call.rt.state
    user = call.me
    playlist = Playlist(
        state.new_playlist_id(user.id),
        user.id,
        name,
        _text(body, "description") or "",
        public,
        collaborative,
        [],
    )
    state.playlists[playlist.id] = playlist
    user.playlists[playlist.id] = iso_now(call.rt.clock())
    return playlist_full(call.rt, playlist)


@ops.get("/playlists/{playlist_id}/images")
def get_playlist_cover(call: Call) -> Any:
    return playlist_images(_playlist(call))


@ops.put(
    "/playlists/{playlist_id}/images",
    scopes="playlist-modify-private playlist-modify-public ugc-image-upload",
    status=202,
)
def upload_playlist_cover(call: Call) -> None:
    call.require_scope("ugc-image-upload")
    playlist = _editable(call)
    if len(call.body) > MAX_COVER_BYTES:
        raise ApiError(413, "Maximum payload size is 256 KB")
    try:
        image = base64.b64decode(call.body.strip(), validate=True)
    except (binascii.Error, ValueError):
        raise bad_request("Image must be base64 encoded") from None
    if not image.startswith(b"\xff\xd8"):
        raise bad_request("Image must be a JPEG")
    image_id = make_hex("cover", playlist.id, playlist.version)
    url = f"https://image-cdn-ak.spotifycdn.com/image/{image_id}"
    playlist.cover = [{"url": url, "height": None, "width": None}]
    playlist.touch()
