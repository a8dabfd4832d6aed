"""Search over the catalogue and public playlists, with Spotify's field filters.

`q` is free text plus `field:value` filters (`artist:`, `album:`, `track:`, `year:` with
ranges such as `1990-1999`, `genre:`, `isrc:`, `upc:`); quoted values may contain spaces.
Every word and filter must match (case-insensitive substring); a filter that does not apply
to a type (e.g. `genre:` on shows) excludes that type. Results are ordered by exact name
match, then popularity, then catalogue order.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from .endpoint import Call, Operations
from .errors import bad_request
from .views import playlist_simple

if TYPE_CHECKING:
    from .catalog import Catalog

ops = Operations()

TYPES = ("album", "artist", "playlist", "track", "show", "episode", "audiobook")
_TOKEN_RE = re.compile(r'(\w+):"([^"]*)"|(\w+):(\S+)|"([^"]*)"|(\S+)')
_YEAR_RE = re.compile(r"(\d{4})(?:-(\d{4}))?")


@dataclass(frozen=True, slots=True)
class Entry:
    """One searchable item: the object to return and the lowercase text it matches on."""

    obj: Any
    name: str
    text: str  # what free words match against
    fields: dict[str, str]  # filter name -> haystack
    years: frozenset[int] = frozenset()
    popularity: int = 0


@dataclass(slots=True)
class Query:
    words: list[str] = field(default_factory=list)
    filters: dict[str, str] = field(default_factory=dict)

    @classmethod
    def parse(cls, q: str) -> Query:
        query = cls()
        for quoted_key, quoted, key, value, phrase, word in _TOKEN_RE.findall(q):
            if quoted_key or key:
                query.filters[(quoted_key or key).lower()] = (quoted or value).lower()
            else:
                query.words.append((phrase or word).lower())
        return query

    def matches(self, entry: Entry) -> bool:
        if not all(word in entry.text for word in self.words):
            return False
        for name, value in self.filters.items():
            if name == "year":
                if not entry.years or not _year_match(value, entry.years):
                    return False
            elif value not in entry.fields.get(name, "\0"):  # inapplicable filter: no match
                return False
        return True


def _year_match(value: str, years: frozenset[int]) -> bool:
    match = _YEAR_RE.fullmatch(value)
    if match is None:
        return False
    low = int(match.group(1))
    high = int(match.group(2) or low)
    return any(low <= year <= high for year in years)


def _ranked(entries: Iterable[Entry]) -> list[Entry]:
    return sorted(entries, key=lambda entry: -entry.popularity)


@dataclass(frozen=True, slots=True)
class SearchIndex:
    """Catalogue entries per type, most popular first; built once per catalogue."""

    by_type: dict[str, list[Entry]]

    @classmethod
    def build(cls, catalog: Catalog) -> SearchIndex:
        artists = catalog.artists
        albums = catalog.albums

        def names(ids: list[str]) -> str:
            return " ".join(artists[a].name for a in ids).lower()

        tracks = [
            Entry(
                t.full,
                t.name.lower(),
                f"{t.name} {names(t.artist_ids)} {albums[t.parent_id].name}".lower(),
                {
                    "track": t.name.lower(),
                    "artist": names(t.artist_ids),
                    "album": albums[t.parent_id].name.lower(),
                    "genre": " | ".join(t.genres),
                    "isrc": t.isrc.lower(),
                },
                frozenset({t.year}),
                t.popularity,
            )
            for t in catalog.tracks.values()
        ]
        album_entries = [
            Entry(
                a.simple,
                a.name.lower(),
                f"{a.name} {names(a.artist_ids)}".lower(),
                {
                    "album": a.name.lower(),
                    "artist": names(a.artist_ids),
                    "genre": " | ".join(a.genres),
                    "upc": a.upc.lower(),
                },
                frozenset({a.year}),
                a.full["popularity"],
            )
            for a in albums.values()
        ]
        artist_entries = [
            Entry(
                a.full,
                a.name.lower(),
                f"{a.name} {' '.join(a.genres)}".lower(),
                {"artist": a.name.lower(), "genre": " | ".join(a.genres)},
                frozenset(a.years),
                a.popularity,
            )
            for a in artists.values()
        ]
        shows = [
            Entry(s.simple, s.name.lower(), f"{s.name} {s.byline}".lower(), {})
            for s in catalog.shows.values()
        ]
        episodes = [
            Entry(
                e.simple,
                e.name.lower(),
                f"{e.name} {catalog.shows[e.parent_id].name}".lower(),
                {},
            )
            for e in catalog.episodes.values()
        ]
        audiobooks = [
            Entry(b.simple, b.name.lower(), f"{b.name} {b.byline}".lower(), {})
            for b in catalog.audiobooks.values()
        ]
        return cls(
            {
                "track": _ranked(tracks),
                "album": _ranked(album_entries),
                "artist": _ranked(artist_entries),
                "show": shows,
                "episode": episodes,
                "audiobook": audiobooks,
            }
        )


def _playlist_entries(call: Call) -> list[Entry]:
    """Public playlists, searched as they are now (they change)."""
    rt = call.rt
    entries = []
    for playlist in rt.state.playlists.values():
        if playlist.public:
            owner = rt.state.users[playlist.owner_id].display_name
            text = f"{playlist.name} {playlist.description} {owner}".lower()
            entries.append(Entry(playlist, playlist.name.lower(), text, {}))
    return entries


@ops.get("/search")
def search(call: Call) -> Any:
    q = call.query.get("q", "").strip()
    if not q:
        raise bad_request("No search query")
    types = [t.strip() for t in call.required("type").split(",") if t.strip()]
    if not types or any(t not in TYPES for t in types):
        raise bad_request("Bad search type field")
    limit = call.limit(default=5, maximum=10)
    offset = call.offset(maximum=1000)
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
        result[f"{kind}s"] = call.page(hits, limit, offset, shape)
    return result
