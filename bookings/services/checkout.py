"""Checkout: a guest asks for a listing's period and pays for it, through 3-D Secure when the bank asks.

Every rule is checked before the card is touched, and again under the listing lock in
the booking transaction (`_bookable_period`). The card is authorised in its own committed
step, never inside the listing's lock; a card that needs the bank's check leaves a
PendingCheckout, which `complete_checkout` turns into the booking once the bank said yes,
or `abandon_checkout` gives up after CHECKOUT_TIMEOUT. No booking exists without a held
card, and an authorisation no booking was made for is released (after the commit).
MONEY:
  request_booking  -> authorise the guest's total first (outside the transaction),
                      then attach it to "booking:<id>" inside it; or adopt a hold
                      the card already has (an on-demand request's estimate)
                      A start further ahead than PAYMENT_SCHEDULE_AFTER_DAYS: the card is saved
                      instead (nothing held) and the booking gets a PaymentSchedule (services.schedule)
  instant book     -> confirmed at once (`steps._confirm`: capture the total)
  complete_checkout / abandon_checkout -> a failed or unfinished check: release the authorisation
"""

from __future__ import annotations

import logging
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_noop, ngettext_lazy

from accounts.models import User
from accounts.safety import ensure_not_blocked
from accounts.selectors import ensure_not_suspended, has_verified_email
from accounts.verifications import ensure_verified_licence, ensure_verified_person
from bookings import pricing, rules, selectors, tasks
from bookings.models import RESPONSE_WINDOW, Booking, BookingStatus, BookingTransition, PaymentSchedule, PendingCheckout
from bookings.money import booking_reference, money
from bookings.reminder_times import answer_reminders_due
from bookings.services import promotions
from bookings.services.schedule import charge_time
from bookings.services.steps import _confirm, _notify, _notify_declined
from bookings.services.taxation import taxed
from core.errors import AuthenticationRequired, CardRefused, Conflict, DomainError, NotFound, PermissionDenied
from core.tasks import schedule_on_commit
from listings.models import Listing, ListingKind, ListingStatus
from listings.selectors import overlapping_busy_periods
from listings.services import DATES_TAKEN_MESSAGE
from realtime.services import ensure_thread

logger = logging.getLogger(__name__)


def _check_rules(*, listing: Listing, start: datetime, end: datetime, units: int, guests: int, now: datetime) -> None:
    if start <= now:
        raise DomainError(
            gettext_noop("That start has already passed. Pick a later date."), field="start", code="past_dates"
        )
    rules.check_within_horizon(listing=listing, end=end, now=now)
    if start - now < timedelta(hours=listing.advance_notice_hours):
        raise DomainError(
            ngettext_lazy(
                "This host needs at least %(count)s hour's notice. Pick a later start.",
                "This host needs at least %(count)s hours' notice. Pick a later start.",
                "count",
            ),
            params={"count": listing.advance_notice_hours},
            field="start",
            code="advance_notice",
        )
    if listing.kind == ListingKind.ROOM:
        low, high = listing.min_units, listing.max_units
        if units < low:
            raise DomainError(_nights_min, params={"count": low}, field="end", code="too_short")
        if units > high:
            raise DomainError(_nights_max, params={"count": high}, field="end", code="too_long")
    else:
        # Cars count whole hours, driving services half hours (at least one hour).
        per_hour = 1 if listing.kind == ListingKind.CAR else 2
        low = max(listing.min_units, 1)
        if units < low * per_hour:
            raise DomainError(_hours_min, params={"count": low}, field="end", code="too_short")
        if units > listing.max_units * per_hour:
            raise DomainError(_hours_max, params={"count": listing.max_units}, field="end", code="too_long")
    if guests < 1:
        raise DomainError(gettext_noop("Book for at least one person."), field="guests", code="too_few_guests")
    if guests > listing.capacity:
        raise DomainError(
            ngettext_lazy(
                "This listing takes at most %(count)s person.", "This listing takes at most %(count)s people.", "count"
            ),
            params={"count": listing.capacity},
            field="guests",
            code="over_capacity",
        )


_nights_min = ngettext_lazy("The minimum stay is %(count)s night.", "The minimum stay is %(count)s nights.", "count")
_nights_max = ngettext_lazy("The maximum stay is %(count)s night.", "The maximum stay is %(count)s nights.", "count")
_hours_min = ngettext_lazy("The minimum is %(count)s hour.", "The minimum is %(count)s hours.", "count")
_hours_max = ngettext_lazy("The maximum is %(count)s hour.", "The maximum is %(count)s hours.", "count")


def booking_thread_key(booking_id: int) -> str:
    """The conversation between a booking's guest and host (realtime threads are named by key)."""
    return f"booking:{booking_id}"


def _bookable_period(
    *,
    guest: User,
    listing_id: int,
    start: date | datetime,
    end: date | datetime,
    guests: int,
    now: datetime,
    lock: bool,
) -> tuple[Listing, selectors.PricedPeriod]:
    """Every rule a new booking must satisfy; with `lock`, inside the booking transaction (listing row locked)."""
    listings = Listing.objects.select_related("owner")
    if lock:
        # of=("self",): lock the listing row only, not its owner's user row joined for the notification.
        listings = listings.select_for_update(of=("self",))
    listing = listings.filter(pk=listing_id).first()
    if listing is None or listing.status == ListingStatus.DELETED:
        raise NotFound(gettext_noop("No such listing."))
    if listing.owner_id == guest.pk:
        raise PermissionDenied(gettext_noop("You cannot book your own listing."), code="own_listing")
    ensure_not_blocked(guest, listing.owner_id, doing=gettext_noop("ask to book this listing"))
    if listing.verified_guests_only:
        ensure_verified_person(guest, doing=gettext_noop("ask to book this listing"))
    if not listing.is_bookable:
        raise Conflict(gettext_noop("This listing is not taking bookings right now."), code="listing_paused")
    priced = selectors.price_period(listing=listing, start=start, end=end, now=now)
    if listing.kind == ListingKind.CAR:
        car = getattr(listing, "car", None)
        pickup_day = priced.start.astimezone(ZoneInfo(listing.time_zone)).date()
        ensure_verified_licence(
            guest, doing=gettext_noop("book a car"), min_age=car.min_renter_age if car else None, on=pickup_day
        )
    _check_rules(listing=listing, start=priced.start, end=priced.end, units=priced.quote.units, guests=guests, now=now)
    pricing.check_minimum_charge(priced.quote)
    if overlapping_busy_periods(listing_id=listing.pk, start=priced.start, end=priced.end).exists():
        raise Conflict(DATES_TAKEN_MESSAGE, field="start", code="dates_taken")
    if Booking.objects.filter(
        listing=listing, guest=guest, status=BookingStatus.REQUESTED, start__lt=priced.end, end__gt=priced.start
    ).exists():
        raise Conflict(gettext_noop("You have already asked for these dates."), field="start", code="duplicate_request")
    return listing, priced


def quote_request(
    *,
    guest: User,
    listing_id: int,
    start: date | datetime,
    end: date | datetime,
    guests: int,
    now: datetime | None = None,
    promo_code: str = "",
    use_credit: bool = False,
) -> selectors.PricedPeriod:
    """The price of a request after every check `request_booking` makes before the card: the live quote
    calls it too, so it never prices a period the request would refuse, and says why before any card.
    With a promo code and/or the guest's credit applied (`services.promotions.promoted`), then the
    taxes (`services.taxation.taxed`)."""
    now = now or timezone.now()
    if not has_verified_email(guest):
        raise PermissionDenied(gettext_noop("Confirm your email address before booking."), code="email_unverified")
    ensure_not_suspended(guest, doing=gettext_noop("book"))
    listing, priced = _bookable_period(
        guest=guest, listing_id=listing_id, start=start, end=end, guests=guests, now=now, lock=False
    )
    priced = promotions.promoted(
        guest=guest, listing=listing, priced=priced, promo_code=promo_code, use_credit=use_credit, now=now
    )
    return taxed(guest=guest, listing=listing, priced=priced, persons=guests, now=now)


def request_booking(
    *,
    guest: User,
    listing_id: int,
    start: date | datetime,
    end: date | datetime,
    guests: int,
    payment_method: str = "",
    authorisation: int | None = None,
    now: datetime | None = None,
    promo_code: str = "",
    use_credit: bool = False,
) -> Booking:
    """Ask for a listing's period, paying with the guest's card; instant-book listings confirm at once.

    Rooms take check-in/check-out dates, cars and drivers date-times (see
    `selectors.resolve_period`). Refuses unverified emails, own listings, paused or
    deleted listings, past or too-close starts, too short or too long periods,
    too many people and dates already taken, before touching the card.

    The card is authorised first, in its own committed step (a Stripe call never
    waits inside the listing's lock for a bank); then one transaction makes the
    booking, attaches the payment and, for instant book, records its capture (sent to Stripe
    after the commit). If the booking
    cannot be made the authorisation is released. A card that needs 3-D Secure
    raises AuthenticationRequired whose `subject` is the PendingCheckout (booked by
    `complete_checkout` once the bank said yes); a declined card raises the
    payment's DomainError and no booking exists.

    `authorisation` instead of `payment_method`: the booking adopts a hold the guest's
    card already has (the money port's payment id; an on-demand request holds its
    estimate) if it covers the total in the same currency, and charges only the total.
    The card is not authorised a second time, and if the booking cannot be made the
    hold stays with whoever made it.

    `promo_code` / `use_credit`: the card is authorised for what is left to pay (`Quote.charged`);
    the code and the credit are taken in the booking transaction, and a refused code refuses the request.
    """
    now = now or timezone.now()
    priced = quote_request(
        guest=guest,
        listing_id=listing_id,
        start=start,
        end=end,
        guests=guests,
        now=now,
        promo_code=promo_code,
        use_credit=use_credit,
    )
    # Far ahead: the card is saved, nothing is held (a hold lasts 7 days), and charged on schedule.
    charge_at = None if authorisation is not None else charge_time(start=priced.start, now=now)
    checkout = PendingCheckout(
        guest=guest,
        listing_id=listing_id,
        start=priced.start,
        end=priced.end,
        guests=guests,
        total=priced.quote.charged,
        currency=priced.quote.currency,
        charge_at=charge_at,
        promo_code=priced.quote.promo_code,
        use_credit=use_credit,
        created_at=now,
    )
    if authorisation is not None:
        checkout.payment_id = authorisation
        return _create_booking(checkout=checkout, now=now, adopt=True)
    pay = money().save_card_for_later if charge_at is not None else money().authorise
    held = pay(
        payer=guest,
        amount=checkout.total,
        currency=checkout.currency,
        reference=checkout.reference,
        payment_method=payment_method,
    )
    checkout.payment_id = held.payment_id
    if held.requires_action:
        checkout.save()
        next_url = reverse("bookings:checkout_complete", kwargs={"checkout_uid": checkout.uid})
        raise AuthenticationRequired(
            gettext_noop("Your bank asks you to confirm this payment."),
            subject=checkout,
            url=money().authentication_url(payment_id=held.payment_id, next_url=next_url),
            client_secret=held.client_secret,
        )
    if not held.ready:
        message = held.failure_message or "Your card was refused. Try another card."
        raise CardRefused(message, field="payment_method", code="payment_failed")
    try:
        return _create_booking(checkout=checkout, now=now)
    except DomainError:
        _abandon(checkout.payment_id)
        raise


def complete_checkout(*, guest: User, checkout_uid: str, now: datetime | None = None) -> Booking:
    """Make the booking once the guest's bank confirmed the card; idempotent (a second call returns it).

    The checkout row is locked, so a double click cannot make two bookings or release
    the authorisation of the one that was made.
    """
    now = now or timezone.now()
    failure: DomainError
    seen = PendingCheckout.objects.filter(uid=checkout_uid, guest=guest).first()
    if seen is None:
        raise NotFound(gettext_noop("No such booking in progress."))
    authorisation = None
    if seen.booking_id is None and not seen.failure_message:
        # Asked of the bank before any lock is taken (no Stripe call inside a transaction);
        # reading it twice on a double click is harmless, the lock below decides who books.
        authorisation = money().confirm_authentication(payment_id=seen.payment_id)
    with transaction.atomic():
        checkout = PendingCheckout.objects.select_for_update().get(pk=seen.pk)
        if checkout.booking_id is not None:
            return Booking.objects.get(pk=checkout.booking_id)
        if checkout.failure_message or authorisation is None:
            raise Conflict(checkout.failure_message, code="checkout_failed")
        if authorisation.requires_action:
            raise Conflict(
                gettext_noop("Your bank has not confirmed the card yet. Finish its check first."),
                code="requires_action",
            )
        try:
            if not authorisation.ready:
                message = authorisation.failure_message or "Your card could not be confirmed. Try another card."
                raise CardRefused(message, field="payment_method", code="payment_failed")
            booking = _create_booking(checkout=checkout, now=now)
        except DomainError as error:
            failure = error
            checkout.failure_message = error.message[:300]
            checkout.save(update_fields=["failure_message"])
        else:
            checkout.booking = booking
            checkout.save(update_fields=["booking"])
            return booking
    # The failure is committed first, so a second click reads it instead of trying again.
    _abandon(checkout.payment_id)
    raise failure


def _abandon(payment_id: int) -> None:
    """Release an authorisation no booking was made for; Stripe drops it after 7 days anyway if this fails."""
    try:
        money().abandon(payment_id=payment_id)
    except DomainError as error:
        logger.warning("could not release authorisation of payment %s: %s", payment_id, error.message)


def _create_booking(*, checkout: PendingCheckout, now: datetime, adopt: bool = False) -> Booking:
    """The booking transaction: re-check every rule under the listing lock, re-price, attach the paid card.

    `adopt`: the payment is a hold made for something else, which must cover the total.
    """
    guest = checkout.guest
    # Suspended while at the bank: the authorisation is released by the caller's failure path.
    ensure_not_suspended(guest, doing=gettext_noop("book"))
    with transaction.atomic():
        listing, priced = _bookable_period(
            guest=guest,
            listing_id=checkout.listing_id,
            start=checkout.start,
            end=checkout.end,
            guests=checkout.guests,
            now=now,
            lock=True,
        )
        priced = promotions.promoted(
            guest=guest,
            listing=listing,
            priced=priced,
            promo_code=checkout.promo_code,
            use_credit=checkout.use_credit,
            now=now,
        )
        priced = taxed(guest=guest, listing=listing, priced=priced, persons=checkout.guests, now=now)
        quote = priced.quote
        promotions.check_price(quote, charged=checkout.total, currency=checkout.currency)
        respond_by = min(now + RESPONSE_WINDOW, priced.start - timedelta(hours=listing.advance_notice_hours))
        booking = Booking.objects.create(
            guest=guest,
            listing=listing,
            start=priced.start,
            end=priced.end,
            guests=checkout.guests,
            status=BookingStatus.REQUESTED,
            cancellation_policy=listing.cancellation_policy,
            time_zone=listing.time_zone,
            created_at=now,
            respond_by=respond_by,
            **quote.as_dict(),
        )
        promotions.redeem(booking=booking, now=now)
        BookingTransition.objects.create(
            booking=booking, from_status="", to_status=BookingStatus.REQUESTED, by=guest, at=now
        )
        ensure_thread(
            key=booking_thread_key(booking.pk),
            title=f"{listing.title}, {booking.start:%d %b} to {booking.end:%d %b %Y}",
            link_url=booking.get_absolute_url(),
            participants=[guest, listing.owner],
        )
        if checkout.charge_at is not None:
            PaymentSchedule.objects.create(booking=booking, charge_at=checkout.charge_at)
        if adopt:
            money().adopt(
                payment_id=checkout.payment_id,
                payer=guest,
                amount=booking.charged,
                currency=booking.currency,
                reference=booking_reference(booking.pk),
            )
        else:
            money().attach(payment_id=checkout.payment_id, reference=booking_reference(booking.pk))
        if listing.instant_book:
            declined = _confirm(booking, by=None, now=now, reason=gettext_noop("Instant book"))
            _notify_declined(declined)
            _notify([guest], "booking.confirmed", booking, gettext_noop("Your booking is confirmed."))
            _notify(
                [listing.owner],
                "booking.confirmed",
                booking,
                gettext_noop("New booking by %(name)s."),
                name=guest.public_name,
            )
        else:
            asks = gettext_noop("%(name)s asks to book. Answer within 24 hours.")
            _notify([listing.owner], "booking.requested", booking, asks, name=guest.public_name)
            schedule_on_commit(tasks.expire_booking_task, booking.pk, at=booking.respond_by)
            for hours_left, at in answer_reminders_due(booking, now):
                schedule_on_commit(tasks.remind_host_to_answer_task, booking.pk, hours_left, at=at)
    return booking


# A guest who leaves the bank's check unfinished for this long will not come back to it.
CHECKOUT_TIMEOUT = timedelta(hours=1)


def abandon_checkout(*, checkout_id: int, now: datetime | None = None) -> PendingCheckout:
    """Give up a 3-D Secure checkout the guest never finished: its authorisation is released. Idempotent."""
    now = now or timezone.now()
    with transaction.atomic():
        checkout = PendingCheckout.objects.select_for_update().get(pk=checkout_id)
        if checkout.booking_id is not None or checkout.failure_message:
            return checkout
        if now < checkout.created_at + CHECKOUT_TIMEOUT:
            raise Conflict(gettext_noop("The guest may still be confirming this card."), code="not_due")
        checkout.failure_message = "The card check was not finished in time. Book again."
        checkout.save(update_fields=["failure_message"])
    # After the commit, like every other abandoned authorisation: the failure stands even if Stripe is slow.
    _abandon(checkout.payment_id)
    return checkout
