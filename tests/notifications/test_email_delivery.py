"""Email delivery: sent by the worker after commit, once per notification and channel, retried, failures recorded."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.core import mail
from django.core.management import call_command
from django.db import IntegrityError, transaction
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from bookings.models import BookingStatus
from notifications.models import Delivery
from notifications.services import RETRY_BACKOFF, plan_deliveries, send_email
from tests.bookings.factories import request_room
from tests.conftest import make_user
from tests.notifications.helpers import deliver, notified

pytestmark = pytest.mark.django_db


def link_in(text: str) -> str:
    return re.search(r"https?://\S+", text).group(0)


@pytest.mark.django_db(transaction=True)
def test_an_offline_host_gets_the_request_by_email_through_smtp_follows_its_link_and_accepts(
    smtp, stripe_api, settings, client
):
    settings.SITE_URL = "http://sharing.test:8000"
    booking = request_room()  # the guest asks; the host has no page open
    host = booking.listing.owner
    assert smtp.messages == []  # nothing inside the request
    call_command("db_worker", "--batch", "--no-startup-delay", "--no-reload", "--interval", "0", verbosity=0)

    [message] = smtp.to(host.email)
    assert "answer within 24 hours" in message["Subject"]
    text = message.get_body(preferencelist=("plain",)).get_content()
    html = message.get_body(preferencelist=("html",)).get_content()
    link = link_in(text.split("Answer the request:")[1])
    assert link == f"http://sharing.test:8000/bookings/{booking.pk}/"
    assert f'href="{link}"' in html and "Answer the request</a>" in html
    assert "List-Unsubscribe" not in message  # a request waiting for you cannot be turned off

    client.force_login(host)
    page = client.get(link.removeprefix(settings.SITE_URL))
    assert page.status_code == 200
    accept = f"/bookings/{booking.pk}/accept/"
    assert f'action="{accept}"'.encode() in page.content
    client.post(accept)  # the host accepts from the page the email led to
    booking.refresh_from_db()
    assert booking.status == BookingStatus.CONFIRMED
    assert Delivery.objects.get(recipient=host).status == Delivery.Status.SENT


def test_the_request_only_enqueues_work_after_commit(django_capture_on_commit_callbacks, stripe_api):
    with django_capture_on_commit_callbacks(execute=True):
        booking = request_room()
    assert mail.outbox == []
    planned = DBTaskResult.objects.get(task_path="notifications.tasks.plan_deliveries_task")
    assert planned.args_kwargs["args"][0] == list(booking.listing.owner.notifications.values_list("id", flat=True))


def test_a_rolled_back_notification_enqueues_nothing(django_capture_on_commit_callbacks):
    person = make_user()
    with django_capture_on_commit_callbacks(execute=True), pytest.raises(RuntimeError), transaction.atomic():
        notified([person], "booking.confirmed")
        raise RuntimeError("the booking failed")
    assert not DBTaskResult.objects.exists()


def test_one_email_per_notification_and_channel_even_when_planned_and_sent_twice():
    person = make_user()
    [notification] = notified([person], "booking.confirmed")
    [delivery] = deliver([notification])
    assert plan_deliveries(notification_ids=[notification.pk]) == []
    assert send_email(delivery_id=delivery.pk) == Delivery.Status.SENT
    assert len(mail.outbox) == 1
    with pytest.raises(IntegrityError), transaction.atomic():
        Delivery.objects.create(notification=notification, recipient=person, channel="email", kind=notification.kind)


def test_kinds_without_email_get_no_delivery():
    person = make_user()
    assert deliver(notified([person], "dispatch.offer")) == []
    assert mail.outbox == []


def test_a_temporary_smtp_failure_is_retried_with_backoff(smtp, django_capture_on_commit_callbacks):
    person = make_user()
    now = timezone.now()
    smtp.answer = "451 4.3.0 Try again later"
    [notification] = notified([person], "booking.confirmed")
    with django_capture_on_commit_callbacks(execute=True):
        [delivery] = deliver([notification], now=now)
    assert delivery.status == Delivery.Status.PENDING
    assert delivery.due_at == now + timedelta(seconds=RETRY_BACKOFF[0])
    assert "451" in delivery.last_error
    retry = DBTaskResult.objects.filter(task_path="notifications.tasks.send_email_task").latest("enqueued_at")
    assert retry.run_after == delivery.due_at

    smtp.answer = ""
    assert send_email(delivery_id=delivery.pk, now=now + timedelta(seconds=10)) == Delivery.Status.PENDING  # not yet
    assert send_email(delivery_id=delivery.pk, now=delivery.due_at) == Delivery.Status.SENT
    assert len(smtp.to(person.email)) == 1


def test_a_permanent_failure_is_recorded_and_shown_to_staff(smtp, client):
    person = make_user()
    smtp.answer = "550 5.1.1 No such mailbox"
    [delivery] = deliver(notified([person], "booking.cancelled"))
    assert delivery.status == Delivery.Status.FAILED
    assert "No such mailbox" in delivery.last_error

    client.force_login(make_user(is_staff=True, is_superuser=True))
    page = client.get("/admin/notifications/delivery/?status__exact=failed")
    assert page.status_code == 200
    assert b"No such mailbox" in page.content


def test_an_smtp_server_that_keeps_failing_gives_up_after_the_last_retry(smtp):
    person = make_user()
    smtp.answer = "421 4.7.0 Busy"
    [delivery] = deliver(notified([person], "booking.confirmed"))
    for _ in RETRY_BACKOFF:
        delivery.refresh_from_db()
        send_email(delivery_id=delivery.pk, now=delivery.due_at)
    delivery.refresh_from_db()
    assert delivery.status == Delivery.Status.FAILED
    assert delivery.attempts == len(RETRY_BACKOFF) + 1


def test_a_mail_server_that_does_not_answer_is_retried_not_fatal(settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT, settings.EMAIL_USE_TLS = "127.0.0.1", 9, False  # nothing listens
    [delivery] = deliver(notified([make_user()], "booking.confirmed"))
    assert delivery.status == Delivery.Status.PENDING
    assert delivery.attempts == 1


def test_another_persons_failure_does_not_stop_their_mail(smtp):
    bouncing, fine = make_user(), make_user()
    smtp.answer = "550 5.1.1 No such mailbox"
    [failed] = deliver(notified([bouncing], "booking.confirmed"))
    smtp.answer = ""
    [sent] = deliver(notified([fine], "booking.confirmed"))
    assert (failed.status, sent.status) == (Delivery.Status.FAILED, Delivery.Status.SENT)


def test_deadline_mails_are_planned_ahead_of_others(django_capture_on_commit_callbacks):
    person = make_user()
    with django_capture_on_commit_callbacks(execute=True):
        [ordinary] = notified([person], "review.can_write")
    with django_capture_on_commit_callbacks(execute=True):
        [deadline] = notified([person], "booking.requested")
    queue = DBTaskResult.objects.filter(task_path="notifications.tasks.plan_deliveries_task")
    first, second = queue.order_by("-priority", "enqueued_at")  # the order the worker takes them in
    assert (first.args_kwargs["args"], second.args_kwargs["args"]) == ([[deadline.pk]], [[ordinary.pk]])


def test_an_email_that_cannot_be_written_is_recorded_as_failed_not_left_sending(monkeypatch):
    from notifications import mail as mail_module

    def broken(*args):
        raise ValueError("template bug")

    monkeypatch.setattr(mail_module, "build_email", broken)
    [delivery] = deliver(notified([make_user()], "booking.confirmed"))
    assert delivery.status == Delivery.Status.FAILED
    assert "template bug" in delivery.last_error
