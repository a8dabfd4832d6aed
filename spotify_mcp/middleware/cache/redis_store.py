"""The cache in Redis (``redis_url``), for replicas on several machines: the replies and the
lifetime totals as ResponseCache uses them (store.py's Entries and Totals, as disk.py has them
in diskcache), with a generation per tag shared by every server.

Keys (all under ``spotify-mcp:cache:``): ``entry:<cache key>`` a hash of status, content type
and body, expiring with its TTL; ``tag:<tag>`` the cache keys of a tag, scored by expiry,
pruned on each write and expiring with its last member; ``generation:<tag>`` the evictions of
a tag so far; ``index`` every cache key by expiry, ``sizes`` their body bytes and ``bytes``
the sum, for the entry count, the size and the size limit; ``totals`` the lifetime counters.
A store is conditional on the tag's generation in the same script, so a read in flight on
one server while another evicts its tag is not stored. Each method but clear() is one round
trip: a lookup reads the entry and the generation its miss needs together, a store or an
eviction (of all the tags of a mutation) is one script, the totals one transaction. Not for
Redis Cluster: the scripts reach keys they derive.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import TYPE_CHECKING, Any

from spotify_mcp.middleware.cache.redis_scripts import EVICT, LOOKUP, POP, SET, SIZE
from spotify_mcp.shared_state import KEY_PREFIX, RedisLink

if TYPE_CHECKING:
    from redis import Redis

PREFIX = f"{KEY_PREFIX}cache:"
_ENTRY, _TAG, _GENERATION = f"{PREFIX}entry:", f"{PREFIX}tag:", f"{PREFIX}generation:"
_INDEX, _SIZES, _BYTES, _TOTALS = (PREFIX + name for name in ("index", "sizes", "bytes", "totals"))
_GENERATION_TTL_S = 86400  # far longer than a read stays in flight, not forever
_PRUNE_PER_WRITE, _PRUNE_PER_COUNT = 100, 1000

Stored = tuple[int, str | None, bytes]
"""A reply as the cache keeps it: status, content type, body."""


class RedisEntries:
    """The replies and the tag generations, shaped like :class:`~.disk.DiskEntries` (``retry``
    is accepted and ignored: it is about SQLite)."""

    def __init__(self, link: RedisLink, size_limit: int) -> None:
        self.link, self.size_limit = link, size_limit
        client = link.client
        self._set, self._evict = client.register_script(SET), client.register_script(EVICT)
        self._size, self._pop = client.register_script(SIZE), client.register_script(POP)
        self._lookup = client.register_script(LOOKUP)

    def lookup(self, key: str, tag: str) -> Stored | int:
        """The reply stored for ``key``, or on a miss the evictions of ``tag`` so far by any
        server (read before a fetch, passed to set()): one script, one round trip."""
        with self.link.use() as client:
            found = self._lookup(keys=[_ENTRY + key, _GENERATION + tag], client=client)
        return found if isinstance(found, int) else _stored(found)

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

    def evict_tags(self, tags: Sequence[str], retry: bool = False) -> int:
        """Remove the entries of each of ``tags`` and count its eviction, in one script; how
        many entries there were."""
        keys = [key for tag in tags for key in (_TAG + tag, _GENERATION + tag)]
        return int(self._run(self._evict, keys, [_GENERATION_TTL_S]))

    def pop(self, key: str, default: Any = None, retry: bool = False) -> Stored | Any:
        found = self._run(self._pop, [_ENTRY + key], [key])
        return default if found[0] is None else _stored(found)

    def sizes(self) -> tuple[int, int]:
        """(entries, bytes of the stored bodies), after forgetting expired entries; Redis's own
        overhead per key is not counted."""
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
    """The lifetime counters, in one hash, shaped like :class:`~.disk.DiskTotals`."""

    def __init__(self, link: RedisLink) -> None:
        self.link = link

    def add(self, counts: Mapping[str, int]) -> None:
        """Add ``counts`` in one transaction (MULTI/EXEC): all of them or none."""
        with self.link.use() as client:
            pipe = client.pipeline()
            for name, n in counts.items():
                pipe.hincrby(_TOTALS, name, n)
            pipe.execute()

    def read(self, names: Iterable[str]) -> dict[str, int]:
        asked = list(names)
        with self.link.use() as client:
            values = client.hmget(_TOTALS, asked)
        return {name: int(value or 0) for name, value in zip(asked, values, strict=True)}

    def clear(self, retry: bool = False) -> int:
        with self.link.use() as client:
            return int(client.delete(_TOTALS))

    def close(self) -> None:
        """The client is shared: nothing to close."""


def open_redis(client: Redis, size_limit: int) -> tuple[RedisEntries, RedisTotals]:
    """The replies and the lifetime totals in Redis; connects on first use."""
    link = RedisLink(client)
    return RedisEntries(link, size_limit), RedisTotals(link)


def _stored(values: Sequence[Any]) -> Stored:
    status, content_type, body = values
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
