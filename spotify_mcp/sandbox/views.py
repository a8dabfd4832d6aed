"""JSON views of mutable state: playlists, their items and users (built per request)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from .objects import EMBEDDED_PAGE, base
from .paging import paging_object
from .state import Playlist, PlaylistEntry, User

if TYPE_CHECKING:
    from .runtime import Runtime

JSON = dict[str, Any]
_USER_REF_KEYS = ("external_urls", "href", "id", "type", "uri")


def user_ref(user: User) -> JSON:
    """A PlaylistUserObject."""
    return {key: user.profile[key] for key in _USER_REF_KEYS}


def owner_ref(user: User) -> JSON:
    """A PlaylistOwnerObject."""
    return {**user_ref(user), "display_name": user.display_name}


def private_user(user: User, scopes: frozenset[str]) -> JSON:
    """A PrivateUserObject; email and account details only with the scopes that grant them."""
    profile: JSON = dict(user.profile)
    if "user-read-email" in scopes:
        profile["email"] = user.email
    if "user-read-private" in scopes:
        profile["country"] = user.country
        profile["product"] = user.product
        profile["explicit_content"] = {"filter_enabled": False, "filter_locked": False}
    return profile


def playlist_images(playlist: Playlist) -> list[JSON]:
    """An uploaded cover, else the first item's artwork (a stand-in for Spotify's mosaic)."""
    if playlist.cover is not None:
        return playlist.cover
    if not playlist.entries:
        return []
    full = playlist.entries[0].item.full
    images: list[JSON] = full["album"]["images"] if "album" in full else full["images"]
    return images


def playlist_simple(rt: Runtime, playlist: Playlist) -> JSON:
    """A SimplifiedPlaylistObject."""
    common = base(rt.catalog.api, "playlist", playlist.id)
    href = common["href"]
    total = len(playlist.entries)
    return {
        **common,
        "collaborative": playlist.collaborative,
        "description": playlist.description,
        "images": playlist_images(playlist),
        "items": {"href": f"{href}/items", "total": total},
        "name": playlist.name,
        "owner": owner_ref(rt.state.users[playlist.owner_id]),
        "public": playlist.public,
        "snapshot_id": playlist.snapshot_id,
        "tracks": {"href": f"{href}/tracks", "total": total},
    }


def playlist_entry(rt: Runtime, entry: PlaylistEntry) -> JSON:
    """A PlaylistTrackObject with the item under both `item` and the older `track` key."""
    full = entry.item.full
    return {
        "added_at": entry.added_at,
        "added_by": user_ref(rt.state.users[entry.added_by]),
        "is_local": False,
        "item": full,
        "track": full,
    }


def playlist_full(rt: Runtime, playlist: Playlist) -> JSON:
    """A PlaylistObject with its first page of items under `items` (and `tracks`)."""
    body = playlist_simple(rt, playlist)
    page = paging_object(
        body["items"]["href"],
        playlist.entries,
        0,
        EMBEDDED_PAGE,
        shape=lambda entry: playlist_entry(rt, entry),
    )
    body.update(followers={"href": None, "total": playlist.followers}, items=page, tracks=page)
    return body
