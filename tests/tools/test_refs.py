"""References to Spotify items: IDs, spotify: URIs and open.spotify.com URLs."""

from __future__ import annotations

import pytest
from pydantic import TypeAdapter, ValidationError

from spotify_mcp.errors import InvalidInput
from spotify_mcp.refs import Ref, parse_ref, ref_type

TRACK_ID = "4uLU6hMCjMI75M1A2tKUQC"
PLAYLIST_ID = "37i9dQZF1DXcBWIGoYBM5M"


@pytest.mark.parametrize(
    "value",
    [
        TRACK_ID,
        f"spotify:track:{TRACK_ID}",
        f"  spotify:track:{TRACK_ID}\n",
        f"https://open.spotify.com/track/{TRACK_ID}",
        f"https://open.spotify.com/track/{TRACK_ID}?si=abc123&utm_source=copy-link",
        f"https://open.spotify.com/intl-de/track/{TRACK_ID}",
        f"https://open.spotify.com/embed/track/{TRACK_ID}?utm_source=generator",
        f"open.spotify.com/track/{TRACK_ID}",
        f"http://play.spotify.com/track/{TRACK_ID}",
    ],
)
def test_every_form_of_a_track_reference(value: str) -> None:
    ref = parse_ref(value, "track")
    assert ref == Ref("track", TRACK_ID)
    assert ref.uri == str(ref) == f"spotify:track:{TRACK_ID}"


def test_a_uri_or_url_names_its_own_kind() -> None:
    kinds = ("track", "album", "playlist")
    assert parse_ref(f"spotify:album:{TRACK_ID}", kinds).kind == "album"
    assert parse_ref(f"https://open.spotify.com/playlist/{PLAYLIST_ID}", kinds).kind == "playlist"
    assert parse_ref(f"spotify:album:{TRACK_ID}").kind == "album"  # any kind by default


def test_legacy_playlist_uri_and_user_ids() -> None:
    legacy = f"spotify:user:someone:playlist:{PLAYLIST_ID}"
    assert parse_ref(legacy, "playlist") == Ref("playlist", PLAYLIST_ID)
    assert parse_ref("spotify:user:kestreldj", "user") == Ref("user", "kestreldj")
    assert parse_ref("https://open.spotify.com/user/dj.kestrel_1", "user").id == "dj.kestrel_1"
    legacy_link = f"https://open.spotify.com/user/someone/playlist/{PLAYLIST_ID}?si=1"
    assert parse_ref(legacy_link, ("playlist", "user")) == Ref("playlist", PLAYLIST_ID)


@pytest.mark.parametrize(
    ("value", "expected", "message"),
    [
        (f"spotify:album:{TRACK_ID}", "track", "is an album, but a track is expected"),
        (
            f"https://open.spotify.com/artist/{TRACK_ID}",
            ("track", "episode"),
            "is an artist, but a track or episode is expected",
        ),
        ("spotify:track:short", "track", "is not a valid Spotify track ID"),
        ("abc", "track", "'abc' is not a valid Spotify track ID"),
        (f"{TRACK_ID}!", "track", "is not a valid Spotify track ID"),
        (TRACK_ID, ("track", "album"), "bare ID, which could be track or album"),
        (f"spotify:podcast:{TRACK_ID}", "track", "is not a Spotify URI like"),
        (f"spotify:track:{TRACK_ID}:extra", "track", "is not a Spotify URI like"),
        ("https://spotify.link/abcdef", "track", "short links must be opened first"),
        (f"https://example.com/track/{TRACK_ID}", "track", "is not an open.spotify.com link"),
        (f"https://example.com/user/x/playlist/{TRACK_ID}", "playlist", "not an open.spotify"),
        ("https://open.spotify.com/", "track", "is not an open.spotify.com link"),
        ("", "track", "expected a Spotify track reference"),
        ("   ", "track", "expected a Spotify track reference"),
        (None, "track", "expected a Spotify track reference"),
        ("spotify:user:bad user", "user", "is not a valid Spotify user ID"),
        ("spotify:user:jane@example.com", None, r"user ID \(the name in open.spotify.com/user"),
        ("https://open.spotify.com/user/someone", "playlist", "is a user, but a playlist"),
    ],
)
def test_bad_references_say_what_is_wrong(value: object, expected: object, message: str) -> None:
    with pytest.raises(InvalidInput, match=message):
        parse_ref(value, expected)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("value", "expected", "message"),
    [
        # A name where a reference belongs says how to find the reference.
        ("Late Night Jazz", "playlist", "to find it by name: search, or playlists_list with name"),
        ("Bohemian Rhapsody", ("track", "episode"), "is not a Spotify URI or URL .*: search$"),
        ("jazz", ("album", "playlist"), "not a Spotify URI or URL.*playlists_list with name"),
        ("abc", "track", "not a valid Spotify track ID .*; to find it by name: search$"),
        ("bad user", "user", r"user ID \(the name in open.spotify.com/user/<id>[^;]*$"),
    ],
)
def test_a_name_for_a_reference_says_how_to_find_one(
    value: str, expected: str | tuple[str, ...], message: str
) -> None:
    with pytest.raises(InvalidInput, match=message):
        parse_ref(value, expected)


def test_ref_type_validates_and_documents() -> None:
    adapter = TypeAdapter(list[ref_type("track", "episode")])
    refs = adapter.validate_python([f"spotify:track:{TRACK_ID}", f"spotify:episode:{TRACK_ID}"])
    assert [ref.kind for ref in refs] == ["track", "episode"]
    assert adapter.validate_python([Ref("track", TRACK_ID)]) == [Ref("track", TRACK_ID)]
    with pytest.raises(ValidationError, match=r"1\n.*is an album, but a track or episode"):
        adapter.validate_python([f"spotify:track:{TRACK_ID}", f"spotify:album:{TRACK_ID}"])
    schema = TypeAdapter(ref_type("track")).json_schema()
    assert schema["type"] == "string"
    assert schema["description"] == "Track ID, URI or URL"
    several = TypeAdapter(ref_type("track", "episode")).json_schema()["description"]
    assert several == "Track or episode URI or URL"  # a bare ID could be either
