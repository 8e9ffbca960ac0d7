"""Bounces and complaints: what the email provider's tracking webhook (django-anymail) tells us about an address.

A hard bounce ("no such mailbox"), a provider refusing an address it knows bounces, or a spam
complaint marks the address undeliverable: notification emails to it are skipped (recorded on
the delivery, visible to staff) until the person changes the address or asks to try it again,
or staff clear it. Other events (delivered, opened, deferred...) change nothing.
"""

from __future__ import annotations

import logging
from datetime import datetime

from anymail.signals import AnymailTrackingEvent, EventType, RejectReason
from django.contrib.auth.base_user import AbstractBaseUser
from django.db import transaction
from django.utils import timezone

from notifications.models import UndeliverableAddress

logger = logging.getLogger(__name__)

# A refusal for one of these reasons says the address itself is bad, not the message.
_ADDRESS_REJECTIONS = {RejectReason.BOUNCED, RejectReason.INVALID}


def reason_of(event: AnymailTrackingEvent) -> str | None:
    """The undeliverable reason an event gives its recipient's address, or None when it says nothing about it."""
    if event.event_type == EventType.COMPLAINED:
        return UndeliverableAddress.Reason.COMPLAINED
    if event.event_type == EventType.BOUNCED:
        return UndeliverableAddress.Reason.BOUNCED
    if event.event_type == EventType.REJECTED and event.reject_reason in _ADDRESS_REJECTIONS:
        return UndeliverableAddress.Reason.BOUNCED
    return None


def mark_undeliverable(
    *, email: str, reason: str, provider: str, detail: str = "", event_id: str = "", occurred_at: datetime | None = None
) -> UndeliverableAddress:
    """Record that email to `email` must stop (a newer event about the same address replaces the older one)."""
    with transaction.atomic():
        record, _ = UndeliverableAddress.objects.update_or_create(
            email=email.strip().lower(),
            defaults={
                "reason": reason,
                "provider": provider[:40],
                "detail": detail[:2000],
                "event_id": event_id[:200],
                "occurred_at": occurred_at or timezone.now(),
            },
        )
    logger.info("email to %s stopped: %s reported by %s", record.email, reason, provider)
    return record


def record_tracking_event(*, event: AnymailTrackingEvent, esp_name: str) -> UndeliverableAddress | None:
    """What the webhook does with each event it parsed: mark the address when the event is about it."""
    reason = reason_of(event)
    if reason is None or not event.recipient:
        return None
    detail = " ".join(part for part in (event.description or "", event.mta_response or "") if part).strip()
    return mark_undeliverable(
        email=event.recipient,
        reason=reason,
        provider=esp_name,
        detail=detail,
        event_id=str(event.event_id or ""),
        occurred_at=event.timestamp,
    )


def tracking_received(sender: object, event: AnymailTrackingEvent, esp_name: str, **kwargs: object) -> None:
    """Receiver of anymail's `tracking` signal (connected in NotificationsConfig.ready)."""
    record_tracking_event(event=event, esp_name=esp_name)


def undeliverable_among(emails: list[str]) -> dict[str, UndeliverableAddress]:
    """The undeliverable records of these addresses, by lower-cased address."""
    wanted = {e.strip().lower() for e in emails if e}
    return {r.email: r for r in UndeliverableAddress.objects.filter(email__in=wanted)} if wanted else {}


def undeliverable_address_of(person: AbstractBaseUser) -> UndeliverableAddress | None:
    email = getattr(person, "email", "")
    return UndeliverableAddress.objects.filter(email=email.strip().lower()).first() if email else None


def try_address_again(*, user: AbstractBaseUser) -> bool:
    """The person says their address works again (or wants our email after a complaint): email resumes."""
    email = getattr(user, "email", "").strip().lower()
    with transaction.atomic():
        deleted, _ = UndeliverableAddress.objects.filter(email=email).delete()
    return bool(deleted)


def clear(*, emails: list[str]) -> int:
    """Staff: let email go to these addresses again; returns how many were cleared."""
    with transaction.atomic():
        deleted, _ = UndeliverableAddress.objects.filter(email__in=[e.lower() for e in emails]).delete()
    return deleted


def skip_reason(record: UndeliverableAddress) -> str:
    what = record.get_reason_display().lower()
    return f"Not sent: {record.email} {what} ({record.provider}, {record.occurred_at:%Y-%m-%d})."
