"""Live dispatch events over the channel layer: each person's dispatch sockets share one group.

Offers, withdrawals and assignments are also stored with `realtime.notify` (the bell, and
replay after a reconnect); this group carries what only an open dispatch page needs at once
(offers with a countdown, live positions), sent after commit so a rollback says nothing.
"""

from __future__ import annotations

import logging
from typing import Any

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.db import transaction

logger = logging.getLogger(__name__)


def dispatch_group(user_id: int) -> str:
    return f"dispatch.user.{user_id}"


def send_now(user_id: int, event: dict[str, Any]) -> None:
    """Push one event to every open dispatch socket of a person (no database, nothing stored)."""
    send_many([(user_id, event)])


def send_many(messages: list[tuple[int, dict[str, Any]]]) -> None:
    """Push several events in one trip to the channel layer (each async_to_sync hop costs a thread switch)."""
    layer = get_channel_layer()
    if layer is None or not messages:
        return

    async def send_all() -> None:
        for user_id, event in messages:
            await layer.group_send(dispatch_group(user_id), {"type": "dispatch.event", "event": event})

    async_to_sync(send_all)()


def send_on_commit(messages: list[tuple[int, dict[str, Any]]]) -> None:
    """Push `(user id, event)` pairs once the current transaction commits; nothing if it rolls back."""
    if messages:
        transaction.on_commit(lambda: send_many(messages), robust=True)
