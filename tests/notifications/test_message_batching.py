"""Messages by email: at most one email per thread per 15 minutes, none when the person read them on the site."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core import mail
from django.utils import timezone

from notifications.models import Delivery
from notifications.services import plan_deliveries, send_email
from realtime.services import ensure_thread, mark_thread_read, post_message
from tests.conftest import make_user

pytestmark = pytest.mark.django_db


@pytest.fixture
def thread_between():
    host, guest = make_user(display_name="Hannah Host"), make_user(display_name="Gaby Guest")
    thread = ensure_thread(key="booking:1", title="Room by the canal", link_url="/", participants=[host, guest])
    return thread, host, guest


def written(thread, sender, *bodies):
    return [post_message(thread=thread, sender=sender, body=body) for body in bodies]


def plan(host):
    return plan_deliveries(notification_ids=list(host.notifications.values_list("id", flat=True)))


def test_several_messages_in_a_thread_make_one_email_with_all_of_them(thread_between, settings):
    thread, host, guest = thread_between
    written(thread, guest, "Hello!", "Is the room still free?", "We arrive at 6 pm.")
    planned = plan(host)
    first, *rest = planned
    assert [d.status for d in rest] == [Delivery.Status.BATCHED] * 2
    assert first.due_at > timezone.now()  # an open page gets its chance to mark them read first
    assert send_email(delivery_id=first.pk, now=first.due_at) == Delivery.Status.SENT

    [email] = mail.outbox
    assert email.to == [host.email]
    assert "3 new messages" in email.subject
    for body in ("Hello!", "Is the room still free?", "We arrive at 6 pm."):
        assert body in email.body
    assert f"{settings.SITE_URL}{thread.get_absolute_url()}" in email.body


def test_a_message_after_an_email_waits_for_the_end_of_the_15_minutes(thread_between):
    thread, host, guest = thread_between
    written(thread, guest, "Hello!")
    [first] = plan(host)
    send_email(delivery_id=first.pk, now=first.due_at)
    written(thread, guest, "Are you there?")
    [second] = plan(host)
    assert second.status == Delivery.Status.PENDING
    assert second.due_at == first.due_at + timedelta(minutes=15)
    assert send_email(delivery_id=second.pk, now=second.due_at - timedelta(seconds=1)) == Delivery.Status.PENDING
    assert len(mail.outbox) == 1


def test_no_email_when_the_person_read_the_thread_on_the_site(thread_between):
    thread, host, guest = thread_between
    written(thread, guest, "Hello!", "Still there?")
    first = plan(host)[0]
    mark_thread_read(thread=thread, user=host)  # the thread page was open and marked them read
    assert send_email(delivery_id=first.pk, now=first.due_at) == Delivery.Status.SKIPPED
    assert mail.outbox == []


def test_messages_turned_off_by_email_are_not_mailed(thread_between):
    from notifications.services import set_preference

    thread, host, guest = thread_between
    set_preference(user=host, kind="message.new", channel="email", enabled=False)
    written(thread, guest, "Hello!")
    assert plan(host) == []
