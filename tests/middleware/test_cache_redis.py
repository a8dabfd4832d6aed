"""The cache in Redis (``redis_url``): replicas, each with its own ResponseCache (as if on
another machine), share entries, evictions, generations and lifetime totals through a real
redis-server; a Redis that is down degrades to no cache. Then two real servers over stdio."""

from __future__ import annotations

import contextlib
import json
import socket
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import redis
from faultkit import SandboxAdmin, track_uris, wait_until
from loguru import logger
from obskit import LONG_TTL, HoldReplies, assert_scraped_without_sizes, cached_session
from stdio_server import StdioServer, free_port, run_cli, sandbox_env

from spotify_mcp.errors import SpotifyMCPError
from spotify_mcp.middleware.cache.redis_store import PREFIX
from spotify_mcp.middleware.cache.stats import Counts
from spotify_mcp.middleware.cache.store import ResponseCache
from spotify_mcp.pipeline import Request, Response
from spotify_mcp.sandbox import PREMIUM_USER, Sandbox
from spotify_mcp.sandbox.seed import EMPTY_PLAYLIST
from spotify_mcp.session import Spotify

ITEMS = f"/playlists/{EMPTY_PLAYLIST}/items"


def replica(
    sb: Sandbox, tmp_path: Path, name: str, redis_url: str, **options: Any
) -> tuple[Spotify, ResponseCache]:
    """One server's session and cache: its own directory and Redis client, the Redis shared."""
    return cached_session(sb, tmp_path / name, redis=redis.Redis.from_url(redis_url), **options)


def total(spotify: Spotify) -> int:
    return int(spotify.playlist_items(EMPTY_PLAYLIST, limit=5)["total"])


def gets(admin: SandboxAdmin, path: str) -> int:
    return len(admin.log(path, "GET"))


@pytest.fixture
def db(redis_url: str) -> Iterator[redis.Redis]:
    """A client to look into the test's Redis."""
    with redis.Redis.from_url(redis_url) as client:
        yield client


# -- replicas sharing one Redis ---------------------------------------------------------------


def test_a_reply_cached_by_one_replica_is_a_hit_for_the_other(
    sandbox: Sandbox, admin: SandboxAdmin, tmp_path: Path, redis_url: str
) -> None:
    a, _ = replica(sandbox, tmp_path, "a", redis_url)
    b, cache_b = replica(sandbox, tmp_path, "b", redis_url)
    first = a.me()
    assert b.me() == first
    assert gets(admin, "/me") == 1
    assert (cache_b.stats().process.hits, cache_b.stats().process.misses) == (1, 0)
    assert not (tmp_path / "b").exists()  # nothing on disk


def test_a_mutation_through_one_replica_evicts_for_the_other(
    fresh_sandbox: Sandbox, admin: SandboxAdmin, tmp_path: Path, redis_url: str
) -> None:
    a, _ = replica(fresh_sandbox, tmp_path, "a", redis_url)
    b, _ = replica(fresh_sandbox, tmp_path, "b", redis_url)
    assert total(b) == total(a) == 0
    assert gets(admin, ITEMS) == 1
    a.playlist_add_items(EMPTY_PLAYLIST, track_uris(fresh_sandbox, 0, 1))
    assert total(b) == 1
    assert gets(admin, ITEMS) == 2


def test_a_reply_in_flight_while_another_replica_mutates_is_not_stored(
    fresh_sandbox: Sandbox, admin: SandboxAdmin, tmp_path: Path, redis_url: str
) -> None:
    hold = HoldReplies(ITEMS)
    a, _ = replica(fresh_sandbox, tmp_path, "a", redis_url)
    b, _ = replica(fresh_sandbox, tmp_path, "b", redis_url, inner=[hold])
    stale: list[int] = []
    reader = threading.Thread(target=lambda: stale.append(total(b)))
    reader.start()
    try:
        assert hold.holding.wait(30)  # B has Spotify's reply (0 items), not yet stored
        a.playlist_add_items(EMPTY_PLAYLIST, track_uris(fresh_sandbox, 0, 1))
    finally:
        hold.release.set()
        reader.join(30)
    assert stale == [0]  # answered before the change: fine to return, not to keep
    assert total(b) == 1
    assert gets(admin, ITEMS) == 2


def test_a_read_after_another_replicas_mutation_joins_no_flight_from_before(
    fresh_sandbox: Sandbox, tmp_path: Path, redis_url: str
) -> None:
    hold = HoldReplies(ITEMS)
    a, _ = replica(fresh_sandbox, tmp_path, "a", redis_url)
    b, _ = replica(fresh_sandbox, tmp_path, "b", redis_url, inner=[hold])
    seen: dict[str, int] = {}
    before = threading.Thread(target=lambda: seen.update(before=total(b)))
    after = threading.Thread(target=lambda: seen.update(after=total(b)))
    before.start()
    try:
        assert hold.holding.wait(30)
        a.playlist_add_items(EMPTY_PLAYLIST, track_uris(fresh_sandbox, 0, 1))
        after.start()
        wait_until(lambda: hold.held == 2)  # its own request, not a wait for the old one
    finally:
        hold.release.set()
        before.join(30)
        if after.is_alive():
            after.join(30)
    assert seen == {"before": 0, "after": 1}
    assert total(b) == 1  # the reply after the change was stored, the one before was not
    assert hold.held == 2


def test_lifetime_totals_add_up_across_replicas(
    sandbox: Sandbox, tmp_path: Path, redis_url: str
) -> None:
    a, cache_a = replica(sandbox, tmp_path, "a", redis_url)
    b, cache_b = replica(sandbox, tmp_path, "b", redis_url)
    a.me()
    b.me()
    b.me()
    a.search("totals", type="album", limit=1)
    cache_a.close()
    lifetime = cache_b.stats().lifetime
    both = {
        name: cache_a.counters.snapshot()[name] + cache_b.counters.snapshot()[name]
        for name in ("hits", "misses", "coalesced", "invalidations", "evictions")
    }
    assert lifetime == Counts.of(both)
    assert (lifetime.hits, lifetime.misses) == (2, 2)


def test_stats_clear_and_what_redis_holds(
    fresh_sandbox: Sandbox, tmp_path: Path, redis_url: str, db: redis.Redis
) -> None:
    spotify, cache = replica(fresh_sandbox, tmp_path, "a", redis_url)
    me = spotify.me()
    total(spotify)
    spotify.track(sorted(fresh_sandbox.runtime.catalog.tracks)[0])  # catalog: not evicted
    spotify.playlist_change_details(EMPTY_PLAYLIST, description="evicts the items")
    stats = cache.stats()
    assert (stats.entries, stats.directory) == (2, redis_url)
    keys = sorted(key.decode() for key in db.keys("*"))
    assert all(key.startswith(PREFIX) for key in keys), keys
    entries = [key for key in keys if key.startswith(f"{PREFIX}entry:")]
    assert len(entries) == 2
    # Not pickled: status, content type and body, the body as Spotify sent it.
    profile = db.hgetall(next(key for key in entries if "/tracks/" not in key))
    assert sorted(profile) == [b"body", b"status", b"type"]
    assert (profile[b"status"], profile[b"type"]) == (b"200", b"application/json; charset=utf-8")
    assert json.loads(profile[b"body"]) == me
    assert stats.bytes == sum(len(db.hget(key, "body") or b"") for key in entries)
    # Tag sets and generations expire; only the bookkeeping of the whole cache does not.
    kept = {f"{PREFIX}{name}" for name in ("index", "sizes", "bytes", "totals")}
    assert {key for key in keys if db.pttl(key) < 0} == kept
    assert any(key.startswith(f"{PREFIX}generation:") for key in keys)
    assert db.exists(f"{PREFIX}tag:{PREMIUM_USER}|playlist:{EMPTY_PLAYLIST}") == 0  # evicted

    assert cache.clear() == 2
    stats = cache.stats()
    assert (stats.entries, stats.bytes, stats.lifetime.misses) == (0, 0, 0)
    left = {key.decode().split(":")[2] for key in db.keys("*")}
    assert left == {"generation"}  # a read in flight may still need them


def test_expired_replies_leave_their_tag_set_and_the_counts(
    sandbox: Sandbox, tmp_path: Path, redis_url: str, db: redis.Redis
) -> None:
    """No mutation evicts catalog reads: unpruned, their tag set would grow for as long as
    new ones keep it alive."""
    brief, _ = replica(sandbox, tmp_path, "a", redis_url, ttl={**LONG_TTL, "catalog": 0.2})
    lasting, cache = replica(sandbox, tmp_path, "b", redis_url)
    lasting.search("kept one", type="album", limit=1)
    brief.search("brief", type="album", limit=1)
    (tag,) = db.keys(f"{PREFIX}tag:*")
    assert db.zcard(tag) == 2
    wait_until(lambda: len(db.keys(f"{PREFIX}entry:*")) == 1)  # Redis expired the brief one
    assert cache.size()[0] == 1
    lasting.search("kept two", type="album", limit=1)
    assert db.zcard(tag) == 2
    entries = db.keys(f"{PREFIX}entry:*")
    assert cache.size() == (2, sum(db.hstrlen(entry, "body") for entry in entries))


def test_replies_beyond_the_size_limit_are_culled(
    sandbox: Sandbox, admin: SandboxAdmin, tmp_path: Path, redis_url: str
) -> None:
    limit = 10_000
    spotify, cache = replica(sandbox, tmp_path, "a", redis_url, size_limit=limit)
    for offset in range(20):  # about 1.3 kB each
        spotify.search("a", type="album", limit=1, offset=offset)
    entries, size = cache.size()
    assert 0 < size <= limit
    assert 0 < entries < 20
    spotify.search("a", type="album", limit=1, offset=19)  # the newest stays
    spotify.search("a", type="album", limit=1, offset=0)  # the oldest went first
    assert gets(admin, "/search") == 21


def test_after_an_eviction_redis_refused_reads_pass_the_cache_until_it_is_done(
    fresh_sandbox: Sandbox, admin: SandboxAdmin, tmp_path: Path, redis_url: str, db: redis.Redis
) -> None:
    spotify, _ = replica(fresh_sandbox, tmp_path, "a", redis_url)
    assert total(spotify) == 0  # cached
    db.config_set("maxmemory", 1)  # Redis refuses writes: the eviction below fails
    try:
        spotify.playlist_add_items(EMPTY_PLAYLIST, track_uris(fresh_sandbox, 0, 1))
        assert total(spotify) == total(spotify) == 1  # not the stale 0 still in Redis
    finally:
        db.config_set("maxmemory", 0)
    assert gets(admin, ITEMS) == 3
    assert total(spotify) == total(spotify) == 1  # the eviction went through: cached again
    assert gets(admin, ITEMS) == 4


def test_after_an_eviction_redis_refused_the_cache_is_used_once_the_stale_replies_expired(
    fresh_sandbox: Sandbox, admin: SandboxAdmin, tmp_path: Path, redis_url: str, db: redis.Redis
) -> None:
    """Not "eviction done" while Redis still refuses it: the stale replies expired instead."""
    lines: list[str] = []
    sink = logger.add(lines.append, level="INFO", format="{message}")
    spotify, _ = replica(fresh_sandbox, tmp_path, "a", redis_url, ttl=dict.fromkeys(LONG_TTL, 1.0))
    assert total(spotify) == 0  # cached for 1 s
    db.config_set("maxmemory", 1)
    try:
        spotify.playlist_add_items(EMPTY_PLAYLIST, track_uris(fresh_sandbox, 0, 1))
        time.sleep(1.5)
        assert total(spotify) == 1
    finally:
        db.config_set("maxmemory", 0)
        logger.remove(sink)
    assert any("an eviction missed have expired" in line for line in lines)
    assert not any("done; its reads use the cache again" in line for line in lines)


def test_an_unreachable_redis_passes_reads_through_and_fails_the_probe(
    fresh_sandbox: Sandbox, admin: SandboxAdmin, tmp_path: Path
) -> None:
    url = f"redis://127.0.0.1:{free_port()}/0"  # nothing listens there
    spotify, cache = replica(fresh_sandbox, tmp_path, "a", url)
    assert spotify.me()["id"] == spotify.me()["id"] == PREMIUM_USER
    assert gets(admin, "/me") == 2
    spotify.playlist_change_details(EMPTY_PLAYLIST, description="eviction fails, call does not")
    with pytest.raises(OSError, match=f"Redis at {url} is unreachable"):
        cache.probe()
    with pytest.raises(SpotifyMCPError, match=f"The cache in Redis cannot be used .*{url}"):
        cache.stats()
    assert_scraped_without_sizes()
    cache.close()


def test_a_redis_that_does_not_answer_costs_one_timeout_not_one_per_read(
    sandbox: Sandbox, admin: SandboxAdmin, tmp_path: Path
) -> None:
    with socket.socket() as silent:  # accepts connections (the kernel does), never answers
        silent.bind(("127.0.0.1", 0))
        silent.listen(64)
        url = f"redis://127.0.0.1:{silent.getsockname()[1]}/0"
        client = redis.Redis.from_url(url, socket_timeout=0.2, socket_connect_timeout=0.2)
        spotify, _ = cached_session(sandbox, tmp_path, redis=client)
        for _ in range(5):
            assert spotify.me()["id"] == PREMIUM_USER
        assert gets(admin, "/me") == 5
        silent.setblocking(False)
        connections = 0
        with contextlib.suppress(BlockingIOError):
            while silent.accept():
                connections += 1
    assert connections == 1  # then left alone for a few seconds


class RefusingConnection(redis.Connection):
    """Refuses every command while ``refusing`` is set, as a Redis out of memory or disk does."""

    refusing = False

    def send_packed_command(self, command: Any, check_health: bool = True) -> None:
        if RefusingConnection.refusing:
            raise redis.ResponseError("MISCONF Redis cannot persist to disk")
        super().send_packed_command(command, check_health)


def test_a_failing_redis_is_logged_once_per_outage_not_per_read(
    tmp_path: Path, redis_url: str
) -> None:
    client = redis.Redis.from_url(redis_url, connection_class=RefusingConnection)
    cache = ResponseCache(tmp_path, LONG_TTL, 2**28, redis=client)
    fetched: list[str] = []

    def read(path: str) -> Response:
        def spotify(request: Request) -> Response:
            fetched.append(path)
            return Response(200, {"Content-Type": "application/json"}, b"{}")

        return cache(Request("GET", f"https://api.spotify.com/v1{path}", account="a"), spotify)

    lines: list[str] = []
    sink = logger.add(lines.append, level="INFO", format="{level} {message}")
    try:
        RefusingConnection.refusing = True
        for n in range(20):
            read(f"/tracks/T{n}")
        cache._try_flush()
        cache._try_flush()  # the counts wait for the next try, in 10 s
        RefusingConnection.refusing = False
        read("/tracks/T0")
        read("/tracks/T0")
    finally:
        RefusingConnection.refusing = False
        logger.remove(sink)
    assert len(fetched) == 21  # every read during the outage, then one miss and its hit
    warnings = [line for line in lines if line.startswith("WARNING")]
    assert len(warnings) == 1, lines
    assert "cache read failed, reads go to Spotify until the cache answers again" in warnings[0]
    assert sum("answers again" in line and line.startswith("INFO") for line in lines) == 1


# -- round trips: each a network hop when Redis is on another machine -------------------------


class CountingConnection(redis.Connection):
    """Counts what it sends to Redis: each send is one round trip (a script is one command)."""

    sent = 0

    def send_packed_command(self, command: Any, check_health: bool = True) -> None:
        CountingConnection.sent += 1
        super().send_packed_command(command, check_health)


def round_trips(operation: Callable[[], object]) -> int:
    before = CountingConnection.sent
    operation()
    return CountingConnection.sent - before


def test_a_hit_is_one_round_trip_a_stored_miss_two_and_a_mutation_one(
    tmp_path: Path, redis_url: str
) -> None:
    client = redis.Redis.from_url(redis_url, connection_class=CountingConnection)
    cache = ResponseCache(tmp_path, LONG_TTL, 2**28, redis=client)
    reply = Response(200, {"Content-Type": "application/json"}, b"{}")

    def send(method: str, path: str) -> int:
        cache.flush()  # due every 10 s, then in a request: now, and outside the count
        request = Request(method, f"https://api.spotify.com/v1{path}", account="a")
        return round_trips(lambda: cache(request, lambda _: reply))

    evicted = ("/playlists/P1", "/me/playlists", "/search?q=x&type=track")  # by a change to P1
    for path in evicted:  # connects, and loads the scripts of a look and a store into Redis
        send("GET", path)
    send("POST", "/playlists/P0/items")  # loads the eviction's
    assert send("GET", "/tracks/T1") == 2  # the look (with the tag's generation), the store
    assert send("GET", "/tracks/T1") == 1  # the look
    assert send("POST", "/playlists/P1/items") == 1  # its three groups, in one script
    assert cache.stats().process.evictions == 3
    cache.counters.add("hits", "misses", "invalidations")
    assert round_trips(cache.flush) == 1  # every count at once
    assert round_trips(cache.stats) == 2  # the entries and bytes, the lifetime totals


# -- two servers over stdio -------------------------------------------------------------------


def test_two_servers_share_the_cache_through_redis(
    fresh_sandbox: Sandbox, admin: SandboxAdmin, tmp_path: Path, redis_url: str
) -> None:
    env = {**sandbox_env(fresh_sandbox), "SPOTIFY_MCP_REDIS_URL": redis_url}
    track = track_uris(fresh_sandbox, 0, 1)[0]
    read = {"playlist": EMPTY_PLAYLIST}
    with (
        StdioServer(env=env, home=tmp_path / "one") as one,
        StdioServer(env=env, home=tmp_path / "two") as two,
    ):
        assert one.call_ok("playlists_get_items", read)["total"] == 0
        assert two.call_ok("playlists_get_items", read)["total"] == 0
        assert gets(admin, ITEMS) == 1  # server 2 had it from server 1's read
        two.call_ok("playlists_add_items", playlist=EMPTY_PLAYLIST, items=[track])
        assert one.call_ok("playlists_get_items", read)["total"] == 1
        assert gets(admin, ITEMS) == 2

    cli_env = {"SPOTIFY_MCP_HOME": str(tmp_path / "cli"), "SPOTIFY_MCP_REDIS_URL": redis_url}
    stats = run_cli("cache", "stats", "--json", env=cli_env)
    assert stats.returncode == 0, stats.stderr
    shown = json.loads(stats.stdout)
    assert (shown["directory"], shown["entries"]) == (redis_url, 1)
    assert (shown["lifetime"]["hits"], shown["lifetime"]["misses"]) == (1, 2)
    cleared = run_cli("cache", "clear", env=cli_env)
    assert f"removed 1 cached replies from {redis_url}" in cleared.stdout, cleared.stderr


def test_counts_a_failed_flush_could_not_save_are_saved_by_the_next(
    tmp_path: Path, redis_url: str, db: redis.Redis
) -> None:
    cache = ResponseCache(tmp_path, {"catalog": 3600}, 2**28, redis=redis.Redis.from_url(redis_url))
    reply = Response(200, {"Content-Type": "application/json"}, b"{}")
    for _ in range(5):  # 1 miss, 4 hits
        cache(Request("GET", "https://api.spotify.com/v1/tracks/T1", account="a"), lambda r: reply)
    db.config_set("maxmemory-policy", "noeviction")
    db.config_set("maxmemory", "1")  # Redis refuses writes
    try:
        cache._try_flush()
    finally:
        db.config_set("maxmemory", "0")
    lifetime = cache.stats().lifetime
    assert (lifetime.hits, lifetime.misses) == (4, 1)
