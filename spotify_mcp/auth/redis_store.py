"""The login shared by replicas through Redis (``redis_url``): the same JSON as the token
file, in one key; renewal under a Redis lock, so that of several replicas needing a new
token one renews it and the others find it (Spotify retires a refresh token once used).

Redis being down is not a lost login: reads answer "try again", and a renewed login that
cannot be written is kept in memory by the credentials (as with a full disk).
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import asdict
from typing import TYPE_CHECKING

from loguru import logger

from spotify_mcp.auth.store import StoredLogin
from spotify_mcp.errors import RetryLater
from spotify_mcp.shared_state import KEY_PREFIX, location_of, redis_client

if TYPE_CHECKING:
    from redis import Redis

    from spotify_mcp.config import Settings

LOGIN_KEY = f"{KEY_PREFIX}login"
_LOCK_KEY = f"{LOGIN_KEY}:renewing"
_REDIS_RETRY_S = 5.0


class RedisLogin:
    """The login in the Redis key :data:`LOGIN_KEY`."""

    def __init__(self, client: Redis, location: str) -> None:
        self.client, self.location = client, location

    @classmethod
    def of(cls, settings: Settings) -> RedisLogin:
        client = redis_client(settings)
        assert client is not None, "redis_url is not set"
        return cls(client, location_of(client))

    @property
    def where(self) -> str:
        return f"{LOGIN_KEY} in {self.location}"

    def exists(self) -> bool:
        from redis import RedisError

        try:
            return bool(self.client.exists(LOGIN_KEY))
        except RedisError as error:
            # Assume it does: each call then says that Redis is unreachable, not "log in".
            logger.warning("Redis at {} is unreachable: {}", self.location, error)
            return True

    def load(self) -> StoredLogin | None:
        from redis import RedisError

        try:
            text = self.client.get(LOGIN_KEY)
        except RedisError as error:
            raise RetryLater(
                f"Redis at {self.location}, where the Spotify login is shared, is unreachable "
                f"({type(error).__name__}).",
                retry_after=_REDIS_RETRY_S,
            ) from None
        return None if text is None else StoredLogin.parse(text, self.where)

    def save(self, login: StoredLogin) -> None:
        from redis import RedisError

        try:
            self.client.set(LOGIN_KEY, json.dumps(asdict(login)))
        except RedisError as error:  # what the credentials expect of a store that failed
            raise OSError(f"Redis at {self.location}: {error}") from None

    @contextmanager
    def renewing(self, wait_s: float) -> Iterator[None]:
        """Held by one replica while it renews. The lock expires by itself after twice the
        wait, should its holder die with it."""
        from redis import RedisError, ResponseError

        lock = self.client.lock(_LOCK_KEY, timeout=2 * wait_s, blocking_timeout=wait_s)
        try:
            acquired = lock.acquire()
        except ResponseError as error:  # it answered no: out of memory, a read-only replica
            raise RetryLater(
                f"Redis at {self.location} refuses writes ({error}).", _REDIS_RETRY_S
            ) from None
        except RedisError as error:
            raise RetryLater(
                f"Redis at {self.location} is unreachable ({type(error).__name__}).",
                retry_after=_REDIS_RETRY_S,
            ) from None
        if not acquired:
            raise RetryLater("Another spotify-mcp server is renewing the Spotify login.", 1)
        try:
            yield
        finally:
            try:
                lock.release()
            except RedisError as error:  # it expires on its own
                logger.warning("could not release the login lock in Redis: {}", error)

    def delete(self) -> bool:
        from redis import RedisError

        try:
            return bool(self.client.delete(LOGIN_KEY))
        except RedisError as error:
            raise OSError(f"Redis at {self.location}: {error}") from None

    def readable_by_others(self) -> bool:
        return False  # who may read Redis is Redis's configuration (requirepass, ACLs)

    def __repr__(self) -> str:
        return f"RedisLogin({self.where!r})"
