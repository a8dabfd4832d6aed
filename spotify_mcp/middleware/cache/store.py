"""The cache middleware: fresh successful GETs, single flight, eviction on mutation.

Replies are kept as (status, content type, body bytes), tagged with ``account|group``: on disk
in a diskcache (disk.py; SQLite, safe for several processes sharing the directory), or in
Redis with ``redis_url`` (redis_store.py; for replicas on several machines). A mutation bumps
the generation of each group it makes stale, in this process and for every server sharing the
store, and evicts the group's tag, so a read still in flight across a mutation is neither stored
nor joined by later reads.
"""

from __future__ import annotations

import secrets
import threading
import time
from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

from loguru import logger

from spotify_mcp.errors import SpotifyMCPError
from spotify_mcp.middleware.cache.rules import cache_key, read_group, stale_groups, ttl_family
from spotify_mcp.middleware.cache.stats import COUNTERS, CacheStats, Counters, Counts, export
from spotify_mcp.pipeline import CallNext, Request, Response
from spotify_mcp.shared_state import Outage, location_of

if TYPE_CHECKING:
    from redis import Redis

_FLUSH_EVERY_S = 10.0
_PROBE_KEY = "|health-probe|"  # + a random suffix: replicas probe the same store
_UNKNOWN = -1  # a generation the store could not tell: matches none, so the reply is not stored
_LANDINGS_KEPT = 4096  # keys of flights that ended lately, told apart (older ones: any key)

Generation = tuple[int, int | None]
"""Evictions of a tag so far: by this process, and by every server sharing the store (None for
a read that is never stored)."""


class Entries(Protocol):
    """The replies: DiskEntries (disk.py) or RedisEntries (redis_store.py). Each method but
    clear() is one round trip to Redis."""

    def lookup(self, key: str, tag: str) -> Any:
        """The reply stored for ``key`` as (status, content type, body), or on a miss the
        evictions of ``tag`` so far by any server: the generation set() is conditional on."""
        ...

    def set(
        self,
        key: str,
        value: Any,
        *,
        expire: float,
        tag: str | None = None,
        retry: bool = False,
        generation: int | None = None,
    ) -> bool: ...
    def evict_tags(self, tags: Sequence[str], *, retry: bool = False) -> int: ...
    def pop(self, key: str, default: Any = None, *, retry: bool = False) -> Any: ...
    def sizes(self) -> tuple[int, int]: ...
    def clear(self, *, retry: bool = False) -> int: ...
    def close(self) -> None: ...


class Totals(Protocol):
    """The lifetime counters: DiskTotals (disk.py) or RedisTotals (redis_store.py)."""

    def add(self, counts: Mapping[str, int]) -> None: ...
    def read(self, names: Iterable[str]) -> dict[str, int]: ...
    def clear(self, *, retry: bool = False) -> int: ...
    def close(self) -> None: ...


class _Flight:
    """A fetch in progress that identical concurrent reads wait for."""

    def __init__(self) -> None:
        self._done = threading.Event()
        self._response: Response | None = None
        self._error: Exception | None = None

    def settle(self, outcome: Response | BaseException) -> None:
        """The reply, or the error those waiting get too. A cancellation (no Exception) is
        the fetching call's fate, not theirs: they get None and fetch for themselves."""
        if isinstance(outcome, Response):
            self._response = outcome
        elif isinstance(outcome, Exception):
            self._error = outcome
        self._done.set()

    def result(self) -> Response | None:
        """The reply, or the fetch's error raised; None when it was cancelled."""
        self._done.wait()
        if self._error is not None:
            raise self._error
        return self._response


class _Landings:
    """Flights as they end, by key: a read that missed looks into the store again before it
    fetches only if a flight of its key ended since its look (and may have stored the reply
    after it), not after every miss. Used under the flights lock."""

    def __init__(self) -> None:
        self.count = 0
        self._last: dict[str, int] = {}  # key -> count at its last flight's end
        self._forgotten = 0  # ends up to this count are no longer told apart by key

    def add(self, key: str) -> None:
        self.count += 1
        if len(self._last) >= _LANDINGS_KEPT:
            self._last.clear()
            self._forgotten = self.count - 1
        self._last[key] = self.count

    def since(self, key: str, count: int) -> bool:
        """Whether a flight of ``key`` may have ended after ``count``."""
        return max(self._last.get(key, 0), self._forgotten) > count


class ResponseCache:
    """The ``cache`` middleware (see the module docstring). Opens its store on first use."""

    name = "cache"
    order = 200

    def __init__(
        self,
        directory: Path,
        ttl_s: Mapping[str, float],
        size_limit: int,
        redis: Redis | None = None,
    ) -> None:
        """Keeps replies in ``directory``, or in Redis through ``redis`` when given."""
        self.directory = directory
        self.ttl_s = dict(ttl_s)
        self.size_limit = size_limit
        self.redis = redis
        self.location = str(directory)
        if redis is not None:
            self.location = location_of(redis)
        self.counters = Counters()
        self._entries: Entries | None = None
        self._totals: Totals | None = None
        self._open_lock = threading.Lock()
        self._flights: dict[tuple[str, Generation], _Flight] = {}
        self._flights_lock = threading.Lock()
        self._landings = _Landings()
        self._generations: dict[str, int] = {}
        self._unevicted: dict[str, float] = {}  # tag -> until when its replies may be stale
        self._write_lock = threading.Lock()  # orders a store against an eviction of its group
        self._flushed_at = time.monotonic()
        self._outage = Outage()
        export(self)

    # -- the request path ----------------------------------------------------------------

    def __call__(self, request: Request, call_next: CallNext) -> Response:
        if request.method != "GET":
            try:
                return call_next(request)
            finally:  # even after a transport error: the change may have been made
                self.invalidate(request)
        key = cache_key(request)
        group = read_group(request)
        tag = f"{request.account}|{group}"
        ttl = self.ttl_s.get(ttl_family(request, group), 0.0)
        if ttl > 0 and self._maybe_stale(tag):
            ttl = 0.0  # neither served nor stored: the store may still hold the stale reply
        if request.fresh:
            ttl = 0.0  # asked of Spotify itself (pipeline.fresh)
        return self._fetch(request, call_next, key, ttl, tag)

    def _fetch(
        self, request: Request, call_next: CallNext, key: str, ttl: float, tag: str
    ) -> Response:
        while True:
            looked_at = self._landings.count
            # Never stored (ttl 0): no look, and no generation its store would depend on.
            found = self._look(key, tag) if ttl > 0 else None
            if isinstance(found, Response):
                request.extensions["cache"] = "hit"
                self.counters.add("hits")
                return found
            # A read of another generation, here or in the store, does not join its flight.
            generation = (self._generations.get(tag, 0), found)
            with self._flights_lock:
                flight = self._flights.get((key, generation))
                leader = flight is None
                if flight is None:
                    flight = self._flights[(key, generation)] = _Flight()
                    look_again = ttl > 0 and self._landings.since(key, looked_at)
            if leader:
                break
            request.extensions["cache"] = "coalesced"
            self.counters.add("coalesced")
            shared = flight.result()
            if shared is not None:
                # Hits and misses are of cacheable reads: an uncacheable one that shared a
                # fetch (player state) is only coalesced, or it would lift the hit ratio.
                if ttl > 0:
                    self.counters.add("hits")
                return shared
        outcome: Response | BaseException
        try:
            outcome = self._lead(request, call_next, key, ttl, tag, generation, look_again)
        except BaseException as error:
            outcome = error
        with self._flights_lock:  # before settling: no one may join a settled flight
            del self._flights[(key, generation)]
            self._landings.add(key)
        flight.settle(outcome)
        if time.monotonic() - self._flushed_at >= _FLUSH_EVERY_S:
            self._try_flush()
        if isinstance(outcome, BaseException):
            raise outcome
        return outcome

    def _lead(
        self,
        request: Request,
        call_next: CallNext,
        key: str,
        ttl: float,
        tag: str,
        generation: Generation,
        look_again: bool,
    ) -> Response:
        """The fetch those with the same read wait for."""
        account = request.account
        # A flight that ended between our look and now may have stored its reply: use it.
        found = self._look(key, tag) if look_again else None
        if isinstance(found, Response):
            request.extensions["cache"] = "hit"
            self.counters.add("hits")
            return found
        if ttl > 0:
            request.extensions["cache"] = "miss"
            self.counters.add("misses")
        response = call_next(request)
        # Sent as someone else (a new login on the way): not this key's reply to keep.
        if ttl > 0 and response.ok and request.account == account:
            self._save(key, response, ttl, tag, generation)
        return response

    def _look(self, key: str, tag: str) -> Response | int:
        """The stored reply; on a miss, the generation of ``tag`` in the store, read in the same
        look (one round trip to Redis): the reply fetched next is stored only if ``tag`` is not
        evicted meanwhile by any server sharing the store."""
        try:
            found = self.entries.lookup(key, tag)
        except Exception as error:  # a broken cache degrades to no cache
            self._failed("read", error)
            return _UNKNOWN
        self._answered()
        if isinstance(found, int):
            return found
        status, content_type, body = found
        return Response(status, {"Content-Type": content_type} if content_type else {}, body)

    def _save(
        self, key: str, response: Response, ttl: float, tag: str, generation: Generation
    ) -> None:
        value = (response.status, response.header("Content-Type"), response.body)
        local, shared = generation
        if shared == _UNKNOWN:
            return  # the look failed: no generation to store it under
        with self._write_lock:
            if self._generations.get(tag, 0) != local:
                return  # a mutation made this reply stale while it was in flight
            try:
                # Stored only if no server sharing the store evicted the tag meanwhile either.
                self.entries.set(key, value, expire=ttl, tag=tag, retry=True, generation=shared)
            except Exception as error:
                self._failed("write", error)

    def _failed(self, what: str, error: Exception) -> None:
        """Warn once per outage of the store, not for every read (a Redis that is down would
        fill the log at the rate of requests)."""
        if self._outage.failed():
            logger.warning(
                "cache {} failed, reads go to Spotify until the cache answers again: {}",
                what,
                error,
            )
        else:
            logger.debug("cache {} failed: {}", what, error)

    def _answered(self) -> None:
        if self._outage.answered():
            logger.info("cache at {} answers again", self.location)

    def invalidate(self, request: Request) -> None:
        """Evict the reads ``request`` (a mutation) makes stale, per the rule table."""
        groups = stale_groups(request)
        if not groups:
            return
        tags = [f"{request.account}|{group}" for group in groups]
        with self._write_lock:
            for tag in tags:
                self._generations[tag] = self._generations.get(tag, 0) + 1
            try:
                evicted = self.entries.evict_tags(tags, retry=True)  # all of them at once
            except Exception as error:
                # Until it succeeds, or the replies it missed have expired.
                until = time.monotonic() + max(self.ttl_s.values(), default=0)
                self._unevicted.update(dict.fromkeys(tags, until))
                logger.error(
                    "cache eviction of {} failed; their reads pass the cache until it is done: {}",
                    ", ".join(groups),
                    error,
                )
                return
        if evicted:  # a player command, with nothing of the player stored, invalidates nothing
            self.counters.add("invalidations")
            self.counters.add("evictions", n=evicted)

    def _maybe_stale(self, tag: str) -> bool:
        """Whether the store may still hold replies of ``tag`` that a failed eviction left
        behind; retries the eviction."""
        if tag not in self._unevicted:  # the usual case: no lock
            return False
        with self._write_lock:
            until = self._unevicted.get(tag)
            if until is None:
                return False
            group = tag.partition("|")[2]
            if time.monotonic() >= until:
                logger.info(
                    "cache replies of {} an eviction missed have expired; reads use the cache",
                    group,
                )
            else:
                try:
                    self.entries.evict_tags([tag], retry=True)
                except Exception:
                    return True
                logger.info("cache eviction of {} done; its reads use the cache again", group)
            del self._unevicted[tag]
            return False

    # -- storage, statistics, lifecycle --------------------------------------------------

    @property
    def entries(self) -> Entries:
        """The replies (opened on first use)."""
        return self._open()[0]

    @property
    def totals(self) -> Totals:
        """Lifetime counters shared by every process using the directory (or the Redis)."""
        return self._open()[1]

    def _open(self) -> tuple[Entries, Totals]:
        if self._entries is None or self._totals is None:
            with self._open_lock:
                if self._entries is None or self._totals is None:
                    self._entries, self._totals = self._stores()
        return self._entries, self._totals

    def _stores(self) -> tuple[Entries, Totals]:
        if self.redis is not None:
            from spotify_mcp.middleware.cache.redis_store import open_redis

            return open_redis(self.redis, self.size_limit)
        from spotify_mcp.middleware.cache.disk import open_disk

        return open_disk(self.directory, self.size_limit)

    def size(self) -> tuple[int, int]:
        return self.entries.sizes()

    def flush(self) -> None:
        """Add this process's new counts to the lifetime totals."""
        self._flushed_at = time.monotonic()  # tried again in 10 s, whether or not it works
        unsaved = self.counters.take_unflushed()
        try:
            if any(unsaved.values()):  # all in one go (one round trip to Redis), or none
                self.totals.add({name: n for name, n in unsaved.items() if n})
        except BaseException:
            self.counters.give_back(unsaved)
            raise

    def _try_flush(self) -> None:
        try:
            self.flush()
        except Exception as error:  # kept in memory: added to the totals next time
            self._failed("statistics save", error)

    def stats(self) -> CacheStats:
        with self._usable():
            self.flush()
            entries, size = self.size()
            lifetime = self.totals.read(COUNTERS)
        return CacheStats(
            directory=self.location,
            entries=entries,
            bytes=size,
            process=Counts.of(self.counters.snapshot()),
            lifetime=Counts.of(lifetime),
        )

    def clear(self) -> int:
        """Remove every stored reply and the lifetime totals; returns how many replies."""
        with self._usable():
            self.totals.clear(retry=True)
            return int(self.entries.clear(retry=True))

    @contextmanager
    def _usable(self) -> Iterator[None]:
        try:
            yield
        except OSError as error:  # reads pass the cache by; these questions need it
            where, remedy = (
                ("in Redis", "Check that Redis is up and redis_url points to it")
                if self.redis is not None
                else (f"directory {self.directory}", "Set cache.directory to a writable one")
            )
            raise SpotifyMCPError(
                f"The cache {where} cannot be used ({error.strerror or error}). "
                f"{remedy}, or disable the cache plugin."
            ) from None

    def probe(self) -> str:
        """Write and read back a marker: raises when the cache is not writable."""
        key, marker = _PROBE_KEY + secrets.token_hex(8), (0, None, str(time.time()).encode())
        self.entries.set(key, marker, expire=60, retry=True)
        kept = self.entries.pop(key, retry=True)
        if kept != marker:
            raise RuntimeError(f"cache at {self.location} did not keep what was written")
        return f"writable: {self.location}"

    def close(self) -> None:
        if self._entries is None or self._totals is None:
            return
        self._try_flush()
        self._entries.close()
        self._totals.close()
