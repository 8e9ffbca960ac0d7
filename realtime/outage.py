"""WebSockets while Redis is unreachable: close the socket with "try again later", never answer 500.

Every socket needs the channel layer (Redis) from its first moment: Channels asks it for a
channel name before the consumer even sees the handshake. When that fails the server used
to answer the handshake with a 500. This guard answers it instead: it accepts the socket
and closes it at once with 1013 (Try Again Later), so the page's script (and an app)
reconnects with its usual backoff and gets in as soon as Redis is back. A socket that was
already open when Redis went away is closed the same way.
"""

from __future__ import annotations

import logging
from typing import Any

from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError

from realtime.auth import APP_SUBPROTOCOL

logger = logging.getLogger(__name__)

CLOSE_TRY_AGAIN_LATER = 1013
LAYER_UNREACHABLE = (RedisConnectionError, RedisTimeoutError, ConnectionError, TimeoutError)


class ChannelLayerOutageGuard:
    """ASGI middleware around the WebSocket routes: a channel-layer outage closes the socket cleanly."""

    def __init__(self, inner: Any) -> None:
        self.inner = inner

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> Any:
        if scope.get("type") != "websocket":
            return await self.inner(scope, receive, send)
        seen: set[str] = set()

        async def watched_receive() -> dict[str, Any]:
            message = await receive()
            seen.add(message["type"])
            return message

        async def watched_send(message: dict[str, Any]) -> None:
            seen.add(message["type"])
            await send(message)

        try:
            return await self.inner(scope, watched_receive, watched_send)
        except LAYER_UNREACHABLE as error:
            logger.warning("WebSocket closed with 1013: the channel layer is unreachable (%s)", error)
            if seen & {"websocket.close", "websocket.disconnect"}:
                return None  # already closed by one side: nothing left to tell
            if "websocket.accept" not in seen:
                if "websocket.connect" not in seen:
                    await receive()  # the handshake, which the consumer never got to read
                # Closing before accepting would reach the client as an HTTP 403 ("forbidden"),
                # which reads as final; accept then close tells it to come back later.
                offered = scope.get("subprotocols") or ()
                subprotocol = APP_SUBPROTOCOL if APP_SUBPROTOCOL in offered else None
                await send({"type": "websocket.accept", "subprotocol": subprotocol})
            await send({"type": "websocket.close", "code": CLOSE_TRY_AGAIN_LATER})
            return None
