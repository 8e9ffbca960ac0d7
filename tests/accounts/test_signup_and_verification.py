"""Sign-up by email, and the email confirmation that gates logging in, listing and booking."""

import re

import pytest
from allauth.account.models import EmailAddress
from django.core import mail
from django.urls import reverse

from accounts.models import User
from tests.conftest import PASSWORD, make_user

pytestmark = pytest.mark.django_db


def _signup(client, email="new.person@example.com", password=PASSWORD, display_name="Nina"):
    return client.post(
        reverse("account_signup"),
        {"email": email, "password1": password, "password2": password, "display_name": display_name},
    )


def test_signup_creates_an_unverified_account_and_mails_a_confirmation_link(client):
    response = _signup(client)

    assert response.status_code == 302
    user = User.objects.get(email="new.person@example.com")
    assert not EmailAddress.objects.get(user=user).verified
    assert len(mail.outbox) == 1
    assert "/accounts/confirm-email/" in mail.outbox[0].body


def test_signup_has_no_username_field(client):
    page = client.get(reverse("account_signup")).content.decode()
    assert 'name="email"' in page
    assert 'name="username"' not in page


def test_signup_with_an_email_already_taken_does_not_create_a_second_account(client, user):
    _signup(client, email=user.email.upper())
    assert User.objects.filter(email__iexact=user.email).count() == 1


def test_signup_refuses_a_weak_password_with_a_message(client):
    response = _signup(client, password="12345678")
    assert response.status_code == 200
    assert "This password is too common" in response.content.decode()
    assert not User.objects.exists()


def test_unverified_person_cannot_log_in_until_they_confirm(client):
    make_user("pending@example.com", verified=False)

    response = client.post(reverse("account_login"), {"login": "pending@example.com", "password": PASSWORD})

    assert response.status_code == 302
    assert response["Location"] == reverse("account_email_verification_sent")
    assert "_auth_user_id" not in client.session


def test_confirming_the_email_lets_the_person_in(client):
    _signup(client, email="confirm.me@example.com")
    link = re.search(r"https?://[^/]+(/accounts/confirm-email/[^\s]+)", mail.outbox[0].body).group(1)

    client.post(link)

    assert EmailAddress.objects.get(email="confirm.me@example.com").verified
    response = client.post(reverse("account_login"), {"login": "confirm.me@example.com", "password": PASSWORD})
    assert response.status_code == 302
    assert client.session["_auth_user_id"] == str(User.objects.get(email="confirm.me@example.com").pk)


def test_wrong_password_gives_a_clear_message(client, user):
    response = client.post(reverse("account_login"), {"login": user.email, "password": "not-the-password"})
    assert response.status_code == 200
    assert "The email address and/or password you specified are not correct." in response.content.decode()


def test_password_reset_does_not_reveal_whether_an_email_exists(client, user):
    known = client.post(reverse("account_reset_password"), {"email": user.email})
    unknown = client.post(reverse("account_reset_password"), {"email": "nobody@example.com"})

    assert known.status_code == unknown.status_code == 302
    assert known["Location"] == unknown["Location"]


def test_log_out_ends_the_session(client, user):
    client.force_login(user)
    client.post(reverse("account_logout"))
    assert "_auth_user_id" not in client.session


def test_signup_asks_for_the_name_others_see_and_keeps_it(client):
    assert 'name="display_name"' in client.get(reverse("account_signup")).content.decode()

    _signup(client, email="nina.n@example.com", display_name="  Nina   K ")

    assert User.objects.get(email="nina.n@example.com").display_name == "Nina K"


def test_signup_without_a_name_is_refused_with_a_message(client):
    response = _signup(client, display_name="")
    assert response.status_code == 200
    assert "This field is required." in response.content.decode()
    assert not User.objects.exists()


def test_signup_refuses_an_email_address_as_the_name(client):
    response = _signup(client, display_name="nina@example.com")
    assert "Use a name, not an email address" in response.content.decode()
    assert not User.objects.exists()


def test_a_person_without_a_name_is_shown_without_any_part_of_their_email():
    person = make_user("zoe.secret@example.com", display_name="")
    assert person.public_name == f"Member {person.pk}"
    assert "zoe" not in str(person)
