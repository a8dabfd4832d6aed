"""The limiter's budget and 429 gate in Redis (``redis_url``): replicas share Spotify's rate
limit, which is per app, as threads of one process share budget.py's.

Two keys under ``spotify-mcp:limiter:``: ``tat``, the GCRA "theoretical arrival time", and
``gate``, when the gate opens; both in microseconds of Redis's clock (replicas' clocks may
differ), each expiring when it no longer holds anything back. A request costs one script
(one round trip), a 429 one more, a request that waited one GET of the gate's time to live.
While Redis cannot be used the process paces itself (budget.py), with one warning.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any

from loguru import logger

from spotify_mcp.errors import RateLimited
from spotify_mcp.middleware.limiter.budget import LocalBudget
from spotify_mcp.shared_state import KEY_PREFIX, Outage, RedisLink, RedisUnavailable

if TYPE_CHECKING:
    from redis import Redis

PREFIX = f"{KEY_PREFIX}limiter:"
GATE, TAT = f"{PREFIX}gate", f"{PREFIX}tat"

# The same steps as LocalBudget, in one script each so that replicas never interleave them.
# KEYS[1] the gate, KEYS[2] the theoretical arrival time; times in microseconds.
_COMMON = """
local function now_us()
  local time = redis.call('TIME')
  return tonumber(time[1]) * 1000000 + tonumber(time[2])
end
-- Kept until `at` has passed: a gate that opened or a budget full again is no key at all.
local function keep(key, at, now)
  redis.call('SET', key, string.format('%d', at), 'PX', math.max(1, math.ceil((at - now) / 1000)))
end
local now = now_us()
local gate = tonumber(redis.call('GET', KEYS[1]) or '0')
local tat = math.max(tonumber(redis.call('GET', KEYS[2]) or '0'), now)
"""
# ARGV: 1 interval, 2 tolerance, 3 longest gate wait, 4 longest wait (-1: none).
# Returns {1, wait} with the slot taken, or {0, wait} when the wait is too long.
RESERVE = (
    _COMMON
    + """
local interval, tolerance = tonumber(ARGV[1]), tonumber(ARGV[2])
if gate - now > tonumber(ARGV[3]) then return {0, gate - now} end
local wait = math.max(0, gate - now, tat - tolerance - now)
if tonumber(ARGV[4]) >= 0 and wait > tonumber(ARGV[4]) then return {0, wait} end
keep(KEYS[2], tat + interval, now)
return {1, wait}
"""
)
# ARGV: 1 how long the gate closes, 2 interval, 3 tolerance.
CLOSE = (
    _COMMON
    + """
local opens, interval, tolerance = now + tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[3])
gate = math.max(gate, now)
if opens > gate then
  keep(KEYS[1], opens, now)
  keep(KEYS[2], math.max(tat + opens - gate, opens + tolerance + interval), now)
end
return 0
"""
)


class RedisBudget:
    """The budget shared through Redis; this process's own while Redis cannot be used."""

    def __init__(self, client: Redis, rate: float, burst: int) -> None:
        self.link = RedisLink(client)
        self.local = LocalBudget(rate, burst)  # also closed by every 429: it may be needed
        self._interval = _us(self.local.interval)
        self._tolerance = _us(self.local.tolerance)
        self._reserve = client.register_script(RESERVE)
        self._close = client.register_script(CLOSE)
        self._outage = Outage()

    def reserve(self, max_gate_wait: float, max_wait: float = math.inf) -> float:
        limit = -1 if math.isinf(max_wait) else _us(max_wait)
        try:
            taken, wait = self._run(
                self._reserve, [self._interval, self._tolerance, _us(max_gate_wait), limit]
            )
        except RedisUnavailable as error:
            self._alone(error)
            return self.local.reserve(max_gate_wait, max_wait)
        if not taken:
            raise RateLimited(int(wait) / 1e6)
        return max(0, int(wait)) / 1e6

    def gate_wait(self) -> float:
        try:
            with self.link.use() as client:
                ttl_ms = client.pttl(GATE)
        except RedisUnavailable as error:
            self._alone(error)
            return self.local.gate_wait()
        # Not "together" yet: a Redis that answers reads may still refuse the scripts' writes.
        return max(0, ttl_ms) / 1000

    def close_gate(self, seconds: float) -> None:
        self.local.close_gate(seconds)
        try:
            self._run(self._close, [_us(seconds), self._interval, self._tolerance])
        except RedisUnavailable as error:
            self._alone(error)

    def _run(self, script: Any, args: list[int]) -> Any:
        with self.link.use() as client:
            result = script(keys=[GATE, TAT], args=args, client=client)
        self._together()
        return result

    def _alone(self, error: RedisUnavailable) -> None:
        if self._outage.failed():  # once per outage, not per request
            logger.warning(
                "limiter: {}; this server paces itself until Redis answers (each replica may "
                "now send up to rate_per_s)",
                error,
            )

    def _together(self) -> None:
        if self._outage.answered():
            logger.info(
                "limiter: Redis at {} answers; the budget is shared again", self.link.location
            )


def _us(seconds: float) -> int:
    return round(seconds * 1_000_000)
