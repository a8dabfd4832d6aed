"""Spotify-style identifiers: deterministic base62 IDs, URIs and their validation."""

from __future__ import annotations

import hashlib
import re

BASE62 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
ID_LENGTH = 22

_ID_RE = re.compile(r"[0-9A-Za-z]{22}")
_USER_RE = re.compile(r"[0-9A-Za-z._-]{1,64}")

# URI kinds the sandbox knows; chapters are "episode" URIs, as in Spotify's own objects.
URI_KINDS = frozenset(
    {"track", "album", "artist", "episode", "show", "audiobook", "playlist", "user"}
)


def make_id(*parts: object) -> str:
    """A stable 22-character base62 ID derived from `parts` (same input, same ID)."""
    digest = hashlib.sha1(":".join(map(str, parts)).encode()).digest()
    number = int.from_bytes(digest[:17], "big")
    chars = []
    for _ in range(ID_LENGTH):
        number, rest = divmod(number, 62)
        chars.append(BASE62[rest])
    return "".join(chars)


def make_hex(*parts: object, length: int = 40) -> str:
    """A stable lowercase hex string (device IDs, image IDs, ISRC-like codes)."""
    return hashlib.sha1(":".join(map(str, parts)).encode()).hexdigest()[:length]


def is_id(value: str) -> bool:
    """True when `value` is a well-formed 22-character base62 Spotify ID."""
    return _ID_RE.fullmatch(value) is not None


def parse_uri(uri: str) -> tuple[str, str] | None:
    """`spotify:<kind>:<id>` -> (kind, id); None when malformed or of an unknown kind."""
    parts = uri.strip().split(":")
    if len(parts) != 3 or parts[0] != "spotify" or parts[1] not in URI_KINDS:
        return None
    kind, ident = parts[1], parts[2]
    valid = _USER_RE.fullmatch(ident) if kind == "user" else _ID_RE.fullmatch(ident)
    return (kind, ident) if valid else None
