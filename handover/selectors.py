"""Reads of a car handover, for its two parties and staff only (anyone else: no such booking)."""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.translation import gettext, gettext_noop

from accounts.models import User
from bookings.models import Booking
from bookings.selectors import visible_booking
from core.errors import NotFound
from core.money import format_money
from handover.models import Deposit, HandoverPhoto, HandoverReport, RentalCard, Settlement, Side, Stage
from listings.models import ListingKind

PHOTO_NOT_FOUND = gettext_noop("No such photo.")


@dataclass
class Handover:
    booking: Booking
    reports: dict[tuple[str, str], HandoverReport]
    settlement: Settlement | None
    card_kept: bool
    deposit: Deposit | None
    viewer_side: str | None  # None for staff

    def report(self, stage: str, side: str) -> HandoverReport | None:
        return self.reports.get((stage, side))

    @property
    def pickup_done(self) -> bool:
        """Both pickup reports filed and answered (confirmed or contested): the return can be reported."""
        pickups = [self.report(Stage.PICKUP, side) for side in Side]
        return all(report is not None and report.answered for report in pickups)

    @property
    def rows(self) -> list[dict]:
        """Each stage with both sides' reports, for the page and the API."""
        return [
            {
                "stage": stage,
                "label": stage.label,
                "sides": [{"side": side, "label": side.label, "report": self.report(stage, side)} for side in Side],
            }
            for stage in Stage
        ]


def handover_for(*, user: User, booking_id: int) -> Handover:
    """The car handover of a booking for its guest, its host or staff; NotFound for anyone else or a non-car."""
    booking = visible_booking(user=user, booking_id=booking_id)
    if booking.listing.kind != ListingKind.CAR:
        raise NotFound(gettext_noop("This booking has no car handover."))
    side = Side.GUEST if user.pk == booking.guest_id else Side.HOST if user.pk == booking.listing.owner_id else None
    return _handover(booking, viewer_side=side)


def _handover(booking: Booking, *, viewer_side: Side | None) -> Handover:
    """A car booking's reports, settlement, card and deposit, read for one viewer (None: neither party)."""
    reports = booking.handover_reports.prefetch_related("photos", "answers__answered_by").select_related("author")
    return Handover(
        booking=booking,
        reports={(report.stage, report.side): report for report in reports},
        settlement=Settlement.objects.filter(booking=booking).first(),
        card_kept=RentalCard.objects.filter(booking=booking).exists(),
        deposit=Deposit.objects.filter(booking=booking).first(),
        viewer_side=viewer_side,
    )


def visible_photo(*, user: User, photo_id: int) -> HandoverPhoto:
    """A handover photo for the booking's two parties and staff; NotFound for anyone else."""
    photo = (
        HandoverPhoto.objects.select_related("report__booking__listing").filter(pk=photo_id).first()
        if 0 < photo_id < 2**63
        else None
    )
    if photo is None or not user.is_authenticated:
        raise NotFound(PHOTO_NOT_FOUND)
    booking = photo.report.booking
    if user.is_staff or user.pk in (booking.guest_id, booking.listing.owner_id):
        return photo
    raise NotFound(PHOTO_NOT_FOUND)


def visible_report(*, user: User, report_id: int) -> HandoverReport:
    """A handover report for the booking's two parties and staff; NotFound for anyone else."""
    report = (
        HandoverReport.objects.select_related("booking__listing").filter(pk=report_id).first()
        if 0 < report_id < 2**63
        else None
    )
    if report is None or not user.is_authenticated:
        raise NotFound(gettext_noop("No such report."))
    booking = report.booking
    if user.is_staff or user.pk in (booking.guest_id, booking.listing.owner_id):
        return report
    raise NotFound(gettext_noop("No such report."))


def claim_for_desk(*, user: User, deposit_id: int) -> Deposit:
    """A deposit for support staff who work disputes; PermissionDenied for anyone else."""
    from disputes.services import require_desk_staff

    require_desk_staff(user)
    deposit = (
        Deposit.objects.select_related("booking__listing", "booking__guest", "decided_by").filter(pk=deposit_id).first()
        if 0 < deposit_id < 2**63
        else None
    )
    if deposit is None:
        raise NotFound(gettext_noop("No such deposit."))
    return deposit


@dataclass(frozen=True)
class ReceiptLine:
    label: str
    amount: int


def record_of(booking: Booking) -> Handover | None:
    """A car booking's handover for a page that already checked who reads it (a dispute); None for others."""
    if booking.listing.kind != ListingKind.CAR:
        return None
    return _handover(booking, viewer_side=None)


def record_for_desk(*, user: User, booking_id: int) -> Handover:
    """A car booking's handover for support staff who work disputes; PermissionDenied for anyone else."""
    from disputes.services import require_desk_staff

    require_desk_staff(user)
    booking = (
        Booking.objects.select_related("listing", "guest").filter(pk=booking_id).first()
        if 0 < booking_id < 2**63
        else None
    )
    record = record_of(booking) if booking is not None else None
    if record is None:
        raise NotFound(gettext_noop("This booking has no car handover."))
    return record


def receipt_lines(booking: Booking) -> list[ReceiptLine]:
    """What the return charged beyond the booking, one receipt line per charge (each its own payment)."""
    settlement = Settlement.objects.filter(booking_id=booking.pk).first()
    if settlement is None:
        return []
    c = settlement.currency
    lines = []
    if settlement.extra_amount:
        price = format_money(settlement.extra_km_price, c)
        status = settlement.get_charge_status_display().lower()
        label = gettext("Extra kilometres: %(km)s km × %(price)s (%(status)s)") % {  # noqa: RUF001
            "km": settlement.extra_km,
            "price": price,
            "status": status,
        }
        lines.append(ReceiptLine(label, settlement.extra_amount))
    if settlement.fuel_amount:
        price = format_money(settlement.refuel_price_per_percent, c)
        status = settlement.get_fuel_charge_status_display().lower()
        label = gettext("Fuel or charge missing: %(percent)s %% × %(price)s (%(status)s)") % {  # noqa: RUF001
            "percent": settlement.missing_fuel_percent,
            "price": price,
            "status": status,
        }
        lines.append(ReceiptLine(label, settlement.fuel_amount))
    if settlement.extra_refunded:
        lines.append(ReceiptLine(gettext("Extra kilometres given back after a dispute"), -settlement.extra_refunded))
    if settlement.fuel_refunded:
        lines.append(ReceiptLine(gettext("Fuel or charge given back after a dispute"), -settlement.fuel_refunded))
    deposit = Deposit.objects.filter(booking_id=booking.pk, captured_amount__gt=0).first()
    if deposit is not None:
        lines.append(ReceiptLine(gettext("Charged on the deposit for a damage claim"), deposit.captured_amount))
    return lines
