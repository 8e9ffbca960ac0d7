"""Reads of the bookings app: who may see what, the lists, the due work for timers, live quotes."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext_noop

from accounts.models import User
from bookings import pricing, rules
from bookings.models import HOLDING_STATUSES, Booking, BookingChange, BookingStatus, PendingCheckout
from core.errors import DomainError, NotFound
from listings.models import BusyPeriod, Listing, ListingKind

BOOKING_NOT_FOUND = gettext_noop("No such booking.")


def visible_booking(*, user, booking_id: int) -> Booking:
    """The booking if `user` is its guest, its host or staff; anyone else gets NotFound (no leak)."""
    booking = Booking.objects.select_related("listing", "listing__owner", "guest").filter(pk=booking_id).first()
    if booking is None or not user.is_authenticated:
        raise NotFound(BOOKING_NOT_FOUND)
    if user.is_staff or user.pk in (booking.guest_id, booking.listing.owner_id):
        return booking
    raise NotFound(BOOKING_NOT_FOUND)


def trips_of(*, guest) -> QuerySet[Booking]:
    """'My trips': the guest's bookings, soonest first for the upcoming ones."""
    return Booking.objects.filter(guest=guest).select_related("listing").order_by("-start")


def reservations_of(*, host, statuses: tuple[str, ...] | None = None) -> QuerySet[Booking]:
    """'Reservations': bookings of the host's listings; open requests first, by answer deadline."""
    qs = Booking.objects.filter(listing__owner=host).select_related("listing", "guest")
    if statuses:
        qs = qs.filter(status__in=statuses)
    return qs.order_by("respond_by")


def host_calendar(*, host, listing_id: int | None, month: date) -> tuple[list[Listing], dict[int, list[dict]]]:
    """The host's listings and, per listing, the busy periods and open requests that touch `month`."""
    listings = list(Listing.objects.filter(owner=host).exclude(status="deleted").order_by("title"))
    if listing_id is not None:
        listings = [listing for listing in listings if listing.pk == listing_id]
    first = month.replace(day=1)
    next_month = (first + timedelta(days=32)).replace(day=1)
    rows: dict[int, list[dict]] = {}
    for listing in listings:
        tz = ZoneInfo(listing.time_zone)
        lo = datetime.combine(first, datetime.min.time(), tzinfo=tz)
        hi = datetime.combine(next_month, datetime.min.time(), tzinfo=tz)
        days = []
        busy = list(BusyPeriod.objects.filter(listing=listing, start__lt=hi, end__gt=lo).select_related("booking"))
        requests = list(
            Booking.objects.filter(listing=listing, status=BookingStatus.REQUESTED, start__lt=hi, end__gt=lo)
        )
        day = first
        while day < next_month:
            day_lo = datetime.combine(day, datetime.min.time(), tzinfo=tz)
            day_hi = day_lo + timedelta(days=1)
            state, booking = "free", None
            for period in busy:
                if period.start < day_hi and period.end > day_lo:
                    booking = getattr(period, "booking", None)
                    state = "booked" if booking is not None else "blocked"
                    break
            if state == "free":
                for request in requests:
                    if request.start < day_hi and request.end > day_lo:
                        state, booking = "requested", request
                        break
            days.append({"date": day, "state": state, "booking": booking})
            day += timedelta(days=1)
        rows[listing.pk] = days
    return listings, rows


def overlapping_requests(*, booking: Booking) -> QuerySet[Booking]:
    """Other open requests for the same listing whose period intersects this booking's."""
    return Booking.objects.filter(
        listing_id=booking.listing_id, status=BookingStatus.REQUESTED, start__lt=booking.end, end__gt=booking.start
    ).exclude(pk=booking.pk)


def overlapping_holding_pairs(*, listing_id: int | None = None) -> int:
    """How many pairs of slot-holding bookings overlap (must always be 0). Used by tests and the bench."""
    qs = Booking.objects.filter(status__in=HOLDING_STATUSES)
    if listing_id is not None:
        qs = qs.filter(listing_id=listing_id)
    pairs = 0
    rows = list(qs.order_by("listing_id", "start").values_list("listing_id", "start", "end"))
    for i, (listing, _start, end) in enumerate(rows):
        for other_listing, other_start, _other_end in rows[i + 1 :]:
            if other_listing != listing or other_start >= end:
                break
            pairs += 1
    return pairs


# --- Due work for the timers and the sweep ----------------------------------------------


def due_expiries(*, now: datetime) -> QuerySet[Booking]:
    return Booking.objects.filter(status=BookingStatus.REQUESTED, respond_by__lte=now)


def due_change_expiries(*, now: datetime) -> QuerySet[BookingChange]:
    return BookingChange.objects.filter(status=BookingChange.Status.OPEN, respond_by__lte=now)


def due_change_reminders(*, now: datetime) -> QuerySet[BookingChange]:
    """Open changes within 12 hours of their answer window's end whose last reminder (2 h) was not sent."""
    return BookingChange.objects.filter(
        status=BookingChange.Status.OPEN, respond_by__gt=now, respond_by__lte=now + timedelta(hours=12)
    ).exclude(reminded_hours=2)


def open_change(*, booking: Booking) -> BookingChange | None:
    """The change of `booking` waiting for an answer, if any."""
    return BookingChange.objects.filter(booking=booking, status=BookingChange.Status.OPEN).first()


def due_starts(*, now: datetime) -> QuerySet[Booking]:
    return Booking.objects.filter(status=BookingStatus.CONFIRMED, start__lte=now)


def due_completions(*, now: datetime) -> QuerySet[Booking]:
    return Booking.objects.filter(status=BookingStatus.IN_PROGRESS, end__lte=now)


def due_payouts(*, now: datetime) -> QuerySet[Booking]:
    owed = Q(status__in=(BookingStatus.IN_PROGRESS, BookingStatus.COMPLETED)) | Q(
        status=BookingStatus.CANCELLED_BY_GUEST, host_payout_after_cancellation__gt=0
    )
    return Booking.objects.filter(owed, payout_release_at__lte=now, payout_released_at__isnull=True)


def due_scheduled_charges(*, now: datetime) -> QuerySet[Booking]:
    return Booking.objects.filter(
        status=BookingStatus.CONFIRMED, payment_schedule__state="scheduled", payment_schedule__charge_at__lte=now
    )


def charges_awaiting_answer(*, now: datetime) -> QuerySet[Booking]:
    """Charges sent and not yet told to their booking (the outbox tells it at once; this catches a lost telling)."""
    return Booking.objects.filter(payment_schedule__state="charging")


def due_lapses(*, now: datetime) -> QuerySet[Booking]:
    return Booking.objects.filter(
        status=BookingStatus.CONFIRMED, payment_schedule__state="failed", payment_schedule__pay_by__lte=now
    )


# --- Periods and quotes -------------------------------------------------------------------


@dataclass(frozen=True)
class PricedPeriod:
    start: datetime
    end: datetime
    quote: pricing.Quote


def _aware(value: datetime | date, tz: ZoneInfo, field: str) -> datetime:
    if not isinstance(value, datetime):
        raise DomainError(gettext_noop("Give a date and a time."), field=field)
    return value.replace(tzinfo=tz) if value.tzinfo is None else value


def resolve_period(*, listing: Listing, start: date | datetime, end: date | datetime) -> tuple[datetime, datetime]:
    """The aware [start, end) for the listing's kind.

    Rooms take check-in and check-out *dates* and use the listing's local check-in
    and check-out times; cars and driving services take date-times, read in the
    listing's time zone when they carry none.
    """
    tz = ZoneInfo(listing.time_zone)
    if listing.kind == ListingKind.ROOM:
        check_in = start.astimezone(tz).date() if isinstance(start, datetime) and start.tzinfo else start
        check_out = end.astimezone(tz).date() if isinstance(end, datetime) and end.tzinfo else end
        if isinstance(check_in, datetime):
            check_in = check_in.date()
        if isinstance(check_out, datetime):
            check_out = check_out.date()
        if check_out <= check_in:
            raise DomainError(gettext_noop("Check-out must be after check-in."), field="end")
        room = listing.room
        return pricing.room_period(
            time_zone=listing.time_zone,
            check_in=check_in,
            check_out=check_out,
            check_in_time=room.check_in_time,
            check_out_time=room.check_out_time,
        )
    start_at, end_at = _aware(start, tz, "start"), _aware(end, tz, "end")
    if end_at <= start_at:
        raise DomainError(gettext_noop("The end must be after the start."), field="end")
    return start_at, end_at


def quote_for(*, listing: Listing, start: datetime, end: datetime) -> pricing.Quote:
    """The quote for an already resolved period, with the listing's current prices."""
    units = pricing.billed_units(kind=listing.kind, time_zone=listing.time_zone, start=start, end=end)
    extra: dict[str, int] = {}
    if listing.kind == ListingKind.ROOM:
        extra = {"weekly_bps": listing.room.weekly_discount_bps, "monthly_bps": listing.room.monthly_discount_bps}
    elif listing.kind == ListingKind.CAR:
        extra = {"day_price": listing.car.day_price}
    return pricing.make_quote(
        kind=listing.kind,
        currency=listing.currency,
        units=units,
        unit_price=listing.unit_price,
        fee=listing.fee_amount,
        guest_fee_bps=settings.GUEST_SERVICE_FEE_BPS,
        host_fee_bps=settings.HOST_SERVICE_FEE_BPS,
        **extra,
    )


def price_period(
    *, listing: Listing, start: date | datetime, end: date | datetime, now: datetime | None = None
) -> PricedPeriod:
    """The period as the listing reads it, and its price; typed dates outside the horizon are refused first."""
    rules.check_typed_dates(listing=listing, start=start, end=end, now=now or timezone.now())
    start_at, end_at = resolve_period(listing=listing, start=start, end=end)
    return PricedPeriod(start=start_at, end=end_at, quote=quote_for(listing=listing, start=start_at, end=end_at))


def booking_quote(booking: Booking) -> pricing.Quote:
    """The quote frozen on a booking."""
    return pricing.Quote(
        currency=booking.currency,
        units=booking.units,
        unit_price=booking.unit_price,
        subtotal=booking.subtotal,
        discount=booking.discount,
        fee=booking.fee,
        guest_service_fee=booking.guest_service_fee,
        total=booking.total,
        host_service_fee=booking.host_service_fee,
        host_payout=booking.host_payout,
        promo_code=booking.promo_code,
        host_promotion=booking.host_promotion,
        platform_promotion=booking.platform_promotion,
        credit=booking.credit,
        vat=booking.vat,
        vat_country=booking.vat_country,
        vat_rate=booking.vat_rate,
        occupancy_tax=booking.occupancy_tax,
        occupancy_place=booking.occupancy_place,
        host_vat=booking.host_vat,
        host_vat_country=booking.host_vat_country,
        host_vat_rate=booking.host_vat_rate,
    )


SETTLED_BY_DISPUTE = gettext_noop(
    "Sharing's decision on the dispute already settled this booking's money, so it can no longer be cancelled."
)


def settled_by_dispute(booking: Booking) -> bool:
    """A dispute on this booking was resolved: that decision moved all its money, the policy no longer applies.

    Only a resolution takes a booking out of `disputed` (disputes' resolve_dispute calls clear_dispute),
    so a booking that went through `disputed` and left it was settled there.
    """
    return (
        booking.status != BookingStatus.DISPUTED
        and booking.transitions.filter(to_status=BookingStatus.DISPUTED).exists()
    )


def checkout_listing_id(*, guest: User, checkout_uid: str) -> int | None:
    """The listing of one of the guest's pending checkouts (to send them back to its book page)."""
    return PendingCheckout.objects.filter(uid=checkout_uid, guest=guest).values_list("listing_id", flat=True).first()


def unfinished_checkouts(*, before: datetime) -> QuerySet[PendingCheckout]:
    """3-D Secure checkouts started before `before` that neither booked nor failed."""
    return PendingCheckout.objects.filter(booking__isnull=True, failure_message="", created_at__lt=before)


def host_response_time(*, host_id: int, last: int = 20) -> timedelta | None:
    """How long the host usually takes to answer a booking request: the median over their `last` answers
    (accepted or declined by them; instant bookings and requests left to expire are not answers)."""
    answers = (
        Booking.objects.filter(
            listing__owner_id=host_id,
            transitions__from_status=BookingStatus.REQUESTED,
            transitions__to_status__in=[BookingStatus.CONFIRMED, BookingStatus.DECLINED],
            transitions__by_id=host_id,
        )
        .order_by("-created_at")
        .values_list("created_at", "transitions__at")[:last]
    )
    waits = sorted(answered - asked for asked, answered in answers)
    if not waits:
        return None
    middle = len(waits) // 2
    return waits[middle] if len(waits) % 2 else (waits[middle - 1] + waits[middle]) / 2
