"""Every person-driven transition, its refusals, its idempotency and what it leaves behind."""

import re
from datetime import UTC, date, datetime, timedelta

import pytest

from bookings.models import Booking, BookingStatus
from bookings.services.answers import accept_booking, decline_booking, withdraw_booking
from bookings.services.cancellations import cancel_by_guest, cancel_by_host
from bookings.services.clock import release_payout, start_booking
from bookings.services.disputes import clear_dispute, mark_disputed
from core.errors import Conflict, DomainError, NotFound, PermissionDenied
from listings.models import BusyPeriod, BusySource, ListingKind, ListingStatus
from listings.services import DATES_TAKEN_MESSAGE, hold_slot
from realtime.models import Notification
from tests.bookings.factories import CHECK_IN, CHECK_OUT, NOW, confirmed_room, request_hours, request_room
from tests.conftest import make_user
from tests.listings.factories import make_listing

pytestmark = pytest.mark.django_db


def kinds_of(user):
    return list(Notification.objects.filter(recipient=user).values_list("kind", flat=True))


def history(booking):
    return [(t.from_status, t.to_status) for t in booking.transitions.all()]


# --- Requesting -------------------------------------------------------------------------------


def test_a_request_freezes_the_quote_and_waits_for_the_host():
    listing = make_listing(kind=ListingKind.ROOM, cancellation_policy="strict")
    guest = make_user()
    booking = request_room(listing=listing, guest=guest, guests=2)

    assert booking.status == BookingStatus.REQUESTED
    assert booking.start == datetime(2027, 3, 5, 14, 0, tzinfo=UTC)  # 15:00 Paris
    assert booking.end == datetime(2027, 3, 8, 10, 0, tzinfo=UTC)  # 11:00 Paris
    assert (booking.units, booking.subtotal, booking.fee, booking.total) == (3, 24000, 2000, 29120)
    assert booking.cancellation_policy == "strict"
    assert booking.respond_by == NOW + timedelta(hours=24)
    assert booking.busy_period is None  # a request does not hold the slot
    assert history(booking) == [("", "requested")]
    assert kinds_of(listing.owner) == ["booking.requested"]
    payload = Notification.objects.get(recipient=listing.owner).payload
    assert payload["booking_id"] == booking.pk
    assert payload["listing_title"] == listing.title
    assert payload["url"] == f"/bookings/{booking.pk}/"
    assert payload["title"].startswith(f"{listing.title}: ")
    assert "asks to book" in Notification.objects.get(recipient=listing.owner).text


def test_the_frozen_quote_does_not_follow_later_price_changes():
    booking = request_room()
    booking.listing.unit_price = 99999
    booking.listing.save()
    booking.refresh_from_db()
    assert booking.subtotal == 24000


def test_instant_book_confirms_at_once_and_holds_the_slot():
    listing = make_listing(instant_book=True)
    guest = make_user()
    booking = request_room(listing=listing, guest=guest)

    assert booking.status == BookingStatus.CONFIRMED
    assert booking.busy_period.source == BusySource.BOOKING
    assert (booking.busy_period.start, booking.busy_period.end) == (booking.start, booking.end)
    assert history(booking) == [("", "requested"), ("requested", "confirmed")]
    assert kinds_of(guest) == ["booking.confirmed"]
    assert kinds_of(listing.owner) == ["booking.confirmed"]


def test_respond_by_is_cut_short_by_the_advance_notice():
    listing = make_listing(kind=ListingKind.CAR, advance_notice_hours=12)
    start = NOW + timedelta(hours=20)
    booking = request_hours(listing=listing, start=start, hours=2)
    assert booking.respond_by == start - timedelta(hours=12)


@pytest.mark.parametrize(
    ("kwargs", "code", "message"),
    [
        ({"check_in": date(2027, 1, 5), "check_out": date(2027, 1, 7)}, "past_dates", "already passed"),
        ({"check_in": CHECK_IN, "check_out": CHECK_IN + timedelta(days=1)}, "too_short", "minimum stay is 2 nights"),
        ({"check_in": CHECK_IN, "check_out": CHECK_IN + timedelta(days=6)}, "too_long", "maximum stay is 5 nights"),
        ({"guests": 3}, "over_capacity", "at most 2 people"),
    ],
)
def test_requests_outside_the_listing_rules_are_refused(kwargs, code, message):
    listing = make_listing(min_units=2, max_units=5, capacity=2)
    with pytest.raises(DomainError, match=message) as caught:
        request_room(listing=listing, **kwargs)
    assert caught.value.code == code
    assert not Booking.objects.exists()


def test_a_start_inside_the_advance_notice_is_refused():
    listing = make_listing(kind=ListingKind.CAR, advance_notice_hours=48)
    with pytest.raises(DomainError, match="at least 48 hours' notice"):
        request_hours(listing=listing, start=NOW + timedelta(hours=47), hours=2)


def test_driving_services_need_at_least_one_hour_in_half_hours():
    listing = make_listing(kind=ListingKind.DRIVER, min_units=1)
    with pytest.raises(DomainError, match=r"minimum is 1 hour\.$"):
        request_hours(listing=listing, hours=0.5)
    booking = request_hours(listing=listing, hours=1.5)
    assert booking.units == 3  # half hours
    assert booking.subtotal == 2250  # 1.5 x 15.00


def test_too_long_car_rental_is_refused():
    listing = make_listing(kind=ListingKind.CAR, max_units=10)
    with pytest.raises(DomainError, match="maximum is 10 hours"):
        request_hours(listing=listing, hours=11)


@pytest.mark.parametrize("status", [ListingStatus.PAUSED, ListingStatus.DELETED])
def test_a_paused_or_deleted_listing_takes_no_booking(status):
    listing = make_listing(status=status)
    expected = Conflict if status == ListingStatus.PAUSED else NotFound
    with pytest.raises(expected):
        request_room(listing=listing)
    assert not Booking.objects.exists()


def test_nobody_books_their_own_listing():
    listing = make_listing()
    with pytest.raises(PermissionDenied, match="your own listing"):
        request_room(listing=listing, guest=listing.owner)


def test_an_unverified_email_cannot_book():
    with pytest.raises(PermissionDenied, match="Confirm your email"):
        request_room(guest=make_user(verified=False))
    assert not Booking.objects.exists()


def test_dates_already_taken_are_refused_for_requests_too():
    listing = make_listing()
    confirmed_room(listing=listing)
    with pytest.raises(Conflict, match=re.escape(DATES_TAKEN_MESSAGE)):
        request_room(listing=listing, check_in=CHECK_IN + timedelta(days=1), check_out=CHECK_OUT + timedelta(days=1))


def test_an_owner_block_refuses_instant_book():
    listing = make_listing(instant_book=True)
    hold_slot(
        listing=listing,
        start=datetime(2027, 3, 6, tzinfo=UTC),
        end=datetime(2027, 3, 7, tzinfo=UTC),
        source=BusySource.OWNER_BLOCK,
    )
    with pytest.raises(Conflict, match=re.escape(DATES_TAKEN_MESSAGE)):
        request_room(listing=listing)
    assert not Booking.objects.exists()


def test_the_same_guest_cannot_ask_twice_for_the_same_dates():
    listing, guest = make_listing(), make_user()
    request_room(listing=listing, guest=guest)
    with pytest.raises(Conflict, match="already asked"):
        request_room(listing=listing, guest=guest)


# --- Accept and decline -----------------------------------------------------------------------


def test_accepting_confirms_holds_the_slot_and_declines_overlapping_requests():
    listing = make_listing()
    first = request_room(listing=listing)
    overlapping = request_room(
        listing=listing, check_in=CHECK_IN + timedelta(days=2), check_out=CHECK_OUT + timedelta(days=2)
    )
    elsewhere = request_room(listing=listing, check_in=CHECK_OUT, check_out=CHECK_OUT + timedelta(days=2))

    accept_booking(host=listing.owner, booking_id=first.pk, now=NOW + timedelta(hours=1))

    first.refresh_from_db()
    overlapping.refresh_from_db()
    elsewhere.refresh_from_db()
    assert first.status == BookingStatus.CONFIRMED
    assert first.busy_period is not None
    assert overlapping.status == BookingStatus.DECLINED
    assert overlapping.refund_amount == overlapping.total
    assert overlapping.transitions.last().reason == "Another request for these dates was accepted."
    assert elsewhere.status == BookingStatus.REQUESTED  # back-to-back: no overlap
    assert "booking.declined" in kinds_of(overlapping.guest)
    assert "booking.confirmed" in kinds_of(first.guest)


def test_accepting_twice_changes_nothing_the_second_time():
    booking = confirmed_room()
    transitions = booking.transitions.count()
    notifications = Notification.objects.count()
    again = accept_booking(host=booking.listing.owner, booking_id=booking.pk, now=NOW)
    assert again.status == BookingStatus.CONFIRMED
    assert booking.transitions.count() == transitions
    assert Notification.objects.count() == notifications
    assert BusyPeriod.objects.count() == 1


def test_accepting_an_auto_declined_request_says_the_dates_were_taken():
    listing = make_listing()
    first, second = request_room(listing=listing), request_room(listing=listing)
    accept_booking(host=listing.owner, booking_id=first.pk, now=NOW)
    with pytest.raises(Conflict, match=re.escape(DATES_TAKEN_MESSAGE)):
        accept_booking(host=listing.owner, booking_id=second.pk, now=NOW)


def test_accepting_over_an_owner_block_is_refused_and_changes_nothing():
    booking = request_room()
    hold_slot(listing=booking.listing, start=booking.start, end=booking.end, source=BusySource.OWNER_BLOCK)
    with pytest.raises(Conflict, match=re.escape(DATES_TAKEN_MESSAGE)):
        accept_booking(host=booking.listing.owner, booking_id=booking.pk, now=NOW)
    booking.refresh_from_db()
    assert booking.status == BookingStatus.REQUESTED


def test_accepting_after_the_answer_window_is_refused():
    booking = request_room()
    with pytest.raises(Conflict, match="time to answer"):
        accept_booking(host=booking.listing.owner, booking_id=booking.pk, now=NOW + timedelta(hours=25))


def test_accepting_a_request_on_a_paused_listing_is_refused():
    booking = request_room()
    booking.listing.status = ListingStatus.PAUSED
    booking.listing.save()
    with pytest.raises(Conflict, match="paused"):
        accept_booking(host=booking.listing.owner, booking_id=booking.pk, now=NOW)


def test_only_the_host_accepts_the_guest_is_refused_and_a_stranger_sees_nothing():
    booking = request_room()
    with pytest.raises(PermissionDenied, match="Only the host"):
        accept_booking(host=booking.guest, booking_id=booking.pk, now=NOW)
    with pytest.raises(NotFound):
        accept_booking(host=make_user(), booking_id=booking.pk, now=NOW)
    booking.refresh_from_db()
    assert booking.status == BookingStatus.REQUESTED


def test_declining_gives_everything_back_and_tells_the_guest():
    booking = request_room()
    declined = decline_booking(host=booking.listing.owner, booking_id=booking.pk, reason="Renovating", now=NOW)
    assert declined.status == BookingStatus.DECLINED
    assert (declined.refund_amount, declined.host_payout_after_cancellation, declined.platform_keeps) == (
        booking.total,
        0,
        0,
    )
    assert declined.transitions.last().reason == "Renovating"
    assert "booking.declined" in kinds_of(booking.guest)
    # idempotent, and accepting afterwards is a wrong-state refusal
    decline_booking(host=booking.listing.owner, booking_id=booking.pk, now=NOW)
    assert declined.transitions.count() == 2
    with pytest.raises(Conflict, match="is declined"):
        accept_booking(host=booking.listing.owner, booking_id=booking.pk, now=NOW)


def test_the_guest_cannot_decline_their_own_request():
    booking = request_room()
    with pytest.raises(PermissionDenied):
        decline_booking(host=booking.guest, booking_id=booking.pk, now=NOW)


# --- Withdraw ---------------------------------------------------------------------------------


def test_the_guest_withdraws_a_request_before_the_answer():
    booking = request_room()
    withdrawn = withdraw_booking(guest=booking.guest, booking_id=booking.pk, now=NOW)
    assert withdrawn.status == BookingStatus.WITHDRAWN
    assert withdrawn.refund_amount == booking.total
    assert "booking.withdrawn" in kinds_of(booking.listing.owner)
    withdraw_booking(guest=booking.guest, booking_id=booking.pk, now=NOW)
    assert withdrawn.transitions.count() == 2


def test_a_confirmed_booking_cannot_be_withdrawn_and_the_host_cannot_withdraw():
    booking = confirmed_room()
    with pytest.raises(Conflict, match="is confirmed"):
        withdraw_booking(guest=booking.guest, booking_id=booking.pk, now=NOW)
    with pytest.raises(PermissionDenied, match="Only the guest"):
        withdraw_booking(guest=booking.listing.owner, booking_id=booking.pk, now=NOW)


# --- Cancellations ----------------------------------------------------------------------------


def test_guest_cancellation_applies_the_frozen_policy_and_frees_the_dates():
    booking = confirmed_room(cancellation_policy="moderate")
    booking.listing.cancellation_policy = "flexible"  # later edits do not change the deal
    booking.listing.save()
    at = booking.start - timedelta(days=2)
    cancelled = cancel_by_guest(guest=booking.guest, booking_id=booking.pk, now=at)

    assert cancelled.status == BookingStatus.CANCELLED_BY_GUEST
    assert cancelled.refund_amount == 12000  # 50 % of 3 x 80.00
    split = (cancelled.refund_amount, cancelled.host_payout_after_cancellation, cancelled.platform_keeps)
    assert sum(split) == booking.total
    assert cancelled.busy_period is None
    assert not BusyPeriod.objects.exists()
    assert "booking.cancelled" in kinds_of(booking.listing.owner)
    # the dates can be booked again
    assert request_room(listing=booking.listing).status == BookingStatus.REQUESTED


def test_guest_cancellation_is_idempotent():
    booking = confirmed_room()
    cancel_by_guest(guest=booking.guest, booking_id=booking.pk, now=NOW)
    again = cancel_by_guest(guest=booking.guest, booking_id=booking.pk, now=NOW + timedelta(days=30))
    assert again.refund_amount == booking.total  # the first decision stands
    assert again.transitions.count() == 3


def test_host_cancellation_always_refunds_everything():
    booking = confirmed_room(cancellation_policy="strict")
    cancelled = cancel_by_host(
        host=booking.listing.owner, booking_id=booking.pk, reason="Flooded", now=booking.start - timedelta(hours=1)
    )
    assert cancelled.status == BookingStatus.CANCELLED_BY_HOST
    assert (cancelled.refund_amount, cancelled.host_payout_after_cancellation, cancelled.platform_keeps) == (
        booking.total,
        0,
        0,
    )
    assert not BusyPeriod.objects.exists()
    assert "booking.cancelled" in kinds_of(booking.guest)


def test_an_in_progress_booking_can_be_cancelled_by_the_guest():
    booking = confirmed_room(cancellation_policy="flexible")
    start_booking(booking_id=booking.pk, now=booking.start)
    two_hours_in = booking.start + timedelta(hours=2)
    cancelled = cancel_by_guest(guest=booking.guest, booking_id=booking.pk, now=two_hours_in)
    assert cancelled.status == BookingStatus.CANCELLED_BY_GUEST
    assert cancelled.refund_amount == 8000  # night 1 used, night 2 kept, night 3 refunded


def test_cancellation_refusals():
    booking = request_room()
    with pytest.raises(Conflict, match="is requested"):
        cancel_by_guest(guest=booking.guest, booking_id=booking.pk, now=NOW)
    confirmed = confirmed_room()
    with pytest.raises(PermissionDenied):
        cancel_by_guest(guest=confirmed.listing.owner, booking_id=confirmed.pk, now=NOW)
    with pytest.raises(PermissionDenied):
        cancel_by_host(host=confirmed.guest, booking_id=confirmed.pk, now=NOW)
    with pytest.raises(NotFound):
        cancel_by_host(host=make_user(), booking_id=confirmed.pk, now=NOW)
    confirmed.refresh_from_db()
    assert confirmed.status == BookingStatus.CONFIRMED


def test_a_missing_booking_is_not_found():
    with pytest.raises(NotFound):
        accept_booking(host=make_user(), booking_id=999999, now=NOW)


# --- Disputes hooks ---------------------------------------------------------------------------


def test_a_dispute_keeps_the_slot_freezes_the_payout_and_clears_back_by_the_clock():
    booking = confirmed_room()
    start_booking(booking_id=booking.pk, now=booking.start)
    disputed = mark_disputed(booking_id=booking.pk, by=booking.guest, reason="No hot water", now=booking.start)
    assert disputed.status == BookingStatus.DISPUTED
    assert disputed.busy_period is not None
    assert mark_disputed(booking_id=booking.pk, now=booking.start).transitions.count() == 4
    with pytest.raises(Conflict, match="dispute is open"):
        release_payout(booking_id=booking.pk, now=booking.end)
    cleared = clear_dispute(booking_id=booking.pk, now=booking.end + timedelta(hours=1))
    assert cleared.status == BookingStatus.COMPLETED
    released = release_payout(booking_id=booking.pk, now=booking.end + timedelta(hours=1))
    assert released.payout_released_at is not None


def test_a_request_cannot_be_disputed():
    booking = request_room()
    with pytest.raises(Conflict):
        mark_disputed(booking_id=booking.pk, now=NOW)
