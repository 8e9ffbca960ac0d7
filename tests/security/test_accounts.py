"""Log-in attacks: session fixation, guessing passwords, and asking the reset form who has an account.

The page log-in's rate limit and the reset page's redirect are also tested in tests/accounts/;
these add the session key, the mobile (headless) API and the emails actually sent.
"""

from __future__ import annotations

import json

import pytest
from django.conf import settings
from django.core import mail
from django.core.cache import cache
from django.urls import reverse

from tests.conftest import PASSWORD

pytestmark = pytest.mark.django_db

APP_LOGIN = "/_allauth/app/v1/auth/login"
APP_RESET = "/_allauth/app/v1/auth/password/request"


@pytest.fixture(autouse=True)
def _fresh_rate_limits():
    cache.clear()
    yield
    cache.clear()


def test_logging_in_gives_a_new_session_key_and_the_planted_one_is_dead(client, user):
    # An attacker who planted a session cookie in the victim's browser must not share the logged-in session.
    client.get(reverse("account_login"))
    planted = client.session
    planted["planted"] = True
    planted.save()
    planted_key = planted.session_key
    client.cookies[settings.SESSION_COOKIE_NAME] = planted_key

    response = client.post(reverse("account_login"), {"login": user.email, "password": PASSWORD})

    assert response.status_code == 302
    assert client.session.session_key != planted_key
    assert client.session["_auth_user_id"] == str(user.pk)
    attacker = type(client)()
    attacker.cookies[settings.SESSION_COOKIE_NAME] = planted_key
    assert "_auth_user_id" not in attacker.session
    assert attacker.get(reverse("bookings:trips")).status_code == 302  # sent to log in


def test_logging_out_kills_the_session_on_the_server(client, user):
    client.post(reverse("account_login"), {"login": user.email, "password": PASSWORD})
    key = client.session.session_key
    client.post(reverse("account_logout"))
    replay = type(client)()
    replay.cookies[settings.SESSION_COOKIE_NAME] = key
    assert replay.get(reverse("bookings:trips")).status_code == 302


def test_guessing_passwords_through_the_app_api_is_rate_limited_too(client, user):
    def attempt(password: str):
        body = json.dumps({"email": user.email, "password": password})
        return client.post(APP_LOGIN, body, content_type="application/json")

    for _ in range(5):
        assert attempt("wrong-guess").status_code == 400
    response = attempt(PASSWORD)

    assert response.status_code != 200, "the right password got in after five wrong guesses"
    assert "session_token" not in json.dumps(response.json())
    assert "Too many failed login attempts" in response.content.decode()


@pytest.mark.parametrize("how", ["page", "app-api"])
def test_password_reset_answers_the_same_for_known_and_unknown_emails_and_mails_only_the_known(client, user, how):
    def ask(email: str):
        if how == "page":
            return client.post(reverse("account_reset_password"), {"email": email})
        return client.post(APP_RESET, json.dumps({"email": email}), content_type="application/json")

    known = ask(user.email)
    sent_for_known = len(mail.outbox)
    unknown = ask("nobody-here@example.com")

    assert known.status_code == unknown.status_code
    assert known.content == unknown.content
    assert known.get("Location") == unknown.get("Location")
    assert sent_for_known == 1 and mail.outbox[0].to == [user.email]
    # allauth can mail unknown addresses a "no account here" note; this site sends nothing to them.
    assert len(mail.outbox) == 1
