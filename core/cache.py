"""The Redis cache with a local fallback: when Redis is unreachable, this process's memory stands in.

The cache holds nothing that must survive or be shared exactly: allauth's log-in rate
limits are its main user. Without a fallback every log-in answered 500 while Redis was
down. With it, each process counts attempts in its own memory (limits then apply per
process, which is looser but still a limit) and goes back to Redis on its own: after a
failure it tries Redis again every `RETRY_AFTER_SECONDS`, not on every call, so a dead
Redis does not add a connection attempt to every request.
"""

from __future__ import annotations

import logging
import time
from typing import Any

from django.core.cache.backends.locmem import LocMemCache
from django.core.cache.backends.redis import RedisCache
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError

logger = logging.getLogger(__name__)

REDIS_UNREACHABLE = (RedisConnectionError, RedisTimeoutError)


class RedisCacheWithLocalFallback(RedisCache):
    """Django's RedisCache; each operation that finds Redis unreachable is done in local memory instead."""

    RETRY_AFTER_SECONDS = 5.0

    def __init__(self, server: str, params: dict[str, Any]) -> None:
        super().__init__(server, params)
        local_params = {key: value for key, value in params.items() if key != "OPTIONS"}
        self._local = LocMemCache(f"redis-fallback:{server}", local_params)
        self._redis_down_until = 0.0

    def _either(self, operation: str, *args: Any, **kwargs: Any) -> Any:
        if time.monotonic() >= self._redis_down_until:
            try:
                return getattr(super(), operation)(*args, **kwargs)
            except REDIS_UNREACHABLE as error:
                self._redis_down_until = time.monotonic() + self.RETRY_AFTER_SECONDS
                logger.warning("Redis cache unreachable, local memory for %ss: %s", self.RETRY_AFTER_SECONDS, error)
        return getattr(self._local, operation)(*args, **kwargs)

    def add(self, *args: Any, **kwargs: Any) -> bool:
        return self._either("add", *args, **kwargs)

    def get(self, *args: Any, **kwargs: Any) -> Any:
        return self._either("get", *args, **kwargs)

    def set(self, *args: Any, **kwargs: Any) -> None:
        return self._either("set", *args, **kwargs)

    def touch(self, *args: Any, **kwargs: Any) -> bool:
        return self._either("touch", *args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> bool:
        return self._either("delete", *args, **kwargs)

    def get_many(self, *args: Any, **kwargs: Any) -> dict[str, Any]:
        return self._either("get_many", *args, **kwargs)

    def has_key(self, *args: Any, **kwargs: Any) -> bool:
        return self._either("has_key", *args, **kwargs)

    def incr(self, *args: Any, **kwargs: Any) -> int:
        return self._either("incr", *args, **kwargs)

    def set_many(self, *args: Any, **kwargs: Any) -> list[str]:
        return self._either("set_many", *args, **kwargs)

    def delete_many(self, *args: Any, **kwargs: Any) -> None:
        return self._either("delete_many", *args, **kwargs)

    def clear(self) -> None:
        self._local.clear()
        return self._either("clear")
