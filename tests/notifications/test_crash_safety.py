"""A worker killed mid-send never makes a second email; a lost task is caught up by the sweep, once."""

from __future__ import annotations

from io import StringIO

import pytest
from django.core import mail
from django.core.management import call_command
from django.utils import timezone

from notifications.models import Delivery
from notifications.services import _claim, plan_deliveries, send_email
from tests.conftest import make_user
from tests.notifications.helpers import notified

pytestmark = pytest.mark.django_db


def test_a_delivery_claimed_by_a_worker_that_died_is_not_sent_again_after_restart():
    person = make_user()
    [delivery] = plan_deliveries(notification_ids=[n.pk for n in notified([person], "booking.confirmed")])
    assert _claim(delivery.pk, timezone.now())  # the worker claimed it, then was killed
    # The restarted worker runs the same task again, and the sweep runs too.
    assert send_email(delivery_id=delivery.pk) == Delivery.Status.SENDING
    call_command("send_due_notifications", stdout=StringIO())
    assert mail.outbox == []


def test_the_sweep_sends_a_due_delivery_whose_task_was_lost_once():
    person = make_user()
    plan_deliveries(notification_ids=[n.pk for n in notified([person], "booking.confirmed")])
    out = StringIO()
    call_command("send_due_notifications", stdout=out)
    call_command("send_due_notifications", stdout=StringIO())
    assert out.getvalue().strip() == "sent=1"
    assert len(mail.outbox) == 1
