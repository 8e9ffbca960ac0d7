"""Past stays of the demo listings, with the reviews their guests and hosts wrote: every rating has its text.

A share of the listings seed_listings just made get a few completed bookings in the past weeks and
months, each paid as the site pays one: priced by the bookings app's quote (taxes included), the card
payment captured into escrow and the escrow released to the host, through the payments ledger, so
`manage.py ledger_check` holds. No Stripe: the payments carry no Stripe ids, so reconciliation leaves
them out, and the hosts' payouts wait for them to set up payouts, as any host's do. The reviews are
published (both sides wrote, or the window closed), and the listings' and people's averages are
counted from them afterwards.
"""

from __future__ import annotations

import random
from collections.abc import Iterable
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from django.db.models import Count, Sum
from django.utils import timezone
from django.utils.translation import gettext_noop

from accounts.models import User
from bookings.models import Booking, BookingStatus, BookingTransition
from bookings.money import booking_reference
from bookings.pricing import Quote, check_minimum_charge
from bookings.pricing_taxes import apply_taxes
from bookings.selectors import quote_for, resolve_period
from core.errors import DomainError
from devtools.demo import DEMO_TAX_START
from devtools.demo_city_words import WORDS
from devtools.demo_review_words import GUEST_TEXTS, HOST_TEXTS, REVIEWERS
from listings.models import BusyPeriod, BusySource, Listing, ListingKind
from payments.ledger import Line, post_transaction
from payments.models import ESCROW, GUEST_FUNDING, Payment
from payments.services.host_payouts import release_escrow
from realtime.wording import words
from reviews.models import (
    ASPECTS_BY_KIND,
    REVIEW_WINDOW,
    Direction,
    Review,
    ReviewAspect,
    ReviewWindow,
    Role,
    UserRating,
)
from taxes.rules import TaxRules
from taxes.selectors import rules_for

REVIEWED_SHARE = 0.35  # of the new listings, those with past stays (1 to MAX_STAYS each)
MAX_STAYS = 3


def reviewers() -> dict[str, list[User]]:
    """The demo's past guests, by the language they write in (created once, found again by email)."""
    people: dict[str, list[User]] = {}
    for language, names in REVIEWERS.items():
        for name, local, country in names:
            user, created = User.objects.get_or_create(
                email=f"{local}@sharing.test",
                defaults={"display_name": name, "country": country, "language": language},
            )
            if created:
                user.set_unusable_password()
                user.save(update_fields=["password"])
            people.setdefault(language, []).append(user)
    return people


def _period(rng: random.Random, listing: Listing, ends_on: datetime) -> tuple[datetime, datetime]:
    """A stay, a rental or a ride that ended around `ends_on`, as the listing reads periods."""
    day = ends_on.astimezone(ZoneInfo(listing.time_zone)).date()
    if listing.kind == ListingKind.ROOM:
        return resolve_period(listing=listing, start=day - timedelta(days=rng.randint(2, 5)), end=day)
    hours = rng.choice((4, 8, 24, 48)) if listing.kind == ListingKind.CAR else rng.choice((1, 2, 3))
    start = datetime.combine(day, time(rng.choice((8, 9, 10, 14, 18)))) - timedelta(hours=hours)
    return resolve_period(listing=listing, start=start, end=start + timedelta(hours=hours))


def _taxed(
    quote: Quote,
    listing: Listing,
    guest: User,
    start: datetime,
    persons: int,
    booked_at: datetime,
    known: dict[tuple, TaxRules],
) -> Quote:
    """`bookings.services.taxation.taxed_quote`, with the rules read once per kind of stay: the demo's rates
    change only on DEMO_TAX_START (seed_taxes), so which side of it the dates fall on is all that matters."""
    starts_on = start.astimezone(ZoneInfo(listing.time_zone)).date()
    after = (booked_at.date() >= DEMO_TAX_START, starts_on >= DEMO_TAX_START)
    key = (guest.country, listing.owner.country, listing.city, listing.kind, listing.currency, *after)
    if key not in known:
        known[key] = rules_for(
            guest_country=guest.country,
            listing_country=listing.country_code,
            host_country=listing.owner.country,
            city=listing.city,
            kind=listing.kind,
            currency=listing.currency,
            booked_on=booked_at.date(),
            stay_starts_on=starts_on,
        )
    return apply_taxes(quote, rules=known[key], kind=listing.kind, persons=persons)


def _booking(
    rng: random.Random,
    listing: Listing,
    guest: User,
    start: datetime,
    end: datetime,
    taxes: dict[tuple, TaxRules],
) -> Booking | None:
    guests = rng.randint(1, listing.capacity) if listing.kind == ListingKind.ROOM else 1
    booked_at = start - timedelta(days=rng.randint(3, 40), hours=rng.randint(0, 12))
    quote = _taxed(quote_for(listing=listing, start=start, end=end), listing, guest, start, guests, booked_at, taxes)
    try:
        check_minimum_charge(quote)
    except DomainError:
        return None
    if not listing.min_units <= quote.units <= listing.max_units:
        return None
    release_at = min(start + timedelta(hours=24), end)
    return Booking(
        guest=guest,
        listing=listing,
        start=start,
        end=end,
        guests=guests,
        status=BookingStatus.COMPLETED,
        cancellation_policy=listing.cancellation_policy,
        time_zone=listing.time_zone,
        created_at=booked_at,
        respond_by=booked_at + timedelta(hours=24),
        confirmed_at=booked_at + timedelta(hours=0 if listing.instant_book else rng.randint(1, 6)),
        ended_at=end,
        payout_release_at=release_at,
        payout_released_at=release_at,
        **quote.as_dict(),
    )


def _transitions(booking: Booking) -> list[BookingTransition]:
    steps: list[tuple[str, str, User | None, datetime, str]] = [
        ("", BookingStatus.REQUESTED, booking.guest, booking.created_at, ""),
        (
            BookingStatus.REQUESTED,
            BookingStatus.CONFIRMED,
            None if booking.listing.instant_book else booking.listing.owner,
            booking.confirmed_at or booking.created_at,
            "Instant book" if booking.listing.instant_book else "",
        ),
        (BookingStatus.CONFIRMED, BookingStatus.IN_PROGRESS, None, booking.start, "Start time reached"),
        (BookingStatus.IN_PROGRESS, BookingStatus.COMPLETED, None, booking.end, "End time reached"),
    ]
    return [
        BookingTransition(booking=booking, from_status=a, to_status=b, by=by, at=at, reason=reason)
        for a, b, by, at, reason in steps
    ]


def _payment(booking: Booking) -> Payment:
    """The guest's card payment, charged (captured) in full when the booking was confirmed."""
    return Payment(
        payer=booking.guest,
        reference=booking_reference(booking.pk),
        amount=booking.charged,
        currency=booking.currency,
        status=Payment.Status.CAPTURED,
        captured_amount=booking.charged,
        created_at=booking.created_at,
        updated_at=booking.end,
    )


def _pay(booking: Booking, payment: Payment) -> None:
    """The capture into escrow in the ledger, then the escrow released to the host, the taxes and Sharing."""
    post_transaction(
        lines=[Line(GUEST_FUNDING, -payment.amount, payment.currency), Line(ESCROW, payment.amount, payment.currency)],
        reference=payment.reference,
        description=words(gettext_noop("Guest payment #%(number)s captured into escrow"), number=payment.pk),
        payment=payment,
    )
    release_escrow(
        payment=payment, host=booking.listing.owner, host_amount=booking.payout_amount, taxes=booking.taxes_kept()
    )


def _reviews(rng: random.Random, booking: Booking, language: str) -> tuple[ReviewWindow, list[Review], list[int]]:
    """The guest's review (with its aspect ratings), often the host's, and when they were published."""
    listing = booking.listing
    rating = rng.choices((5, 4, 3), weights=(60, 30, 10))[0]
    host_name = listing.owner.display_name.split()[0]
    text = rng.choice(GUEST_TEXTS[language][listing.kind][rating]).format(host=host_name)
    written = booking.end + timedelta(hours=rng.randint(2, 96))
    reviews = [
        Review(
            booking=booking,
            listing=listing,
            author=booking.guest,
            subject=listing.owner,
            direction=Direction.GUEST_TO_HOST,
            rating=rating,
            text=text,
            text_language=language,
            created_at=written,
        )
    ]
    if rng.random() < 0.7:
        host_language = WORDS[listing.city].language
        reviews.append(
            Review(
                booking=booking,
                listing=listing,
                author=listing.owner,
                subject=booking.guest,
                direction=Direction.HOST_TO_GUEST,
                rating=rng.choice((4, 5, 5)),
                text=rng.choice(HOST_TEXTS[host_language]),
                text_language=host_language,
                created_at=booking.end + timedelta(hours=rng.randint(2, 96)),
            )
        )
    closes_at = booking.end + REVIEW_WINDOW
    published = max(r.created_at for r in reviews) if len(reviews) == 2 else closes_at
    for review in reviews:
        review.published_at = published
    aspects = [max(3, min(5, rating + rng.choice((-1, 0, 0, 1)))) for _ in ASPECTS_BY_KIND[listing.kind]]
    window = ReviewWindow(
        booking=booking, ended_at=booking.end, closes_at=closes_at, can_write_sent_at=booking.end, closed_at=published
    )
    return window, reviews, aspects


def seed_stays(listings: Iterable[Listing], now: datetime | None = None) -> int:
    """Past, paid and reviewed stays for a share of `listings`; returns how many bookings were made."""
    now = now or timezone.now()
    rng = random.Random(24)  # noqa: S311 (demo data, not secrets)
    people = reviewers()
    ids = [listing.pk for listing in listings]
    fresh = Listing.objects.filter(pk__in=ids, bookings__isnull=True).select_related("owner", "room", "car")
    bookings: list[tuple[Booking, str]] = []
    taxes: dict[tuple, TaxRules] = {}
    for listing in sorted(fresh, key=lambda listing: listing.pk):
        if rng.random() >= REVIEWED_SHARE:
            continue
        ends_on = now - timedelta(days=rng.randint(16, 40))
        for _ in range(rng.randint(1, MAX_STAYS)):
            home = WORDS[listing.city].language
            language = home if rng.random() < 0.6 else rng.choice(sorted(REVIEWERS))
            guest = rng.choice(people[language])
            start, end = _period(rng, listing, ends_on)
            booking = _booking(rng, listing, guest, start, end, taxes)
            if booking is not None:
                bookings.append((booking, language))
            ends_on = start - timedelta(days=rng.randint(2, 30))
    slots = BusyPeriod.objects.bulk_create(
        [BusyPeriod(listing=b.listing, start=b.start, end=b.end, source=BusySource.BOOKING) for b, _ in bookings]
    )
    for (booking, _), slot in zip(bookings, slots, strict=True):
        booking.busy_period = slot
    Booking.objects.bulk_create([booking for booking, _ in bookings])
    BookingTransition.objects.bulk_create([step for booking, _ in bookings for step in _transitions(booking)])
    payments = Payment.objects.bulk_create([_payment(booking) for booking, _ in bookings])
    windows, reviews, aspects = [], [], []
    for (booking, language), payment in zip(bookings, payments, strict=True):
        _pay(booking, payment)
        window, written, ratings = _reviews(rng, booking, language)
        windows.append(window)
        reviews += written
        aspects.append((written[0], ratings))
    ReviewWindow.objects.bulk_create(windows)
    Review.objects.bulk_create(reviews)
    ReviewAspect.objects.bulk_create(
        [
            ReviewAspect(review=review, aspect=aspect, rating=rating)
            for review, ratings in aspects
            for aspect, rating in zip(ASPECTS_BY_KIND[review.listing.kind], ratings, strict=True)
        ]
    )
    count_ratings(
        ids, [user.pk for group in people.values() for user in group] + [b.listing.owner_id for b, _ in bookings]
    )
    return len(bookings)


def count_ratings(listing_ids: list[int], user_ids: list[int]) -> None:
    """Set the listings' and people's averages from their published, visible reviews (what reviews counts)."""
    visible = Review.objects.filter(published_at__isnull=False, hidden_at__isnull=True)
    counted = {
        row["listing_id"]: (row["count"], row["total"])
        for row in visible.filter(direction=Direction.GUEST_TO_HOST, listing_id__in=listing_ids)
        .values("listing_id")
        .annotate(count=Count("pk"), total=Sum("rating"))
    }
    stale = []
    for listing in Listing.objects.filter(pk__in=listing_ids).only("pk", "rating_count", "rating_sum"):
        if (listing.rating_count, listing.rating_sum) != counted.get(listing.pk, (0, 0)):
            listing.rating_count, listing.rating_sum = counted.get(listing.pk, (0, 0))
            stale.append(listing)
    Listing.objects.bulk_update(stale, ["rating_count", "rating_sum"], batch_size=200)
    for role, direction in ((Role.HOST, Direction.GUEST_TO_HOST), (Role.GUEST, Direction.HOST_TO_GUEST)):
        about = (
            visible.filter(direction=direction, subject_id__in=set(user_ids))
            .values("subject_id")
            .annotate(count=Count("pk"), total=Sum("rating"))
        )
        for person in about:
            UserRating.objects.update_or_create(
                user_id=person["subject_id"], role=role, defaults={"count": person["count"], "total": person["total"]}
            )
