"""The one WebSocket a page (or a mobile app) keeps open: notifications, read state and live messages.

Protocol, JSON both ways. Client to server:

- `{"type": "resume", "last_id": N}`: send every stored notification with an id above N, in
  order, then live ones (also possible at connect time with `?last_id=N`);
- `{"type": "read", "id": N}` / `{"type": "read", "ids": [..]}` / `{"type": "read_all"}`;
- `{"type": "thread.read", "thread": T, "up_to_id": M}`: read receipt for a conversation;
- `{"type": "ping"}`.

Server to client: `hello` (user, unread count, newest id), `notification` (one stored
notification, ids strictly increasing on a socket; `seq` numbers the person's notifications
1, 2, 3...), `replay.done`, `read` (ids or null for
all, new unread count), `thread.message`, `thread.read`, `pong`, `error`.

A socket is in exactly one group, its own user's, joined at connect. Nothing the client
sends changes that: there is no subscribe message, and unknown messages get an error.
"""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import parse_qs

from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncJsonWebsocketConsumer

from core.errors import DomainError
from realtime import selectors, services
from realtime.auth import APP_SUBPROTOCOL

REPLAY_BATCH = 200
MAX_CLIENT_MESSAGE = 4096


def client_message(text_data: str | None, *, max_chars: int) -> tuple[dict[str, Any], str]:
    """(the JSON object a client sent, "") or ({}, what was wrong with it, for the person)."""
    if text_data is None or len(text_data) > max_chars:
        return {}, f"Send JSON text messages of at most {max_chars // 1024} KB."
    try:
        content = json.loads(text_data)
    except ValueError:
        return {}, "That was not JSON."
    if not isinstance(content, dict):
        return {}, "Send a JSON object with a type."
    return content, ""


# Close codes in the 4000-4999 range are for applications; 4401 mirrors HTTP 401.
CLOSE_UNAUTHENTICATED = 4401


def _int(value: Any) -> int | None:
    try:
        number = int(value)
    except (TypeError, ValueError):
        return None
    return number if 0 <= number < 2**63 else None


class NotificationConsumer(AsyncJsonWebsocketConsumer):
    """Delivers a person's notifications in id order, with no gap, from the database and the channel layer.

    How nothing is lost or sent twice: the socket joins its user's group *before* it reads the
    database, so a notification committed after the read arrives live. Channels dispatches
    one message at a time, so live pushes that arrive during a replay wait in the queue and
    are then dropped if the replay already sent them (`id <= last_sent`). One person's
    notifications commit in id order and are numbered without holes (`seq`, see
    `services.notify`): a push whose seq is not the next one overtook an earlier push on the
    way, and the gap is filled from the database before going on.
    """

    user: Any
    group: str
    last_sent: int
    last_seq: int

    async def connect(self) -> None:
        self.user = self.scope.get("user")
        if self.user is None or not self.user.is_authenticated:
            await self.close(code=CLOSE_UNAUTHENTICATED)
            return
        self.group = services.user_group(self.user.pk)
        await self.channel_layer.group_add(self.group, self.channel_name)
        subprotocol = APP_SUBPROTOCOL if APP_SUBPROTOCOL in (self.scope.get("subprotocols") or ()) else None
        await self.accept(subprotocol=subprotocol)
        (self.last_sent, self.last_seq), unread = await self._cursor_and_unread()
        await self.send_json({"type": "hello", "user": self.user.pk, "unread": unread, "last_id": self.last_sent})
        query = parse_qs(self.scope.get("query_string", b"").decode("latin1"))
        if "last_id" in query:
            await self._resume(query["last_id"][0])

    async def disconnect(self, code: int) -> None:
        if getattr(self, "group", None):
            await self.channel_layer.group_discard(self.group, self.channel_name)

    async def receive(self, text_data: str | None = None, bytes_data: bytes | None = None) -> None:
        content, problem = client_message(text_data, max_chars=MAX_CLIENT_MESSAGE)
        if problem:
            await self._error(problem)
            return
        await self.receive_json(content)

    async def receive_json(self, content: dict[str, Any], **kwargs: Any) -> None:
        kind = content.get("type")
        if kind == "resume":
            await self._resume(content.get("last_id"))
        elif kind == "read":
            ids = content.get("ids", [content.get("id")])
            clean = [_int(i) for i in ids] if isinstance(ids, list) else [None]
            if not clean or None in clean or len(clean) > selectors.MAX_PAGE:
                await self._error("Say which notification ids to mark read.")
                return
            await database_sync_to_async(services.mark_notifications_read)(user=self.user, ids=clean)
        elif kind == "read_all":
            await database_sync_to_async(services.mark_notifications_read)(user=self.user, ids=None)
        elif kind == "thread.read":
            await self._thread_read(content)
        elif kind == "ping":
            await self.send_json({"type": "pong"})
        else:
            # Including any attempt to subscribe to or join another group: a socket only
            # ever hears its own user's group.
            await self._error("Unknown message type.")

    # --- Channel-layer events (sent by realtime.services after commit) ----------------

    async def notification_push(self, event: dict[str, Any]) -> None:
        message = event["message"]
        if message["id"] <= self.last_sent:
            return  # already sent by a replay or a gap fill
        # Not the next of this person's numbers (or no number: a push from a process older than
        # seq): read what is missing from the database rather than trust the push's order.
        if message.get("seq") != self.last_seq + 1:
            await self._send_stored(self.last_sent)
            return
        await self.send_json({"type": "notification", "notification": message})
        self.last_sent, self.last_seq = message["id"], message["seq"]

    async def notification_read(self, event: dict[str, Any]) -> None:
        await self.send_json({"type": "read", "ids": event["ids"], "unread": event["unread"]})

    async def thread_event(self, event: dict[str, Any]) -> None:
        payload = dict(event["event"])
        payload["type"] = "thread." + payload["type"]
        await self.send_json(payload)

    # --- helpers ---------------------------------------------------------------------

    async def _error(self, detail: str) -> None:
        await self.send_json({"type": "error", "detail": detail})

    async def _resume(self, raw_last_id: Any) -> None:
        last_id = _int(raw_last_id)
        if last_id is None:
            await self._error("resume needs last_id, the newest notification id you have (0 for all).")
            return
        await self._send_stored(last_id)
        await self.send_json({"type": "replay.done", "last_id": self.last_sent})

    async def _send_stored(self, after_id: int) -> None:
        """Send every stored notification of this person above `after_id`, in order."""
        cursor, seq = after_id, None
        while True:
            batch = await database_sync_to_async(selectors.notifications_after)(
                self.user, after_id=cursor, limit=REPLAY_BATCH
            )
            for notification in batch:
                await self.send_json({"type": "notification", "notification": notification.as_message()})
                cursor, seq = notification.pk, notification.seq
            if len(batch) < REPLAY_BATCH:
                break
        # A resume from an older cursor can move last_sent back: live pushes between
        # the two are then re-sent, which the client drops as duplicates. Never ahead of
        # what really exists, so a bogus last_id cannot hide future notifications.
        if seq is None:
            cursor, seq = await database_sync_to_async(selectors.notification_cursor)(self.user, at_most_id=after_id)
        self.last_sent, self.last_seq = cursor, seq

    async def _thread_read(self, content: dict[str, Any]) -> None:
        thread_id = _int(content.get("thread"))
        up_to = content.get("up_to_id")
        up_to_id = None if up_to is None else _int(up_to)
        if thread_id is None or (up_to is not None and up_to_id is None):
            await self._error("thread.read needs a thread id.")
            return
        try:
            await database_sync_to_async(_mark_thread_read)(self.user, thread_id, up_to_id)
        except DomainError as error:
            await self._error(error.message)

    @database_sync_to_async
    def _cursor_and_unread(self) -> tuple[tuple[int, int], int]:
        return selectors.notification_cursor(self.user), selectors.unread_count(self.user)


def _mark_thread_read(user: Any, thread_id: int, up_to_id: int | None) -> int:
    thread = selectors.thread_for(user, thread_id)
    return services.mark_thread_read(thread=thread, user=user, up_to_id=up_to_id)
