"""Disputes about a booking, their evidence, and the audit log of every decision staff make.

Money is integers in minor units of `currency`. A dispute's resolution records what
the guest got back and what the host kept; the ledger (payments) records how it moved.
"""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.contrib.contenttypes.fields import GenericForeignKey
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from bookings.models import Booking

# Either party may open a dispute until this long after the booking's end.
OPEN_WINDOW = timedelta(hours=48)
# A dispute no staff member has acted on for this long is flagged on the desk.
STALE_AFTER = timedelta(hours=72)


class Category(models.TextChoices):
    NOT_AS_DESCRIBED = "not_as_described", _("Not as described")
    DAMAGE = "damage", _("Damage")
    NO_SHOW = "no_show", _("No-show")
    SAFETY = "safety", _("Safety")
    PAYMENT = "payment", _("Payment")
    OTHER = "other", _("Other")


class DisputeStatus(models.TextChoices):
    OPEN = "open", _("Open")
    AWAITING_EVIDENCE = "awaiting_evidence", _("Waiting for more evidence")
    RESOLVED = "resolved", _("Resolved")


class Source(models.TextChoices):
    PARTY = "party", _("Opened by the guest or the host")
    CHARGEBACK = "chargeback", _("Chargeback reported by the card issuer")


class Dispute(models.Model):
    booking = models.ForeignKey(Booking, on_delete=models.PROTECT, related_name="disputes", verbose_name=_("booking"))
    # None for a chargeback: the card holder's bank opened it, not a person on the site.
    opened_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="disputes_opened",
        verbose_name=_("opened by"),
    )
    source = models.CharField(_("source"), max_length=12, choices=Source.choices, default=Source.PARTY)
    stripe_dispute_id = models.CharField(_("Stripe dispute id"), max_length=255, blank=True)
    category = models.CharField(_("category"), max_length=20, choices=Category.choices)
    description = models.TextField(_("description"), max_length=4000)
    status = models.CharField(_("status"), max_length=20, choices=DisputeStatus.choices, default=DisputeStatus.OPEN)
    evidence_deadline = models.DateTimeField(_("evidence deadline"), null=True, blank=True)
    evidence_request = models.TextField(
        _("evidence request"), max_length=2000, blank=True, help_text=_("What staff asked the parties for.")
    )
    created_at = models.DateTimeField(_("opened at"), default=timezone.now)
    last_staff_action_at = models.DateTimeField(_("last staff action at"), null=True, blank=True)

    # The outcome, set once by resolve_dispute.
    guest_refund = models.BigIntegerField(
        _("guest refund"), null=True, blank=True, help_text=_("Minor units returned to the guest.")
    )
    host_payout = models.BigIntegerField(
        _("host payout"), null=True, blank=True, help_text=_("Minor units the host keeps in total.")
    )
    currency = models.CharField(_("currency"), max_length=3)
    reason = models.TextField(_("reason"), max_length=4000, blank=True, help_text=_("Shown to both parties."))
    payout_reversed = models.BigIntegerField(
        _("payout taken back"), default=0, help_text=_("Taken back from a payout already sent.")
    )
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="disputes_resolved",
        verbose_name=_("resolved by"),
    )
    resolved_at = models.DateTimeField(_("resolved at"), null=True, blank=True)

    class Meta:
        verbose_name = _("dispute")
        verbose_name_plural = _("disputes")
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["status", "created_at"])]
        constraints = [
            models.UniqueConstraint(
                fields=["booking"], condition=~Q(status="resolved"), name="dispute_one_open_per_booking"
            ),
            models.UniqueConstraint(
                fields=["stripe_dispute_id"], condition=~Q(stripe_dispute_id=""), name="dispute_unique_stripe_dispute"
            ),
            models.CheckConstraint(
                condition=Q(guest_refund__isnull=True) | Q(guest_refund__gte=0), name="dispute_refund_not_negative"
            ),
            models.CheckConstraint(
                condition=Q(host_payout__isnull=True) | Q(host_payout__gte=0), name="dispute_payout_not_negative"
            ),
            models.CheckConstraint(condition=Q(payout_reversed__gte=0), name="dispute_reversed_not_negative"),
            models.CheckConstraint(condition=Q(status__in=DisputeStatus.values), name="dispute_status_known"),
            models.CheckConstraint(condition=Q(category__in=Category.values), name="dispute_category_known"),
            # A resolved dispute always carries its decision; an unresolved one none.
            models.CheckConstraint(
                condition=Q(
                    status="resolved",
                    guest_refund__isnull=False,
                    host_payout__isnull=False,
                    resolved_at__isnull=False,
                )
                | (~Q(status="resolved") & Q(guest_refund__isnull=True, host_payout__isnull=True)),
                name="dispute_resolution_complete",
            ),
        ]

    def __str__(self) -> str:
        return f"Dispute {self.pk} on booking {self.booking_id} ({self.status})"

    def get_absolute_url(self) -> str:
        return reverse("disputes:detail", kwargs={"dispute_id": self.pk})

    @property
    def thread_key(self) -> str:
        return f"dispute:{self.pk}"

    @property
    def is_resolved(self) -> bool:
        return self.status == DisputeStatus.RESOLVED

    def untouched_since(self):
        return self.last_staff_action_at or self.created_at

    def is_stale(self, now=None) -> bool:
        """Unresolved and no staff action for 72 hours (see selectors.stale_disputes)."""
        now = now or timezone.now()
        return not self.is_resolved and now - self.untouched_since() >= STALE_AFTER


def evidence_upload_to(evidence: DisputeEvidence, filename: str) -> str:
    return f"disputes/{evidence.dispute_id}/{timezone.now():%Y%m%d%H%M%S%f}.jpg"


class DisputeEvidence(models.Model):
    """A photo a party (or staff) added to a dispute, re-encoded by core.images.normalise_image."""

    dispute = models.ForeignKey(Dispute, verbose_name=_("dispute"), on_delete=models.CASCADE, related_name="evidence")
    uploader = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("uploader"), on_delete=models.PROTECT, related_name="+"
    )
    image = models.ImageField(_("image"), upload_to=evidence_upload_to)
    caption = models.CharField(_("caption"), max_length=200, blank=True)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)

    class Meta:
        ordering = ["created_at", "pk"]
        verbose_name_plural = "dispute evidence"

    def __str__(self) -> str:
        return f"Evidence {self.pk} for dispute {self.dispute_id}"


class AdminDecision(models.Model):
    """One decision by a staff member: who, when, what, why, on which object. Append-only."""

    class Action(models.TextChoices):
        RESOLVE_DISPUTE = "resolve_dispute", _("Resolved a dispute")
        REQUEST_EVIDENCE = "request_evidence", _("Asked for more evidence")
        REVIEW_DISPUTE = "review_dispute", _("Looked at a dispute")
        SUSPEND_USER = "suspend_user", _("Suspended a person")
        LIFT_SUSPENSION = "lift_suspension", _("Lifted a suspension")

    staff = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("staff"), on_delete=models.PROTECT, related_name="admin_decisions"
    )
    at = models.DateTimeField(_("at"), default=timezone.now)
    action = models.CharField(_("action"), max_length=30, choices=Action.choices)
    reason = models.TextField(_("reason"), max_length=4000)
    details = models.JSONField(
        _("details"), default=dict, blank=True, help_text=_("Amounts and other facts of the decision.")
    )
    # Generic, so that moderation of reviews, listings and users can be recorded here too.
    content_type = models.ForeignKey(ContentType, verbose_name=_("content type"), on_delete=models.PROTECT)
    object_id = models.PositiveBigIntegerField(_("object id"))
    target = GenericForeignKey("content_type", "object_id")

    class Meta:
        verbose_name = _("admin decision")
        verbose_name_plural = _("admin decisions")
        ordering = ["-at", "-pk"]
        indexes = [models.Index(fields=["content_type", "object_id", "at"])]
        constraints = [models.CheckConstraint(condition=~Q(reason=""), name="admin_decision_reason_required")]

    def __str__(self) -> str:
        return f"{self.get_action_display()} by {self.staff} at {self.at:%Y-%m-%d %H:%M}"

    def save(self, *args, **kwargs):
        if self.pk is not None:
            raise TypeError("Admin decisions are an audit log: they are never edited.")
        super().save(*args, **kwargs)
