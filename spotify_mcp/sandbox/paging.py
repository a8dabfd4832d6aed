"""Paging objects with absolute `href`/`next`/`previous` links, as spotipy follows them as-is."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from typing import Any
from urllib.parse import urlencode

JSON = dict[str, Any]


def with_query(url: str, params: Iterable[tuple[str, object]]) -> str:
    return f"{url}?{urlencode(list(params))}"


def page_url(
    href_base: str, offset: int, limit: int, params: Iterable[tuple[str, str]] = ()
) -> str:
    """`href_base?offset=..&limit=..&<other params>` (Spotify puts offset and limit first)."""
    return with_query(href_base, [("offset", offset), ("limit", limit), *params])


def paging_object(
    href_base: str,
    items: Sequence[Any],
    offset: int,
    limit: int,
    *,
    shape: Callable[[Any], Any] | None = None,
    params: Sequence[tuple[str, str]] = (),
    max_offset: int | None = None,
) -> JSON:
    """A Spotify paging object over `items[offset:offset+limit]`, `shape` applied to each;
    no `next` past `max_offset`, the largest offset the endpoint accepts."""
    total = len(items)
    window = items[offset : offset + limit]
    following = offset + limit
    has_next = following < total and (max_offset is None or following <= max_offset)
    return {
        "href": page_url(href_base, offset, limit, params),
        "items": [shape(item) for item in window] if shape else list(window),
        "limit": limit,
        "next": page_url(href_base, following, limit, params) if has_next else None,
        "offset": offset,
        "previous": page_url(href_base, max(offset - limit, 0), limit, params)
        if offset > 0
        else None,
        "total": total,
    }
