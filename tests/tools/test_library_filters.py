"""library_list_saved's filters end to end: saved items by an artist (name words or URI),
show, publisher or author, and saved before a date, looked for among SCAN items from offset,
over stdio against the sandbox (without the cache, so request counts are exact)."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime, time, timedelta
from typing import TYPE_CHECKING, Any

import pytest
from stdio_server import StdioServer
from toolkit import assert_refused, operations_hit, queries, uri

from spotify_mcp.sandbox import PREMIUM_USER
from spotify_mcp.sandbox.ids import make_id
from spotify_mcp.tools.library import REMOVAL_SCAN, SCAN

if TYPE_CHECKING:
    from spotify_mcp.sandbox import Sandbox

SAVED_TRACKS = 1250  # the premium user's, seeded


def saved(sandbox: Sandbox, kind: str = "track") -> dict[str, str]:
    """The premium user's saved items of ``kind``: ID -> added_at, oldest first."""
    return sandbox.runtime.state.users[PREMIUM_USER].saved[kind]  # type: ignore[no-any-return]


def newest_first(sandbox: Sandbox, kind: str = "track") -> list[str]:
    return [uri(kind, ident) for ident in reversed(saved(sandbox, kind))]


def artist_named(sandbox: Sandbox, name: str) -> str:
    return next(a.id for a in sandbox.runtime.catalog.artists.values() if a.name == name)


def tracks_by(sandbox: Sandbox, artist: str) -> list[str]:
    """The saved tracks ``artist`` (an ID) is one of the artists of, newest first."""
    tracks = sandbox.runtime.catalog.tracks
    return [u for u in newest_first(sandbox) if artist in tracks[u.split(":")[2]].artist_ids]


def uris(page: dict[str, Any]) -> list[str]:
    return [item["uri"] for item in page["items"]]


# -- by -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "by",
    [
        "nia SORENSEN",  # case and accents aside
        "Nia Sørensen",
        "spotify:artist:{id}",
        "https://open.spotify.com/artist/{id}?si=abc",
        "{id}",
    ],
)
def test_saved_tracks_by_an_artist_in_one_call(uncached: StdioServer, sb: Sandbox, by: str) -> None:
    nia = artist_named(sb, "Nia Sørensen")
    expected = tracks_by(sb, nia)
    assert 10 < len(expected) < 20  # as a guest too ("feat."); "Nia Quinn" is not her
    page, hit = operations_hit(
        sb,
        lambda: uncached.call_ok(
            "library_list_saved", kind="track", limit=50, by=by.format(id=nia)
        ),
    )
    assert uris(page) == expected
    assert page["total"] == len(expected) and page["scanned"] == SAVED_TRACKS
    assert page["offset"] == 0 and "next_offset" not in page
    assert all(nia in [a["uri"].split(":")[2] for a in t["artists"]] for t in page["items"])
    assert [t["added_at"] for t in page["items"]] == [saved(sb)[u.split(":")[2]] for u in expected]
    # every page once, read 50 a request (concurrently)
    assert hit == ["GET /me/tracks"] * 25
    offsets = sorted((int(q["offset"][0]), q["limit"][0]) for q in queries(sb))
    assert offsets == [(offset, "50") for offset in range(0, SAVED_TRACKS, 50)]


def test_brief_matches_name_each_item_only(uncached: StdioServer, sb: Sandbox) -> None:
    page = uncached.call_ok("library_list_saved", kind="track", by="sorensen", brief=True)
    assert uris(page) == tracks_by(sb, artist_named(sb, "Nia Sørensen"))
    assert all(set(item) == {"uri", "name", "by", "added_at"} for item in page["items"])
    assert all("Nia Sørensen" in item["by"] for item in page["items"])


def test_more_matches_than_limit_go_on_after_the_last_shown(
    uncached: StdioServer, sb: Sandbox
) -> None:
    expected = tracks_by(sb, artist_named(sb, "Nia Sørensen"))
    order = newest_first(sb)
    first = uncached.call_ok("library_list_saved", kind="track", by="Nia Sørensen", limit=5)
    assert uris(first) == expected[:5] and first["total"] == len(expected)
    assert first["next_offset"] == order.index(expected[5])  # the next match's position
    found, offset = uris(first), first["next_offset"]
    while offset is not None:
        page = uncached.call_ok(
            "library_list_saved", kind="track", by="Nia Sørensen", limit=5, offset=offset
        )
        assert page["offset"] == offset and page["scanned"] == SAVED_TRACKS - offset
        found += uris(page)
        offset = page.get("next_offset")
    assert found == expected


def test_no_match_says_how_far_it_looked(uncached: StdioServer, sb: Sandbox) -> None:
    page = uncached.call_ok("library_list_saved", kind="track", by="Nobody Atall", offset=50)
    assert page == {"items": [], "total": 0, "offset": 50, "scanned": SAVED_TRACKS - 50}
    past = uncached.call_ok("library_list_saved", kind="track", by="nia", offset=5000)
    assert past == {"items": [], "total": 0, "offset": 5000, "scanned": 0}


def test_a_misspelt_name_that_matches_none_gives_the_closest_names(
    uncached: StdioServer, sb: Sandbox
) -> None:
    page = uncached.call_ok("library_list_saved", kind="track", by="nia sorenson")
    # not only "none": a model would tell the user they saved nothing by her
    assert page["items"] == [] and page["closest"][0] == "Nia Sørensen"
    assert "closest" not in uncached.call_ok("library_list_saved", kind="track", by="nia")


def test_a_name_matched_only_after_the_date_gives_no_closest_names(
    uncached: StdioServer, sb: Sandbox
) -> None:
    """Her saves all come after added_before: none is before it, and her name is no
    misspelling ("closest": ["Nia Sørensen"] read as "did you mean Nia Sørensen?")."""
    oldest = min(saved(sb).values())
    args = {"kind": "track", "by": "Nia Sørensen", "added_before": oldest}
    page = uncached.call_ok("library_list_saved", args)
    assert page["items"] == [] and "closest" not in page


@contextmanager
def grown(sandbox: Sandbox, copies: int, saved_at: str) -> Iterator[int]:
    """The user's saved tracks grown by ``copies`` copies of saved tracks under new IDs, saved
    at ``saved_at``, before all the others (so listed last); yields how many are saved."""
    user = sandbox.runtime.state.users[PREMIUM_USER]
    tracks, seeded = sandbox.runtime.catalog.tracks, user.saved["track"]
    originals = list(seeded)
    added = {}
    for n in range(copies):
        ident = originals[n % len(originals)]
        new = make_id("copy", str(n))
        copy = {**tracks[ident].full, "id": new, "uri": uri("track", new)}
        added[new] = dataclasses.replace(tracks[ident], id=new, uri=copy["uri"], full=copy)
    tracks.update(added)
    user.saved["track"] = {**dict.fromkeys(added, saved_at), **seeded}
    try:
        yield len(user.saved["track"])
    finally:
        user.saved["track"] = seeded
        for new in added:
            del tracks[new]


@pytest.fixture
def big_library(sb: Sandbox) -> Iterator[int]:
    """Saved tracks past SCAN."""
    with grown(sb, 1000, "2025-01-01T00:00:00Z") as saved_tracks:
        yield saved_tracks


def test_a_library_beyond_the_scan_goes_on_where_it_stopped(
    uncached: StdioServer, sb: Sandbox, big_library: int
) -> None:
    assert big_library > SCAN
    expected = tracks_by(sb, artist_named(sb, "Nia Sørensen"))
    order = newest_first(sb)
    within = [u for u in expected if order.index(u) < SCAN]
    assert within and len(within) < len(expected)  # matches on both sides of the cap
    args = {"kind": "track", "by": "Nia Sørensen", "limit": 200}
    first, hit = operations_hit(sb, lambda: uncached.call_ok("library_list_saved", args))
    assert uris(first) == within and first["total"] == len(within)
    assert first["scanned"] == SCAN and first["next_offset"] == SCAN
    assert hit == ["GET /me/tracks"] * (SCAN // 50)
    rest, hit = operations_hit(
        sb, lambda: uncached.call_ok("library_list_saved", args, offset=SCAN)
    )
    assert uris(rest) == expected[len(within) :]
    assert rest["scanned"] == big_library - SCAN and "next_offset" not in rest
    assert hit == ["GET /me/tracks"] * 5


@pytest.mark.parametrize(
    ("kind", "by", "whose"),
    [
        # albums by an artist's URI; shows by publisher; episodes by show URI or name (or
        # publisher); audiobooks by author
        ("album", "uri", lambda c, i: [uri("artist", a) for a in c.albums[i].artist_ids]),
        ("show", "name", lambda c, i: [c.shows[i].byline]),
        ("episode", "uri", lambda c, i: [uri("show", c.episodes[i].parent_id)]),
        ("episode", "name", lambda c, i: [c.shows[c.episodes[i].parent_id].name]),
        ("audiobook", "name", lambda c, i: [c.audiobooks[i].byline]),
    ],
)
def test_other_kinds_by_whom_they_are(
    uncached: StdioServer, sb: Sandbox, kind: str, by: str, whose: Any
) -> None:
    catalog, mine = sb.runtime.catalog, list(reversed(saved(sb, kind)))
    someone = whose(catalog, mine[-1])[0]  # whom the oldest saved one is by
    expected = [uri(kind, i) for i in mine if someone in whose(catalog, i)]
    value = someone if by == "uri" else someone.upper()
    page = uncached.call_ok("library_list_saved", kind=kind, by=value, limit=50)
    assert uris(page) == expected and page["total"] == len(expected)
    assert page["scanned"] == len(mine) and all("added_at" in item for item in page["items"])


# -- added_before ---------------------------------------------------------------------------


def test_saved_before_a_date(uncached: StdioServer, sb: Sandbox) -> None:
    order = newest_first(sb)
    older = [u for u in order if saved(sb)[u.split(":")[2]] < "2026-01-01"]
    assert 200 < len(older) < SAVED_TRACKS
    page, hit = operations_hit(
        sb,
        lambda: uncached.call_ok(
            "library_list_saved", kind="track", added_before="2026-01-01", limit=200, brief=True
        ),
    )
    assert uris(page) == older[:200] and page["total"] == len(older)
    assert all(item["added_at"] < "2026-01-01" for item in page["items"])
    assert page["next_offset"] == order.index(older[200]) and len(hit) == 25
    nia = tracks_by(sb, artist_named(sb, "Nia Sørensen"))
    both = uncached.call_ok(
        "library_list_saved", kind="track", added_before="2026-01-01", by="Nia Sørensen"
    )
    assert uris(both) == [u for u in nia if u in older] and 0 < len(uris(both)) < len(nia)


def test_saved_before_a_time_of_day(uncached: StdioServer, sb: Sandbox) -> None:
    """ "More than a year ago" is a time, not a date: the songs of that day before it count."""
    added_at = saved(sb)
    ident = list(added_at)[100]
    at = datetime.fromisoformat(added_at[ident])
    assert at.time() != time(0)

    def before(moment: datetime) -> list[str]:
        page = uncached.call_ok(
            "library_list_saved", kind="track", added_before=moment.isoformat(), limit=200
        )
        return uris(page)

    assert uri("track", ident) not in before(at)  # saved at that time: not before it
    assert uri("track", ident) in before(at + timedelta(seconds=1))
    naive = (at + timedelta(seconds=1)).replace(tzinfo=None)  # taken as UTC, as added_at
    assert before(naive) == before(at + timedelta(seconds=1))


# -- refused --------------------------------------------------------------------------------

ALBUM = "spotify:album:" + "1" * 22


@pytest.mark.parametrize(
    ("args", "message"),
    [
        ({"by": ALBUM}, "by: 'spotify:album:1111111111111111111111' is an album, but an artist"),
        ({"by": "spotify:artist:abc"}, "by: 'abc' is not a valid Spotify artist ID"),
        ({"by": "https://example.com/x"}, "is not an open.spotify.com link to an item"),
        ({"kind": "episode", "by": ALBUM}, "is an album, but a show is expected"),
        ({"kind": "show", "by": "spotify:artist:" + "1" * 22}, "takes the words of a name"),
        ({"by": " !?. "}, "has no letters, digits or emoji to look for"),
        ({"kind": "artist", "by": "nia"}, "not followed artists (kind=artist)"),
        ({"kind": "artist", "added_before": "2026-01-01"}, "library_contains"),
        ({"added_before": "last year"}, "added_before: input should be a valid datetime"),
        # pydantic reads a number as seconds since 1970: "2025" is 1970-01-01T00:33:45Z
        ({"added_before": "2025"}, "before Spotify existed"),
    ],
)
def test_bad_filters_are_refused(
    uncached: StdioServer, sb: Sandbox, args: dict[str, Any], message: str
) -> None:
    assert message in assert_refused(uncached, sb, "library_list_saved", {"kind": "track", **args})


# -- removing what the filters find ---------------------------------------------------------


def test_a_dry_run_finds_what_a_removal_by_date_would_take(
    uncached: StdioServer, sb: Sandbox
) -> None:
    older = [u for u in newest_first(sb) if saved(sb)[u.split(":")[2]] < "2026-01-01"]
    found = uncached.call_ok(
        "library_remove_saved", kind="track", added_before="2026-01-01", dry_run=True
    )
    assert (found["matched"], found["scanned"]) == (len(older), SAVED_TRACKS)
    assert [item["uri"] for item in found["first"]] == older[:20] and "removed" not in found
    assert all(uncached.call_ok("library_contains", refs=older[:40])["saved"].values())


def test_a_removal_by_artist_takes_their_saved_songs_and_only_those(
    uncached: StdioServer, sb: Sandbox
) -> None:
    """ "Unlike every song by Nia Sørensen": one call, not the library read and URIs typed."""
    nia = tracks_by(sb, artist_named(sb, "Nia Sørensen"))
    others = [u for u in newest_first(sb) if u not in nia][:40]
    done = uncached.call_ok("library_remove_saved", kind="track", by="nia sorensen")
    assert (done["removed"], done["matched"]) == (len(nia), len(nia))
    assert not any(uncached.call_ok("library_contains", refs=nia)["saved"].values())
    assert all(uncached.call_ok("library_contains", refs=others)["saved"].values())
    again = uncached.call_ok("library_remove_saved", kind="track", by="nia sorensen")
    assert (again["removed"], again["matched"]) == (0, 0)  # safe to repeat


def test_a_removal_reads_the_library_from_spotify_not_a_cache(
    server: StdioServer, sb: Sandbox
) -> None:
    """An item saved again elsewhere has a new added_at: a cached page would remove it."""
    before = {"kind": "track", "added_before": "2100-01-01"}
    assert server.call_ok("library_list_saved", before)["total"] == SAVED_TRACKS  # cached
    oldest = next(iter(saved(sb)))
    sb.runtime.state.users[PREMIUM_USER].saved["track"].pop(oldest)  # removed elsewhere
    assert server.call_ok("library_list_saved", before)["total"] == SAVED_TRACKS  # still
    found = server.call_ok("library_remove_saved", {**before, "dry_run": True})
    assert found["matched"] == SAVED_TRACKS - 1


@pytest.mark.parametrize(
    ("args", "message"),
    [
        ({}, "pass by, added_before or both"),
        ({"kind": "artist", "by": "nia"}, "input should be 'track', 'album'"),
        ({"by": " !?. "}, "has no letters, digits or emoji to look for"),
        ({"added_before": 2025}, "before Spotify existed"),
    ],
)
def test_a_removal_without_a_filter_is_refused(
    uncached: StdioServer, sb: Sandbox, args: dict[str, Any], message: str
) -> None:
    refused = assert_refused(uncached, sb, "library_remove_saved", {"kind": "track", **args})
    assert message in refused
    assert len(saved(sb)) == SAVED_TRACKS


def test_a_removal_by_a_misspelt_name_removes_nothing_and_names_the_closest(
    uncached: StdioServer, sb: Sandbox
) -> None:
    done = uncached.call_ok("library_remove_saved", kind="track", by="nia sorenson")
    assert done["removed"] == 0 and done["closest"][0] == "Nia Sørensen"


def test_a_removal_by_date_keeps_items_whose_save_date_spotify_does_not_give(
    uncached: StdioServer, sb: Sandbox
) -> None:
    """Saved audiobooks may come without added_at: not known to be saved before the date,
    one is no match (it was taken as saved in 1970, before any date, and removed)."""
    books = saved(sb, "audiobook")
    undated = next(iter(books))
    books[undated] = None  # type: ignore[assignment]
    args = {"kind": "audiobook", "added_before": "2100-01-01"}
    listed = uncached.call_ok("library_list_saved", args)
    assert uri("audiobook", undated) not in uris(listed)
    dated = len(books) - 1
    done = uncached.call_ok("library_remove_saved", args)
    assert (done["removed"], done["matched"]) == (dated, dated)
    kept = uncached.call_ok("library_contains", refs=[uri("audiobook", undated)])["saved"]
    assert kept == {uri("audiobook", undated): True}


def test_a_removal_by_words_that_fit_several_names_is_refused(
    uncached: StdioServer, sb: Sandbox
) -> None:
    """ "Unlike the songs by Nia": "nia" fits Nia Sørensen and Nia Quinn (as "Ann" fits
    Joanna Newsom): both artists' songs went, where the user meant one."""
    nias = tracks_by(sb, artist_named(sb, "Nia Sørensen"))
    nias += tracks_by(sb, artist_named(sb, "Nia Quinn"))
    for dry_run in (True, False):
        refused = uncached.call_error(
            "library_remove_saved", kind="track", by="nia", dry_run=dry_run
        )
        assert "Nia Sørensen" in refused and "Nia Quinn" in refused
    assert all(uncached.call_ok("library_contains", refs=nias[:40])["saved"].values())
    assert len(saved(sb)) == SAVED_TRACKS


@pytest.fixture
def two_publishers(sb: Sandbox) -> Iterator[tuple[str, str]]:
    """Two saved shows whose publishers' names are one in the other ("Curious Minds", and
    "Curious Minds Kids" for the other): yields their URIs."""
    shows = sb.runtime.catalog.shows
    named = {shows[i].simple["publisher"]: i for i in saved(sb, "show")}
    curious, other = named["Curious Minds"], named["Byteworks"]
    shows[other].simple["publisher"] = "Curious Minds Kids"
    try:
        yield uri("show", curious), uri("show", other)
    finally:
        shows[other].simple["publisher"] = "Byteworks"


def test_a_removal_by_a_whole_name_takes_only_its_owner_s_items(
    uncached: StdioServer, sb: Sandbox, two_publishers: tuple[str, str]
) -> None:
    """The whole name of one, which the other's holds too, means that one (else a publisher
    named inside another's name could never be removed alone); a part of both is refused."""
    curious, kids = two_publishers
    assert "Curious Minds Kids" in uncached.call_error(
        "library_remove_saved", kind="show", by="curious"
    )
    done = uncached.call_ok("library_remove_saved", kind="show", by="curious minds")
    assert done["removed"] == 1 and [s["uri"] for s in done["first"]] == [curious]
    left = uncached.call_ok("library_contains", refs=[curious, kids])["saved"]
    assert left == {curious: False, kids: True}


@pytest.fixture
def huge_library(sb: Sandbox) -> Iterator[int]:
    """Saved tracks past REMOVAL_SCAN."""
    with grown(sb, REMOVAL_SCAN - SAVED_TRACKS + 100, "2020-01-01T00:00:00Z") as saved_tracks:
        yield saved_tracks


def test_a_removal_says_how_many_saved_items_it_did_not_look_through(
    uncached: StdioServer, sb: Sandbox, huge_library: int
) -> None:
    """Past the newest REMOVAL_SCAN, the oldest saves (those added_before takes) were left
    unread, the answer giving no sign of them: "all removed" when 100 were still saved."""
    found = uncached.call_ok(
        "library_remove_saved", kind="track", added_before="2021-01-01", dry_run=True
    )
    assert found["scanned"] == REMOVAL_SCAN and found["matched"] == REMOVAL_SCAN - SAVED_TRACKS
    assert found["unread"] == huge_library - REMOVAL_SCAN == 100
