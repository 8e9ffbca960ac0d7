"""Blind until both have spoken: publication when both wrote, or when the window closes (task or sweep)."""

from datetime import timedelta
from io import StringIO
from unittest import mock

import pytest
from django.core.management import call_command
from django_tasks_db.models import DBTaskResult

from core.errors import Conflict
from realtime.models import Notification
from reviews import selectors, tasks
from reviews.models import REMINDER_BEFORE_CLOSE, REVIEW_WINDOW, Review, ReviewWindow
from tests.conftest import make_user
from tests.reviews.factories import completed, guest_review, host_review

pytestmark = pytest.mark.django_db


def at(moment):
    """Move the clock that services, tasks and the sweep read."""
    return mock.patch("django.utils.timezone.now", return_value=moment)


def sweep(moment) -> dict[str, int]:
    out = StringIO()
    with at(moment):
        call_command("advance_reviews", stdout=out)
    return {name: int(count) for name, count in (part.split("=") for part in out.getvalue().split())}


def notified(kind: str) -> list[int]:
    return sorted(Notification.objects.filter(kind=kind).values_list("recipient_id", flat=True))


def test_a_review_is_visible_only_to_its_author_until_the_other_side_writes():
    booking = completed()
    host, guest, stranger = booking.listing.owner, booking.guest, make_user()
    review = guest_review(booking)
    assert selectors.can_see(guest, review)
    assert not selectors.can_see(host, review)
    assert not selectors.can_see(stranger, review)
    assert selectors.booking_reviews(booking=booking, viewer=host) == []
    assert list(selectors.listing_reviews(listing_id=booking.listing_id, viewer=guest).page) == []
    assert booking.listing.__class__.objects.get(pk=booking.listing_id).rating_count == 0
    assert notified("review.published") == []


def test_both_reviews_are_published_at_once_when_the_second_is_written():
    booking = completed()
    host, guest = booking.listing.owner, booking.guest
    first = guest_review(booking)
    second = host_review(booking)
    first.refresh_from_db()
    assert first.published_at == second.published_at == booking.end + timedelta(hours=3)
    assert [r.pk for r in selectors.booking_reviews(booking=booking, viewer=host)] == [first.pk, second.pk]
    assert [r.pk for r in selectors.booking_reviews(booking=booking, viewer=make_user())] == [first.pk, second.pk]
    assert [r.pk for r in selectors.listing_reviews(listing_id=booking.listing_id, viewer=None).page] == [first.pk]
    assert [r.pk for r in selectors.user_reviews(user_id=guest.pk, viewer=None).page] == [second.pk]
    assert notified("review.published") == sorted([host.pk, guest.pk])
    assert ReviewWindow.objects.get(booking=booking).closed_at == second.published_at


def test_the_first_review_schedules_the_reminder_and_the_closing(django_capture_on_commit_callbacks):
    booking = completed()
    with django_capture_on_commit_callbacks(execute=True):
        guest_review(booking)
    closes_at = booking.end + REVIEW_WINDOW
    runs = dict(DBTaskResult.objects.filter(task_path__startswith="reviews.").values_list("task_path", "run_after"))
    assert runs == {
        "reviews.tasks.remind_reviewers_task": closes_at - REMINDER_BEFORE_CLOSE,
        "reviews.tasks.close_review_window_task": closes_at,
    }


def test_the_closing_task_publishes_a_lone_review_when_the_window_closes_once():
    booking = completed()
    review = guest_review(booking)
    closes_at = booking.end + REVIEW_WINDOW
    with at(closes_at - timedelta(seconds=1)):
        assert tasks.close_review_window_task.call(booking.pk).startswith("skipped")
    review.refresh_from_db()
    assert review.published_at is None
    with at(closes_at):
        assert tasks.close_review_window_task.call(booking.pk) == "done"
        assert tasks.close_review_window_task.call(booking.pk) == "done"
    review.refresh_from_db()
    assert review.published_at == closes_at
    assert selectors.can_see(booking.listing.owner, review)
    assert notified("review.published") == sorted([booking.guest_id, booking.listing.owner_id])
    booking.listing.refresh_from_db()
    assert (booking.listing.rating_count, booking.listing.rating_sum) == (1, 5)
    # The host's chance is gone.
    with pytest.raises(Conflict, match="14 days"):
        host_review(booking, at=closes_at + timedelta(minutes=1))


def test_the_sweep_announces_reminds_and_publishes_each_once():
    booking = completed()
    host, guest = booking.listing.owner, booking.guest
    closes_at = booking.end + REVIEW_WINDOW

    assert sweep(booking.end - timedelta(minutes=1)) == {"announced": 0, "reminded": 0, "closed": 0}
    assert sweep(booking.end + timedelta(hours=1)) == {"announced": 1, "reminded": 0, "closed": 0}
    assert notified("review.can_write") == sorted([host.pk, guest.pk])
    payload = Notification.objects.filter(kind="review.can_write").first().payload
    assert payload["url"] == f"/reviews/booking/{booking.pk}/"
    assert payload["title"].startswith(f"{booking.listing.title}: How did it go?")
    assert sweep(booking.end + timedelta(hours=2)) == {"announced": 0, "reminded": 0, "closed": 0}
    assert len(notified("review.can_write")) == 2

    guest_review(booking)
    assert sweep(closes_at - REMINDER_BEFORE_CLOSE - timedelta(seconds=1))["reminded"] == 0
    assert sweep(closes_at - timedelta(hours=12)) == {"announced": 0, "reminded": 1, "closed": 0}
    assert notified("review.reminder") == [host.pk]  # the guest already wrote
    assert sweep(closes_at - timedelta(hours=6))["reminded"] == 0

    assert sweep(closes_at) == {"announced": 0, "reminded": 0, "closed": 1}
    assert Review.objects.get().published_at == closes_at
    assert sweep(closes_at + timedelta(days=1)) == {"announced": 0, "reminded": 0, "closed": 0}
    assert notified("review.published") == sorted([host.pk, guest.pk])


def test_the_sweep_never_announces_a_booking_whose_window_already_closed():
    booking = completed()
    assert sweep(booking.end + REVIEW_WINDOW + timedelta(hours=1)) == {"announced": 0, "reminded": 0, "closed": 0}
    assert notified("review.can_write") == []


def test_a_window_nobody_wrote_in_closes_quietly():
    booking = completed()
    closes_at = booking.end + REVIEW_WINDOW
    sweep(booking.end + timedelta(hours=1))
    assert sweep(closes_at - timedelta(hours=1)) == {"announced": 0, "reminded": 1, "closed": 0}
    assert notified("review.reminder") == sorted([booking.guest_id, booking.listing.owner_id])
    assert sweep(closes_at) == {"announced": 0, "reminded": 0, "closed": 1}
    assert notified("review.published") == []
    assert ReviewWindow.objects.get(booking=booking).closed_at is not None


def test_an_announcement_skips_whoever_already_wrote():
    booking = completed()
    guest_review(booking)
    sweep(booking.end + timedelta(hours=4))
    assert notified("review.can_write") == [booking.listing.owner_id]
