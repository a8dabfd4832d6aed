"""Catalogue reads: albums, artists, tracks, shows, episodes, audiobooks and chapters."""

from __future__ import annotations

from typing import Any

from .catalog import Album, Catalog
from .endpoint import Call, Handler, Operations, lookup, split_list
from .errors import bad_request, not_found

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
# path -> the kind of parent whose children it answers, as a page of simple objects
CHILDREN = {
    "/albums/{id}/tracks": "album",
    "/shows/{id}/episodes": "show",
    "/audiobooks/{id}/chapters": "audiobook",
}


def item_handler(table: str) -> Handler:
    def get_item(call: Call) -> Any:
        return lookup(getattr(call.rt.catalog, table), call.id()).full

    return get_item


def children_handler(kind: str) -> Handler:
    def get_children(call: Call) -> Any:
        children = call.rt.catalog.children(kind, call.id())
        if children is None:
            raise not_found()
        return call.page(children, call.limit(), call.offset(), lambda child: child.simple)

    return get_children


for _path, _table in ITEMS.items():
    ops.get(_path)(item_handler(_table))
for _path, _kind in CHILDREN.items():
    ops.get(_path)(children_handler(_kind))


def _newest_first(catalog: Catalog, ids: list[str]) -> list[Album]:
    albums = (catalog.albums[ident] for ident in ids)
    return sorted(albums, key=lambda album: album.simple["release_date"], reverse=True)


@ops.get("/artists/{id}/albums")
def get_artist_albums(call: Call) -> Any:
    catalog = call.rt.catalog
    artist = lookup(catalog.artists, call.id())
    groups = split_list(call.query.get("include_groups", ""))
    if any(group not in ALBUM_GROUPS for group in groups):
        raise bad_request("Invalid include_groups")
    wanted = groups or ALBUM_GROUPS
    # Spotify lists albums, then singles, compilations and appearances, newest first in each.
    own = _newest_first(catalog, artist.album_ids)
    items = [
        album.discography
        for group in ALBUM_GROUPS
        if group in wanted
        for album in own
        if album.album_type == group
    ]
    if "appears_on" in wanted:
        items += [
            {**album.simple, "album_group": "appears_on"}
            for album in _newest_first(catalog, artist.appears_on)
        ]
    return call.page(items, call.limit(default=5, maximum=10), call.offset())
