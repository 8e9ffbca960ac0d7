"""Cars handed over on the record: each side's condition report at pickup and at return, and the deposit.

A report is one party's account of the car at one stage (odometer, fuel or charge, photos from
fixed angles, notes); the other party answers it once: confirms it or contests it (ReportAnswer).
When both return reports are answered, the settlement fixes the kilometres driven, those beyond
the listing's included distance and what they cost at the advertised extra-kilometre price.
Money is integers in minor units.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.db.models.functions import Length
from django.db.models.lookups import GreaterThanOrEqual, LessThanOrEqual
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from bookings.models import Booking
from core.private_files import private_storage


class Stage(models.TextChoices):
    PICKUP = "pickup", _("Pickup")
    RETURN = "return", _("Return")


class Side(models.TextChoices):
    HOST = "host", _("Owner")
    GUEST = "guest", _("Renter")


class Angle(models.TextChoices):
    FRONT = "front", _("Front")
    BACK = "back", _("Back")
    LEFT = "left", _("Left side")
    RIGHT = "right", _("Right side")
    INTERIOR = "interior", _("Interior")
    DASHBOARD = "dashboard", _("Dashboard (odometer and fuel)")


class HandoverReport(models.Model):
    """One party's record of the car at pickup or at return; the other party confirms it."""

    booking = models.ForeignKey(
        Booking, verbose_name=_("booking"), on_delete=models.PROTECT, related_name="handover_reports"
    )
    stage = models.CharField(_("stage"), max_length=6, choices=Stage.choices)
    side = models.CharField(_("side"), max_length=5, choices=Side.choices)
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("author"), on_delete=models.PROTECT, related_name="+"
    )
    odometer_km = models.PositiveIntegerField(_("odometer km"))
    fuel_percent = models.PositiveSmallIntegerField(_("fuel percent"), help_text=_("Fuel or charge level, 0 to 100."))
    notes = models.TextField(_("notes"), max_length=2000, blank=True)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    confirmed_at = models.DateTimeField(
        _("confirmed at"), null=True, blank=True, help_text=_("When the other party confirmed it.")
    )

    class Meta:
        verbose_name = _("handover report")
        verbose_name_plural = _("handover reports")
        ordering = ["booking", "created_at", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["booking", "stage", "side"], name="handover_one_report_per_side"),
            models.CheckConstraint(condition=Q(stage__in=Stage.values), name="handover_stage_known"),
            models.CheckConstraint(condition=Q(side__in=Side.values), name="handover_side_known"),
            models.CheckConstraint(condition=Q(fuel_percent__lte=100), name="handover_fuel_percent_range"),
        ]

    def __str__(self) -> str:
        return f"{self.get_stage_display()} report by the {self.side} of booking {self.booking_id}"

    @property
    def confirmed(self) -> bool:
        return self.confirmed_at is not None

    @property
    def answer(self) -> ReportAnswer | None:
        """The other party's answer, if given (read through `prefetch_related("answers")` on lists)."""
        answers = list(self.answers.all())
        return answers[0] if answers else None

    @property
    def answered(self) -> bool:
        """Confirmed or contested: either way the handover goes on (a contest is for support to settle)."""
        return self.confirmed or self.answer is not None


class AnswerKind(models.TextChoices):
    CONFIRM = "confirm", _("Confirmed")
    CONTEST = "contest", _("Contested")


# A contest's reason, in characters (the service strips it first; the database checks it again).
CONTEST_REASON_MIN = 10
CONTEST_REASON_MAX = 2000


class ReportAnswer(models.Model):
    """The other party's final word on a report: it confirms it, or contests named parts of it with a reason.

    A contested return report opens a dispute on the booking, or joins the open one (`dispute_id`).
    """

    report = models.ForeignKey(
        HandoverReport, verbose_name=_("report"), on_delete=models.PROTECT, related_name="answers"
    )
    answered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("answered by"), on_delete=models.PROTECT, related_name="+"
    )
    side = models.CharField(_("side"), max_length=5, choices=Side.choices, help_text=_("The answering party's side."))
    kind = models.CharField(_("kind"), max_length=7, choices=AnswerKind.choices)
    reason = models.TextField(_("reason"), max_length=CONTEST_REASON_MAX, blank=True)
    contests_odometer = models.BooleanField(_("contests odometer"), default=False)
    contests_fuel = models.BooleanField(_("contests fuel"), default=False, help_text=_("The fuel or charge level."))
    contests_condition = models.BooleanField(
        _("contests condition"), default=False, help_text=_("The photos and the car's condition.")
    )
    dispute_id = models.BigIntegerField(
        _("dispute id"), null=True, blank=True, help_text=_("The dispute a return contest opened or joined.")
    )
    created_at = models.DateTimeField(_("created at"), default=timezone.now)

    class Meta:
        verbose_name = _("report answer")
        verbose_name_plural = _("report answers")
        ordering = ["report", "created_at", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["report", "answered_by"], name="handover_one_answer_per_person"),
            models.CheckConstraint(condition=Q(kind__in=AnswerKind.values), name="handover_answer_kind_known"),
            models.CheckConstraint(condition=Q(side__in=Side.values), name="handover_answer_side_known"),
            models.CheckConstraint(
                condition=Q(
                    kind="confirm",
                    reason="",
                    contests_odometer=False,
                    contests_fuel=False,
                    contests_condition=False,
                    dispute_id__isnull=True,
                )
                | Q(
                    Q(contests_odometer=True) | Q(contests_fuel=True) | Q(contests_condition=True),
                    GreaterThanOrEqual(Length("reason"), CONTEST_REASON_MIN),
                    LessThanOrEqual(Length("reason"), CONTEST_REASON_MAX),
                    kind="contest",
                ),
                name="handover_answer_contest_says_what_and_why",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} by the {self.side}: {self.report}"

    @property
    def contested(self) -> bool:
        return self.kind == AnswerKind.CONTEST

    @property
    def contested_fields(self) -> list[str]:
        """The contested parts as the API and the form name them: odometer, fuel, condition."""
        flags = {"odometer": self.contests_odometer, "fuel": self.contests_fuel, "condition": self.contests_condition}
        return [name for name, on in flags.items() if on]


def handover_photo_upload_to(photo: HandoverPhoto, filename: str) -> str:
    return f"handover/{photo.report.booking_id}/{photo.report.stage}-{photo.report.side}-{photo.angle}.jpg"


class HandoverPhoto(models.Model):
    report = models.ForeignKey(
        HandoverReport, verbose_name=_("report"), on_delete=models.CASCADE, related_name="photos"
    )
    angle = models.CharField(_("angle"), max_length=10, choices=Angle.choices)
    image = models.ImageField(_("image"), upload_to=handover_photo_upload_to, storage=private_storage)

    class Meta:
        ordering = ["report", "pk"]
        constraints = [models.UniqueConstraint(fields=["report", "angle"], name="handover_one_photo_per_angle")]

    def __str__(self) -> str:
        return f"{self.get_angle_display()} of {self.report}"


class ChargeStatus(models.TextChoices):
    NOTHING = "nothing", _("Nothing to charge")
    DUE = "due", _("To be charged")
    CHARGED = "charged", _("Charged")
    FAILED = "failed", _("Charge refused, retrying")


class Settlement(models.Model):
    """What the return costs beyond the booking: kilometres beyond the included distance, fuel or charge missing.

    Fixed once both return reports are confirmed; each charge (kilometres, fuel) is then collected
    through the money port after the commit as its own payment (status `due` until the card answered).
    """

    booking = models.OneToOneField(
        Booking, verbose_name=_("booking"), on_delete=models.PROTECT, related_name="handover_settlement"
    )
    pickup_km = models.PositiveIntegerField(_("pickup km"))
    return_km = models.PositiveIntegerField(_("return km"))
    included_km = models.PositiveIntegerField(_("included km"))
    extra_km = models.PositiveIntegerField(_("extra km"))
    extra_km_price = models.PositiveIntegerField(
        _("extra km price"), help_text=_("Per km, minor units, as advertised.")
    )
    extra_amount = models.PositiveIntegerField(
        _("extra amount"), help_text=_("extra_km x extra_km_price, minor units.")
    )
    currency = models.CharField(_("currency"), max_length=3)
    charge_status = models.CharField(_("charge status"), max_length=10, choices=ChargeStatus.choices)
    charge_payment_id = models.BigIntegerField(_("charge payment id"), null=True, blank=True)
    charge_error = models.CharField(_("charge error"), max_length=300, blank=True)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    charged_at = models.DateTimeField(_("charged at"), null=True, blank=True)
    # Fuel or charge: levels in percent, the renter's benefit taken on each side (see services).
    pickup_fuel_percent = models.PositiveSmallIntegerField(_("pickup fuel percent"), default=0)
    return_fuel_percent = models.PositiveSmallIntegerField(_("return fuel percent"), default=0)
    missing_fuel_percent = models.PositiveSmallIntegerField(_("missing fuel percent"), default=0)
    refuel_price_per_percent = models.PositiveIntegerField(
        _("refuel price per percent"), default=0, help_text=_("Minor units, as advertised.")
    )
    fuel_amount = models.PositiveIntegerField(_("fuel amount"), default=0, help_text=_("missing x price, minor units."))
    fuel_charge_status = models.CharField(
        _("fuel charge status"), max_length=10, choices=ChargeStatus.choices, default=ChargeStatus.NOTHING
    )
    fuel_payment_id = models.BigIntegerField(_("fuel payment id"), null=True, blank=True)
    fuel_charge_error = models.CharField(_("fuel charge error"), max_length=300, blank=True)
    fuel_charged_at = models.DateTimeField(_("fuel charged at"), null=True, blank=True)
    # Given back by support after the renter contested a charge in a dispute (handover/contests.py).
    extra_refunded = models.PositiveIntegerField(_("extra refunded"), default=0)
    fuel_refunded = models.PositiveIntegerField(_("fuel refunded"), default=0)
    refund_reason = models.TextField(_("refund reason"), max_length=2000, blank=True)
    refunded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("refunded by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    refunded_at = models.DateTimeField(_("refunded at"), null=True, blank=True)

    ChargeStatus = ChargeStatus

    class Meta:
        verbose_name = _("settlement")
        verbose_name_plural = _("settlements")
        constraints = [
            models.CheckConstraint(condition=Q(return_km__gte=F("pickup_km")), name="settlement_odometer_forward"),
            models.CheckConstraint(
                condition=Q(extra_amount=F("extra_km") * F("extra_km_price")), name="settlement_extra_adds_up"
            ),
            models.CheckConstraint(
                condition=Q(charge_status__in=ChargeStatus.values), name="settlement_charge_status_known"
            ),
            models.CheckConstraint(
                condition=Q(extra_amount=0, charge_status="nothing")
                | Q(extra_amount__gt=0) & ~Q(charge_status="nothing"),
                name="settlement_nothing_iff_zero",
            ),
            models.CheckConstraint(
                condition=Q(fuel_amount=F("missing_fuel_percent") * F("refuel_price_per_percent")),
                name="settlement_fuel_adds_up",
            ),
            models.CheckConstraint(
                condition=Q(fuel_charge_status__in=ChargeStatus.values), name="settlement_fuel_status_known"
            ),
            models.CheckConstraint(
                condition=Q(fuel_amount=0, fuel_charge_status="nothing")
                | Q(fuel_amount__gt=0) & ~Q(fuel_charge_status="nothing"),
                name="settlement_fuel_nothing_iff_zero",
            ),
            models.CheckConstraint(
                condition=Q(extra_refunded__lte=F("extra_amount"), fuel_refunded__lte=F("fuel_amount")),
                name="settlement_refund_within_charge",
            ),
            models.CheckConstraint(
                condition=Q(return_fuel_percent__lte=100, pickup_fuel_percent__lte=100),
                name="settlement_fuel_levels_range",
            ),
        ]

    def __str__(self) -> str:
        return f"Return of booking {self.booking_id}: {self.extra_km} km extra"

    @property
    def driven_km(self) -> int:
        return self.return_km - self.pickup_km


class RentalCard(models.Model):
    """The renter's card kept for a car rental: deposits and extra kilometres are charged to it off-session.

    `token` is the money port's opaque reference to the kept card (payments/deposits.py).
    """

    booking = models.OneToOneField(
        Booking, verbose_name=_("booking"), on_delete=models.PROTECT, related_name="rental_card"
    )
    token = models.CharField(_("token"), max_length=255)
    kept_at = models.DateTimeField(_("kept at"), default=timezone.now)

    class Meta:
        constraints = [models.CheckConstraint(condition=~Q(token=""), name="rental_card_token_required")]

    def __str__(self) -> str:
        return f"Card kept for booking {self.booking_id}"


class DepositStatus(models.TextChoices):
    HOLDING = "holding", _("Being held")
    HELD = "held", _("Held on the card")
    FAILED = "failed", _("The card refused the hold")
    RELEASING = "releasing", _("Being released")
    RELEASED = "released", _("Released")
    CLAIMED = "claimed", _("Claimed by the owner (in a dispute)")
    CAPTURED = "captured", _("Charged for a claim")


class Deposit(models.Model):
    """A car's security deposit for one rental: a hold on the renter's kept card, released or claimed.

    Held when the renter keeps their card before pickup; released by the sweep at `release_after`
    (48 hours after the end) unless the owner filed a claim by then, which opens a dispute; support
    then decides how much of the hold is charged (`claim_decided_amount`), the rest is released.
    """

    booking = models.OneToOneField(Booking, verbose_name=_("booking"), on_delete=models.PROTECT, related_name="deposit")
    amount = models.PositiveIntegerField(_("amount"), help_text=_("Minor units of `currency`."))
    currency = models.CharField(_("currency"), max_length=3)
    status = models.CharField(_("status"), max_length=10, choices=DepositStatus.choices, default=DepositStatus.HOLDING)
    payment_id = models.BigIntegerField(
        _("payment id"), null=True, blank=True, help_text=_("The money port's payment of the hold.")
    )
    failure_message = models.CharField(_("failure message"), max_length=300, blank=True)
    release_after = models.DateTimeField(_("release after"))
    held_at = models.DateTimeField(_("held at"), null=True, blank=True)
    released_at = models.DateTimeField(_("released at"), null=True, blank=True)
    claim_amount = models.PositiveIntegerField(_("claim amount"), null=True, blank=True)
    claim_description = models.TextField(_("claim description"), max_length=4000, blank=True)
    claim_dispute_id = models.BigIntegerField(_("claim dispute id"), null=True, blank=True)
    claimed_at = models.DateTimeField(_("claimed at"), null=True, blank=True)
    captured_amount = models.PositiveIntegerField(_("captured amount"), default=0)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("decided by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    decision_reason = models.TextField(_("decision reason"), max_length=2000, blank=True)
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    # Renewal of a hold before the card's authorisation lapses (deposits.renew_due_holds): each
    # renewal is a new hold under its own reference; the hold it replaces is released after.
    renewals = models.PositiveSmallIntegerField(_("renewals"), default=0)
    renewing = models.BooleanField(
        _("renewing"), default=False, help_text=_("A renewal has claimed this deposit and is in flight.")
    )
    replaced_payment_id = models.BigIntegerField(
        _("replaced payment id"),
        null=True,
        blank=True,
        help_text=_("The previous hold, still to be released after a renewal."),
    )
    renewal_error = models.CharField(_("renewal error"), max_length=300, blank=True)

    class Meta:
        verbose_name = _("deposit")
        verbose_name_plural = _("deposits")
        indexes = [models.Index(fields=["status", "release_after"])]
        constraints = [
            models.CheckConstraint(condition=Q(amount__gt=0), name="deposit_amount_positive"),
            models.CheckConstraint(condition=Q(status__in=DepositStatus.values), name="deposit_status_known"),
            models.CheckConstraint(condition=Q(captured_amount__lte=F("amount")), name="deposit_capture_within_hold"),
            models.CheckConstraint(
                condition=Q(claim_amount__isnull=True) | Q(claim_amount__gt=0, claim_amount__lte=F("amount")),
                name="deposit_claim_within_hold",
            ),
            models.CheckConstraint(
                condition=~Q(status__in=["held", "releasing", "claimed", "captured"]) | Q(payment_id__isnull=False),
                name="deposit_held_has_payment",
            ),
        ]

    def __str__(self) -> str:
        return f"Deposit of booking {self.booking_id} ({self.status})"
