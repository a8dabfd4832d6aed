"""Search over the catalogue and public playlists, with Spotify's field filters.

`q` is free text plus `field:value` filters (`artist:`, `album:`, `track:`, `year:` with
ranges such as `1990-1999`, `genre:`, `isrc:`, `upc:`, and for albums `tag:new`, released in
the two weeks up to the catalogue's today, and `tag:hipster`, the least popular tenth);
quoted values may contain spaces. Every word and filter must match (case-insensitive
substring; a tag exactly); a filter that does not apply to a type (e.g. `genre:` on shows)
excludes that type. Case and accents do not count ("sorensen" finds "Sørensen"). Results
are ordered by exact name match, then popularity, then catalogue order.
"""

from __future__ import annotations

import math
import re
import unicodedata
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import TYPE_CHECKING, Any

from .catalog import TODAY
from .endpoint import Call, Operations, split_list
from .errors import bad_request
from .views import playlist_simple

if TYPE_CHECKING:
    from .catalog import Album, Artist, Catalog, Collection, Track

ops = Operations()

TYPES = ("album", "artist", "playlist", "track", "show", "episode", "audiobook")
MAX_OFFSET = 1000  # openapi.yml: /search pages no further
_TOKEN_RE = re.compile(r'(\w+):"([^"]*)"|(\w+):(\S+)|"([^"]*)"|(\S+)')
_YEAR_RE = re.compile(r"(\d{4})(?:-(\d{4}))?")
_SPELLED_OUT = str.maketrans(
    {"ø": "o", "æ": "ae", "œ": "oe", "ł": "l", "đ": "d", "ð": "d", "þ": "th"}
)
NEW_FOR = timedelta(weeks=2)  # tag:new: albums released this recently (openapi.yml /search)


@dataclass(frozen=True, slots=True)
class Entry:
    """One searchable item: the object to return and the folded text it matches on."""

    obj: Any
    name: str
    text: str  # what free words match against
    fields: dict[str, str]  # filter name -> haystack
    years: frozenset[int] = frozenset()
    popularity: int = 0
    tags: frozenset[str] = frozenset()  # what `tag:` finds it by (albums only)


@dataclass(slots=True)
class Query:
    words: list[str] = field(default_factory=list)
    filters: dict[str, str] = field(default_factory=dict)
    tags: list[str] = field(default_factory=list)  # `tag:` may come more than once

    @classmethod
    def parse(cls, q: str) -> Query:
        query = cls()
        for quoted_key, quoted, key, value, phrase, word in _TOKEN_RE.findall(q):
            name = (quoted_key or key).lower()
            if name == "tag":
                query.tags.append(_fold(quoted or value))
            elif name:
                query.filters[name] = _fold(quoted or value)
            else:
                query.words.append(_fold(phrase or word))
        return query

    def matches(self, entry: Entry) -> bool:
        if not all(word in entry.text for word in self.words):
            return False
        if not all(tag in entry.tags for tag in self.tags):
            return False
        for name, value in self.filters.items():
            if name == "year":
                if not entry.years or not _year_match(value, entry.years):
                    return False
            elif value not in entry.fields.get(name, "\0"):  # inapplicable filter: no match
                return False
        return True


def _fold(text: str) -> str:
    """``text`` as searches match it: case-folded, without accents (Spotify finds "Beyoncé"
    by "beyonce"), and with the letters accents do not decompose spelled out."""
    decomposed = unicodedata.normalize("NFKD", text.casefold()).translate(_SPELLED_OUT)
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def _year_match(value: str, years: frozenset[int]) -> bool:
    match = _YEAR_RE.fullmatch(value)
    if match is None:
        return False
    low = int(match.group(1))
    high = int(match.group(2) or low)
    return any(low <= year <= high for year in years)


def _genres(genres: list[str]) -> str:
    return _fold(" | ".join(genres))


def _album_tags(album: Album, hipster_max: int) -> frozenset[str]:
    """`new`: released in the two weeks up to the catalogue's today (a date known to the
    day); `hipster`: no more popular than the least popular tenth of albums."""
    simple = album.simple
    new = simple["release_date_precision"] == "day" and (
        TODAY - NEW_FOR <= date.fromisoformat(simple["release_date"]) <= TODAY
    )
    hipster = album.full["popularity"] <= hipster_max
    return frozenset(tag for tag, has in (("new", new), ("hipster", hipster)) if has)


def _lowest_tenth(popularities: Iterable[int]) -> int:
    """The highest popularity among the least popular tenth (ties with it count in)."""
    ranked = sorted(popularities)
    return ranked[math.ceil(len(ranked) / 10) - 1]


def _ranked(entries: Iterable[Entry]) -> list[Entry]:
    return sorted(entries, key=lambda entry: -entry.popularity)


@dataclass(frozen=True, slots=True)
class SearchIndex:
    """Catalogue entries per type, most popular first; built once per catalogue."""

    by_type: dict[str, list[Entry]]

    @classmethod
    def build(cls, catalog: Catalog) -> SearchIndex:
        artists = catalog.artists
        hipster_max = _lowest_tenth(a.full["popularity"] for a in catalog.albums.values())

        def names(ids: list[str]) -> str:
            return _fold(" ".join(artists[a].name for a in ids))

        def track_entry(t: Track) -> Entry:
            name, artist = _fold(t.name), names(t.artist_ids)
            album = _fold(catalog.albums[t.parent_id].name)
            fields = {
                "track": name,
                "artist": artist,
                "album": album,
                "genre": _genres(t.genres),
                "isrc": _fold(t.isrc),
            }
            text = f"{name} {artist} {album}"
            return Entry(t.full, name, text, fields, frozenset({t.year}), t.popularity)

        def album_entry(a: Album) -> Entry:
            name, artist = _fold(a.name), names(a.artist_ids)
            fields = {  # no genre: the filter is for artists and tracks (openapi.yml /search)
                "album": name,
                "artist": artist,
                "upc": _fold(a.upc),
            }
            text = f"{name} {artist}"
            popularity = a.full["popularity"]
            tags = _album_tags(a, hipster_max)
            return Entry(a.simple, name, text, fields, frozenset({a.year}), popularity, tags)

        def artist_entry(a: Artist) -> Entry:
            name = _fold(a.name)
            text = _fold(f"{a.name} {' '.join(a.genres)}")
            fields = {"artist": name, "genre": _genres(a.genres)}
            return Entry(a.full, name, text, fields, frozenset(a.years), a.popularity)

        def episode_entry(e: Track) -> Entry:
            text = _fold(f"{e.name} {catalog.shows[e.parent_id].name}")
            return Entry(e.simple, _fold(e.name), text, {})

        def collection_entry(c: Collection) -> Entry:  # a show or an audiobook
            return Entry(c.simple, _fold(c.name), _fold(f"{c.name} {c.byline}"), {})

        return cls(
            {
                "track": _ranked(map(track_entry, catalog.tracks.values())),
                "album": _ranked(map(album_entry, catalog.albums.values())),
                "artist": _ranked(map(artist_entry, artists.values())),
                "show": [collection_entry(s) for s in catalog.shows.values()],
                "episode": [episode_entry(e) for e in catalog.episodes.values()],
                "audiobook": [collection_entry(b) for b in catalog.audiobooks.values()],
            }
        )


def _playlist_entries(call: Call) -> list[Entry]:
    """Public playlists, searched as they are now (they change)."""
    rt = call.rt
    entries = []
    for playlist in rt.state.playlists.values():
        if playlist.public:
            owner = rt.state.users[playlist.owner_id].display_name
            text = _fold(f"{playlist.name} {playlist.description} {owner}")
            entries.append(Entry(playlist, _fold(playlist.name), text, {}))
    return entries


@ops.get("/search")
def search(call: Call) -> Any:
    q = call.query.get("q", "").strip()
    if not q:
        raise bad_request("No search query")
    types = split_list(call.required("type"))
    if not types or any(t not in TYPES for t in types):
        raise bad_request("Bad search type field")
    limit = call.limit(default=5, maximum=10)
    offset = call.offset(maximum=MAX_OFFSET)
    query = Query.parse(q)
    exact = " ".join(query.words)
    result = {}
    for kind in dict.fromkeys(types):
        entries = (
            _playlist_entries(call) if kind == "playlist" else call.rt.search_index.by_type[kind]
        )
        hits = [entry for entry in entries if query.matches(entry)]
        hits.sort(key=lambda entry: entry.name != exact)  # stable: keeps popularity order
        shape: Callable[[Entry], Any] = (
            (lambda entry: playlist_simple(call.rt, entry.obj))
            if kind == "playlist"
            else (lambda entry: entry.obj)
        )
        result[f"{kind}s"] = call.page(hits, limit, offset, shape, max_offset=MAX_OFFSET)
    return result
