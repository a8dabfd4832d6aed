"""Builders of Spotify JSON objects (the shapes of openapi.yml) for catalogue entities.

Objects are built once, when the catalogue is built, and then shared: a full track object
embeds the very same simplified album dict as every other track of that album. Handlers
never mutate them.
"""

from __future__ import annotations

from typing import Any

from .ids import make_hex
from .paging import paging_object

JSON = dict[str, Any]

# Deprecated in the spec but still required on albums, shows and audiobooks; one shared list.
MARKETS = ["AU", "BR", "CA", "DE", "ES", "FR", "GB", "IE", "JP", "MX", "NL", "NZ", "SE", "US"]
AUDIOBOOK_MARKETS = ["AU", "CA", "GB", "IE", "NZ", "US"]

# The largest page the matching list endpoint accepts, so embedded `next` links stay valid.
EMBEDDED_PAGE = 50


def images(seed: str, sizes: tuple[int, ...] = (640, 300, 64)) -> list[JSON]:
    """Believable i.scdn.co image objects, one per size (nobody fetches them)."""
    return [
        {"url": f"https://i.scdn.co/image/{make_hex(seed, size)}", "height": size, "width": size}
        for size in sizes
    ]


def base(api: str, kind: str, ident: str, *, uri_kind: str = "") -> JSON:
    """Fields every object shares: external_urls, href (under `/{kind}s`), id, type, uri."""
    uri_kind = uri_kind or kind
    return {
        "external_urls": {"spotify": f"https://open.spotify.com/{uri_kind}/{ident}"},
        "href": f"{api}/{kind}s/{ident}",
        "id": ident,
        "type": uri_kind,
        "uri": f"spotify:{uri_kind}:{ident}",
    }


def artist_objects(
    api: str, ident: str, name: str, genres: list[str], popularity: int, followers: int
) -> tuple[JSON, JSON]:
    """(simplified, full) artist objects."""
    simple = {**base(api, "artist", ident), "name": name}
    full = {
        **simple,
        "followers": {"href": None, "total": followers},
        "genres": genres,
        "images": images(f"artist:{ident}"),
        "popularity": popularity,
    }
    return simple, full


def album_simple(
    api: str,
    ident: str,
    *,
    name: str,
    album_type: str,
    total_tracks: int,
    release_date: str,
    precision: str,
    artists: list[JSON],
) -> JSON:
    return {
        **base(api, "album", ident),
        "album_type": album_type,
        "artists": artists,
        "available_markets": MARKETS,
        "images": images(f"album:{ident}"),
        "name": name,
        "release_date": release_date,
        "release_date_precision": precision,
        "total_tracks": total_tracks,
    }


def with_children(parent: JSON, key: str, children: list[JSON]) -> JSON:
    """`parent` plus the first page of its `key` (tracks, episodes or chapters)."""
    page = paging_object(f"{parent['href']}/{key}", children, 0, EMBEDDED_PAGE)
    return {**parent, key: page}


def album_full(
    simple: JSON,
    *,
    tracks: list[JSON],
    label: str,
    genres: list[str],
    popularity: int,
    upc: str,
) -> JSON:
    year = simple["release_date"][:4]
    details = {
        **simple,
        "copyrights": [
            {"text": f"© {year} {label}", "type": "C"},
            {"text": f"℗ {year} {label}", "type": "P"},
        ],
        "external_ids": {"upc": upc},
        "genres": genres,
        "label": label,
        "popularity": popularity,
    }
    return with_children(details, "tracks", tracks)


def track_objects(
    api: str,
    ident: str,
    *,
    name: str,
    artists: list[JSON],
    album: JSON,
    track_number: int,
    duration_ms: int,
    explicit: bool,
    popularity: int,
    isrc: str,
) -> tuple[JSON, JSON]:
    """(simplified, full) track objects."""
    simple = {
        **base(api, "track", ident),
        "artists": artists,
        "disc_number": 1,
        "duration_ms": duration_ms,
        "explicit": explicit,
        "is_local": False,
        "is_playable": True,
        "name": name,
        "preview_url": None,
        "track_number": track_number,
    }
    full = {**simple, "album": album, "external_ids": {"isrc": isrc}, "popularity": popularity}
    return simple, full


def show_simple(
    api: str, ident: str, *, name: str, publisher: str, description: str, total_episodes: int
) -> JSON:
    return {
        **base(api, "show", ident),
        "available_markets": MARKETS,
        "copyrights": [],
        "description": description,
        "explicit": False,
        "html_description": f"<p>{description}</p>",
        "images": images(f"show:{ident}"),
        "is_externally_hosted": False,
        "languages": ["en"],
        "media_type": "audio",
        "name": name,
        "publisher": publisher,
        "total_episodes": total_episodes,
    }


def episode_objects(
    api: str,
    ident: str,
    *,
    name: str,
    description: str,
    duration_ms: int,
    release_date: str,
    show: JSON,
) -> tuple[JSON, JSON]:
    """(simplified, full) episode objects, without the user's `resume_point` (resume.py)."""
    simple = {
        **base(api, "episode", ident),
        "audio_preview_url": None,
        "description": description,
        "duration_ms": duration_ms,
        "explicit": False,
        "html_description": f"<p>{description}</p>",
        "images": show["images"],
        "is_externally_hosted": False,
        "is_playable": True,
        "language": "en",
        "languages": ["en"],
        "name": name,
        "release_date": release_date,
        "release_date_precision": "day",
    }
    return simple, {**simple, "show": show}


def audiobook_simple(
    api: str,
    ident: str,
    *,
    name: str,
    author: str,
    narrator: str,
    publisher: str,
    description: str,
    total_chapters: int,
) -> JSON:
    return {
        **base(api, "audiobook", ident),
        "authors": [{"name": author}],
        "available_markets": AUDIOBOOK_MARKETS,
        "copyrights": [{"text": f"© {publisher}", "type": "C"}],
        "description": description,
        "edition": "Unabridged",
        "explicit": False,
        "html_description": f"<p>{description}</p>",
        "images": images(f"audiobook:{ident}"),
        "languages": ["en"],
        "media_type": "audio",
        "name": name,
        "narrators": [{"name": narrator}],
        "publisher": publisher,
        "total_chapters": total_chapters,
    }


def chapter_objects(
    api: str,
    ident: str,
    *,
    name: str,
    number: int,
    description: str,
    duration_ms: int,
    release_date: str,
    audiobook: JSON,
) -> tuple[JSON, JSON]:
    """(simplified, full) chapter objects; the spec types chapters as "episode" (and a reply
    adds the user's `resume_point`, as to an episode)."""
    simple = {
        **base(api, "chapter", ident, uri_kind="episode"),
        "audio_preview_url": None,
        "available_markets": AUDIOBOOK_MARKETS,
        "chapter_number": number,
        "description": description,
        "duration_ms": duration_ms,
        "explicit": False,
        "html_description": f"<p>{description}</p>",
        "images": audiobook["images"],
        "is_playable": True,
        "languages": ["en"],
        "name": name,
        "release_date": release_date,
        "release_date_precision": "day",
    }
    return simple, {**simple, "audiobook": audiobook}


def user_object(api: str, ident: str, display_name: str, followers: int) -> JSON:
    """A PublicUserObject."""
    return {
        **base(api, "user", ident),
        "display_name": display_name,
        "followers": {"href": None, "total": followers},
        "images": images(f"user:{ident}", (300, 64)),
    }
