"""Deliveries of notifications by email and push, and each person's choices of what reaches them where.

A `Delivery` is the record of one notification on one channel: the database allows one per
notification and channel, so a task run twice (a retry, a restarted worker) can never send a
second email for the same event.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.db.models.functions import Lower
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from realtime.kinds import EMAIL, PUSH
from realtime.models import Notification

# The kind a Preference names to mean "every kind that may be turned off".
ALL_KINDS = "*"


class Delivery(models.Model):
    class Channel(models.TextChoices):
        EMAIL = EMAIL, _("Email")
        PUSH = PUSH, _("Push")

    class Status(models.TextChoices):
        PENDING = "pending", _("Waiting to be sent")
        SENDING = "sending", _("Being sent")
        SENT = "sent", _("Sent")
        # Messages in a thread: sent inside another delivery's email (batched_into).
        BATCHED = "batched", _("Sent with another")
        # Nothing to send any more (the person read it on the site first).
        SKIPPED = "skipped", _("Not needed")
        FAILED = "failed", _("Failed")

    notification = models.ForeignKey(
        Notification, verbose_name=_("notification"), on_delete=models.CASCADE, related_name="deliveries"
    )
    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("recipient"), on_delete=models.CASCADE, related_name="deliveries"
    )
    channel = models.CharField(_("channel"), max_length=10, choices=Channel.choices)
    kind = models.CharField(_("kind"), max_length=60)
    # Emails of one group (a message thread) go out at most once per batching window.
    batch_key = models.CharField(_("batch key"), max_length=100, blank=True)
    batched_into = models.ForeignKey(
        "self", verbose_name=_("batched into"), null=True, blank=True, on_delete=models.SET_NULL, related_name="batched"
    )
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.PENDING)
    due_at = models.DateTimeField(_("due at"), default=timezone.now)
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    claimed_at = models.DateTimeField(_("claimed at"), null=True, blank=True)
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True)
    last_error = models.TextField(_("last error"), blank=True)
    created_at = models.DateTimeField(_("created at"), default=timezone.now, editable=False)

    class Meta:
        verbose_name = _("delivery")
        verbose_name_plural = _("deliveries")
        ordering = ["-id"]
        constraints = [
            models.UniqueConstraint(fields=["notification", "channel"], name="notifications_one_delivery_per_channel"),
            models.CheckConstraint(
                condition=~Q(status="batched") | Q(batched_into__isnull=False),
                name="notifications_batched_names_its_email",
            ),
        ]
        indexes = [
            models.Index(fields=["status", "due_at"]),
            models.Index(fields=["recipient", "channel", "batch_key", "status"]),
        ]

    def __str__(self) -> str:
        return f"{self.channel} of {self.kind} to user {self.recipient_id}: {self.status}"


class Preference(models.Model):
    """A person's choice for one optional kind (or ALL_KINDS) on one channel; no row means on."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("user"), on_delete=models.CASCADE, related_name="channel_preferences"
    )
    kind = models.CharField(_("kind"), max_length=60)
    channel = models.CharField(_("channel"), max_length=10, choices=Delivery.Channel.choices)
    enabled = models.BooleanField(_("enabled"), default=True)
    updated_at = models.DateTimeField(_("updated at"), default=timezone.now)

    class Meta:
        verbose_name = _("preference")
        verbose_name_plural = _("preferences")
        constraints = [
            models.UniqueConstraint(fields=["user", "kind", "channel"], name="notifications_one_preference_per_kind"),
        ]

    def __str__(self) -> str:
        return f"{self.kind} by {self.channel} for user {self.user_id}: {'on' if self.enabled else 'off'}"


class PushSubscription(models.Model):
    """One device (browser) of a person that accepted Web Push: where to send, and the keys to encrypt with."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("user"), on_delete=models.CASCADE, related_name="push_subscriptions"
    )
    endpoint = models.URLField(_("endpoint"), max_length=1000, unique=True)
    p256dh = models.CharField(_("p256dh"), max_length=200)
    auth = models.CharField(_("auth"), max_length=100)
    user_agent = models.CharField(_("user agent"), max_length=300, blank=True)
    created_at = models.DateTimeField(_("created at"), default=timezone.now, editable=False)
    last_success_at = models.DateTimeField(_("last success at"), null=True, blank=True)

    class Meta:
        verbose_name = _("push subscription")
        verbose_name_plural = _("push subscriptions")

    def __str__(self) -> str:
        return f"push device {self.pk} of user {self.user_id}"

    def as_subscription_info(self) -> dict:
        return {"endpoint": self.endpoint, "keys": {"p256dh": self.p256dh, "auth": self.auth}}


class UndeliverableAddress(models.Model):
    """An address the email provider reported as bouncing, or whose owner marked our email as spam.

    No notification email goes to it until the person fixes it (a new address, or "try it again"
    on their settings page) or staff clear it. Kept per address, not per person: the provider
    speaks of addresses, and a changed address is a fresh start by itself.
    """

    class Reason(models.TextChoices):
        BOUNCED = "bounced", _("Bounced")
        COMPLAINED = "complained", _("Marked as spam")

    # Lower-case (a constraint), so one address has one row however a provider spells it.
    email = models.EmailField(_("email"), max_length=254, unique=True)
    reason = models.CharField(_("reason"), max_length=12, choices=Reason.choices)
    provider = models.CharField(_("provider"), max_length=40)
    # What the provider or the receiving mail server said, for the person and for staff.
    detail = models.TextField(_("detail"), blank=True)
    event_id = models.CharField(_("event id"), max_length=200, blank=True)
    occurred_at = models.DateTimeField(_("occurred at"))
    recorded_at = models.DateTimeField(_("recorded at"), default=timezone.now, editable=False)

    class Meta:
        verbose_name = _("undeliverable address")
        verbose_name_plural = _("undeliverable addresses")
        ordering = ["-occurred_at"]
        constraints = [
            models.CheckConstraint(condition=Q(email=Lower("email")), name="notifications_undeliverable_lowercase"),
        ]

    def __str__(self) -> str:
        return f"{self.email}: {self.get_reason_display().lower()}"
