"""The cache in Redis (``redis_url``), for replicas on several machines: the subset of the
diskcache API that ResponseCache uses, plus a generation per tag shared by every server.

Keys (all under ``spotify-mcp:cache:``): ``entry:<cache key>`` a hash of status, content type
and body, expiring with its TTL; ``tag:<tag>`` the cache keys of a tag, scored by expiry,
pruned on each write and expiring with its last member; ``generation:<tag>`` the evictions of
a tag so far; ``index`` every cache key by expiry, ``sizes`` their body bytes and ``bytes``
the sum, for the entry count, the size and the size limit; ``totals`` the lifetime counters.
A store is conditional on the tag's generation in the same script, so a read in flight on
one server while another evicts its tag is not stored. Not for Redis Cluster: the scripts
reach keys they derive.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from spotify_mcp.middleware.cache.redis_scripts import EVICT, POP, SET, SIZE
from spotify_mcp.shared_state import KEY_PREFIX, RedisLink

if TYPE_CHECKING:
    from redis import Redis

PREFIX = f"{KEY_PREFIX}cache:"
_ENTRY, _TAG, _GENERATION = f"{PREFIX}entry:", f"{PREFIX}tag:", f"{PREFIX}generation:"
_INDEX, _SIZES, _BYTES, _TOTALS = (PREFIX + name for name in ("index", "sizes", "bytes", "totals"))
_FIELDS = ("status", "type", "body")
_GENERATION_TTL_S = 86400  # far longer than a read stays in flight, not forever
_PRUNE_PER_WRITE, _PRUNE_PER_COUNT = 100, 1000

Stored = tuple[int, str | None, bytes]
"""A reply as the cache keeps it: status, content type, body."""


class RedisEntries:
    """The replies, with the methods of diskcache.Cache that ResponseCache calls (``retry`` is
    accepted and ignored: it is about SQLite) and the tag generations."""

    def __init__(self, link: RedisLink, size_limit: int) -> None:
        self.link, self.size_limit = link, size_limit
        client = link.client
        self._set, self._evict = client.register_script(SET), client.register_script(EVICT)
        self._size, self._pop = client.register_script(SIZE), client.register_script(POP)

    def generation(self, tag: str) -> int:
        """Evictions of ``tag`` so far, by any server: read before a fetch, passed to set()."""
        with self.link.use() as client:
            return int(client.get(_GENERATION + tag) or 0)

    def get(self, key: str, default: Any = None, retry: bool = False) -> Stored | Any:
        with self.link.use() as client:
            found = _stored(client.hmget(_ENTRY + key, _FIELDS))
        return default if found is None else found

    def set(
        self,
        key: str,
        value: Stored,
        expire: float,
        tag: str | None = None,
        retry: bool = False,
        generation: int | None = None,
    ) -> bool:
        """Store ``value`` for ``expire`` seconds; with ``generation``, only if ``tag`` has not
        been evicted since. True if stored."""
        status, content_type, body = value
        keys = [_ENTRY + key] + ([_TAG + tag, _GENERATION + tag] if tag is not None else [])
        condition = "" if generation is None or tag is None else generation
        ttl_ms = max(1, round(expire * 1000))
        args = [key, status, content_type or "", body, ttl_ms, self.size_limit, condition]
        return bool(self._run(self._set, keys, [*args, _PRUNE_PER_WRITE]))

    def evict(self, tag: str, retry: bool = False) -> int:
        """Remove the entries of ``tag`` and count the eviction; how many entries there were."""
        keys = [_TAG + tag, _GENERATION + tag]
        return int(self._run(self._evict, keys, [_GENERATION_TTL_S]))

    def pop(self, key: str, default: Any = None, retry: bool = False) -> Stored | Any:
        found = _stored(self._run(self._pop, [_ENTRY + key], [key]))
        return default if found is None else found

    def __len__(self) -> int:
        return self.sizes()[0]

    def volume(self) -> int:
        """Bytes of the stored bodies (Redis's own overhead per key is not counted)."""
        return self.sizes()[1]

    def sizes(self) -> tuple[int, int]:
        """(entries, bytes), after forgetting expired entries."""
        entries, size = self._run(self._size, [], [_PRUNE_PER_COUNT])
        return int(entries), max(0, int(size))

    def clear(self, retry: bool = False) -> int:
        """Remove every entry (not the generations: a read in flight still needs them)."""
        with self.link.use() as client:
            removed = _unlink_matching(client, _ENTRY + "*")
            _unlink_matching(client, _TAG + "*")
            client.unlink(_INDEX, _SIZES, _BYTES)
        return removed

    def close(self) -> None:
        """Nothing to close: the client is shared (the login uses it too)."""

    def _run(self, script: Any, keys: Sequence[str], args: Sequence[Any]) -> Any:
        with self.link.use() as client:
            return script(keys=[_INDEX, _SIZES, _BYTES, *keys], args=[_ENTRY, *args], client=client)


class RedisTotals:
    """The lifetime counters, in one hash, with the diskcache.Cache methods ResponseCache calls."""

    def __init__(self, link: RedisLink) -> None:
        self.link = link

    def incr(self, key: str, delta: int = 1, default: int = 0, retry: bool = False) -> int:
        with self.link.use() as client:
            return int(client.hincrby(_TOTALS, key, delta))

    def get(self, key: str, default: Any = None, retry: bool = False) -> int | Any:
        with self.link.use() as client:
            value = client.hget(_TOTALS, key)
        return default if value is None else int(value)

    def clear(self, retry: bool = False) -> int:
        with self.link.use() as client:
            return int(client.delete(_TOTALS))

    def close(self) -> None:
        """The client is shared: nothing to close."""


def open_redis(client: Redis, size_limit: int) -> tuple[RedisEntries, RedisTotals]:
    """The replies and the lifetime totals in Redis; connects on first use."""
    link = RedisLink(client)
    return RedisEntries(link, size_limit), RedisTotals(link)


def _stored(values: Sequence[Any]) -> Stored | None:
    status, content_type, body = values
    if status is None:
        return None
    kind = content_type.decode() if isinstance(content_type, bytes) else content_type
    return int(status), kind or None, body if isinstance(body, bytes) else body.encode()


def _unlink_matching(client: Redis, pattern: str) -> int:
    removed, batch = 0, []
    for key in client.scan_iter(match=pattern, count=500):
        batch.append(key)
        if len(batch) == 500:
            removed += client.unlink(*batch)
            batch = []
    return removed + (client.unlink(*batch) if batch else 0)
