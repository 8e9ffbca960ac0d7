"""Heartbeats: each kind of process records when it was last alive; /readyz reads them."""

from __future__ import annotations

from datetime import datetime

from django.utils import timezone

from operations.models import Heartbeat


def beat(name: str, *, now: datetime | None = None, **detail: object) -> None:
    Heartbeat.objects.update_or_create(name=name, defaults={"seen_at": now or timezone.now(), "detail": detail})


def last_seen(name: str) -> Heartbeat | None:
    return Heartbeat.objects.filter(name=name).first()
