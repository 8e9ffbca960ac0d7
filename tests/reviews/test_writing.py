"""Writing a review: only the guest and the host, only once the booking took place, once each, within 14 days."""

from datetime import timedelta

import pytest
from django.db import IntegrityError, transaction

from bookings.services.cancellations import cancel_by_guest, cancel_by_host
from core.errors import Conflict, DomainError, NotFound, PermissionDenied
from listings.models import ListingKind
from reviews import selectors, services
from reviews.models import ASPECTS_BY_KIND, REVIEW_WINDOW, Direction, Review, ReviewWindow
from tests.conftest import make_user
from tests.reviews.factories import TEXT, aspects_for, completed, confirmed, guest_review, host_review, started

pytestmark = pytest.mark.django_db


def test_the_guest_reviews_a_completed_stay_with_its_aspects():
    booking = completed()
    review = guest_review(booking, rating=4, private_note="Thanks for the tea!")
    assert review.direction == Direction.GUEST_TO_HOST
    assert review.author == booking.guest
    assert review.subject == booking.listing.owner
    assert review.listing == booking.listing
    assert review.rating == 4
    assert review.private_note == "Thanks for the tea!"
    assert dict(review.aspects.values_list("aspect", "rating")) == aspects_for(ListingKind.ROOM, 4)
    assert review.published_at is None
    window = ReviewWindow.objects.get(booking=booking)
    assert window.closes_at == booking.end + REVIEW_WINDOW


def test_the_host_reviews_the_guest_with_an_overall_rating_only():
    booking = completed()
    review = host_review(booking, rating=3)
    assert review.direction == Direction.HOST_TO_GUEST
    assert review.subject == booking.guest
    assert not review.aspects.exists()


@pytest.mark.parametrize("make", [confirmed, started], ids=["confirmed", "in_progress"])
def test_a_review_before_completion_is_refused(make):
    booking = make()
    with pytest.raises(Conflict, match="once it has taken place"):
        guest_review(booking, at=booking.start + timedelta(hours=1))
    assert not Review.objects.exists()
    assert not ReviewWindow.objects.exists()


def test_a_booking_cancelled_before_it_started_cannot_be_reviewed():
    booking = confirmed()
    cancel_by_guest(guest=booking.guest, booking_id=booking.pk, now=booking.start - timedelta(days=1))
    with pytest.raises(Conflict, match="once it has taken place"):
        guest_review(booking)


def test_a_booking_cancelled_after_it_started_can_be_reviewed_by_both_sides():
    booking = started(ListingKind.CAR)
    cancelled_at = booking.start + timedelta(hours=1)
    cancel_by_host(host=booking.listing.owner, booking_id=booking.pk, now=cancelled_at)
    review = guest_review(booking, rating=1, text="The host ended the rental an hour in.", at=cancelled_at)
    assert dict(review.aspects.values_list("aspect", "rating")) == aspects_for(ListingKind.CAR, 1)
    host_review(booking, at=cancelled_at + timedelta(hours=1))
    # The window counts from the cancellation, not the planned end.
    assert ReviewWindow.objects.get(booking=booking).closes_at == cancelled_at + REVIEW_WINDOW


def test_a_stranger_cannot_review_and_learns_nothing_about_the_booking():
    booking = completed()
    with pytest.raises(NotFound, match="No such booking"):
        services.write_review(author=make_user(), booking_id=booking.pk, rating=5, text=TEXT, now=booking.end)
    with pytest.raises(PermissionDenied, match="Only the guest and the host"):
        services.write_review(author=make_user(is_staff=True), booking_id=booking.pk, rating=5, text=TEXT)
    assert not Review.objects.exists()


def test_reviewing_twice_is_refused_and_the_first_review_stands():
    booking = completed()
    first = guest_review(booking, rating=5)
    with pytest.raises(Conflict, match="already reviewed"):
        guest_review(booking, rating=1, text="Changed my mind, it was awful really.")
    assert list(Review.objects.values_list("pk", "rating")) == [(first.pk, 5)]


def test_the_database_refuses_a_second_review_of_one_side():
    booking = completed()
    first = guest_review(booking)
    with pytest.raises(IntegrityError), transaction.atomic():
        Review.objects.create(
            booking=booking, listing=booking.listing, author=first.author, subject=first.subject,
            direction=first.direction, rating=3, text="Sneaking in a second one.",
        )  # fmt: skip


def test_the_database_refuses_a_rating_outside_one_to_five():
    booking = completed()
    with pytest.raises(IntegrityError), transaction.atomic():
        Review.objects.create(
            booking=booking, listing=booking.listing, author=booking.guest, subject=booking.listing.owner,
            direction=Direction.GUEST_TO_HOST, rating=6, text="Six stars for this one.",
        )  # fmt: skip


def test_a_review_after_the_window_is_refused():
    booking = completed()
    closes_at = booking.end + REVIEW_WINDOW
    with pytest.raises(Conflict, match="14 days to review this booking are over"):
        guest_review(booking, at=closes_at)
    assert not Review.objects.exists()
    # One second earlier it is still open.
    guest_review(booking, at=closes_at - timedelta(seconds=1))


@pytest.mark.parametrize("rating", [0, 6, -1, True, "5"])
def test_an_overall_rating_outside_one_to_five_is_refused(rating):
    booking = completed()
    with pytest.raises(DomainError, match="from 1 to 5") as caught:
        guest_review(booking, rating=rating, aspects=aspects_for(ListingKind.ROOM))
    assert caught.value.field == "rating"


@pytest.mark.parametrize("kind", list(ASPECTS_BY_KIND))
def test_the_guest_must_rate_every_aspect_of_the_kind(kind):
    booking = completed(kind)
    aspects = aspects_for(kind)
    missing = next(iter(aspects))
    del aspects[missing]
    with pytest.raises(DomainError, match="Rate the") as caught:
        guest_review(booking, aspects=aspects)
    assert caught.value.field == missing
    assert not Review.objects.exists()


def test_aspects_of_another_kind_or_out_of_range_are_refused():
    booking = completed(ListingKind.DRIVER)
    with pytest.raises(DomainError, match="not rated on cleanliness"):
        guest_review(booking, aspects={**aspects_for(ListingKind.DRIVER), "cleanliness": 5})
    with pytest.raises(DomainError, match="from 1 to 5") as caught:
        guest_review(booking, aspects={**aspects_for(ListingKind.DRIVER), "safety": 9})
    assert caught.value.field == "safety"


def test_the_host_cannot_rate_aspects():
    booking = completed()
    with pytest.raises(DomainError, match="overall rating only"):
        services.write_review(
            author=booking.listing.owner, booking_id=booking.pk, rating=4, text=TEXT, aspects={"cleanliness": 2}
        )


def test_markup_is_stripped_and_whitespace_tidied():
    booking = completed()
    review = guest_review(
        booking,
        text="<p>Great   <b>stay</b>!</p>\r\n\r\n\r\n<script>alert('x')</script>"
        "&lt;img src=x onerror=1&gt;Clean &amp; quiet.",
        private_note="<i>See   you</i>",
    )
    assert review.text == "Great stay!\n\nalert('x')Clean & quiet."
    assert review.private_note == "See you"
    assert "<" not in review.text


@pytest.mark.parametrize(
    ("text", "message"),
    [("<b>Ok</b>", "at least 10 characters"), ("x" * 2001, "at most 2000 characters"), ("   ", "at least 10")],
)
def test_text_length_limits_apply_to_the_plain_text(text, message):
    booking = completed()
    with pytest.raises(DomainError, match=message) as caught:
        guest_review(booking, text=text)
    assert caught.value.field == "text"


def test_the_write_page_explains_why_the_form_is_not_there():
    booking = confirmed()
    refusal = selectors.write_refusal(booking=booking, user=booking.guest, now=booking.start)
    assert refusal == selectors.NOT_YET_REVIEWABLE
