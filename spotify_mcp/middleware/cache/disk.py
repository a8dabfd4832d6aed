"""The cache on disk (no ``redis_url``): diskcache, which SQLite keeps consistent for several
processes sharing the directory. Imported on first use: diskcache is slow to import."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import diskcache

_MAX_IN_DATABASE = 2**20  # replies up to 1 MiB stay in SQLite: a hit reads no extra file


class DiskEntries(diskcache.Cache):  # type: ignore[misc]  # diskcache has no type hints
    """diskcache, shaped like :class:`~.redis_store.RedisEntries`. Processes sharing a directory
    share no generations: the in-process ones of ResponseCache are all there is."""

    def generation(self, tag: str) -> None:
        return None

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
        return bool(super().set(key, value, expire=expire, read=read, tag=tag, retry=retry))


def open_disk(directory: Path, size_limit: int) -> tuple[DiskEntries, diskcache.Cache]:
    """The replies and the lifetime totals in ``directory``."""
    totals = diskcache.Cache(str(directory / "totals"), eviction_policy="none")
    entries = DiskEntries(
        str(directory / "entries"),
        size_limit=size_limit,
        tag_index=True,
        disk_min_file_size=_MAX_IN_DATABASE,
    )
    return entries, totals
