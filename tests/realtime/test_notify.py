"""notify(): stored in the caller's transaction, pushed only after commit, never failing a commit."""

from __future__ import annotations

import logging

import pytest
from django.db import transaction

from realtime import live, notify
from realtime.models import Notification
from tests.conftest import make_user


class BrokenLayer:
    async def group_send(self, group: str, message: dict) -> None:
        raise ConnectionError("Redis is down")


@pytest.mark.django_db(transaction=True)
def test_a_channel_layer_outage_does_not_fail_the_committed_operation(monkeypatch, caplog):
    user = make_user()
    monkeypatch.setattr(live, "get_channel_layer", lambda: BrokenLayer())
    with caplog.at_level(logging.ERROR), transaction.atomic():
        notify([user], "booking.accepted", {"title": "Accepted"})
    assert Notification.objects.filter(recipient=user, kind="booking.accepted").count() == 1
    assert "Redis is down" in caplog.text


@pytest.mark.django_db
def test_one_row_per_distinct_recipient_numbered_in_that_persons_own_sequence(django_capture_on_commit_callbacks):
    alice, bob = make_user(), make_user()
    notify([alice], "a", {})
    with django_capture_on_commit_callbacks() as callbacks:
        created = notify([alice, bob, alice, None], "b", {"n": 1})
    # The push to sockets; the hand-over to email and push delivery is enqueued in the transaction (core.tasks).
    assert len(callbacks) == 1
    assert sorted(n.recipient_id for n in created) == sorted([alice.pk, bob.pk])
    assert {n.recipient_id: n.seq for n in created} == {alice.pk: 2, bob.pk: 1}
    assert {n.recipient_id: n.as_message()["seq"] for n in created} == {alice.pk: 2, bob.pk: 1}


@pytest.mark.django_db
def test_each_recipient_is_handed_the_id_of_their_own_stored_row():
    recipients = [make_user() for _ in range(4)]
    created = notify(recipients, "c", {})
    assert [n.recipient_id for n in created] == [user.pk for user in recipients]
    stored = dict(Notification.objects.filter(kind="c").values_list("pk", "recipient_id"))
    assert {n.pk: n.recipient_id for n in created} == stored
    assert [n.pk for n in created] == sorted(n.pk for n in created)


@pytest.mark.django_db
def test_the_push_reads_each_recipients_language_and_asks_the_database_only_for_those_not_loaded(
    monkeypatch, django_capture_on_commit_callbacks
):
    from django.contrib.auth import get_user_model
    from django.db import connection
    from django.test.utils import CaptureQueriesContext
    from django.utils import translation

    from realtime import services

    german, japanese = make_user(language="de"), make_user(language="ja")
    # As a caller that loaded only the id would pass it: the language is read at push time.
    japanese_by_id = get_user_model().objects.only("id").get(pk=japanese.pk)
    sent = []
    monkeypatch.setattr(services, "send_to_groups", sent.extend)
    monkeypatch.setattr(Notification, "as_message", lambda self: translation.get_language())
    with django_capture_on_commit_callbacks() as callbacks:
        notify([german], "booking.accepted", {"title": "Accepted"})
        notify([japanese_by_id], "booking.accepted", {"title": "Accepted"})
    with CaptureQueriesContext(connection) as loaded:
        callbacks[0]()
    with CaptureQueriesContext(connection) as deferred:
        callbacks[1]()
    assert [message["message"] for _, message in sent] == ["de", "ja"]
    assert len(loaded) == 0
    assert len(deferred) == 1
