"""Web Push: subscribe a device, and send one push delivery to every device of its recipient.

Payloads are encrypted for each device (RFC 8291, aes128gcm) and signed with the site's VAPID
key (settings.WEBPUSH_VAPID_*; `manage.py generate_vapid_keys` makes a pair). A push carries
the same title and link as the bell. A device whose push service answers 404 or 410 is gone
and is deleted; other failures are retried like email. No transaction is open while a push
service is called.
"""

from __future__ import annotations

import json
import logging
from datetime import datetime
from urllib.parse import urlsplit

from django.conf import settings
from django.contrib.auth.base_user import AbstractBaseUser
from django.db import transaction
from django.utils import translation
from pywebpush import WebPushException, webpush

from core.errors import DomainError
from notifications.mail import language_of
from notifications.models import Delivery, PushSubscription

logger = logging.getLogger(__name__)

GONE = {404, 410}
LOOPBACK = {"127.0.0.1", "localhost", "::1"}


def push_enabled() -> bool:
    return bool(settings.WEBPUSH_VAPID_PRIVATE_KEY and settings.WEBPUSH_VAPID_PUBLIC_KEY)


def subscribe(
    *, user: AbstractBaseUser, endpoint: str, p256dh: str, auth: str, user_agent: str = ""
) -> PushSubscription:
    """Record a device's subscription (idempotent: the same endpoint again updates its keys and owner)."""
    parts = urlsplit(endpoint)
    # Push services are https; plain http only for a stand-in on this machine (tests, development).
    secure = parts.scheme == "https" or (parts.scheme == "http" and parts.hostname in LOOPBACK)
    if not secure or len(endpoint) > 1000:
        raise DomainError("A push subscription needs an https endpoint.", field="endpoint")
    if not p256dh or not auth:
        raise DomainError("The subscription's keys are missing.", field="keys")
    with transaction.atomic():
        subscription, _ = PushSubscription.objects.update_or_create(
            endpoint=endpoint,
            defaults={"user_id": user.pk, "p256dh": p256dh[:200], "auth": auth[:100], "user_agent": user_agent[:300]},
        )
    return subscription


def unsubscribe_device(*, user: AbstractBaseUser, endpoint: str) -> int:
    with transaction.atomic():
        deleted, _ = PushSubscription.objects.filter(user_id=user.pk, endpoint=endpoint).delete()
    return deleted


def payload_of(delivery: Delivery) -> str:
    """The push message, its title in the recipient's language (the worker serves everyone in turn)."""
    notification = delivery.notification
    with translation.override(language_of(delivery.recipient)):
        title = notification.text
    return json.dumps({"id": notification.pk, "kind": notification.kind, "title": title, "url": notification.url})


def send_push(*, delivery: Delivery, now: datetime) -> tuple[str, str]:
    """Send a claimed push delivery to each device of its recipient; (new status, error text)."""
    if not push_enabled():
        return Delivery.Status.SKIPPED, "Push is not set up on this site (no VAPID keys)."
    devices = list(PushSubscription.objects.filter(user_id=delivery.recipient_id))
    if not devices:
        return Delivery.Status.SKIPPED, "No device has push turned on."
    data = payload_of(delivery)
    delivered, errors, gone = 0, [], []
    for device in devices:
        try:
            webpush(
                device.as_subscription_info(),
                data=data,
                vapid_private_key=settings.WEBPUSH_VAPID_PRIVATE_KEY,
                vapid_claims={"sub": settings.WEBPUSH_VAPID_SUBJECT},
                timeout=settings.WEBPUSH_TIMEOUT,
                ttl=settings.WEBPUSH_TTL,
            )
        except WebPushException as error:
            status = getattr(error.response, "status_code", None)
            if status in GONE:
                gone.append(device.pk)
            else:
                errors.append(f"device {device.pk}: {status or ''} {error.message}"[:300])
        except (OSError, ValueError) as error:  # requests' connection errors and timeouts are OSErrors
            errors.append(f"device {device.pk}: {type(error).__name__}: {error}"[:300])
        else:
            delivered += 1
            PushSubscription.objects.filter(pk=device.pk).update(last_success_at=now)
    if gone:
        PushSubscription.objects.filter(pk__in=gone).delete()
        logger.info("push delivery %s: removed %d expired device(s)", delivery.pk, len(gone))
    if delivered:
        return Delivery.Status.SENT, "; ".join(errors)
    if errors:
        return Delivery.Status.PENDING, "; ".join(errors)
    return Delivery.Status.SKIPPED, "Every device had unsubscribed (404/410); they were removed."
