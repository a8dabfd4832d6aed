"""The cache on disk (no ``redis_url``): diskcache, which SQLite keeps consistent for several
processes sharing the directory. Imported on first use: diskcache is slow to import."""

from __future__ import annotations

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

    def evict(self, tag: str, retry: bool = False) -> int:
        """Count the eviction of ``tag``, then remove its entries; how many there were."""
        self.generations.incr(tag, retry=retry)
        return int(super().evict(tag, retry=retry))

    def close(self) -> None:
        super().close()
        self.generations.close()


def open_disk(directory: Path, size_limit: int) -> tuple[DiskEntries, diskcache.Cache]:
    """The replies and the lifetime totals in ``directory``."""
    totals = diskcache.Cache(str(directory / "totals"), eviction_policy="none", **_WAL_KEPT)
    entries = DiskEntries(
        directory / "entries",
        diskcache.Cache(str(directory / "generations"), eviction_policy="none", **_WAL_KEPT),
        size_limit=size_limit,
        tag_index=True,
        disk_min_file_size=_MAX_IN_DATABASE,
        **_WAL_KEPT,
    )
    return entries, totals
