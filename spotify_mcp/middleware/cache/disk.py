"""The cache on disk (no ``redis_url``): diskcache, which SQLite keeps consistent for several
processes sharing the directory. Imported on first use: diskcache is slow to import."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

import diskcache

_MAX_IN_DATABASE = 2**20  # replies up to 1 MiB stay in SQLite: a hit reads no extra file
# SQLite reuses its write-ahead log without shrinking it: cut back to this after each
# checkpoint, or the log adds megabytes beyond the size limit (which counts only entries).
_WAL_KEPT = {"sqlite_journal_size_limit": 2**20}


class DiskEntries(diskcache.Cache):  # type: ignore[misc]  # diskcache has no type hints
    """diskcache, shaped like :class:`~.redis_store.RedisEntries`, with a generation per tag
    shared by every process using the directory (kept apart, where the size limit never culls
    them), so a read in flight in one server while another evicts its tag is not stored."""

    def __init__(self, directory: Path, generations: diskcache.Cache, **settings: Any) -> None:
        self.generations = generations  # first: diskcache's __init__ may call close()
        super().__init__(str(directory), **settings)

    def lookup(self, key: str, tag: str) -> Any:
        """The reply stored for ``key``, or on a miss the generation of ``tag`` (read only then:
        a hit needs none)."""
        found = self.get(key, retry=True)
        return self.generation(tag) if found is None else found

    def generation(self, tag: str) -> int:
        """Evictions of ``tag`` so far, by any process: read before a fetch, passed to set()."""
        return int(self.generations.get(tag, 0, retry=True))

    def set(
        self,
        key: Any,
        value: Any,
        expire: float | None = None,
        read: bool = False,
        tag: str | None = None,
        retry: bool = False,
        generation: int | None = None,
    ) -> bool:
        """Store ``value``; with ``generation``, only if ``tag`` has not been evicted since."""
        # The check and the write in one transaction: evict() (which counts first) cannot
        # remove the tag's entries between them.
        with self.transact(retry=retry):
            if generation is not None and tag is not None and self.generation(tag) != generation:
                return False
            return bool(super().set(key, value, expire=expire, read=read, tag=tag, retry=retry))

    def evict_tags(self, tags: Sequence[str], retry: bool = False) -> int:
        """Count the eviction of each of ``tags``, then remove its entries; how many there
        were."""
        evicted = 0
        for tag in tags:
            self.generations.incr(tag, retry=retry)
            evicted += int(self.evict(tag, retry=retry))
        return evicted

    def sizes(self) -> tuple[int, int]:
        """(entries, bytes on disk)."""
        return len(self), int(self.volume())

    def close(self) -> None:
        super().close()
        self.generations.close()


class DiskTotals(diskcache.Cache):  # type: ignore[misc]
    """The lifetime counters, shaped like :class:`~.redis_store.RedisTotals`."""

    def add(self, counts: Mapping[str, int]) -> None:
        """Add ``counts`` in one transaction: all of them or none."""
        with self.transact(retry=True):
            for name, n in counts.items():
                self.incr(name, n, retry=True)

    def read(self, names: Iterable[str]) -> dict[str, int]:
        return {name: int(self.get(name, 0, retry=True)) for name in names}


def open_disk(directory: Path, size_limit: int) -> tuple[DiskEntries, DiskTotals]:
    """The replies and the lifetime totals in ``directory``."""
    totals = DiskTotals(str(directory / "totals"), eviction_policy="none", **_WAL_KEPT)
    entries = DiskEntries(
        directory / "entries",
        diskcache.Cache(str(directory / "generations"), eviction_policy="none", **_WAL_KEPT),
        size_limit=size_limit,
        tag_index=True,
        disk_min_file_size=_MAX_IN_DATABASE,
        **_WAL_KEPT,
    )
    return entries, totals
