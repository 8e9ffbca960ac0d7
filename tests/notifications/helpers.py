"""Helpers for delivery tests: notify someone for real and run the worker's steps by hand."""

from __future__ import annotations

from datetime import datetime

from notifications.models import Delivery
from notifications.services import plan_deliveries, send_email, send_push_delivery
from realtime import notify


def notified(people, kind: str, payload: dict | None = None) -> list:
    return notify(people, kind, {"title": f"{kind} happened", "url": "/notifications/", **(payload or {})})


def deliver(notifications, *, now: datetime | None = None) -> list[Delivery]:
    """What the worker does: plan the deliveries, then send each that is due at `now`."""
    planned = plan_deliveries(notification_ids=[n.pk for n in notifications], now=now)
    for delivery in planned:
        if delivery.status == Delivery.Status.PENDING:
            send = send_email if delivery.channel == "email" else send_push_delivery
            send(delivery_id=delivery.pk, now=now or delivery.due_at)
    return [Delivery.objects.get(pk=d.pk) for d in planned]
