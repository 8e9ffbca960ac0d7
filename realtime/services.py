"""Writes of the realtime app: storing notifications and pushing them to open sockets."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.contrib.auth.base_user import AbstractBaseUser
from django.db import transaction

from realtime.models import Notification


def user_group(user_id: int) -> str:
    """The channel-layer group that holds every open socket of one person."""
    return f"user.{user_id}"


def notify(recipients: Iterable[AbstractBaseUser], kind: str, payload: dict[str, Any]) -> list[Notification]:
    """Store one notification per recipient and push each over the channel layer once committed.

    Call it inside the domain transaction: if that transaction rolls back, the
    rows vanish and nothing is sent; if it commits, every recipient has a stored
    notification even when no socket of theirs is open.
    """
    unique = {user.pk: user for user in recipients if user is not None}
    notifications = [Notification(recipient_id=user_id, kind=kind, payload=payload) for user_id in unique]
    with transaction.atomic():
        for notification in notifications:
            # One INSERT each (not bulk_create) so every row has its id on SQLite too.
            notification.save()
        transaction.on_commit(lambda: _push(notifications))
    return notifications


def _push(notifications: list[Notification]) -> None:
    channel_layer = get_channel_layer()
    if channel_layer is None:
        return
    send = async_to_sync(channel_layer.group_send)
    for notification in notifications:
        send(user_group(notification.recipient_id), {"type": "notification.push", "message": notification.as_message()})
