"""Preferences and RFC 8058 one-click unsubscribe: POST without a session, only that kind; forged links do nothing."""

from __future__ import annotations

import time
from unittest import mock

import pytest
from django.core import mail

from notifications.models import Delivery, Preference
from notifications.tokens import make_unsubscribe_token
from tests.conftest import make_user
from tests.notifications.helpers import deliver, notified

pytestmark = pytest.mark.django_db


def unsubscribe_link(message) -> str:
    header = message.extra_headers["List-Unsubscribe"]
    return header.strip("<>")


def path_of(link: str, settings) -> str:
    return link.removeprefix(settings.SITE_URL)


def test_an_optional_mail_carries_one_click_unsubscribe_headers():
    person = make_user()
    deliver(notified([person], "review.reminder"))
    [message] = mail.outbox
    assert message.extra_headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert unsubscribe_link(message).startswith("http")


def test_one_click_post_without_a_session_turns_off_only_that_kind(client, settings):
    person = make_user()
    deliver(notified([person], "review.reminder"))
    link = unsubscribe_link(mail.outbox[0])
    client.logout()
    page = client.post(path_of(link, settings), {"List-Unsubscribe": "One-Click"})
    assert page.status_code == 200
    assert b"Unsubscribed" in page.content
    assert list(Preference.objects.filter(user=person).values_list("kind", "channel", "enabled")) == [
        ("review.reminder", "email", False)
    ]
    mail.outbox.clear()
    assert deliver(notified([person], "review.reminder")) == []
    [other] = deliver(notified([person], "review.can_write"))
    assert other.status == Delivery.Status.SENT


def test_opening_the_link_only_asks_and_changes_nothing(client, settings):
    person = make_user()
    token = make_unsubscribe_token(user_id=person.pk, kind="message.new", channel="email")
    page = client.get(f"/unsubscribe/{token}/")
    assert page.status_code == 200
    assert b"Unsubscribe</button>" in page.content
    assert not Preference.objects.exists()


def test_a_forged_token_gets_a_clear_page_and_changes_nothing(client):
    person = make_user()
    token = make_unsubscribe_token(user_id=person.pk, kind="message.new", channel="email")
    forged = token[:-4] + ("AAAA" if not token.endswith("AAAA") else "BBBB")
    page = client.post(f"/unsubscribe/{forged}/")
    assert page.status_code == 400
    assert b"not valid or has expired. Nothing was changed." in page.content
    assert not Preference.objects.exists()


def test_an_expired_token_gets_a_clear_page_and_changes_nothing(client, settings):
    person = make_user()
    token = make_unsubscribe_token(user_id=person.pk, kind="message.new", channel="email")
    later = time.time() + (settings.UNSUBSCRIBE_TOKEN_MAX_AGE_DAYS + 1) * 86400
    with mock.patch("time.time", return_value=later):
        page = client.post(f"/unsubscribe/{token}/")
    assert page.status_code == 400
    assert not Preference.objects.exists()


def test_a_token_cannot_turn_off_a_mail_that_must_arrive(client):
    person = make_user()
    token = make_unsubscribe_token(user_id=person.pk, kind="booking.requested", channel="email")
    page = client.post(f"/unsubscribe/{token}/")
    assert page.status_code == 400
    assert b"cannot be turned off" in page.content
    assert not Preference.objects.exists()


def test_after_unsubscribe_from_all_a_mail_that_cannot_be_turned_off_still_arrives(client):
    person = make_user()
    client.force_login(person)
    client.post("/settings/notifications/", {"kind": "*", "channel": "email"})
    assert Preference.objects.get(user=person, kind="*").enabled is False
    assert deliver(notified([person], "message.new", {"thread_id": 1})) == []
    assert deliver(notified([person], "review.reminder")) == []
    [required] = deliver(notified([person], "booking.confirmed"))
    assert required.status == Delivery.Status.SENT
    assert [m.to for m in mail.outbox] == [[person.email]]
    assert "List-Unsubscribe" not in mail.outbox[0].extra_headers


def test_the_settings_page_shows_each_kind_and_which_are_always_sent(client):
    person = make_user()
    client.force_login(person)
    page = client.get("/settings/notifications/")
    assert page.status_code == 200
    text = page.content.decode()
    assert "New message" in text and "Always" in text
    refused = client.post("/settings/notifications/", {"kind": "booking.requested", "channel": "email"}, follow=True)
    assert "cannot be turned off" in refused.content.decode()
    assert not Preference.objects.exists()


def test_the_api_lists_and_changes_preferences(client):
    person = make_user()
    client.force_login(person)
    rows = {row["kind"]: row for row in client.get("/api/v1/notification-settings/").json()}
    assert rows["message.new"]["channels"]["email"] == {"enabled": True, "can_turn_off": True}
    assert rows["booking.requested"]["channels"]["email"] == {"enabled": True, "can_turn_off": False}

    changed = client.put(
        "/api/v1/notification-settings/",
        {"kind": "message.new", "channel": "email", "enabled": False},
        content_type="application/json",
    )
    assert changed.status_code == 200
    assert {row["kind"]: row for row in changed.json()}["message.new"]["channels"]["email"]["enabled"] is False

    refused = client.put(
        "/api/v1/notification-settings/",
        {"kind": "booking.requested", "channel": "email", "enabled": False},
        content_type="application/json",
    )
    assert refused.status_code == 400
    assert refused.json()["code"] == "required"
