"""Open WebSockets, counted in each web process and published for /metrics as a fleet-wide total.

Each web process counts the sockets its ASGI app holds (the wrapper in sharing/asgi.py). With Redis
(several processes), it writes its count under its own key, expiring after a minute, every
PUBLISH_EVERY seconds, and /metrics sums the keys, so a scrape through nginx (one process at random)
still sees every process; without Redis there is one process and its own count is the total.
"""

from __future__ import annotations

import logging
import os
import socket
import threading
from collections.abc import Awaitable, Callable

from django.conf import settings

logger = logging.getLogger("sharing.sockets")
PUBLISH_EVERY = 15.0

ASGIApp = Callable[[dict, Callable, Callable], Awaitable[None]]


class SocketCount:
    def __init__(self) -> None:
        self.value = 0
        self._lock = threading.Lock()

    def add(self, delta: int) -> None:
        with self._lock:
            self.value += delta


open_sockets = SocketCount()


def counting_sockets(app: ASGIApp) -> ASGIApp:
    """The ASGI app, counting each WebSocket connection for as long as it is open."""

    async def counted(scope: dict, receive: Callable, send: Callable) -> None:
        open_sockets.add(1)
        try:
            await app(scope, receive, send)
        finally:
            open_sockets.add(-1)

    counted.application = app  # type: ignore[attr-defined]  # as Channels' wrappers do, so tools can walk down to the routes
    return counted


def _key_prefix() -> str:
    return f"{settings.CACHES['default'].get('KEY_PREFIX') or 'sharing'}:open-sockets:"


def publish_once() -> None:
    from operations.health import _redis

    key = f"{_key_prefix()}{socket.gethostname()}:{os.getpid()}"
    try:
        _redis(settings.REDIS_URL).set(key, open_sockets.value, ex=60)
    except Exception:  # Redis down: the count is missing from /metrics for a while, nothing else
        logger.warning("could not publish the open socket count")


def fleet_total() -> tuple[int, int]:
    """(open sockets, web processes counted) across the processes that published within a minute."""
    if not settings.REDIS_URL:
        return open_sockets.value, 1
    from operations.health import _redis

    client = _redis(settings.REDIS_URL)
    keys = list(client.scan_iter(match=f"{_key_prefix()}*", count=1000))
    values = client.mget(keys) if keys else []
    counts = [int(value) for value in values if value is not None]
    return sum(counts), len(counts)


def start_publishing() -> None:
    """With Redis, publish this process's count now and every PUBLISH_EVERY seconds (a daemon thread)."""
    if not settings.REDIS_URL:
        return

    def loop() -> None:
        pause = threading.Event()
        while True:
            publish_once()
            pause.wait(PUBLISH_EVERY)

    threading.Thread(target=loop, name="socket-count", daemon=True).start()
