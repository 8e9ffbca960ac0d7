"""Writes: plan the email and push deliveries of committed notifications, and send each one once.

Runs in the task worker, never in a request: `realtime` calls `notifications_committed` in the
notifying transaction (settings.NOTIFICATION_DELIVERY_HOOK), which only enqueues
`plan_deliveries_task` for when it commits. Sending is split in atomic phases (STYLE: calls to other systems):
claim the delivery with a conditional UPDATE and commit; talk to the SMTP server with no
transaction open; record its answer. A delivery claimed by a worker that then died stays
"sending" and is never sent again by itself (at most once), the admin shows it.

Messages of one thread are batched: at most one email per thread and person per
MESSAGE_EMAIL_WINDOW_SECONDS, sent after MESSAGE_EMAIL_DELAY_SECONDS, and none when the person
has read the messages on the site by then. Realtime keeps no record of open pages; an open
thread page marks each message read as it arrives, so "read" is what "had it open" leaves behind.

An address the provider reported as bouncing or complaining (notifications.bounces) gets no email:
the delivery is recorded as skipped with the reason, when planned and again just before sending.
"""

from __future__ import annotations

import logging
import smtplib
from datetime import datetime, timedelta

from anymail.exceptions import AnymailError, AnymailRecipientsRefused
from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.base_user import AbstractBaseUser
from django.db import transaction
from django.db.models import F, Max
from django.db.models.functions import Coalesce
from django.utils import timezone

from core.errors import DomainError
from core.tasks import schedule_on_commit
from notifications import bounces, mail, push, selectors
from notifications.models import ALL_KINDS, Delivery, Preference, PushSubscription, UndeliverableAddress
from notifications.tokens import Unsubscribe, read_unsubscribe_token
from realtime.kinds import EMAIL, KINDS, OPTIONAL_CHANNELS, PUSH, Kind, get_kind
from realtime.models import Notification

logger = logging.getLogger(__name__)

# Seconds to wait before each retry of a temporary SMTP failure; one more failure is permanent.
RETRY_BACKOFF = (60, 300, 1800, 7200, 21600)
URGENT_PRIORITY = 50


def notifications_committed(*, notification_ids: list[int], urgent: bool = False) -> None:
    """Realtime's port (settings.NOTIFICATION_DELIVERY_HOOK), called in the notifying transaction: hand the
    work to the worker once it commits (`schedule_on_commit`; a rollback enqueues nothing).

    Deadline kinds (`urgent`) are planned, and then sent, ahead of whatever else is queued.
    """
    from notifications import tasks

    task = tasks.plan_deliveries_task
    if urgent and task.get_backend().supports_priority:  # the RQ engine keeps one queue order
        task = task.using(priority=URGENT_PRIORITY)
    schedule_on_commit(task, list(notification_ids))


def _enqueue_send(delivery: Delivery) -> None:
    from notifications import tasks

    priority = URGENT_PRIORITY if get_kind(delivery.kind).urgent else 0
    task = tasks.send_email_task if delivery.channel == EMAIL else tasks.send_push_task
    if priority and task.get_backend().supports_priority:
        task = task.using(priority=priority)
    if task.get_backend().supports_defer and delivery.due_at > timezone.now():
        task = task.using(run_after=delivery.due_at)
    task.enqueue(delivery.pk)


def plan_deliveries(
    *, notification_ids: list[int], now: datetime | None = None, send_due_now: bool = False
) -> list[Delivery]:
    """Create the email and push deliveries these notifications call for (once each) and enqueue their sending.

    A kind without the channel, a person who turned the kind off there (unless it is required),
    one without an address (email) or without a device (push) gets none. Running it twice
    creates nothing new. Each delivery gets a send task of its own, except, with `send_due_now`,
    those due at once: the caller (the plan task, in the worker) sends them itself after commit,
    which halves the queue's work in a burst (one it loses is caught up by `send_due`).
    """
    now = now or timezone.now()
    with transaction.atomic():
        existing = set(
            Delivery.objects.filter(notification_id__in=notification_ids).values_list("notification_id", "channel")
        )
        notifications = [
            n
            for n in Notification.objects.filter(pk__in=notification_ids).select_related("recipient").order_by("id")
            if len(get_kind(n.kind).channels) > 1
        ]
        if not notifications:
            return []
        recipient_ids = sorted({n.recipient_id for n in notifications})
        if any(get_kind(n.kind).batch_by for n in notifications):
            # Two workers planning messages of one thread for one person would both start an email:
            # take the people's rows in id order so the second waits and joins the first's batch.
            list(get_user_model().objects.select_for_update().filter(pk__in=recipient_ids).order_by("pk"))
        off = {channel: selectors.turned_off(recipient_ids, channel) for channel in (EMAIL, PUSH)}
        blocked = bounces.undeliverable_among([n.recipient.email for n in notifications if get_kind(n.kind).email])
        with_devices = (
            set(PushSubscription.objects.filter(user_id__in=recipient_ids).values_list("user_id", flat=True))
            if push.push_enabled()
            else set()
        )
        created: list[Delivery] = []
        for notification in notifications:
            kind = get_kind(notification.kind)
            person = notification.recipient
            if not person.is_active:
                continue
            if (
                kind.email
                and (notification.pk, EMAIL) not in existing
                and person.email
                and selectors.wants(off[EMAIL], person.pk, kind)
            ):
                record = blocked.get(person.email.strip().lower())
                if record is None:
                    created.append(_email_delivery(notification, kind, now))
                else:
                    created.append(_skipped_email(notification, kind, now, bounces.skip_reason(record)))
            if (
                kind.push
                and (notification.pk, PUSH) not in existing
                and person.pk in with_devices
                and selectors.wants(off[PUSH], person.pk, kind)
            ):
                created.append(
                    Delivery.objects.create(
                        notification=notification, recipient=person, channel=PUSH, kind=kind.name, due_at=now
                    )
                )
        for delivery in created:
            if delivery.status == Delivery.Status.PENDING and not (send_due_now and delivery.due_at <= now):
                transaction.on_commit(lambda d=delivery: _enqueue_send(d), robust=True)
    return created


def plan_and_send(*, notification_ids: list[int]) -> list[str]:
    """The plan task's work: plan the deliveries, then send those due now (no transaction open); their statuses."""
    now = timezone.now()
    planned = plan_deliveries(notification_ids=notification_ids, now=now, send_due_now=True)
    return [
        str((send_email if d.channel == EMAIL else send_push_delivery)(delivery_id=d.pk, now=now))
        for d in planned
        if d.status == Delivery.Status.PENDING and d.due_at <= now
    ]


def _email_delivery(notification: Notification, kind: Kind, now: datetime) -> Delivery:
    person = notification.recipient
    delivery = Delivery(notification=notification, recipient=person, channel=EMAIL, kind=kind.name, due_at=now)
    if kind.batch_by:
        window = timedelta(seconds=settings.MESSAGE_EMAIL_WINDOW_SECONDS)
        delay = timedelta(seconds=settings.MESSAGE_EMAIL_DELAY_SECONDS)
        delivery.batch_key = f"{kind.name}:{notification.payload.get(kind.batch_by, '')}"[:100]
        same = Delivery.objects.filter(recipient=person, channel=EMAIL, batch_key=delivery.batch_key)
        waiting = same.filter(status=Delivery.Status.PENDING).order_by("id").first()
        if waiting is not None:
            delivery.status = Delivery.Status.BATCHED
            delivery.batched_into = waiting
        else:
            last = same.filter(status__in=[Delivery.Status.SENT, Delivery.Status.SENDING]).aggregate(
                at=Max(Coalesce("sent_at", "claimed_at"))
            )["at"]
            delivery.due_at = max(now + delay, last + window) if last else now + delay
    delivery.save()
    return delivery


def _skipped_email(notification: Notification, kind: Kind, now: datetime, reason: str) -> Delivery:
    """The record that an email was not sent because its address bounced or complained (staff see why)."""
    return Delivery.objects.create(
        notification=notification,
        recipient=notification.recipient,
        channel=EMAIL,
        kind=kind.name,
        due_at=now,
        status=Delivery.Status.SKIPPED,
        last_error=reason,
    )


def _claim(delivery_id: int, now: datetime) -> bool:
    with transaction.atomic():
        return bool(
            Delivery.objects.filter(pk=delivery_id, status=Delivery.Status.PENDING, due_at__lte=now).update(
                status=Delivery.Status.SENDING, claimed_at=now, attempts=F("attempts") + 1
            )
        )


def _is_permanent(error: Exception) -> bool:
    """A 5xx answer means "this will never work" (no such mailbox, refused); anything else may pass later."""
    if isinstance(error, AnymailRecipientsRefused):  # the provider refused every recipient of this message
        return True
    if isinstance(error, smtplib.SMTPRecipientsRefused):
        return all(code >= 500 for code, _ in error.recipients.values())
    if isinstance(error, smtplib.SMTPResponseException):
        return error.smtp_code >= 500
    return False


def send_email(*, delivery_id: int, now: datetime | None = None) -> str:
    """Send one email delivery if it is due and nobody sent it yet; returns its status afterwards."""
    now = now or timezone.now()
    if not _claim(delivery_id, now):
        return _status_of(delivery_id)
    delivery = Delivery.objects.select_related("notification", "recipient").get(pk=delivery_id)
    kind = get_kind(delivery.kind)
    blocked = bounces.undeliverable_address_of(delivery.recipient)
    if blocked is not None:  # it bounced or complained after this delivery was planned
        Delivery.objects.filter(pk=delivery.pk).update(
            status=Delivery.Status.SKIPPED, last_error=bounces.skip_reason(blocked)
        )
        return Delivery.Status.SKIPPED
    notifications = [delivery.notification]
    if kind.batch_by:
        batch = [delivery.notification] + [
            d.notification for d in delivery.batched.select_related("notification").order_by("id")
        ]
        notifications = [n for n in batch if n.read_at is None]
        if not notifications:
            Delivery.objects.filter(pk=delivery.pk).update(
                status=Delivery.Status.SKIPPED, last_error="Read on the site before the email was due."
            )
            return Delivery.Status.SKIPPED
    try:
        message = mail.build_email(delivery, notifications)
    except Exception as error:
        # A broken template is a bug, not a mail server's mood: record it rather than leave the row "sending".
        logger.exception("email delivery %s could not be written", delivery.pk)
        Delivery.objects.filter(pk=delivery.pk).update(
            status=Delivery.Status.FAILED,
            last_error=f"Could not write the email: {type(error).__name__}: {error}"[:1000],
        )
        return Delivery.Status.FAILED
    try:
        message.send()
    except (smtplib.SMTPException, OSError, AnymailError) as error:
        if isinstance(error, AnymailRecipientsRefused):
            # The provider keeps its own list of addresses that bounced or complained: ours must agree.
            bounces.mark_undeliverable(
                email=delivery.recipient.email,
                reason=UndeliverableAddress.Reason.BOUNCED,
                provider=settings.EMAIL_PROVIDER or "email provider",
                detail="The email provider refused to send to this address.",
                occurred_at=now,
            )
        return _record_failure(delivery, error, now)
    Delivery.objects.filter(pk=delivery.pk).update(status=Delivery.Status.SENT, sent_at=now, last_error="")
    return Delivery.Status.SENT


def send_push_delivery(*, delivery_id: int, now: datetime | None = None) -> str:
    """Send one push delivery to every device of its recipient if due and not sent yet; its status afterwards."""
    now = now or timezone.now()
    if not _claim(delivery_id, now):
        return _status_of(delivery_id)
    delivery = Delivery.objects.select_related("notification").get(pk=delivery_id)
    status, errors = push.send_push(delivery=delivery, now=now)
    if status == Delivery.Status.PENDING:
        return _record_failure(delivery, None, now, text=errors)
    Delivery.objects.filter(pk=delivery.pk).update(
        status=status, sent_at=now if status == Delivery.Status.SENT else None, last_error=errors[:1000]
    )
    return status


def _status_of(delivery_id: int) -> str:
    return Delivery.objects.filter(pk=delivery_id).values_list("status", flat=True).first() or "missing"


def _record_failure(delivery: Delivery, error: Exception | None, now: datetime, *, text: str = "") -> str:
    text = (text or f"{type(error).__name__}: {error}")[:1000]
    attempt = delivery.attempts  # read after the claim, which counted this attempt
    if (error is not None and _is_permanent(error)) or attempt > len(RETRY_BACKOFF):
        logger.warning("%s delivery %s failed for good: %s", delivery.channel, delivery.pk, text)
        Delivery.objects.filter(pk=delivery.pk).update(status=Delivery.Status.FAILED, last_error=text)
        return Delivery.Status.FAILED
    retry_at = now + timedelta(seconds=RETRY_BACKOFF[attempt - 1])
    logger.info("%s delivery %s: %s; retrying at %s", delivery.channel, delivery.pk, text, retry_at.isoformat())
    with transaction.atomic():
        Delivery.objects.filter(pk=delivery.pk).update(status=Delivery.Status.PENDING, due_at=retry_at, last_error=text)
        delivery.due_at = retry_at
        transaction.on_commit(lambda: _enqueue_send(delivery), robust=True)
    return Delivery.Status.PENDING


def retry_failed(*, delivery_ids: list[int], now: datetime | None = None) -> int:
    """Staff: send failed deliveries again (after fixing an address or the mail server); returns how many."""
    now = now or timezone.now()
    with transaction.atomic():
        failed = list(Delivery.objects.select_for_update().filter(pk__in=delivery_ids, status=Delivery.Status.FAILED))
        Delivery.objects.filter(pk__in=[d.pk for d in failed]).update(
            status=Delivery.Status.PENDING, due_at=now, attempts=0
        )
        for delivery in failed:
            delivery.due_at = now
            transaction.on_commit(lambda d=delivery: _enqueue_send(d), robust=True)
    return len(failed)


# --- Preferences ----------------------------------------------------------------------


def set_preference(*, user: AbstractBaseUser, kind: str, channel: str, enabled: bool) -> Preference:
    """Turn one optional kind (or ALL_KINDS) on or off on one channel for this person.

    Required kinds (money, safety, deadlines) cannot be turned off: refused with a reason.
    """
    if channel not in OPTIONAL_CHANNELS:
        raise DomainError("Choose email or push.", field="channel")
    if kind != ALL_KINDS:
        declared = KINDS.get(kind)
        if declared is None or channel not in declared.channels:
            raise DomainError("There is no such notification to change.", field="kind")
        if declared.required:
            raise DomainError(
                f"“{declared.label}” is about your money, your safety or a deadline, so it cannot be turned off.",
                field="kind",
                code="required",
            )
    with transaction.atomic():
        preference, _ = Preference.objects.update_or_create(
            user_id=user.pk,
            kind=kind,
            channel=channel,
            defaults={"enabled": enabled, "updated_at": timezone.now()},
        )
        if enabled and kind == ALL_KINDS:
            # "Everything back on" means every single kind too, not just the switch above them.
            Preference.objects.filter(user_id=user.pk, channel=channel).update(enabled=True)
    return preference


def unsubscribe(*, token: str) -> Unsubscribe:
    """One-click unsubscribe (RFC 8058): turn off exactly the kind and channel the token names."""
    what = read_unsubscribe_token(token)
    if what is None:
        raise DomainError("This unsubscribe link is not valid or has expired. Nothing was changed.", code="bad_token")
    user = get_user_model().objects.filter(pk=what.user_id).first()
    if user is None:
        raise DomainError("This unsubscribe link is not valid or has expired. Nothing was changed.", code="bad_token")
    set_preference(user=user, kind=what.kind, channel=what.channel, enabled=False)
    return what


def send_due(*, now: datetime | None = None, limit: int = 500) -> dict[str, int]:
    """Catch-up sweep (manage.py send_due_notifications): send due deliveries whose task was lost.

    Safe beside running workers: each delivery is claimed with a conditional UPDATE first, so it
    is sent by whoever claims it, once. A delivery left "sending" by a worker that died is not
    touched (it may have reached the mail server); staff see it in the admin.
    """
    now = now or timezone.now()
    counts: dict[str, int] = {}
    due = Delivery.objects.filter(status=Delivery.Status.PENDING, due_at__lte=now).order_by("due_at", "id")
    for delivery_id, channel in list(due.values_list("id", "channel")[:limit]):
        send = send_email if channel == EMAIL else send_push_delivery
        status = str(send(delivery_id=delivery_id, now=now))
        counts[status] = counts.get(status, 0) + 1
    return counts
