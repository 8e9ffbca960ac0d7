"""Stripe's side of the money records: its webhook events (each processed once) and the mismatches
`reconcile_stripe` finds between our records and Stripe's objects. Re-exported by payments.models."""

from __future__ import annotations

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class StripeEvent(models.Model):
    """A webhook event, stored by Stripe's id so that each one is processed exactly once."""

    class Status(models.TextChoices):
        RECEIVED = "received", _("Received")
        PROCESSED = "processed", _("Processed")
        IGNORED = "ignored", _("Ignored (type not handled)")
        FAILED = "failed", _("Failed, will be retried")
        GAVE_UP = "gave_up", _("Failed too often: needs staff")

    event_id = models.CharField(_("event id"), max_length=255, unique=True)
    type = models.CharField(_("type"), max_length=100)
    payload = models.JSONField(_("payload"))
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.RECEIVED)
    attempts = models.PositiveIntegerField(_("attempts"), default=0)
    next_attempt_at = models.DateTimeField(
        _("next attempt at"),
        null=True,
        blank=True,
        help_text=_("After a failure: when the scheduler tries again (backoff); empty = now."),
    )
    last_error = models.TextField(_("last error"), blank=True)
    received_at = models.DateTimeField(_("received at"))
    processed_at = models.DateTimeField(_("processed at"), null=True, blank=True)

    class Meta:
        verbose_name = _("Stripe event")
        verbose_name_plural = _("Stripe events")
        ordering = ["-received_at", "-pk"]

    def __str__(self) -> str:
        return f"{self.event_id} {self.type} ({self.status})"


class StripeMismatch(models.Model):
    """The staff queue of `reconcile_stripe`: something we recorded that Stripe's own objects disagree with.

    One open row per disagreement (`key`, e.g. "payment:12:refunds"): a later run updates what it
    still sees (`last_seen_at`), and resolves the row by itself once both sides agree again
    (the re-driver caught up, staff fixed it). `ours` and `stripe` say what each side holds.
    """

    key = models.CharField(_("key"), max_length=120)
    payment = models.ForeignKey(
        "payments.Payment", verbose_name=_("payment"), on_delete=models.PROTECT, related_name="mismatches"
    )
    what = models.CharField(
        _("what"), max_length=30, help_text=_("capture, status, refunds, refund_operation, transfer")
    )
    ours = models.CharField(_("ours"), max_length=200, help_text=_("What our records say."))
    stripe = models.CharField(_("Stripe"), max_length=200, help_text=_("What Stripe's objects say."))
    found_at = models.DateTimeField(_("found at"))
    last_seen_at = models.DateTimeField(_("last seen at"))
    resolved_at = models.DateTimeField(_("resolved at"), null=True, blank=True)

    class Meta:
        verbose_name = _("Stripe mismatch")
        verbose_name_plural = _("Stripe mismatches")
        ordering = ["-found_at", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["key"], condition=Q(resolved_at__isnull=True), name="stripe_mismatch_open_once"
            )
        ]

    def __str__(self) -> str:
        return f"{self.what} of {self.payment.reference}: ours {self.ours}, Stripe {self.stripe}"
