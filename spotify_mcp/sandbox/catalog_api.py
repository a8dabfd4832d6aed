"""Catalogue reads: albums, artists, tracks, shows, episodes, audiobooks and chapters."""

from __future__ import annotations

from typing import Any

from .endpoint import Call, Handler, Operations, lookup
from .errors import bad_request

ops = Operations()

ALBUM_GROUPS = ("album", "single", "compilation", "appears_on")
# path -> the Catalog table whose full object it answers
ITEMS = {
    "/albums/{id}": "albums",
    "/artists/{id}": "artists",
    "/tracks/{id}": "tracks",
    "/shows/{id}": "shows",
    "/episodes/{id}": "episodes",
    "/audiobooks/{id}": "audiobooks",
    "/chapters/{id}": "chapters",
}
# path -> (table of the parent, table of its children), answered as a page of simple objects
CHILDREN = {
    "/albums/{id}/tracks": ("albums", "tracks"),
    "/shows/{id}/episodes": ("shows", "episodes"),
    "/audiobooks/{id}/chapters": ("audiobooks", "chapters"),
}


def item_handler(table: str) -> Handler:
    def get_item(call: Call) -> Any:
        return lookup(getattr(call.rt.catalog, table), call.id()).full

    return get_item


def children_handler(parents: str, children: str) -> Handler:
    def get_children(call: Call) -> Any:
        parent = lookup(getattr(call.rt.catalog, parents), call.id())
        items = getattr(call.rt.catalog, children)
        return call.page(
            parent.child_ids, call.limit(), call.offset(), lambda ident: items[ident].simple
        )

    return get_children


for _path, _table in ITEMS.items():
    ops.get(_path)(item_handler(_table))
for _path, (_parents, _children) in CHILDREN.items():
    ops.get(_path)(children_handler(_parents, _children))


@ops.get("/artists/{id}/albums")
def get_artist_albums(call: Call) -> Any:
    catalog = call.rt.catalog
    artist = lookup(catalog.artists, call.id())
    groups = [g.strip() for g in call.query.get("include_groups", "").split(",") if g.strip()]
    if any(group not in ALBUM_GROUPS for group in groups):
        raise bad_request("Invalid include_groups")
    wanted = groups or list(ALBUM_GROUPS)
    # Spotify lists albums, then singles, compilations and appearances, newest first in each.
    entries = [
        (group, album)
        for group in ALBUM_GROUPS
        if group in wanted
        for album in sorted(
            (
                catalog.albums[a]
                for a in (artist.appears_on if group == "appears_on" else artist.album_ids)
            ),
            key=lambda album: album.simple["release_date"],
            reverse=True,
        )
        if group == "appears_on" or album.album_type == group
    ]
    return call.page(
        entries,
        call.limit(default=5, maximum=10),
        call.offset(),
        lambda entry: (
            entry[1].discography
            if entry[0] != "appears_on"
            else {**entry[1].simple, "album_group": "appears_on"}
        ),
    )
