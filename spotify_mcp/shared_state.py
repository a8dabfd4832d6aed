"""State that several servers share through Redis when ``redis_url`` is set: the login and
the cache. Replicas on different machines cannot share files; Redis is what they share.

Every key starts with :data:`KEY_PREFIX`, so one Redis database can also hold other data.
The client comes from the optional ``redis`` extra: ``pip install "spotify-mcp[redis]"``.
"""

from __future__ import annotations

import functools
from typing import TYPE_CHECKING

from spotify_mcp.errors import SpotifyMCPError

if TYPE_CHECKING:
    from redis import Redis

    from spotify_mcp.config import Settings

KEY_PREFIX = "spotify-mcp:"


def redis_client(settings: Settings) -> Redis | None:
    """The shared client for ``settings.redis_url``, or None when it is not set."""
    if settings.redis_url is None:
        return None
    return _client(settings.redis_url.get_secret_value(), settings.request_timeout_s)


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
