"""Compact result shapes shared by tool groups: what a model needs, not the raw payload.

Every item carries its ``uri`` (which names its kind and ID; any tool accepts it) and its
``name``. ``X.of(payload)`` builds one from a Spotify API object. Pages carry ``total`` and
``next_offset`` (None on the last page).
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Mapping
from typing import Annotated, Any, Generic, Self, TypeVar

from pydantic import BaseModel, Field, SerializeAsAny, create_model

T = TypeVar("T")
Payload = Mapping[str, Any]
_DESCRIPTION_CHARS = 300


def _names(payload: Payload, key: str) -> list[Item]:
    return [Item.of(a) for a in payload.get(key) or [] if a]


def _image(payload: Payload) -> str | None:
    images = payload.get("images") or []
    return images[0].get("url") if images else None


def _short(text: str | None) -> str | None:
    if not text:
        return None
    return text if len(text) <= _DESCRIPTION_CHARS else text[: _DESCRIPTION_CHARS - 1] + "…"


class Item(BaseModel):
    uri: str
    name: str

    @classmethod
    def of(cls, payload: Payload) -> Item:
        return Item(uri=payload.get("uri") or "", name=payload.get("name") or "")


class Track(Item):
    artists: list[Item]
    album: Item | None = None
    year: int | None = None  # its album's release year: "my 90s songs", sorting by year
    duration_ms: int
    explicit: bool | None = None  # always given where Spotify says: absent is not "clean"

    @classmethod
    def of(cls, payload: Payload) -> Track:
        album = payload.get("album")
        released = (album or {}).get("release_date") or ""
        year = int(released[:4]) if released[:4].isdigit() else 0  # Spotify may send "0000"
        return cls(
            uri=payload["uri"],
            name=payload["name"],
            artists=_names(payload, "artists"),
            album=Item.of(album) if album else None,
            year=year or None,
            duration_ms=payload.get("duration_ms") or 0,
            explicit=payload.get("explicit"),
        )


class Album(Item):
    artists: list[Item]
    album_type: str | None = None
    album_group: str | None = None
    """In an artist's albums: ``appears_on`` marks someone else's album the artist is on."""
    release_date: str | None = None
    total_tracks: int | None = None
    duration_ms: int | None = None  # when its payload holds every track: "the longest album"
    image: str | None = None

    @classmethod
    def of(cls, payload: Payload) -> Album:
        tracks = (payload.get("tracks") or {}).get("items") or []
        whole = bool(tracks) and len(tracks) == payload.get("total_tracks")
        return cls(
            uri=payload["uri"],
            name=payload["name"],
            artists=_names(payload, "artists"),
            album_type=payload.get("album_type"),
            album_group=payload.get("album_group"),
            release_date=payload.get("release_date"),
            total_tracks=payload.get("total_tracks"),
            duration_ms=sum(t.get("duration_ms") or 0 for t in tracks if t) if whole else None,
            image=_image(payload),
        )


class Artist(Item):
    genres: list[str] | None = None
    image: str | None = None

    @classmethod
    def of(cls, payload: Payload) -> Artist:
        return cls(
            uri=payload["uri"],
            name=payload["name"],
            genres=payload.get("genres") or None,
            image=_image(payload),
        )


class Show(Item):
    publisher: str | None = None
    description: str | None = None
    total_episodes: int | None = None
    image: str | None = None

    @classmethod
    def of(cls, payload: Payload) -> Show:
        return cls(
            uri=payload["uri"],
            name=payload["name"],
            publisher=payload.get("publisher"),
            description=_short(payload.get("description")),
            total_episodes=payload.get("total_episodes"),
            image=_image(payload),
        )


class Episode(Item):
    show: Item | None = None
    release_date: str | None = None
    duration_ms: int
    description: str | None = None
    resume_ms: int | None = None  # where the user stopped; shown only once they started
    fully_played: bool | None = None  # shown only when true

    @classmethod
    def of(cls, payload: Payload) -> Episode:
        show = payload.get("show")
        return cls(
            uri=payload["uri"],
            name=payload["name"],
            show=Item.of(show) if show else None,
            release_date=payload.get("release_date"),
            duration_ms=payload.get("duration_ms") or 0,
            description=_short(payload.get("description")),
            **_resume_point(payload),
        )


def _resume_point(payload: Payload) -> dict[str, Any]:
    """Where the user is in an episode or chapter (needs user-read-playback-position)."""
    point = payload.get("resume_point") or {}
    return {
        "resume_ms": point.get("resume_position_ms") or None,
        "fully_played": point.get("fully_played") or None,
    }


class Audiobook(Item):
    authors: list[str]
    narrators: list[str] | None = None
    total_chapters: int | None = None
    description: str | None = None
    image: str | None = None

    @classmethod
    def of(cls, payload: Payload) -> Audiobook:
        return cls(
            uri=payload["uri"],
            name=payload["name"],
            authors=[a["name"] for a in payload.get("authors") or []],
            narrators=[n["name"] for n in payload.get("narrators") or []] or None,
            total_chapters=payload.get("total_chapters"),
            description=_short(payload.get("description")),
            image=_image(payload),
        )


class Chapter(Item):
    audiobook: Item | None = None
    chapter_number: int | None = None
    duration_ms: int
    resume_ms: int | None = None  # as an episode's
    fully_played: bool | None = None

    @classmethod
    def of(cls, payload: Payload) -> Chapter:
        book = payload.get("audiobook")
        return cls(
            uri=payload["uri"],
            name=payload["name"],
            audiobook=Item.of(book) if book else None,
            chapter_number=payload.get("chapter_number"),
            duration_ms=payload.get("duration_ms") or 0,
            **_resume_point(payload),
        )


class Playlist(Item):
    owner: str
    mine: bool | None = None  # whether the user owns it; None where the user is unknown
    public: bool | None = None
    collaborative: bool | None = None
    description: str | None = None
    total: int | None = None
    snapshot_id: str | None = None

    @classmethod
    def of(cls, payload: Payload, me: str | None = None) -> Playlist:
        """The playlist; ``me`` (the user's ID) tells whether it is the user's own."""
        owner = payload.get("owner") or {}
        # "items" replaced the deprecated "tracks" in 2026; accept either.
        items = payload.get("items") or payload.get("tracks") or {}
        return cls(
            uri=payload["uri"],
            name=payload["name"],
            owner=owner.get("display_name") or owner.get("id") or "",
            mine=owner.get("id") == me if me else None,
            public=payload.get("public"),
            collaborative=payload.get("collaborative") or None,
            description=_short(payload.get("description")),
            total=items.get("total") if isinstance(items, Mapping) else None,
            snapshot_id=payload.get("snapshot_id"),
        )


#: Spotify's limit on the items of one playlist.
PLAYLIST_MAX_ITEMS = 10_000

#: The most items a list tool returns in one call (about 60 KB of tracks): a result stays
#: well within what clients take from a tool (Claude Code refuses over 25,000 tokens).
MAX_ITEMS_PER_CALL = 200


#: Shapes for a payload's ``type`` field, for lists that mix kinds (queues, playlists).
BY_TYPE: dict[str, Callable[[Payload], Item]] = {
    "track": Track.of,
    "album": Album.of,
    "artist": Artist.of,
    "show": Show.of,
    "episode": Episode.of,
    "audiobook": Audiobook.of,
    "chapter": Chapter.of,
    "playlist": Playlist.of,
}


def any_item(payload: Payload) -> Item:
    """The compact shape for a payload of any kind."""
    # Spotify types audiobook chapters "episode"; their chapter_number tells them apart.
    kind = "chapter" if "chapter_number" in payload else payload.get("type", "")
    return BY_TYPE.get(kind, Item.of)(payload)


#: A list tool's ``brief`` argument.
BriefItems = Annotated[bool, Field(description="Only uri, name and by (artists) of each item")]


class Brief(Item):
    """An item named only: its URI, name, and whom it is by; an episode or chapter begun
    keeps where the user stopped, which "continue my podcast" looks for."""

    by: str | None = None  # the artists, the show, its publisher, the authors or the book
    resume_ms: int | None = None


def unresumed(payload: Payload) -> Payload:
    """``payload`` without the user's resume point: for a reply the cache keeps longer than
    our player commands can evict it, where the point could be that old."""
    return {**payload, "resume_point": None}


def briefly(item: Item) -> Brief:
    """``item`` as :class:`Brief`: under half the bytes of a track, for long lists read to be
    counted, deduplicated or shown as names."""
    if isinstance(item, Track | Album):
        names = [artist.name for artist in item.artists]
    elif isinstance(item, Audiobook):
        names = item.authors
    elif isinstance(item, Show):
        names = [item.publisher] if item.publisher else []
    elif isinstance(item, Episode | Chapter):
        parent = item.show if isinstance(item, Episode) else item.audiobook
        names = [parent.name] if parent else []
    else:
        names = []
    resume_ms = item.resume_ms if isinstance(item, Episode | Chapter) else None
    return Brief(uri=item.uri, name=item.name, by=", ".join(names) or None, resume_ms=resume_ms)


def saved_item(row: Payload, kind: str, brief: bool = False) -> Item:
    """An item of the user's library with when it was saved (``added_at``)."""
    item = any_item(row.get(kind) or row)  # saved audiobooks may come unwrapped
    return extended(briefly(item) if brief else item, added_at=row.get("added_at"))


def extended(item: Item, **fields: Any) -> Item:
    """``item`` with more fields (when it was saved, its position in a playlist), its own
    kept as they are: validated once, by the shape that built it."""
    return _extended(type(item), tuple(fields)).model_construct(**dict(item), **fields)


@functools.cache
def _extended(shape: type[Item], names: tuple[str, ...]) -> type[Item]:
    # Any: the values were checked where they came from, and only serialization follows.
    extra: dict[str, Any] = {name: (Any, None) for name in names}
    suffix = "".join(name.title().replace("_", "") for name in names)
    return create_model(f"{shape.__name__}With{suffix}", __base__=shape, **extra)


class Page(BaseModel, Generic[T]):
    items: list[T]
    total: int
    offset: int
    next_offset: int | None = None

    @classmethod
    def of(cls, payload: Payload, convert: Callable[[Payload], T]) -> Self:
        """A page from a Spotify paging object; null items (removed content) are skipped."""
        offset = payload.get("offset") or 0
        raw = payload.get("items") or []
        return cls(
            items=[convert(item) for item in raw if item],
            total=payload.get("total") or 0,
            offset=offset,
            next_offset=offset + len(raw) if payload.get("next") else None,
        )

    @property
    def read_to(self) -> int:
        """Where the read of this page stopped: the next offset, else the end."""
        return self.total if self.next_offset is None else self.next_offset

    def matching(self, keep: Callable[[T], bool], limit: int) -> Self:
        """This page's items ``keep`` takes, the first ``limit`` of them: ``total`` counts
        them all, and ``next_offset`` is the position of the next one not shown, else where
        this page's read stopped (a look through many items for a few)."""
        found = [(self.offset + n, item) for n, item in enumerate(self.items) if keep(item)]
        return type(self)(
            items=[item for _, item in found[:limit]],
            total=len(found),
            offset=self.offset,
            next_offset=found[limit][0] if len(found) > limit else self.next_offset,
        )


#: An item of any kind, sent with all its fields. Its schema names only uri and name: one
#: small schema for every kind keeps tools/list lean.
AnyItem = SerializeAsAny[Item]


# A page of items of any kind (no docstring: it would be sent in tools/list too).
class ItemPage(Page[AnyItem]):
    pass
