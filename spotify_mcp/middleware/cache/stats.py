"""Cache statistics: this process's counters, lifetime totals, and their Prometheus collector.

Counting happens in memory (a hit must stay cheap); the cache adds the counts to totals on
disk (or in Redis) every few seconds and on shutdown, so ``spotify-mcp cache stats`` in
another process sees them too.
"""

from __future__ import annotations

import functools
import threading
import weakref
from collections.abc import Iterator, Mapping
from typing import Any, Protocol

from loguru import logger
from pydantic import BaseModel, Field

COUNTERS = {
    "hits": "Reads answered without a request of their own (from disk or a coalesced fetch).",
    "misses": "Cacheable reads that were fetched from Spotify.",
    "coalesced": "Reads that waited for an identical read in flight instead of sending their own.",
    "invalidations": "Mutations that evicted cached reads they made stale.",
    "evictions": "Entries removed before they expired, because a mutation made them stale.",
}


class Counters:
    """Thread-safe event counts of this process, plus the part not yet added to the totals."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._counts = dict.fromkeys(COUNTERS, 0)
        self._unflushed = dict.fromkeys(COUNTERS, 0)

    def add(self, *names: str, n: int = 1) -> None:
        with self._lock:
            for name in names:
                self._counts[name] += n
                self._unflushed[name] += n

    def snapshot(self) -> dict[str, int]:
        with self._lock:
            return dict(self._counts)

    def take_unflushed(self) -> dict[str, int]:
        with self._lock:
            taken, self._unflushed = self._unflushed, dict.fromkeys(COUNTERS, 0)
        return taken

    def give_back(self, unflushed: dict[str, int]) -> None:
        """Counts a failed flush did not save: saved by the next one."""
        with self._lock:
            for name, n in unflushed.items():
                self._unflushed[name] += n


class Counts(BaseModel):
    hits: int
    misses: int
    coalesced: int
    invalidations: int
    evictions: int
    hit_ratio: float | None = Field(
        None, description="hits / (hits + misses); absent before any read."
    )

    @classmethod
    def of(cls, counts: Mapping[str, int]) -> Counts:
        reads = counts["hits"] + counts["misses"]
        return cls(**counts, hit_ratio=round(counts["hits"] / reads, 4) if reads else None)


class CacheStats(BaseModel):
    directory: str = Field(description="The cache directory, or redis://host:port/db.")
    entries: int = Field(description="Stored replies (expired ones count until culled).")
    bytes: int = Field(
        description="Disk space the cache uses; in Redis, the bytes of the stored replies."
    )
    process: Counts = Field(description="Since this server started.")
    lifetime: Counts = Field(
        description="Every process that used this cache directory or Redis (added every few "
        "seconds)."
    )


class Measured(Protocol):
    """What the collector reads from a live cache."""

    location: str
    counters: Counters

    def size(self) -> tuple[int, int]:
        """(entries, bytes)."""
        ...


class PrometheusCollector:
    """Reports every live cache of this process at scrape time: no cost on the request path."""

    def __init__(self) -> None:
        self.caches: weakref.WeakSet[Any] = weakref.WeakSet()

    def describe(self) -> Iterator[Any]:
        # Without describe(), registering would call collect() and open the cache at startup.
        return _families(dict.fromkeys(COUNTERS, 0), (0, 0))

    def collect(self) -> Iterator[Any]:
        caches: list[Measured] = list(self.caches)
        counts = dict.fromkeys(COUNTERS, 0)
        for cache in caches:
            for name, value in cache.counters.snapshot().items():
                counts[name] += value
        sizes = [_size(cache) for cache in {c.location: c for c in caches}.values()]
        known = [size for size in sizes if size is not None]
        if len(known) < len(sizes):
            return _families(counts, None)
        return _families(counts, (sum(e for e, _ in known), sum(b for _, b in known)))


def _size(cache: Measured) -> tuple[int, int] | None:
    # One unusable cache must not fail the whole scrape; its health check says why.
    try:
        return cache.size()
    except Exception as error:
        logger.warning("cache size of {} unknown: {}", cache.location, error)
        return None


def _families(counts: Mapping[str, int], size: tuple[int, int] | None) -> Iterator[Any]:
    """The counters, and the entries and bytes stored unless unknown (a gap, not a fall to 0,
    when the store cannot be reached)."""
    from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily

    for name, value in counts.items():
        yield CounterMetricFamily(f"spotify_mcp_cache_{name}", COUNTERS[name], value=value)
    entries = GaugeMetricFamily("spotify_mcp_cache_entries", "Stored replies.")
    size_bytes = GaugeMetricFamily(
        "spotify_mcp_cache_size_bytes", "Disk space used (in Redis: bytes of replies)."
    )
    if size is not None:
        entries.add_metric([], size[0])
        size_bytes.add_metric([], size[1])
    yield entries
    yield size_bytes


@functools.cache
def _collector() -> PrometheusCollector:
    from prometheus_client import REGISTRY

    collector = PrometheusCollector()
    REGISTRY.register(collector)
    return collector


def export(cache: Measured) -> None:
    """Include ``cache`` in the metrics of the default Prometheus registry."""
    _collector().caches.add(cache)
