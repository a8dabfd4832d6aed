"""References to Spotify items: an ID, a ``spotify:`` URI or an open.spotify.com URL.

Tool parameters typed with :func:`ref_type` accept all three and are validated before any
request is sent; the tool receives a :class:`Ref`. A reference of the wrong kind (an album
where a track is expected) is a clear validation error.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Mapping
from dataclasses import dataclass
from typing import Annotated, Any, Literal
from urllib.parse import urlsplit

from pydantic import PlainValidator, WithJsonSchema

from spotify_mcp.errors import InvalidInput, clipped

Kind = Literal[
    "track", "album", "artist", "playlist", "show", "episode", "audiobook", "chapter", "user"
]
KINDS: tuple[str, ...] = Kind.__args__  # type: ignore[attr-defined]
#: The kinds of the catalog, each readable by its ID (users and playlists are not catalog).
CATALOG_KINDS = ("track", "album", "artist", "show", "episode", "audiobook", "chapter")
_ID = re.compile(r"^[0-9A-Za-z]{22}$")
_USER_ID = re.compile(r"^[0-9A-Za-z._\-]{1,64}$")
_URL_HOSTS = ("open.spotify.com", "play.spotify.com")


@dataclass(frozen=True)
class Ref:
    kind: str
    id: str

    @property
    def uri(self) -> str:
        return f"spotify:{self.kind}:{self.id}"

    def __str__(self) -> str:
        return self.uri


class WrongKind(InvalidInput):
    """A well-formed reference to an item of a kind (``kind``) the parameter does not take."""

    def __init__(self, message: str, kind: str) -> None:
        super().__init__(message)
        self.kind = kind


#: Where the tracks or episodes of an item of another kind are: for a parameter that takes
#: tracks and episodes only.
ITS_TRACKS = {
    "album": "search_list_contents lists its tracks",
    "artist": "search_list_contents lists its albums",
    "show": "search_list_contents lists its episodes",
    "playlist": "playlists_get_items lists its items",
}


def parse_ref(value: str, expected: str | Collection[str] | None = None) -> Ref:
    """Parse ``value``; ``expected`` is the kind (or kinds) the caller accepts.

    A bare ID is taken to be of the expected kind, so it needs exactly one.
    """
    kinds = [expected] if isinstance(expected, str) else list(expected or KINDS)
    text = value.strip() if isinstance(value, str) else ""
    if not text:
        raise InvalidInput(
            f"expected a Spotify {_names(kinds)} reference, got {clipped(repr(value))}"
        )
    kind, item_id = _split(text, kinds)
    if kind not in kinds:
        raise WrongKind(
            f"{clipped(text)!r} is {_article(kind)} {kind}, but {_article(kinds[0])} "
            f"{_names(kinds)} is expected here",
            kind,
        )
    if not _is_id(item_id, kind):
        raise InvalidInput(_not_an_id(item_id, kind))
    return Ref(kind, item_id)


def _is_id(text: str, kind: str) -> bool:
    return bool((_USER_ID if kind == "user" else _ID).match(text))


def _not_an_id(text: str, kind: str) -> str:
    if kind == "user":
        return (
            f"{clipped(text)!r} is not a valid Spotify user ID (the name in "
            "open.spotify.com/user/<id>: letters, digits, '.', '_' or '-')"
        )
    return (
        f"{clipped(text)!r} is not a valid Spotify {kind} ID "
        f"(IDs are 22 letters and digits, e.g. spotify:{kind}:4uLU6hMCjMI75M1A2tKUQC)"
    )


def _by_name(kinds: list[str]) -> str:
    """Where to find the reference to an item the caller gave by name (none for users)."""
    if not set(kinds) & {*CATALOG_KINDS, "playlist"}:
        return ""
    own = ", or playlists_list with name for the user's playlists" if "playlist" in kinds else ""
    return f"; to find it by name: search{own}"


def typed_id(text: str, kind: str) -> str:
    """The ID in a reference to a ``kind`` still being typed (for completion): what a URI or
    URL of that kind holds so far, else the text itself (an ID's start, or a name)."""
    text = text.strip()
    try:
        found, item_id = _split(text, [kind])
    except InvalidInput:  # not a URI or URL (yet)
        return text
    return item_id if found == kind else text


def is_link(text: str) -> bool:
    """Whether ``text`` is written as a ``spotify:`` URI or a URL (not as an ID or a name)."""
    return text.startswith(("spotify:", "http:", "https:")) or "spotify.com" in text


def _split(text: str, kinds: list[str]) -> tuple[str, str]:
    if text.startswith("spotify:"):
        parts = text.split(":")
        # Legacy playlist URIs: spotify:user:<owner>:playlist:<id>
        if len(parts) == 5 and parts[1] == "user" and parts[3] == "playlist":
            return "playlist", parts[4]
        if len(parts) == 3 and parts[1] in KINDS:
            return parts[1], parts[2]
        raise InvalidInput(f"{clipped(text)!r} is not a Spotify URI like spotify:track:<id>")
    if is_link(text):
        return _split_url(text)
    if len(kinds) == 1 and not _is_id(text, kinds[0]):
        raise InvalidInput(_not_an_id(text, kinds[0]) + _by_name(kinds))
    if not any(_is_id(text, kind) for kind in kinds):  # a name, most likely
        raise InvalidInput(
            f"{clipped(text)!r} is not a Spotify URI or URL (spotify:{kinds[0]}:<id>, "
            f"https://open.spotify.com/{kinds[0]}/<id>){_by_name(kinds)}"
        )
    if len(kinds) != 1:
        raise InvalidInput(
            f"{clipped(text)!r} is a bare ID, which could be {_names(kinds)}: "
            "pass a spotify: URI or an open.spotify.com URL instead"
        )
    return kinds[0], text


def _split_url(text: str) -> tuple[str, str]:
    url = urlsplit(text if "://" in text else f"https://{text}")
    segments = [s for s in url.path.split("/") if s]
    if segments and (segments[0].startswith("intl-") or segments[0] == "embed"):
        segments = segments[1:]  # localized and embed links: /intl-de/track/<id>, /embed/...
    if url.hostname not in _URL_HOSTS or len(segments) < 2 or segments[0] not in KINDS:
        raise InvalidInput(
            f"{clipped(text)!r} is not an open.spotify.com link to an item "
            "(e.g. https://open.spotify.com/track/<id>); short links must be opened first"
        )
    if len(segments) >= 4 and segments[0] == "user" and segments[2] == "playlist":
        return "playlist", segments[3]  # legacy links: /user/<owner>/playlist/<id>
    return segments[0], segments[1]


def _article(kind: str) -> str:
    return "an" if kind[0] in "aeio" else "a"  # "a user": no kind starts with a vowel "u"


def _names(kinds: list[str]) -> str:
    return " or ".join(kinds) if len(kinds) <= 2 else ", ".join(kinds[:-1]) + f" or {kinds[-1]}"


def ref_type(*kinds: str, elsewhere: Mapping[str, str] | None = None) -> Any:
    """A parameter type that accepts ID / URI / URL of ``kinds`` and yields a :class:`Ref`;
    ``elsewhere`` says, by kind, what to do with a reference of another kind instead (the
    error adds it).

    ``TrackRef = ref_type("track")``; ``PlayableRef = ref_type("track", "episode")``.
    """

    def validate(value: Any) -> Ref:
        if isinstance(value, Ref):
            return value
        try:
            return parse_ref(value, kinds)
        except WrongKind as error:
            hint = (elsewhere or {}).get(error.kind)
            raise ValueError(f"{error}; {hint}" if hint else str(error)) from None
        except InvalidInput as error:
            raise ValueError(str(error)) from None

    # Short: it is repeated for every such parameter in tools/list; the server's instructions
    # explain references once.
    accepted = "ID, URI or URL" if len(kinds) == 1 else "URI or URL"
    description = f"{_names(list(kinds)).capitalize()} {accepted}"
    # Any, not Ref: for a serializer, PlainValidator has pydantic build the schema of the type
    # it annotates, twice per parameter, a dataclass's at that; arguments are never serialized.
    return Annotated[
        Any,
        PlainValidator(validate),
        WithJsonSchema({"type": "string", "description": description}),
    ]
