"""Bookings: one guest, one listing, one period [start, end), its frozen price and its history.

The booking row is the single source of truth for where a reservation stands;
every change of `status` goes through `bookings.services` and leaves a
`BookingTransition`. Money is integers in minor units of `currency`, frozen at
booking time so later price edits never change what was agreed.
"""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from bookings.model_mixins import PaidByTenders
from listings.models import BusyPeriod, CancellationPolicy, Listing
from taxes.rules import ledger_account


class BookingStatus(models.TextChoices):
    REQUESTED = "requested", _("Requested")
    CONFIRMED = "confirmed", _("Confirmed")
    DECLINED = "declined", _("Declined")
    EXPIRED = "expired", _("Expired")
    WITHDRAWN = "withdrawn", _("Withdrawn")
    IN_PROGRESS = "in_progress", _("In progress")
    COMPLETED = "completed", _("Completed")
    CANCELLED_BY_GUEST = "cancelled_by_guest", _("Cancelled by the guest")
    CANCELLED_BY_HOST = "cancelled_by_host", _("Cancelled by the host")
    DISPUTED = "disputed", _("Disputed")


# Statuses whose booking owns a BusyPeriod on the listing's calendar. Completed
# bookings keep theirs: the period is past anyway, and a dispute opened after the
# end then never has to win the slot back.
HOLDING_STATUSES = (
    BookingStatus.CONFIRMED,
    BookingStatus.IN_PROGRESS,
    BookingStatus.COMPLETED,
    BookingStatus.DISPUTED,
)
OPEN_REQUEST_STATUSES = (BookingStatus.REQUESTED,)
# Ended without the service taking place: the guest gets everything back.
UNPAID_END_STATUSES = (BookingStatus.DECLINED, BookingStatus.EXPIRED, BookingStatus.WITHDRAWN)
CANCELLED_STATUSES = (BookingStatus.CANCELLED_BY_GUEST, BookingStatus.CANCELLED_BY_HOST)
# Bookings whose host may be owed money once the payout time comes (see Booking.payout_amount).
PAYOUT_STATUSES = (BookingStatus.IN_PROGRESS, BookingStatus.COMPLETED, BookingStatus.CANCELLED_BY_GUEST)
FINAL_STATUSES = (*UNPAID_END_STATUSES, *CANCELLED_STATUSES, BookingStatus.COMPLETED)

RESPONSE_WINDOW = timedelta(hours=24)
# Payout release: this long after the start, or at the end if that comes sooner.
PAYOUT_DELAY = timedelta(hours=24)

_AMOUNT_FIELDS = (
    "host_promotion",
    "platform_promotion",
    "credit",
    "unit_price",
    "subtotal",
    "discount",
    "fee",
    "guest_service_fee",
    "total",
    "host_service_fee",
    "host_payout",
    "vat",
    "occupancy_tax",
    "vat_refunded",
    "occupancy_tax_refunded",
    "host_vat",
    "host_vat_refunded",
)


class Booking(PaidByTenders, models.Model):
    guest = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("guest"), on_delete=models.PROTECT, related_name="trips"
    )
    listing = models.ForeignKey(Listing, verbose_name=_("listing"), on_delete=models.PROTECT, related_name="bookings")
    start = models.DateTimeField(_("start"))
    end = models.DateTimeField(_("end"))
    guests = models.PositiveIntegerField(_("guests"), default=1)
    status = models.CharField(
        _("status"), max_length=20, choices=BookingStatus.choices, default=BookingStatus.REQUESTED
    )
    # The calendar entry this booking owns while it holds the slot (see HOLDING_STATUSES).
    # PROTECT: nobody may free a booked slot behind the booking's back.
    busy_period = models.OneToOneField(
        BusyPeriod,
        verbose_name=_("busy period"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="booking",
    )

    # Frozen quote, minor units of `currency`. `units` counts nights (rooms),
    # hours (cars) or half hours (driving services); `unit_price` is the listing's
    # price per night or per hour at booking time.
    currency = models.CharField(_("currency"), max_length=3)
    units = models.PositiveIntegerField(_("units"))
    unit_price = models.IntegerField(_("unit price"))
    subtotal = models.IntegerField(_("subtotal"), help_text=_("Price of the units before any discount."))
    discount = models.IntegerField(_("discount"), default=0)
    fee = models.IntegerField(_("fee"), default=0, help_text=_("Cleaning or booking fee."))
    guest_service_fee = models.IntegerField(_("guest service fee"))
    total = models.IntegerField(_("total"), help_text=_("What the guest pays."))
    host_service_fee = models.IntegerField(_("host service fee"))
    host_payout = models.IntegerField(_("host payout"), help_text=_("What the host receives if nothing is cancelled."))
    # A promo code (README "Promo codes and referral credit"): a host-funded discount lowers the units'
    # price; a Sharing-funded one and the guest's credit pay part of the total instead of the card.
    promo_code = models.CharField(_("promo code"), max_length=32, blank=True)
    host_promotion = models.IntegerField(_("host promotion"), default=0)
    platform_promotion = models.IntegerField(_("platform promotion"), default=0)
    credit = models.IntegerField(_("credit"), default=0, help_text=_("The guest's credit used."))
    # Taxes (the taxes app), their own lines inside `total`: VAT on Sharing's guest service fee by the
    # guest's country's rate (milli-percent), and the city's occupancy tax on the nights ("FR:Paris").
    # What a refund gave back of each is recorded with the outcome; the rest is collected at the payout.
    vat = models.IntegerField(_("VAT"), default=0)
    vat_country = models.CharField(_("VAT country"), max_length=2, blank=True)
    vat_rate = models.PositiveIntegerField(
        _("VAT rate"), default=0, help_text=_("Thousandths of a percent (20 % = 20000).")
    )
    occupancy_tax = models.IntegerField(_("occupancy tax"), default=0)
    occupancy_place = models.CharField(
        _("occupancy place"), max_length=110, blank=True, help_text=_('Country and city, "FR:Paris".')
    )
    vat_refunded = models.IntegerField(_("VAT refunded"), default=0)
    occupancy_tax_refunded = models.IntegerField(_("occupancy tax refunded"), default=0)
    # VAT on Sharing's host service fee by the host's country's rate: out of `host_payout`, not in `total`.
    host_vat = models.IntegerField(_("host VAT"), default=0)
    host_vat_country = models.CharField(_("host VAT country"), max_length=2, blank=True)
    host_vat_rate = models.PositiveIntegerField(
        _("host VAT rate"), default=0, help_text=_("Thousandths of a percent (20 % = 20000).")
    )
    host_vat_refunded = models.IntegerField(
        _("host VAT refunded"), default=0, help_text=_("Not collected after all: the host fee shrank.")
    )
    # Frozen rules.
    cancellation_policy = models.CharField(_("cancellation policy"), max_length=10, choices=CancellationPolicy.choices)
    time_zone = models.CharField(_("time zone"), max_length=64, help_text=_("The listing's time zone at booking time."))

    # Outcome once the booking ends without being completed: what goes back to
    # the guest, what the host keeps and what the platform keeps (they sum to `total`).
    refund_amount = models.IntegerField(_("refund amount"), null=True, blank=True)
    host_payout_after_cancellation = models.IntegerField(_("host payout after cancellation"), null=True, blank=True)
    platform_keeps = models.IntegerField(_("platform keeps"), null=True, blank=True)

    created_at = models.DateTimeField(_("created at"), default=timezone.now, editable=False)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)
    respond_by = models.DateTimeField(_("respond by"), help_text=_("A request not answered by then expires."))
    confirmed_at = models.DateTimeField(_("confirmed at"), null=True, blank=True)
    ended_at = models.DateTimeField(
        _("ended at"), null=True, blank=True, help_text=_("When it was declined, expired, withdrawn...")
    )
    payout_release_at = models.DateTimeField(_("payout release at"), null=True, blank=True)
    payout_released_at = models.DateTimeField(_("payout released at"), null=True, blank=True)
    # Where to return when a dispute is cleared without a decision that ends the booking.
    status_before_dispute = models.CharField(
        _("status before dispute"), max_length=20, blank=True, choices=BookingStatus.choices
    )

    class Meta:
        verbose_name = _("booking")
        verbose_name_plural = _("bookings")
        ordering = ["-start"]
        indexes = [
            models.Index(fields=["listing", "status", "start"]),
            models.Index(fields=["guest", "-start"]),
            models.Index(fields=["status", "respond_by"]),
            models.Index(fields=["status", "end"]),
        ]
        constraints = [
            models.CheckConstraint(condition=Q(end__gt=F("start")), name="booking_end_after_start"),
            models.CheckConstraint(condition=Q(status__in=BookingStatus.values), name="booking_status_known"),
            models.CheckConstraint(
                condition=Q(cancellation_policy__in=CancellationPolicy.values), name="booking_policy_known"
            ),
            models.CheckConstraint(condition=Q(guests__gte=1), name="booking_guests_at_least_one"),
            models.CheckConstraint(condition=Q(units__gte=1), name="booking_units_at_least_one"),
            *[
                models.CheckConstraint(condition=Q(**{f"{name}__gte": 0}), name=f"booking_{name}_not_negative")
                for name in _AMOUNT_FIELDS
            ],
            models.CheckConstraint(
                condition=Q(discount__lte=F("subtotal") - F("host_promotion")), name="booking_discount_within_subtotal"
            ),
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
                name="booking_total_adds_up",
            ),
            models.CheckConstraint(
                condition=Q(
                    host_payout=F("subtotal")
                    - F("discount")
                    - F("host_promotion")
                    + F("fee")
                    - F("host_service_fee")
                    - F("host_vat")
                ),
                name="booking_host_payout_adds_up",
            ),
            # The card always pays something (bookings.pricing.minimum_charge).
            models.CheckConstraint(
                condition=Q(total__gt=F("platform_promotion") + F("credit")), name="booking_card_pays_a_part"
            ),
            models.CheckConstraint(
                condition=Q(refund_amount__isnull=True)
                | Q(
                    refund_amount__gte=0,
                    host_payout_after_cancellation__gte=0,
                    platform_keeps__gte=0,
                    total=F("refund_amount") + F("host_payout_after_cancellation") + F("platform_keeps"),
                ),
                name="booking_cancellation_split_adds_up",
            ),
            models.CheckConstraint(
                condition=Q(
                    vat_refunded__lte=F("vat"),
                    occupancy_tax_refunded__lte=F("occupancy_tax"),
                    host_vat_refunded__lte=F("host_vat"),
                ),
                name="booking_taxes_refunded_within",
            ),
            # A booking that holds the slot always owns its calendar entry.
            models.CheckConstraint(
                condition=~Q(status__in=HOLDING_STATUSES) | Q(busy_period__isnull=False),
                name="booking_holding_owns_busy_period",
            ),
            # The PostgreSQL-only exclusion constraint (no two slot-holding bookings of
            # one listing overlap) is created by migration 0002 with raw SQL.
        ]

    def __str__(self) -> str:
        return f"Booking {self.pk} of {self.listing_id} ({self.status})"

    def get_absolute_url(self) -> str:
        return reverse("bookings:detail", kwargs={"booking_id": self.pk})

    @property
    def host_id(self) -> int:
        return self.listing.owner_id

    @property
    def taxes(self) -> int:
        return self.vat + self.occupancy_tax

    def taxes_kept(self) -> dict[str, int]:
        """The taxes collected on this booking, by ledger account (`taxes.rules.ledger_account`):
        what the guest paid less what refunds gave back. Moved there when the escrow is released."""
        kept = {}
        if self.vat - self.vat_refunded > 0:
            kept[ledger_account("vat", self.vat_country)] = self.vat - self.vat_refunded
        if self.occupancy_tax - self.occupancy_tax_refunded > 0:
            kept[ledger_account("occupancy", self.occupancy_place)] = self.occupancy_tax - self.occupancy_tax_refunded
        if self.host_vat - self.host_vat_refunded > 0:
            kept[ledger_account("host_vat", self.host_vat_country)] = self.host_vat - self.host_vat_refunded
        return kept

    @property
    def holds_slot(self) -> bool:
        return self.status in HOLDING_STATUSES

    @property
    def is_final(self) -> bool:
        return self.status in FINAL_STATUSES

    @property
    def payout_amount(self) -> int:
        """What the host is owed: the frozen payout, or their share after a guest's late cancellation."""
        if self.status in CANCELLED_STATUSES:
            return self.host_payout_after_cancellation or 0
        return self.host_payout

    def payout_due_at(self) -> datetime:
        """24 hours after the start, or the end if that comes sooner."""
        return min(self.start + PAYOUT_DELAY, self.end)


class BookingTransition(models.Model):
    """One step of a booking's history: who moved it, when, from which status to which, and why."""

    booking = models.ForeignKey(
        Booking, verbose_name=_("booking"), on_delete=models.CASCADE, related_name="transitions"
    )
    from_status = models.CharField(_("from status"), max_length=20, blank=True, choices=BookingStatus.choices)
    to_status = models.CharField(_("to status"), max_length=20, choices=BookingStatus.choices)
    # None when the platform moved it (a timer, an automatic decline).
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("by"), on_delete=models.SET_NULL, null=True, blank=True
    )
    at = models.DateTimeField(_("at"), default=timezone.now)
    reason = models.CharField(_("reason"), max_length=300, blank=True)

    class Meta:
        ordering = ["at", "pk"]
        indexes = [models.Index(fields=["booking", "at"])]

    def __str__(self) -> str:
        return f"{self.from_status or 'new'} -> {self.to_status}"


class PendingCheckout(models.Model):
    """A booking waiting for the guest's bank (3-D Secure): what was asked, kept server-side.

    The card is authorised for `total` under the reference "checkout:<uid>"; once the
    guest's bank confirms, `services.complete_checkout` re-checks the quote and the
    dates and makes the booking. `payment_id` names the payments app's row without a
    foreign key, so bookings does not depend on payments (README "## Bookings").
    """

    uid = models.UUIDField(_("uid"), default=uuid.uuid4, unique=True, editable=False)
    guest = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("guest"), on_delete=models.CASCADE, related_name="pending_checkouts"
    )
    listing = models.ForeignKey(
        Listing, verbose_name=_("listing"), on_delete=models.CASCADE, related_name="pending_checkouts"
    )
    start = models.DateTimeField(_("start"))
    end = models.DateTimeField(_("end"))
    guests = models.PositiveSmallIntegerField(_("guests"))
    total = models.BigIntegerField(_("total"), help_text=_("Authorised amount in minor units (the quote when asked)."))
    currency = models.CharField(_("currency"), max_length=3)
    promo_code = models.CharField(_("promo code"), max_length=32, blank=True)
    use_credit = models.BooleanField(_("use credit"), default=False)
    payment_id = models.BigIntegerField(_("payment id"))
    booking = models.OneToOneField(
        Booking, verbose_name=_("booking"), null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    failure_message = models.CharField(_("failure message"), max_length=300, blank=True)
    # A far-ahead booking: the card is saved (nothing held) and charged off-session then (PaymentSchedule).
    charge_at = models.DateTimeField(_("charge at"), null=True, blank=True)
    created_at = models.DateTimeField(_("created at"))

    class Meta:
        verbose_name = _("pending checkout")
        verbose_name_plural = _("pending checkouts")
        constraints = [models.CheckConstraint(condition=Q(total__gt=0), name="checkout_total_positive")]

    def __str__(self) -> str:
        return f"Checkout {self.uid} for {self.listing_id} ({'booked' if self.booking_id else 'pending'})"

    @property
    def reference(self) -> str:
        return f"checkout:{self.uid.hex}"


class PaymentSchedule(models.Model):
    """A far-ahead booking's payment: the card was saved at checkout and nothing taken; charged at `charge_at`.

    scheduled -> charging (the off-session charge is recorded, on its way) -> paid; or, when the bank
    refuses, charging -> failed: the guest has until `pay_by` to pay on-session (same or another card),
    then -> lapsed (the booking is cancelled, the dates freed). A booking cancelled before the charge
    ends its schedule as cancelled. `bookings.services.schedule` moves it; the booking's own status
    stays confirmed throughout, and both sides see this state on the booking page.
    """

    class State(models.TextChoices):
        SCHEDULED = "scheduled", _("Payment scheduled")
        CHARGING = "charging", _("Being charged")
        PAID = "paid", _("Paid")
        FAILED = "failed", _("Charge refused: waiting for the guest to pay")
        LAPSED = "lapsed", _("Not paid in time")
        CANCELLED = "cancelled", _("Cancelled before the charge")

    booking = models.OneToOneField(
        Booking, verbose_name=_("booking"), on_delete=models.CASCADE, related_name="payment_schedule"
    )
    charge_at = models.DateTimeField(_("charge at"), help_text=_("When the saved card is charged off-session."))
    state = models.CharField(_("state"), max_length=10, choices=State.choices, default=State.SCHEDULED)
    pay_by = models.DateTimeField(
        _("pay by"), null=True, blank=True, help_text=_("After a refused charge: the guest's deadline.")
    )
    failure_message = models.CharField(_("failure message"), max_length=300, blank=True)
    # An on-session payment in the window waiting for the guest's bank (3-D Secure); kept server-side.
    retry_payment_id = models.BigIntegerField(_("retry payment id"), null=True, blank=True)
    paid_at = models.DateTimeField(_("paid at"), null=True, blank=True)

    class Meta:
        verbose_name = _("payment schedule")
        verbose_name_plural = _("payment schedules")
        indexes = [models.Index(fields=["state", "charge_at"]), models.Index(fields=["state", "pay_by"])]
        constraints = [
            models.CheckConstraint(
                condition=Q(state__in=["scheduled", "charging", "paid", "failed", "lapsed", "cancelled"]),
                name="payment_schedule_state_known",
            ),
            models.CheckConstraint(
                condition=~Q(state="failed") | Q(pay_by__isnull=False), name="payment_schedule_failed_has_deadline"
            ),
        ]

    def __str__(self) -> str:
        return f"Payment of booking {self.booking_id}: {self.state} ({self.charge_at:%Y-%m-%d})"


class StuckTransition(models.Model):
    """A time-driven transition that failed in a sweep or a task: retried with backoff, then waits for staff.

    One row per (step, object): `attempts` counts the failures; after settings.SWEEP_MAX_ATTEMPTS
    `gave_up` is set and the sweep leaves it to staff (admin "Stuck transitions"). A success later
    (a retry, or staff fixing the cause) sets `resolved_at`.
    """

    step = models.CharField(
        _("step"), max_length=30, help_text=_('The sweep\'s name for it, e.g. "expired", "payouts_released".')
    )
    object_id = models.PositiveBigIntegerField(_("object id"), help_text=_("The booking (or 3-D Secure checkout) id."))
    attempts = models.PositiveIntegerField(_("attempts"), default=0)
    last_error = models.CharField(_("last error"), max_length=300, blank=True)
    next_attempt_at = models.DateTimeField(_("next attempt at"))
    gave_up = models.BooleanField(_("gave up"), default=False, help_text=_("Out of tries: needs staff."))
    first_failed_at = models.DateTimeField(_("first failed at"))
    last_failed_at = models.DateTimeField(_("last failed at"))
    resolved_at = models.DateTimeField(_("resolved at"), null=True, blank=True)

    class Meta:
        verbose_name = _("stuck transition")
        verbose_name_plural = _("stuck transitions")
        ordering = ["-last_failed_at", "-pk"]
        constraints = [models.UniqueConstraint(fields=["step", "object_id"], name="stuck_transition_once")]

    def __str__(self) -> str:
        return f"{self.step} #{self.object_id}: {self.attempts} failure(s)"


# A booking's change of dates or guests lives in its own module (size); importable from here as before.
from bookings.change_models import BookingChange as BookingChange  # noqa: E402
