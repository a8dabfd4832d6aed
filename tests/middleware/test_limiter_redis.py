"""The limiter in Redis (``redis_url``): replicas, each with its own Limiter and Redis client
(as if on another machine), share one budget and one 429 gate through a real redis-server; a
Redis that is down or slow leaves each replica pacing itself. Then two real servers over stdio."""

from __future__ import annotations

import re
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import redis
from faultkit import (
    SLOW_LIMITER,
    Pipeline,
    SandboxAdmin,
    assert_a_429_holds_a_request_already_waiting,
    build_pipeline,
    in_threads,
    metric,
    wait_until,
)
from loguru import logger
from stdio_server import StdioServer, free_port, sandbox_env

from spotify_mcp.errors import RateLimited
from spotify_mcp.middleware.limiter.redis_budget import PREFIX, TAT
from spotify_mcp.sandbox import PREMIUM_USER, Sandbox

pytestmark = pytest.mark.timeout(60)  # nothing may hang

#: One slot every 100 s: a request past the first burst cannot go within its retry deadline,
#: so it fails at once instead of waiting, and counts stay exact however slow the machine.
SCARCE = {"rate_per_s": 0.01, "burst": 5}
SHORT_DEADLINE = {"deadline_s": 5.0}


def replica(sb: Sandbox, redis_url: str, **settings: Any) -> Pipeline:
    """One server's pipeline: its own limiter and Redis client (the default limiter
    ``redis_timeout_s``), the Redis shared."""
    client = redis.Redis.from_url(redis_url, socket_timeout=0.5, socket_connect_timeout=0.5)
    return build_pipeline(sb, without=("breaker",), redis=client, **settings)


def outcome(call: Any) -> Any:
    try:
        return call()
    except RateLimited as error:
        return error


@pytest.fixture
def db(redis_url: str) -> Iterator[redis.Redis]:
    """A client to look into the test's Redis."""
    with redis.Redis.from_url(redis_url) as client:
        yield client


@pytest.fixture
def warnings() -> Iterator[list[str]]:
    """The limiter's log lines at WARNING and above, during the test."""
    lines: list[str] = []
    sink = logger.add(lines.append, level="WARNING", format="{message}", filter=_limiter)
    yield lines
    logger.remove(sink)


def _limiter(record: Any) -> bool:
    return str(record["name"]).startswith("spotify_mcp.middleware.limiter")


# -- one budget -------------------------------------------------------------------------------


def test_replicas_share_one_burst(
    sandbox: Sandbox, admin: SandboxAdmin, redis_url: str, db: redis.Redis
) -> None:
    a = replica(sandbox, redis_url, limiter=SCARCE, retry=SHORT_DEADLINE)
    b = replica(sandbox, redis_url, limiter=SCARCE, retry=SHORT_DEADLINE)
    results = [outcome((a, b)[i % 2].spotify.me) for i in range(10)]
    assert [isinstance(result, dict) for result in results] == [True] * 5 + [False] * 5
    # The 6th and later would wait for the next slot, 100 s away: past the deadline.
    assert all(isinstance(r, RateLimited) and 90 < r.retry_after <= 100 for r in results[5:])
    assert len(admin.log("/me")) == 5  # alone, each replica would have sent 5
    keys = {key.decode(): db.pttl(key) for key in db.keys("*")}
    assert TAT in keys  # the only key (no 429, no gate), and it expires
    assert all(key.startswith(PREFIX) and ttl > 0 for key, ttl in keys.items()), keys


def test_replicas_pace_together_at_the_shared_rate(
    sandbox: Sandbox, admin: SandboxAdmin, redis_url: str
) -> None:
    rate, burst = 10.0, 2
    paced = {"rate_per_s": rate, "burst": burst}
    a, b = (replica(sandbox, redis_url, limiter=paced) for _ in range(2))
    results = in_threads([a.spotify.me] * 5 + [b.spotify.me] * 5)
    assert all(isinstance(result, dict) for result in results)
    times = sorted(entry["time"] for entry in admin.log("/me"))
    assert len(times) == 10
    # GCRA's promise, in counts: n requests in a row span at least (n - burst) / rate seconds.
    # Two slots of slack for threads that woke late. Alone, each replica would send its 5
    # within 0.3 s: 10 in 0.3 s, 3 more than this allows.
    for first in range(len(times)):
        for last in range(first + 1, len(times)):
            count = last - first + 1
            assert count <= burst + rate * (times[last] - times[first]) + 2, times


# -- one gate ---------------------------------------------------------------------------------


def test_a_429_on_one_replica_holds_the_other_until_retry_after(
    sandbox: Sandbox, admin: SandboxAdmin, redis_url: str
) -> None:
    a, b = replica(sandbox, redis_url), replica(sandbox, redis_url)
    limited = metric("spotify_mcp_rate_limited_total")
    admin.fault("/me", status=429, retry_after=1)
    hit = threading.Thread(target=a.spotify.me)
    hit.start()
    wait_until(lambda: b.limiter.gate_wait() > 0)  # A's 429 closed B's gate
    assert b.spotify.current_user_playlists(limit=1)["items"] is not None
    hit.join(timeout=20)
    first, *later = admin.log()
    assert (first["path"], first["status"]) == ("/v1/me", 429)
    # A's retry and B's call, in either order: both after Retry-After.
    assert sorted((e["path"], e["status"]) for e in later) == [
        ("/v1/me", 200),
        ("/v1/me/playlists", 200),
    ]
    assert all(e["time"] >= first["time"] + 1 for e in later)
    assert metric("spotify_mcp_rate_limited_total") == limited + 1  # B met no 429 of its own


def test_a_request_waiting_for_its_slot_on_one_replica_waits_out_the_others_429(
    sandbox: Sandbox, admin: SandboxAdmin, redis_url: str
) -> None:
    a, b = (replica(sandbox, redis_url, limiter=SLOW_LIMITER) for _ in range(2))
    assert_a_429_holds_a_request_already_waiting(admin, hit=a, waiting=b)


def test_a_long_retry_after_on_one_replica_fails_the_other_fast(
    sandbox: Sandbox, admin: SandboxAdmin, redis_url: str
) -> None:
    a = replica(sandbox, redis_url, limiter={"max_wait_s": 5})
    b = replica(sandbox, redis_url, limiter={"max_wait_s": 5})
    admin.fault("/me", status=429, retry_after=3600)
    with pytest.raises(RateLimited) as raised:
        a.spotify.me()
    assert raised.value.retry_after == 3600
    results = in_threads([lambda: b.spotify.current_user_playlists(limit=1)] * 4)
    assert all(isinstance(r, RateLimited) and 3590 < r.retry_after <= 3600 for r in results)
    assert len(admin.log()) == 1  # B sent nothing


# -- Redis down or slow -----------------------------------------------------------------------


def test_an_unreachable_redis_leaves_each_replica_pacing_itself_with_one_warning(
    sandbox: Sandbox, admin: SandboxAdmin, warnings: list[str]
) -> None:
    url = f"redis://127.0.0.1:{free_port()}/0"  # nothing listens there
    a = replica(sandbox, url, limiter=SCARCE, retry=SHORT_DEADLINE)
    results = [outcome(a.spotify.me) for _ in range(8)]
    # Its own bucket: the burst of 5 went, the rest would wait 100 s.
    assert [isinstance(result, dict) for result in results] == [True] * 5 + [False] * 3
    assert len(admin.log("/me")) == 5
    assert len(warnings) == 1, warnings
    assert f"Redis at {url} is unreachable" in warnings[0]
    assert "paces itself" in warnings[0]


def test_a_slow_redis_is_done_without_then_used_again(
    sandbox: Sandbox, admin: SandboxAdmin, redis_url: str, db: redis.Redis, warnings: list[str]
) -> None:
    roomy = {"rate_per_s": 1.0, "burst": 100}  # never waits; each slot kept 1 s in Redis
    a = replica(sandbox, redis_url, limiter=roomy)
    b = replica(sandbox, redis_url, limiter={**roomy, "max_wait_s": 5})
    a.spotify.me()
    assert db.exists(TAT)
    db.client_pause(5000, all=False)  # writes (and so scripts) wait: longer than the timeout
    try:
        assert a.spotify.me()["id"] == PREMIUM_USER
        assert a.spotify.me()["id"] == PREMIUM_USER  # still paced alone: no second warning
    finally:
        db.client_unpause()
    assert len(warnings) == 1, warnings
    assert "Timeout" in warnings[0]
    db.delete(TAT)

    def shared_again() -> bool:
        a.spotify.me()
        return bool(db.exists(TAT))

    wait_until(shared_again, timeout=15, every=0.25)  # a few seconds after the failure
    # And with it the gate: a 429 met by A holds B again.
    admin.fault("/me", status=429, retry_after=3600)
    with pytest.raises(RateLimited):
        a.spotify.me()
    with pytest.raises(RateLimited):
        b.spotify.me()
    assert [e["status"] for e in admin.log("/me")][-1] == 429
    assert len(warnings) == 1


def test_a_redis_that_reads_but_refuses_writes_is_one_warning_not_one_a_request(
    sandbox: Sandbox, redis_url: str, db: redis.Redis
) -> None:
    lines: list[str] = []
    sink = logger.add(lines.append, level="INFO", format="{message}", filter=_limiter)
    paced = {"rate_per_s": 50.0, "burst": 1}  # each request after the first waits its slot
    a = replica(sandbox, redis_url, limiter=paced)
    db.config_set("maxmemory", 1)  # scripts that write are refused (OOM); reads still answer
    try:
        for _ in range(4):
            assert a.spotify.me()["id"] == PREMIUM_USER
    finally:
        db.config_set("maxmemory", 0)
        logger.remove(sink)
    assert len(lines) == 1 and "paces itself" in lines[0], lines


# -- two servers over stdio -------------------------------------------------------------------


def test_a_429_met_by_one_server_is_answered_by_the_other_without_asking_spotify(
    sandbox: Sandbox, admin: SandboxAdmin, tmp_path: Path, redis_url: str
) -> None:
    env = {
        **sandbox_env(sandbox),
        "SPOTIFY_MCP_REDIS_URL": redis_url,
        "SPOTIFY_MCP_PLUGINS__DISABLED": '["cache"]',  # every call reaches the limiter
    }
    admin.fault("/me/player/devices", status=429, retry_after=60)  # above max_wait_s (20)
    with (
        StdioServer(env=env, home=tmp_path / "one") as one,
        StdioServer(env=env, home=tmp_path / "two") as two,
    ):
        met = one.call_error("playback_devices")
        held = two.call_error("library_get_profile")
    assert met.endswith("Spotify's rate limit was reached. Try again in 60 s.")
    assert re.search(r"Spotify's rate limit was reached\. Try again in (59|60) s\.$", held)
    assert [entry["path"] for entry in admin.log()] == ["/v1/me/player/devices"]
