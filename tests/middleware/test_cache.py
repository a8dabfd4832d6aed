"""The cache middleware against the sandbox: hits, per-user keys, invalidation after each kind
of mutation, persistence, single flight; and the cache plugin end to end over stdio."""

from __future__ import annotations

import json
import os
import re
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from faultkit import SandboxAdmin, in_threads, wait_until
from obskit import LONG_TTL, HoldReplies, assert_scraped_without_sizes, cached_session
from spotipy import SpotifyException
from stdio_server import StdioServer, run_cli, sandbox_env

from spotify_mcp.auth import RefreshingCredentials
from spotify_mcp.auth.store import StoredLogin, TokenFile
from spotify_mcp.config import Settings
from spotify_mcp.middleware.cache.rules import CATALOG, read_group, stale_groups
from spotify_mcp.middleware.cache.store import ResponseCache
from spotify_mcp.pipeline import ConnectionLost, Request
from spotify_mcp.sandbox import FREE_USER, PREMIUM_USER, Sandbox
from spotify_mcp.sandbox.seed import EMPTY_PLAYLIST, FOLLOWED_PLAYLIST, UNFOLLOWED_PLAYLIST
from spotify_mcp.session import Spotify, build_session

ONLY_CACHE = json.dumps(["metrics", "retry", "breaker", "limiter"])


def gets(admin: SandboxAdmin, path: str | None = None) -> int:
    """GET requests the sandbox received (for one /v1 path)."""
    return len(admin.log(path, "GET"))


def not_in_library(spotify: Spotify, kind: str = "track") -> str:
    """The URI of a catalog item the user has not saved (or followed)."""
    items = spotify.search("a", type=kind, limit=10)[f"{kind}s"]["items"]
    uris = [item["uri"] for item in items]
    saved = spotify._get("me/library/contains", uris=",".join(uris))
    return next(uri for uri, is_saved in zip(uris, saved, strict=True) if not is_saved)


# -- hits and keys ----------------------------------------------------------------------


def test_second_read_is_a_hit(sandbox: Sandbox, admin: SandboxAdmin, tmp_path: Path) -> None:
    spotify, cache = cached_session(sandbox, tmp_path)
    first = spotify.me()
    assert spotify.me() == first
    assert gets(admin, "/me") == 1
    counts = cache.stats().process
    assert (counts.hits, counts.misses, counts.hit_ratio) == (1, 1, 0.5)


def test_failed_reads_and_mutations_are_not_stored(
    sandbox: Sandbox, admin: SandboxAdmin, tmp_path: Path
) -> None:
    spotify, cache = cached_session(sandbox, tmp_path)
    admin.fault("/me", status=503, times=1)
    with pytest.raises(Exception, match="503"):
        spotify.me()
    spotify.me()
    spotify.me()
    assert [e["status"] for e in admin.log("/me")] == [503, 200]
    admin.fault("/me/player/pause", method="PUT", status=502, times=1)
    with pytest.raises(SpotifyException, match="502"):
        spotify.pause_playback()
    assert cache.stats().entries == 1


def test_accounts_never_share_entries(
    sandbox: Sandbox, admin: SandboxAdmin, tmp_path: Path
) -> None:
    """Two servers of different users sharing one cache directory each see their own data."""
    premium, _ = cached_session(sandbox, tmp_path, PREMIUM_USER)
    free, _ = cached_session(sandbox, tmp_path, FREE_USER)
    assert premium.me()["id"] == PREMIUM_USER
    assert free.me()["id"] == FREE_USER
    assert premium.current_user_playlists() != free.current_user_playlists()
    assert (premium.me()["id"], free.me()["id"]) == (PREMIUM_USER, FREE_USER)
    assert gets(admin) == 4


def test_query_and_market_are_part_of_the_key(
    sandbox: Sandbox, admin: SandboxAdmin, tmp_path: Path
) -> None:
    spotify, _ = cached_session(sandbox, tmp_path)
    for _ in range(2):
        spotify.search("night", type="track", limit=2, market="US")
        spotify.search("night", type="track", limit=2, market="DE")
        spotify.search("night", type="track", limit=3, market="DE")
    assert gets(admin, "/search") == 3


def test_entries_survive_a_restart(sandbox: Sandbox, admin: SandboxAdmin, tmp_path: Path) -> None:
    spotify, cache = cached_session(sandbox, tmp_path)
    first = spotify.me()
    cache.close()
    again, reopened = cached_session(sandbox, tmp_path)
    assert again.me() == first
    assert gets(admin, "/me") == 1
    assert reopened.stats().lifetime.hits == 1


def test_an_unusable_cache_passes_reads_through_and_fails_its_check(
    sandbox: Sandbox, admin: SandboxAdmin, tmp_path: Path
) -> None:
    not_a_directory = tmp_path / "file"
    not_a_directory.write_text("")
    spotify, cache = cached_session(sandbox, not_a_directory / "cache")
    assert spotify.me()["id"] == spotify.me()["id"] == PREMIUM_USER
    assert gets(admin, "/me") == 2
    with pytest.raises(OSError):
        cache.probe()
    assert_scraped_without_sizes()


def test_a_reply_is_kept_only_for_the_login_that_got_it(sandbox: Sandbox, tmp_path: Path) -> None:
    """A server started before `auth login` knows no user yet; the disk cache outlives it, so
    keeping that first reply under "nobody" would serve it to whoever comes next."""
    token_file = TokenFile(tmp_path / "data" / "token.json")

    def log_in(user: str) -> None:
        token = sandbox.token(user, expires_in=10**7)
        scopes = ("user-read-private",)
        forever = time.time() + 10**7
        token_file.save(StoredLogin(token, "r", forever, 10**7, scopes, "cid", user, user, 0))

    def server() -> tuple[Spotify, ResponseCache]:
        cache = ResponseCache(tmp_path / "http", LONG_TTL, size_limit=2**26)
        credentials = RefreshingCredentials(token_file, Settings())
        return build_session([cache], credentials, sandbox.api_url), cache

    first, first_cache = server()  # nobody logged in yet
    log_in(PREMIUM_USER)
    assert first.me()["id"] == PREMIUM_USER
    assert first_cache.stats().entries == 0  # asked as nobody, answered for the premium user
    first_cache.close()
    token_file.path.unlink()  # `auth logout`

    second, _ = server()
    log_in(FREE_USER)
    assert second.me()["id"] == FREE_USER


def test_the_readiness_probe_leaves_no_entry(tmp_path: Path) -> None:
    cache = ResponseCache(tmp_path, LONG_TTL, size_limit=2**20)
    assert cache.probe() == f"writable: {tmp_path}"
    assert cache.stats().entries == 0


# -- invalidation -----------------------------------------------------------------------

Case = tuple[Callable[[Spotify], Any], Callable[[Spotify], Any]]


def _playlist_total(spotify: Spotify) -> Any:
    return spotify.playlist_items(EMPTY_PLAYLIST, limit=5)["total"]


def _playlist_in_my_list(spotify: Spotify) -> Any:
    mine = spotify.current_user_playlists(limit=50)["items"]
    return next(p for p in mine if p["id"] == EMPTY_PLAYLIST)


def _my_playlist_ids(spotify: Spotify) -> Any:
    return [p["id"] for p in spotify.current_user_playlists(limit=50)["items"]]


def _transfer_to_first_device(spotify: Spotify) -> Any:
    return spotify.transfer_playback(spotify.devices()["devices"][0]["id"], force_play=False)


MUTATIONS: dict[str, Case] = {
    "add playlist items -> its items": (
        _playlist_total,
        lambda sp: sp.playlist_add_items(EMPTY_PLAYLIST, [not_in_library(sp)]),
    ),
    "add playlist items -> my playlists": (
        _playlist_in_my_list,
        lambda sp: sp.playlist_add_items(EMPTY_PLAYLIST, [not_in_library(sp)]),
    ),
    "change playlist details -> the playlist": (
        lambda sp: sp.playlist(EMPTY_PLAYLIST)["name"],
        lambda sp: sp.playlist_change_details(EMPTY_PLAYLIST, name="Renamed drafts"),
    ),
    "create playlist -> my playlists": (
        _my_playlist_ids,
        lambda sp: sp.current_user_playlist_create("Fresh one"),
    ),
    "follow playlist (/me/library) -> my playlists": (
        _my_playlist_ids,
        lambda sp: sp.current_user_follow_playlist(UNFOLLOWED_PLAYLIST),
    ),
    "unfollow playlist (/me/library) -> my playlists": (
        _my_playlist_ids,
        lambda sp: sp._delete("me/library", uris=f"spotify:playlist:{FOLLOWED_PLAYLIST}"),
    ),
    "save track -> saved tracks": (
        lambda sp: sp.current_user_saved_tracks(limit=1),
        lambda sp: sp.current_user_saved_tracks_add([not_in_library(sp)]),
    ),
    "save episode (/me/library) -> saved episodes": (
        lambda sp: sp.current_user_saved_episodes(limit=1)["total"],
        lambda sp: sp._put("me/library", uris=not_in_library(sp, "episode")),
    ),
    "follow artist -> followed artists": (
        lambda sp: sp.current_user_followed_artists(limit=1)["artists"]["total"],
        lambda sp: sp.user_follow_artists([not_in_library(sp, "artist")]),
    ),
    "player command -> player state": (lambda sp: sp.current_playback(), _transfer_to_first_device),
}


def web_api_operations() -> list[tuple[str, str]]:
    """(method, path) of all 97 operations in operations.tsv, current and deprecated."""
    spec = (
        os.environ.get("SPOTIFY_OPENAPI_SPEC")
        or Path(__file__).parents[3] / "shared/spotify-web-api/openapi.yml"
    )
    rows = Path(spec).with_name("operations.tsv").read_text().splitlines()[1:]
    return [(row.split("\t")[0], row.split("\t")[1]) for row in rows]


def test_every_mutation_has_a_rule_and_every_read_of_mine_a_group() -> None:
    operations = web_api_operations()
    assert len(operations) == 97
    for method, path in operations:
        request = Request(method, "https://api.spotify.com/v1" + re.sub(r"\{\w+\}", "0" * 22, path))
        if method != "GET":
            assert stale_groups(request), f"{method} {path} invalidates nothing"
        elif path.startswith(("/me", "/playlists", "/users")):
            assert read_group(request) != CATALOG, f"{method} {path} is never invalidated"


@pytest.mark.parametrize("case", MUTATIONS, ids=list(MUTATIONS))
def test_the_read_after_a_mutation_is_fresh(
    fresh_sandbox: Sandbox, admin: SandboxAdmin, tmp_path: Path, case: str
) -> None:
    read, mutate = MUTATIONS[case]
    spotify, cache = cached_session(fresh_sandbox, tmp_path)
    before = read(spotify)
    reads = gets(admin)
    assert read(spotify) == before  # a hit
    assert gets(admin) == reads
    mutate(spotify)
    reads = gets(admin)
    assert read(spotify) != before
    assert gets(admin) == reads + 1
    assert cache.stats().process.invalidations >= 1


def test_only_a_mutation_that_evicts_something_counts_as_an_invalidation(
    fresh_sandbox: Sandbox, tmp_path: Path
) -> None:
    spotify, cache = cached_session(fresh_sandbox, tmp_path)
    spotify.playlist_change_details(EMPTY_PLAYLIST, description="nothing cached yet")
    assert (cache.stats().process.invalidations, cache.stats().process.evictions) == (0, 0)
    _playlist_total(spotify)
    spotify.playlist_change_details(EMPTY_PLAYLIST, description="one read cached")
    assert (cache.stats().process.invalidations, cache.stats().process.evictions) == (1, 1)


def test_a_mutation_lost_in_transit_still_invalidates(
    fresh_sandbox: Sandbox, admin: SandboxAdmin, tmp_path: Path
) -> None:
    spotify, _ = cached_session(fresh_sandbox, tmp_path)
    track = not_in_library(spotify)
    assert _playlist_total(spotify) == 0
    admin.fault("/playlists/*/items", method="POST", drop_connection=True, apply=True)
    with pytest.raises(ConnectionLost):
        spotify.playlist_add_items(EMPTY_PLAYLIST, [track])
    assert _playlist_total(spotify) == 1


def test_a_read_answered_before_a_mutation_is_not_stored(
    fresh_sandbox: Sandbox, admin: SandboxAdmin, tmp_path: Path
) -> None:
    hold = HoldReplies(f"/playlists/{EMPTY_PLAYLIST}/items")
    spotify, _ = cached_session(fresh_sandbox, tmp_path, inner=[hold])
    track = not_in_library(spotify)
    stale: list[int] = []
    reader = threading.Thread(target=lambda: stale.append(_playlist_total(spotify)))
    reader.start()
    assert hold.holding.wait(30)
    spotify.playlist_add_items(EMPTY_PLAYLIST, [track])
    hold.release.set()
    reader.join(30)
    assert stale == [0]
    assert _playlist_total(spotify) == 1


def test_a_read_in_flight_while_a_server_sharing_the_directory_mutates_is_not_stored(
    fresh_sandbox: Sandbox, tmp_path: Path
) -> None:
    hold = HoldReplies(f"/playlists/{EMPTY_PLAYLIST}/items")
    reading, _ = cached_session(fresh_sandbox, tmp_path, inner=[hold])
    changing, _ = cached_session(fresh_sandbox, tmp_path)  # another process, as far as it knows
    track = not_in_library(changing)
    stale: list[int] = []
    reader = threading.Thread(target=lambda: stale.append(_playlist_total(reading)))
    reader.start()
    try:
        assert hold.holding.wait(30)
        changing.playlist_add_items(EMPTY_PLAYLIST, [track])
    finally:
        hold.release.set()
        reader.join(30)
    assert stale == [0]
    assert _playlist_total(changing) == _playlist_total(reading) == 1


# -- single flight ----------------------------------------------------------------------


def test_sixteen_identical_concurrent_reads_send_one_request(
    sandbox: Sandbox, admin: SandboxAdmin, tmp_path: Path
) -> None:
    spotify, cache = cached_session(sandbox, tmp_path)
    admin.fault("/albums/*", latency_ms=300, times=1)
    album = spotify.search("sun", type="album", limit=1)["albums"]["items"][0]["id"]
    results = in_threads([lambda: spotify.album(album)] * 16)
    assert all(result == results[0] for result in results)
    assert gets(admin, f"/albums/{album}") == 1
    counts = cache.stats().process
    assert (counts.misses, counts.hits) == (2, 15)  # the search and the album were missed


@pytest.mark.parametrize("in_redis", [False, True], ids=["disk", "redis"])
def test_a_read_that_just_missed_a_finished_flight_uses_its_reply(
    sandbox: Sandbox, admin: SandboxAdmin, tmp_path: Path, request: Any, in_redis: bool
) -> None:
    """Between a read's cache miss and its look for a flight, the flight may end: its reply
    is in the cache by then. Without a second look, 27 of 150 such rounds sent a 2nd request.
    (The second look is taken only when a flight of that read ended since the first.)"""
    import redis

    url = request.getfixturevalue("redis_url") if in_redis else None
    spotify, _ = cached_session(sandbox, tmp_path, redis=url and redis.Redis.from_url(url))
    for round_ in range(60):
        query = f"flight {round_}"
        results = in_threads([lambda q=query: spotify.search(q, type="album", limit=1)] * 16)
        assert not any(isinstance(result, Exception) for result in results)
    assert gets(admin, "/search") == 60


def test_uncacheable_reads_share_a_fetch_without_counting_as_hits(
    sandbox: Sandbox, admin: SandboxAdmin, tmp_path: Path
) -> None:
    spotify, cache = cached_session(sandbox, tmp_path, ttl={**LONG_TTL, "player": 0})
    admin.fault("/me/player/devices", latency_ms=300, times=1)
    in_threads([spotify.devices] * 8)
    assert gets(admin, "/me/player/devices") == 1
    counts = cache.stats().process
    assert (counts.hits, counts.misses, counts.coalesced) == (0, 0, 7)


def test_a_failed_flight_fails_every_waiter(
    sandbox: Sandbox, admin: SandboxAdmin, tmp_path: Path
) -> None:
    spotify, _ = cached_session(sandbox, tmp_path)
    admin.fault("/me", latency_ms=300, drop_connection=True, times=1)
    results = in_threads([spotify.me] * 16)
    assert all(isinstance(result, ConnectionLost) for result in results), results
    assert gets(admin, "/me") == 1
    assert spotify.me()["id"] == PREMIUM_USER  # the failure was not stored


# -- the plugin, end to end over stdio -------------------------------------------------


def test_hits_and_single_flight_over_stdio(
    sandbox: Sandbox, admin: SandboxAdmin, server: StdioServer
) -> None:
    first = server.call_ok("search", query="stdio hit", types=["album"])
    assert server.call_ok("search", query="stdio hit", types=["album"]) == first
    assert gets(admin, "/search") == 1
    results = server.gather([("search", {"query": "stdio flight"})] * 16)
    assert not any(r.is_error for r in results)
    assert len({json.dumps(r.structured_content, sort_keys=True) for r in results}) == 1
    assert gets(admin, "/search") == 2
    stats = server.call_ok("cache_stats")
    assert stats["process"]["hits"] >= 16
    assert stats["entries"] >= 2


def test_persistence_per_user_isolation_and_cli_with_the_cache_alone(
    sandbox: Sandbox, admin: SandboxAdmin, tmp_path: Path
) -> None:
    env = {"SPOTIFY_MCP_PLUGINS__DISABLED": ONLY_CACHE}
    # One token for both premium servers: a static token's account is its fingerprint.
    premium_env = {**sandbox_env(sandbox), **env}
    with StdioServer(env=premium_env, home=tmp_path) as premium:
        assert premium.call_ok("library_get_profile")["uri"] == f"spotify:user:{PREMIUM_USER}"
    with StdioServer(env={**sandbox_env(sandbox, FREE_USER), **env}, home=tmp_path) as free:
        assert free.call_ok("library_get_profile")["uri"] == f"spotify:user:{FREE_USER}"
    with StdioServer(env=premium_env, home=tmp_path) as restarted:
        assert restarted.call_ok("library_get_profile")["uri"] == f"spotify:user:{PREMIUM_USER}"
        assert restarted.call_ok("server_info")["pipeline"] == ["cache(200)"]
    assert gets(admin, "/me") == 2  # one per user: the restarted server read it from disk

    home = {"SPOTIFY_MCP_HOME": str(tmp_path)}
    stats = run_cli("cache", "stats", "--json", env=home)
    assert stats.returncode == 0, stats.stderr
    lifetime = json.loads(stats.stdout)["lifetime"]
    assert (lifetime["hits"], lifetime["misses"]) == (1, 2)
    cleared = run_cli("cache", "clear", env=home)
    assert cleared.returncode == 0, cleared.stderr
    assert "removed 2 cached replies" in cleared.stdout
    assert "entries        0" in run_cli("cache", "stats", env=home).stdout


def test_warming_runs_in_the_background(
    sandbox: Sandbox, admin: SandboxAdmin, tmp_path: Path
) -> None:
    admin.fault("/me/playlists", latency_ms=3000, times=1)
    env = {**sandbox_env(sandbox), "SPOTIFY_MCP_CACHE__WARM": '["/me/playlists?limit=50&offset=0"]'}
    with StdioServer(env=env, home=tmp_path) as server:
        assert server.list_tools()
        assert not [e for e in admin.log("/me/playlists") if e["status"] is not None]
        wait_until(lambda: server.call_ok("cache_stats")["entries"] == 1, timeout=30)
        server.call_ok("playlists_list", limit=50)
    assert gets(admin, "/me/playlists") == 1


def test_the_directory_stays_near_its_size_limit(tmp_path: Path) -> None:
    """The size limit counts entries; SQLite's write-ahead log, reused without shrinking,
    once added megabytes beside them."""
    from spotify_mcp.middleware.cache.disk import open_disk

    entries, totals = open_disk(tmp_path, size_limit=2**21)
    body = os.urandom(20_000)
    for n in range(1000):  # 20 MB written, evictions among them
        tag = f"user|group{n % 5}"
        stored = (200, None, body)
        entries.set(f"key{n}", stored, expire=60, tag=tag, generation=entries.generation(tag))
        if n % 50 == 0:
            entries.evict_tags([tag])
    used = sum(f.stat().st_size for f in tmp_path.rglob("*") if f.is_file())
    entries.close()
    totals.close()
    assert used < 2**21 + 2**21  # the limit, plus logs cut back at checkpoints (6.6 MB without)


@pytest.mark.parametrize("configured", [False, True], ids=["default", "configured store"])
def test_the_built_in_sandbox_caches_apart_from_the_real_account(
    tmp_path: Path, configured: bool
) -> None:
    """`serve --sandbox` starts a new emulator each run: its replies go to a cache of their
    own, removed at exit, not into (and evicting from) the real account's: the default
    directory, a configured one, or Redis."""
    real = tmp_path / "real"
    env = (
        {"SPOTIFY_MCP_CACHE__DIRECTORY": str(real), "SPOTIFY_MCP_REDIS_URL": "redis://127.0.0.1:9"}
        if configured
        else {}
    )
    with StdioServer("--sandbox", env=env, home=tmp_path) as server:
        server.call_ok("library_get_profile")
        server.call_ok("library_get_profile")
        stats = server.call_ok("cache_stats")
        own = Path(stats["directory"])
        assert stats["process"]["hits"] == 1 and own.is_dir()
        assert tmp_path not in own.parents
    assert not (tmp_path / "cache" / "http").exists() and not real.exists()
    assert not own.exists()
