"""A request to move a confirmed booking to other dates or another number of guests (`bookings.services.changes`).

Kept apart from `bookings.models` (module size); `bookings.models` re-exports it.
"""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from bookings.model_mixins import PaidByTenders


class BookingChange(PaidByTenders, models.Model):
    """A request to move a confirmed booking to other dates or another number of guests, and its answer.

    The guest asks or the host proposes; the other side accepts or declines before `respond_by`. The new
    quote is frozen here when asked (same fees and the booking's frozen policy), so both sides answer the
    price they saw. Accepting moves the booking and its calendar entry in one transaction
    (`bookings.services.changes`). At most one change per booking is open at a time (a DB constraint).
    """

    class Side(models.TextChoices):
        GUEST = "guest", _("The guest asked")
        HOST = "host", _("The host proposed")

    class Status(models.TextChoices):
        OPEN = "open", _("Waiting for an answer")
        ACCEPTED = "accepted", _("Accepted")
        DECLINED = "declined", _("Declined")
        EXPIRED = "expired", _("Not answered in time")
        WITHDRAWN = "withdrawn", _("Withdrawn")

    uid = models.UUIDField(_("uid"), default=uuid.uuid4, unique=True, editable=False)
    booking = models.ForeignKey(
        "bookings.Booking", verbose_name=_("booking"), on_delete=models.CASCADE, related_name="changes"
    )
    side = models.CharField(_("side"), max_length=5, choices=Side.choices)
    asked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("asked by"), on_delete=models.PROTECT, related_name="+"
    )
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.OPEN)
    # What the booking was when asked, for the history.
    old_start = models.DateTimeField(_("old start"))
    old_end = models.DateTimeField(_("old end"))
    old_guests = models.PositiveIntegerField(_("old guests"))
    old_total = models.IntegerField(_("old total"))
    old_charged = models.IntegerField(
        _("old charged"), help_text=_("What the guest's card paid of the booking when asked.")
    )
    # What it becomes, and its new quote (minor units of the booking's currency).
    start = models.DateTimeField(_("start"))
    end = models.DateTimeField(_("end"))
    guests = models.PositiveIntegerField(_("guests"))
    units = models.PositiveIntegerField(_("units"))
    unit_price = models.IntegerField(_("unit price"))
    subtotal = models.IntegerField(_("subtotal"))
    discount = models.IntegerField(_("discount"), default=0)
    fee = models.IntegerField(_("fee"), default=0)
    guest_service_fee = models.IntegerField(_("guest service fee"))
    total = models.IntegerField(_("total"))
    host_service_fee = models.IntegerField(_("host service fee"))
    host_payout = models.IntegerField(_("host payout"))
    # The new quote's taxes, by the same rules as a new booking (bookings.services.taxation).
    vat = models.IntegerField(_("VAT"), default=0)
    vat_country = models.CharField(_("VAT country"), max_length=2, blank=True)
    vat_rate = models.PositiveIntegerField(_("VAT rate"), default=0)
    occupancy_tax = models.IntegerField(_("occupancy tax"), default=0)
    occupancy_place = models.CharField(_("occupancy place"), max_length=110, blank=True)
    host_vat = models.IntegerField(_("host VAT"), default=0)
    host_vat_country = models.CharField(_("host VAT country"), max_length=2, blank=True)
    host_vat_rate = models.PositiveIntegerField(_("host VAT rate"), default=0)
    # The booking's promo code and credit carried over to the new quote (bookings.services.change_money): a
    # host-funded discount lowers the units' price; Sharing's promotion and the credit pay part of the total.
    host_promotion = models.IntegerField(_("host promotion"), default=0)
    platform_promotion = models.IntegerField(_("platform promotion"), default=0)
    credit = models.IntegerField(_("credit"), default=0)
    # The answer-window reminder last sent to the side that answers: 12 or 2 (hours before `respond_by`), 0 none.
    reminded_hours = models.PositiveSmallIntegerField(_("reminded hours"), default=0)
    # A dearer change of a paid booking: the card authorised for the new total (payments' row, no FK:
    # bookings does not depend on payments), which replaces the first payment once accepted.
    payment_id = models.BigIntegerField(_("payment id"), null=True, blank=True)
    respond_by = models.DateTimeField(_("respond by"), help_text=_("A change not answered by then expires."))
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    answered_at = models.DateTimeField(_("answered at"), null=True, blank=True)
    answered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("answered by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    reason = models.CharField(_("reason"), max_length=300, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["status", "respond_by"])]
        constraints = [
            models.UniqueConstraint(fields=["booking"], condition=Q(status="open"), name="booking_change_one_open"),
            models.CheckConstraint(condition=Q(end__gt=F("start")), name="booking_change_end_after_start"),
            models.CheckConstraint(condition=Q(guests__gte=1), name="booking_change_guests_at_least_one"),
            models.CheckConstraint(
                condition=Q(status__in=["open", "accepted", "declined", "expired", "withdrawn"]),
                name="booking_change_status_known",
            ),
            models.CheckConstraint(condition=Q(side__in=["guest", "host"]), name="booking_change_side_known"),
            models.CheckConstraint(
                condition=Q(
                    total=F("subtotal")
                    - F("discount")
                    - F("host_promotion")
                    + F("fee")
                    + F("guest_service_fee")
                    + F("vat")
                    + F("occupancy_tax")
                ),
                name="booking_change_total_adds_up",
            ),
            models.CheckConstraint(
                condition=Q(host_promotion__gte=0, platform_promotion__gte=0, credit__gte=0),
                name="booking_change_promotions_not_negative",
            ),
        ]

    def __str__(self) -> str:
        return f"Change of booking {self.booking_id} ({self.status})"

    @property
    def reference(self) -> str:
        return f"change:{self.uid.hex}"

    @property
    def difference(self) -> int:
        """What the guest's card pays more (positive) or gets back (negative) if it is accepted."""
        return self.charged - self.old_charged

    @property
    def back(self) -> int:
        """What goes back to the guest if it is accepted (0 when it costs the same or more)."""
        return max(0, -self.difference)
