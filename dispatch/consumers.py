"""The dispatch socket (/ws/dispatch/): live offers for providers, live positions between the two parties.

Server to client: `hello` (with `offers`, the offers this person can still accept, read
from the database, so a page that reconnects never shows one already taken), `offer`,
`offer.withdrawn`, `assigned`, `expired`, `location`, `error`, `pong`.

Client to server, JSON objects of at most 1 KB, each checked (bad input gets an `error`
frame, never a closed socket):
- `{"type": "location", "request": R, "lat": .., "lng": ..}`: the sender's position, sent on
  to the other party of assigned request R only, while the job has not started;
- `{"type": "heartbeat", "listing": L, "lat": .., "lng": ..}`: a provider's "still available, now here";
- `{"type": "ping"}`.
A socket only ever hears its own person's group; there is nothing to subscribe to.
"""

from __future__ import annotations

from typing import Any

from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncJsonWebsocketConsumer
from django.utils import timezone

from core.errors import DomainError
from dispatch import selectors
from dispatch.inputs import Position
from dispatch.services.availability import heartbeat
from dispatch.services.common import LIVE_TOPIC
from dispatch.services.location import share_location
from realtime.consumers import client_message
from realtime.live import person_group

MAX_CLIENT_MESSAGE = 1024
CLOSE_UNAUTHENTICATED = 4401


def _id(value: Any) -> int | None:
    if isinstance(value, bool) or not isinstance(value, int) or not 0 < value < 2**63:
        return None
    return value


def _coordinate(value: Any) -> float | None:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    return float(value)


class DispatchConsumer(AsyncJsonWebsocketConsumer):
    user: Any
    group: str = ""

    async def connect(self) -> None:
        self.user = self.scope.get("user")
        if self.user is None or not self.user.is_authenticated:
            await self.close(code=CLOSE_UNAUTHENTICATED)
            return
        self.group = person_group(LIVE_TOPIC, self.user.pk)
        # Join before reading the snapshot: an offer committed in between arrives live (the page dedupes by id).
        await self.channel_layer.group_add(self.group, self.channel_name)
        await self.accept()
        await self.send_json({"type": "hello", "user": self.user.pk, "offers": await self._live_offers()})

    async def disconnect(self, code: int) -> None:
        if self.group:
            await self.channel_layer.group_discard(self.group, self.channel_name)

    async def receive(self, text_data: str | None = None, bytes_data: bytes | None = None) -> None:
        content, problem = client_message(text_data, max_chars=MAX_CLIENT_MESSAGE)
        if problem:
            await self._error(problem)
            return
        kind = content.get("type")
        if kind == "ping":
            await self.send_json({"type": "pong"})
            return
        if kind not in ("location", "heartbeat"):
            await self._error("Unknown message type.")
            return
        target = _id(content.get("request" if kind == "location" else "listing"))
        lat, lng = _coordinate(content.get("lat")), _coordinate(content.get("lng"))
        if target is None or lat is None or lng is None:
            what = "a request id" if kind == "location" else "a listing id"
            await self._error(f"{kind} needs {what}, lat and lng as numbers.")
            return
        try:
            position = Position(lat, lng)
            if kind == "location":
                await database_sync_to_async(share_location)(sender=self.user, request_id=target, position=position)
            else:
                await database_sync_to_async(heartbeat)(provider=self.user, listing_id=target, position=position)
        except DomainError as error:
            await self.send_json({"type": "error", "detail": error.message, "code": error.code, "for": kind})

    async def live_event(self, message: dict[str, Any]) -> None:
        """A `realtime.live` event for this person on the dispatch topic: sent on as is."""
        await self.send_json(message["event"])

    async def _error(self, detail: str) -> None:
        await self.send_json({"type": "error", "detail": detail})

    @database_sync_to_async
    def _live_offers(self) -> list[dict]:
        now = timezone.now()
        return selectors.offer_messages(selectors.live_offers_for(provider=self.user), now=now)
