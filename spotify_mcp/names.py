"""Finding items by the words a user says of a name: case, accents, spaces and punctuation
aside, as Spotify's search does ("lofi" and "lo fi" find "Lo-Fi Beats", "café" finds "CAFE")."""

from __future__ import annotations

import unicodedata

#: Letters NFKD does not take apart, spelled with their base letters ("sorensen" finds
#: "Sørensen"), as Spotify's search does.
_SPELLED_OUT = str.maketrans(
    {"ø": "o", "æ": "ae", "œ": "oe", "ł": "l", "đ": "d", "ð": "d", "þ": "th"}
)


def has_words(name: str, words: str) -> bool:
    """Whether each of ``words`` is in ``name``, ignoring case, accents, spaces and
    punctuation."""
    each = words.split()
    return words_in(name, each) == len(each)


def words_in(name: str, words: list[str]) -> int:
    """How many of ``words`` are in ``name`` (as :func:`has_words` finds them)."""
    squashed = squash(name)
    return sum(squash(word) in squashed for word in words)


def squash(text: str) -> str:
    """Letters, digits and symbols (emoji) only, case-folded and without accents."""
    decomposed = unicodedata.normalize("NFKD", text.casefold()).translate(_SPELLED_OUT)
    return "".join(c for c in decomposed if unicodedata.category(c)[0] in "LNS")
