"""Live events: what only an open page needs at once (an offer's countdown, a position), sent to a person's sockets.

`realtime.notify` stores a notification and pushes it; a live event is not stored: a socket
that is not open misses it, so a page reads its state from the database when it connects.
Each kind of socket listens on its own topic ("dispatch" for the dispatch page): its consumer
joins `person_group(topic, user_id)` at connect and handles the `live.event` messages with a
`live_event` method that sends `message["event"]` on as is. Realtime knows the topic's name,
never the app behind it.

Sent after commit (`send_live_on_commit`), so a rolled-back operation says nothing; the hook
is robust: a channel layer outage is logged and the committed operation stands.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.db import transaction

# The channel-layer message type of a live event; a consumer's `live_event` method receives it.
LIVE_EVENT = "live.event"

LiveEvents = Iterable[tuple[int, dict[str, Any]]]


def person_group(topic: str, user_id: int) -> str:
    """The channel-layer group of every open socket of one person on one topic: "dispatch.user.7"."""
    return f"{topic}.user.{user_id}"


def send_live(topic: str, events: LiveEvents) -> None:
    """Send `(user id, event)` pairs to those people's sockets on `topic` now (nothing stored, no database).

    All in one trip to the channel layer: each async_to_sync hop costs a thread switch, and a
    wave of offers is dozens of events.
    """
    send_to_groups([(person_group(topic, user_id), {"type": LIVE_EVENT, "event": event}) for user_id, event in events])


def send_to_groups(messages: list[tuple[str, dict[str, Any]]]) -> None:
    """Send `(group, message)` pairs over the channel layer now, all in one trip (nothing when there is no layer).

    The one place that crosses from sync code into the channel layer: notifications, read
    receipts, conversation events and live events all go through it.
    """
    layer = get_channel_layer()
    if layer is None or not messages:
        return

    async def send_all() -> None:
        for group, message in messages:
            await layer.group_send(group, message)

    async_to_sync(send_all)()


def send_live_on_commit(topic: str, events: LiveEvents) -> None:
    """Send `(user id, event)` pairs on `topic` once the current transaction commits; nothing if it rolls back."""
    pending = list(events)
    if pending:
        transaction.on_commit(lambda: send_live(topic, pending), robust=True)
