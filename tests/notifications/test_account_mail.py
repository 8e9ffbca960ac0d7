"""allauth's own mails to an address the provider reported as undeliverable (notifications/account_mail.py):
what the person asked for goes anyway and following its link clears the mark; what nobody asked for is skipped;
only the signed-in owner is told, never a visitor typing an address (no account enumeration)."""

from __future__ import annotations

import re

import pytest
from allauth.account.models import EmailAddress
from django.contrib.messages import get_messages
from django.core import mail

from notifications.bounces import mark_undeliverable
from notifications.models import UndeliverableAddress
from tests.conftest import PASSWORD, make_user

pytestmark = pytest.mark.django_db


def bounced(email: str, reason: str = "bounced") -> None:
    mark_undeliverable(email=email, reason=reason, provider="Postmark", detail="550 no such mailbox")


def link_in(message) -> str:
    return re.search(r"https?://testserver(/\S+)", message.body).group(1)


def shown(response) -> str:
    return " ".join(str(m) for m in get_messages(response.wsgi_request))


@pytest.mark.parametrize("reason", ["bounced", "complained"])
def test_a_password_reset_asked_for_goes_to_a_bounced_address_and_the_page_says_nothing(client, reason):
    person = make_user("lost.key@example.com")
    bounced(person.email, reason)
    answer = client.post("/accounts/password/reset/", {"email": person.email}, follow=True)
    assert [m.to for m in mail.outbox] == [[person.email]]
    # The page a visitor sees is the same for any address: it never says which ones bounce.
    assert "bounce" not in answer.content.decode().lower() and "bounce" not in shown(answer)
    mail.outbox.clear()
    fine = client.post("/accounts/password/reset/", {"email": make_user().email}, follow=True)
    assert fine.status_code == answer.status_code and fine.redirect_chain == answer.redirect_chain


def test_following_the_reset_link_proves_the_address_and_email_to_it_resumes(client):
    person = make_user("lost.key@example.com")
    bounced(person.email)
    client.post("/accounts/password/reset/", {"email": person.email})
    answer = client.get(link_in(mail.outbox[0]), follow=True)
    form = answer.redirect_chain[-1][0]
    answer = client.post(form, {"password1": "A-new-Pass-2027!", "password2": "A-new-Pass-2027!"})
    assert answer.status_code == 302
    assert not UndeliverableAddress.objects.exists()


def test_a_signed_in_person_resending_a_confirmation_to_their_bounced_address_gets_it_and_is_told(client):
    person = make_user("typo@exmaple.com", verified=False)
    bounced(person.email)
    client.force_login(person)
    answer = client.post("/accounts/email/", {"action_send": "", "email": person.email}, follow=True)
    assert [m.to for m in mail.outbox] == [[person.email]]
    told = shown(answer)
    assert "Our earlier email to typo@exmaple.com bounced on" in told and "sent this one anyway" in told
    # Confirming proves the address receives mail: email to it resumes.
    client.post(link_in(mail.outbox[0]))
    assert EmailAddress.objects.get(user=person).verified
    assert not UndeliverableAddress.objects.exists()


def test_a_confirmation_to_a_fine_address_says_nothing_about_bounces(client):
    person = make_user(verified=False)
    client.force_login(person)
    answer = client.post("/accounts/email/", {"action_send": "", "email": person.email}, follow=True)
    assert len(mail.outbox) == 1 and "bounced" not in shown(answer)


@pytest.mark.parametrize("reason", ["bounced", "complained"])
def test_a_mail_nobody_asked_for_is_not_sent_to_a_bounced_address(client, reason):
    # Someone signs up with the address of an existing account: allauth writes to that address ("you already
    # have an account"). Nobody there asked for it: to a bounced or complaining address it is skipped.
    def sign_up_as(email: str) -> None:
        data = {"email": email, "password1": PASSWORD, "password2": PASSWORD, "display_name": "Someone"}
        assert client.post("/accounts/signup/", data).status_code == 302

    unreachable, reachable = make_user(f"{reason}@example.com"), make_user(f"fine-{reason}@example.com")
    bounced(unreachable.email, reason)
    sign_up_as(unreachable.email)
    assert mail.outbox == []
    assert UndeliverableAddress.objects.get().email == unreachable.email  # nothing proven, the mark stays
    sign_up_as(reachable.email)  # the control: a fine address gets it
    assert [m.to for m in mail.outbox] == [[reachable.email]]
