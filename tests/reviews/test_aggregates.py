"""Averages per listing, per host and per guest: exact after each publication, hidden reviews left out,
and exact under concurrent publications (real threads, real connections)."""

from datetime import date, timedelta

import pytest

from listings.models import Listing, ListingKind
from reviews import selectors, services
from reviews.models import Role, UserRating
from tests.conftest import make_user
from tests.listings.factories import make_listing
from tests.reviews.factories import TEXT, aspects_for, completed, guest_review, host_review
from tests.support.threads import run_concurrently


def counters(listing_id):
    listing = Listing.objects.get(pk=listing_id)
    return listing.rating_count, listing.rating_sum


def user_rating(user, role):
    rating = UserRating.objects.filter(user=user, role=role).first()
    return (rating.count, rating.total) if rating else (0, 0)


@pytest.mark.django_db
def test_averages_are_exact_after_each_publication():
    host = make_user()
    listing = make_listing(owner=host, instant_book=True)
    other = make_listing(owner=host, kind=ListingKind.CAR, instant_book=True)
    guest = make_user()
    stays = [
        completed(listing=listing, guest=guest, check_in=date(2027, 3, 5), check_out=date(2027, 3, 8)),
        completed(listing=listing, check_in=date(2027, 3, 10), check_out=date(2027, 3, 12)),
        completed(listing=other, guest=guest),
    ]
    expected_listing, expected_host, expected_guest = [0, 0], [0, 0], [0, 0]
    for booking, (guest_stars, host_stars) in zip(stays, [(5, 4), (3, 2), (4, 5)], strict=True):
        guest_review(booking, rating=guest_stars)
        assert counters(listing.pk) == tuple(expected_listing)  # nothing counted before publication
        host_review(booking, rating=host_stars)
        if booking.listing_id == listing.pk:
            expected_listing = [expected_listing[0] + 1, expected_listing[1] + guest_stars]
        expected_host = [expected_host[0] + 1, expected_host[1] + guest_stars]
        if booking.guest_id == guest.pk:
            expected_guest = [expected_guest[0] + 1, expected_guest[1] + host_stars]
        assert counters(listing.pk) == tuple(expected_listing)
        assert user_rating(host, Role.HOST) == tuple(expected_host)
        assert user_rating(guest, Role.GUEST) == tuple(expected_guest)
    assert counters(listing.pk) == (2, 8)
    assert counters(other.pk) == (1, 4)
    assert user_rating(host, Role.HOST) == (3, 12)
    assert user_rating(guest, Role.GUEST) == (2, 9)
    assert user_rating(host, Role.GUEST) == (0, 0)
    page = selectors.user_reviews(user_id=host.pk, viewer=None)
    assert (page.rating_count, page.rating_average) == (3, 4.0)


@pytest.mark.django_db
def test_aspect_averages_cover_the_visible_published_reviews():
    listing = make_listing(instant_book=True)
    first = completed(listing=listing, check_in=date(2027, 3, 5), check_out=date(2027, 3, 8))
    second = completed(listing=listing, check_in=date(2027, 3, 10), check_out=date(2027, 3, 12))
    third = completed(listing=listing, check_in=date(2027, 3, 14), check_out=date(2027, 3, 16))
    guest_review(first, aspects={**aspects_for(ListingKind.ROOM, 4), "cleanliness": 5})
    guest_review(second, aspects={**aspects_for(ListingKind.ROOM, 2), "cleanliness": 4})
    guest_review(third, aspects=aspects_for(ListingKind.ROOM, 1))  # third is never published
    host_review(first)
    host_review(second)
    averages = {a.aspect: a.average for a in selectors.listing_reviews(listing_id=listing.pk, viewer=None).aspects}
    assert averages == {"cleanliness": 4.5, "accuracy": 3.0, "communication": 3.0, "location": 3.0, "value": 3.0}


def run_at_once(calls):
    """The calls in threads released at once; what they raised."""
    _, errors = run_concurrently(calls)
    return errors


@pytest.mark.django_db(transaction=True)
def test_reviews_published_at_the_same_moment_are_all_counted():
    """Six bookings of one host, two of them on the same listing, all published concurrently by the host's
    reviews: the listing counters and the host's and guests' rows (created on the fly) come out exact."""
    host = make_user()
    shared = make_listing(owner=host, instant_book=True)
    guest = make_user()
    bookings = [
        completed(listing=shared, guest=guest, check_in=date(2027, 3, 5), check_out=date(2027, 3, 8)),
        completed(listing=shared, guest=guest, check_in=date(2027, 3, 10), check_out=date(2027, 3, 12)),
    ] + [completed(listing=make_listing(owner=host, instant_book=True)) for _ in range(4)]
    guest_stars = [5, 4, 3, 2, 1, 5]
    for booking, stars in zip(bookings, guest_stars, strict=True):
        guest_review(booking, rating=stars)

    def publish(booking, stars):
        return lambda: services.write_review(
            author=host, booking_id=booking.pk, rating=stars, text=TEXT, now=booking.end + timedelta(days=1)
        )

    host_stars = [1, 2, 3, 4, 5, 4]
    errors = run_at_once([publish(b, s) for b, s in zip(bookings, host_stars, strict=True)])
    assert errors == []
    assert counters(shared.pk) == (2, 9)
    for booking, stars in zip(bookings[2:], guest_stars[2:], strict=True):
        assert counters(booking.listing_id) == (1, stars)
    assert user_rating(host, Role.HOST) == (6, sum(guest_stars))
    assert user_rating(guest, Role.GUEST) == (2, 3)
    for booking, stars in zip(bookings[2:], host_stars[2:], strict=True):
        assert user_rating(booking.guest, Role.GUEST) == (1, stars)


@pytest.mark.django_db(transaction=True)
def test_both_sides_writing_at_the_same_moment_publish_both_exactly_once():
    booking = completed()
    guest_call = lambda: guest_review(booking, rating=5)  # noqa: E731
    host_call = lambda: host_review(booking, rating=4)  # noqa: E731
    assert run_at_once([guest_call, host_call]) == []
    assert set(booking.reviews.values_list("published_at", flat=True)) != {None}
    assert booking.reviews.filter(published_at__isnull=True).count() == 0
    assert counters(booking.listing_id) == (1, 5)
    assert user_rating(booking.listing.owner, Role.HOST) == (1, 5)
    assert user_rating(booking.guest, Role.GUEST) == (1, 4)
