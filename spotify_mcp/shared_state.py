"""State that several servers share through Redis when ``redis_url`` is set: the login, the
cache and the rate limit. Replicas on different machines cannot share files; Redis is what
they share.

Every key starts with :data:`KEY_PREFIX`, so one Redis database can also hold other data.
The client comes from the optional ``redis`` extra: ``pip install "spotify-mcp[redis]"``.
"""

from __future__ import annotations

import functools
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING

from spotify_mcp.errors import SpotifyMCPError

if TYPE_CHECKING:
    from redis import Redis

    from spotify_mcp.config import Settings

KEY_PREFIX = "spotify-mcp:"
_RETRY_AFTER_S = 5.0  # after a failed connection, commands fail at once for this long


class RedisUnavailable(OSError):
    """Redis could not be used: the caller does without it (and says why)."""


class RedisLink:
    """A client, left alone for a few seconds after it could not connect: a Redis that is down
    (or unreachable, each command waiting for its timeout) then costs one failed command now
    and then, not several per request."""

    def __init__(self, client: Redis) -> None:
        self.client = client
        self.location = location_of(client)
        self._down_until = 0.0
        self._why = ""

    @contextmanager
    def use(self) -> Iterator[Redis]:
        import redis

        if time.monotonic() < self._down_until:
            raise RedisUnavailable(f"Redis at {self.location} is unreachable ({self._why})")
        try:
            yield self.client
        except (redis.ConnectionError, redis.TimeoutError) as error:
            self._down_until, self._why = time.monotonic() + _RETRY_AFTER_S, str(error)
            raise RedisUnavailable(f"Redis at {self.location} is unreachable ({error})") from None
        except redis.RedisError as error:
            raise RedisUnavailable(f"Redis at {self.location} failed: {error}") from None


class Outage:
    """Whether a shared store (Redis, a cache directory) is failing, so its users report an
    outage once, when it starts and when it ends, not at every request."""

    def __init__(self) -> None:
        self._out = False
        self._lock = threading.Lock()

    def failed(self) -> bool:
        """Note a failure; True if it starts an outage."""
        with self._lock:
            started, self._out = not self._out, True
        return started

    def answered(self) -> bool:
        """Note a success; True if it ends an outage."""
        if not self._out:  # the usual case: no lock
            return False
        with self._lock:
            ended, self._out = self._out, False
        return ended


def redis_client(settings: Settings, timeout_s: float | None = None) -> Redis | None:
    """The shared client for ``settings.redis_url``, or None when it is not set. Commands wait
    ``timeout_s`` (default ``request_timeout_s``) for Redis; each timeout has its own pool."""
    if settings.redis_url is None:
        return None
    timeout = settings.request_timeout_s if timeout_s is None else timeout_s
    return _client(settings.redis_url.get_secret_value(), timeout)


def location_of(client: Redis) -> str:
    """``redis://host:port/db`` (or ``unix://path?db=N``) of ``client``, without the password:
    for logs and messages."""
    kwargs = client.connection_pool.connection_kwargs
    db = kwargs.get("db", 0)
    if "path" in kwargs:
        return f"unix://{kwargs['path']}?db={db}"
    return f"redis://{kwargs.get('host', '?')}:{kwargs.get('port', '?')}/{db}"


@functools.cache
def _client(url: str, timeout_s: float) -> Redis:
    try:
        import redis
    except ImportError:
        raise SpotifyMCPError(
            "redis_url is set but the Redis client is not installed: "
            'pip install "spotify-mcp[redis]"'
        ) from None
    # One pool per URL for the process; a dead connection is replaced on the next command.
    return redis.Redis.from_url(
        url, socket_timeout=timeout_s, socket_connect_timeout=timeout_s, health_check_interval=30
    )
