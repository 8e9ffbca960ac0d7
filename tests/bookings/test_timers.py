"""Time-driven transitions: delayed tasks enqueued on commit, run by the worker or the sweep, with a moved clock."""

from datetime import timedelta
from io import StringIO
from unittest import mock

import pytest
from django.core.management import call_command
from django_tasks_db.models import DBTaskResult

from bookings import tasks
from bookings.models import Booking, BookingStatus
from bookings.services.cancellations import cancel_by_guest
from bookings.services.clock import start_booking
from bookings.services.disputes import mark_disputed
from core.errors import Conflict
from listings.models import BusyPeriod
from realtime.models import Notification
from tests.bookings.factories import NOW, confirmed_room, request_room

pytestmark = pytest.mark.django_db


def at(moment):
    """Move the clock that services, tasks and the worker read."""
    return mock.patch("django.utils.timezone.now", return_value=moment)


def sweep(moment) -> dict:
    out = StringIO()
    with at(moment):
        call_command("advance_bookings", stdout=out)
    return dict(part.split("=") for part in out.getvalue().split())


def test_a_request_enqueues_its_expiry_at_the_answer_deadline(django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        booking = request_room()
    queued = DBTaskResult.objects.get(task_path="bookings.tasks.expire_booking_task")
    assert queued.run_after == booking.respond_by
    assert queued.args_kwargs == {"args": [booking.pk], "kwargs": {}}


def test_a_confirmation_enqueues_start_completion_and_payout_release(django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        booking = request_room(instant_book=True)
    runs = dict(DBTaskResult.objects.filter(task_path__startswith="bookings.").values_list("task_path", "run_after"))
    assert runs == {
        "bookings.tasks.start_booking_task": booking.start,
        "bookings.tasks.complete_booking_task": booking.end,
        # 24 h after the start, the stay being longer than that
        "bookings.tasks.release_payout_task": booking.start + timedelta(hours=24),
        # the "starts tomorrow" reminder to both sides
        "bookings.tasks.remind_starts_tomorrow_task": booking.start - timedelta(hours=24),
    }


def test_a_rolled_back_request_enqueues_nothing(django_capture_on_commit_callbacks):
    booking = confirmed_room()
    queued = DBTaskResult.objects.filter(task_path="bookings.tasks.expire_booking_task")
    before = queued.count()  # the first booking's own (written in its transaction: core.tasks)
    with django_capture_on_commit_callbacks(execute=True), pytest.raises(Conflict):
        request_room(listing=booking.listing, instant_book=True)
    assert queued.count() == before


def test_the_expiry_task_expires_an_unanswered_request_once():
    booking = request_room()
    with at(booking.respond_by - timedelta(seconds=1)):
        assert tasks.expire_booking_task.call(booking.pk).startswith("skipped")
    with at(booking.respond_by):
        assert tasks.expire_booking_task.call(booking.pk) == "expired"
        assert tasks.expire_booking_task.call(booking.pk) == "expired"
    booking.refresh_from_db()
    assert booking.status == BookingStatus.EXPIRED
    assert booking.refund_amount == booking.total
    assert booking.transitions.count() == 2
    assert Notification.objects.filter(kind="booking.expired").count() == 2  # guest and host, once


def test_the_expiry_task_leaves_an_accepted_booking_alone():
    booking = confirmed_room()
    with at(booking.respond_by + timedelta(hours=1)):
        assert tasks.expire_booking_task.call(booking.pk).startswith("skipped")
    booking.refresh_from_db()
    assert booking.status == BookingStatus.CONFIRMED


def test_start_completion_and_payout_tasks_follow_the_clock():
    booking = confirmed_room()
    with at(booking.start - timedelta(minutes=1)):
        assert tasks.start_booking_task.call(booking.pk).startswith("skipped")
    with at(booking.start):
        assert tasks.start_booking_task.call(booking.pk) == "in_progress"
        assert tasks.release_payout_task.call(booking.pk).startswith("skipped")  # not due yet
    with at(booking.start + timedelta(hours=24)):
        assert tasks.release_payout_task.call(booking.pk) == "in_progress"
    with at(booking.end):
        assert tasks.complete_booking_task.call(booking.pk) == "completed"
    booking.refresh_from_db()
    assert booking.status == BookingStatus.COMPLETED
    assert booking.payout_released_at == booking.start + timedelta(hours=24)
    assert [t.to_status for t in booking.transitions.all()] == ["requested", "confirmed", "in_progress", "completed"]
    assert BusyPeriod.objects.filter(pk=booking.busy_period_id).exists()  # a completed stay keeps its calendar entry


def test_the_payout_of_a_short_booking_is_released_at_its_end():
    booking = confirmed_room()
    Booking.objects.filter(pk=booking.pk).update(end=booking.start + timedelta(hours=5))
    booking.refresh_from_db()
    assert booking.payout_due_at() == booking.end


@pytest.mark.django_db(transaction=True)
def test_the_real_worker_runs_due_tasks_and_leaves_future_ones_queued():
    with at(NOW):
        booking = request_room()
    with at(booking.respond_by + timedelta(minutes=1)):
        call_command("db_worker", "--batch", "--no-startup-delay", "--no-reload", "--interval", "0", verbosity=0)
    booking.refresh_from_db()
    assert booking.status == BookingStatus.EXPIRED
    assert DBTaskResult.objects.get(task_path="bookings.tasks.expire_booking_task").status == "SUCCESSFUL"


def test_the_sweep_catches_up_everything_due_and_a_second_run_changes_nothing():
    unanswered = request_room()
    stay = confirmed_room()
    month = timedelta(days=30)
    later = confirmed_room(check_in=stay.start.date() + month, check_out=stay.end.date() + month)
    after_downtime = stay.end + timedelta(days=1)

    assert sweep(after_downtime) == {
        "expired": "1",
        "started": "1",
        "completed": "1",
        "payouts_released": "1",
        "payments_charged": "0",
        "charges_answered": "0",
        "payments_lapsed": "0",
        "checkouts_abandoned": "0",
        "changes_expired": "0",
        "changes_reminded": "0",
        "failed": "0",
        "given_up": "0",
        "waiting": "0",
    }
    assert sweep(after_downtime) == {
        "expired": "0",
        "started": "0",
        "completed": "0",
        "payouts_released": "0",
        "payments_charged": "0",
        "charges_answered": "0",
        "payments_lapsed": "0",
        "checkouts_abandoned": "0",
        "changes_expired": "0",
        "changes_reminded": "0",
        "failed": "0",
        "given_up": "0",
        "waiting": "0",
    }

    statuses = {b.pk: b.status for b in Booking.objects.all()}
    assert statuses[unanswered.pk] == BookingStatus.EXPIRED
    assert statuses[stay.pk] == BookingStatus.COMPLETED
    assert statuses[later.pk] == BookingStatus.CONFIRMED
    assert [t.to_status for t in Booking.objects.get(pk=stay.pk).transitions.all()][-2:] == ["in_progress", "completed"]


def test_the_sweep_does_not_release_a_disputed_payout():
    booking = confirmed_room()
    start_booking(booking_id=booking.pk, now=booking.start)
    mark_disputed(booking_id=booking.pk, now=booking.start)
    assert sweep(booking.end + timedelta(days=2))["payouts_released"] == "0"
    booking.refresh_from_db()
    assert booking.payout_released_at is None
    assert booking.status == BookingStatus.DISPUTED


def test_a_late_guest_cancellation_pays_the_hosts_share_at_the_payout_time():
    late = confirmed_room(cancellation_policy="strict")
    cancel_by_guest(guest=late.guest, booking_id=late.pk, now=late.start - timedelta(hours=1))
    free = confirmed_room(
        check_in=late.start.date() + timedelta(days=10), check_out=late.end.date() + timedelta(days=10)
    )
    cancel_by_guest(guest=free.guest, booking_id=free.pk, now=NOW)  # everything refunded: nothing owed

    assert sweep(late.start + timedelta(hours=23))["payouts_released"] == "0"
    assert sweep(free.end + timedelta(days=1))["payouts_released"] == "1"
    late.refresh_from_db()
    free.refresh_from_db()
    assert late.payout_amount == late.host_payout  # strict, an hour before: the host keeps their whole payout
    assert late.payout_released_at is not None
    assert free.payout_released_at is None
