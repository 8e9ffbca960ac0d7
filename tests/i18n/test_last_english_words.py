"""The last English left in shipped languages: a review's missing aspect, the bounce warnings on the email page
and the reason a booking ended when its party was suspended (the ledger's words: test_ledger_in_each_language)."""

from __future__ import annotations

import uuid

import pytest
from django.contrib.messages import get_messages
from django.urls import reverse
from django.utils import translation

from core.errors import DomainError
from listings.models import ListingKind
from reviews.checks import check_aspects
from reviews.models import Direction
from tests.conftest import make_user
from tests.disputes.helpers import paid_booking, support_user
from tests.notifications.test_account_mail import bounced


def _refusal(language: str, operation) -> str:
    with translation.override(language), pytest.raises(DomainError) as caught:
        operation()
    return caught.value.message


@pytest.mark.parametrize(
    ("language", "words"),
    [
        ("en", "Rate the cleanliness too."),
        ("de", "Bewerten Sie auch die Sauberkeit."),
        ("fr", "Notez aussi la propreté."),
        ("ja", "清潔さも評価してください。"),
    ],
)
def test_a_missing_aspect_is_asked_for_in_the_writers_language(language, words):
    missing = lambda: check_aspects(ListingKind.ROOM, Direction.GUEST_TO_HOST, {})  # noqa: E731
    assert _refusal(language, missing) == words


def test_an_aspect_rated_out_of_range_is_named_in_the_writers_language():
    aspects = {"cleanliness": 9, "accuracy": 5, "communication": 5, "location": 5, "value": 5}
    out_of_range = lambda: check_aspects(ListingKind.ROOM, Direction.GUEST_TO_HOST, aspects)  # noqa: E731
    assert _refusal("de", out_of_range) == "Bewerten Sie die Sauberkeit mit 1 bis 5 Sternen."
    assert _refusal("en", out_of_range) == "Rate the cleanliness from 1 to 5 stars."


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("reason", "told"),
    [
        ("bounced", "war am "),
        ("complained", "wurde am "),
    ],
)
def test_the_bounce_warning_on_the_email_page_is_in_the_owners_language(client, reason, told):
    # A fresh address each run: allauth's rate limit on confirmations is kept in the cache (Redis on PostgreSQL runs).
    person = make_user(f"{reason}-{uuid.uuid4().hex[:8]}@exmaple.com", verified=False, language="de")
    bounced(person.email, reason)
    client.force_login(person)
    answer = client.post("/accounts/email/", {"action_send": "", "email": person.email}, HTTP_ACCEPT_LANGUAGE="de")
    shown = " ".join(str(message) for message in get_messages(answer.wsgi_request))
    assert f"Unsere frühere E-Mail an {person.email} {told}" in shown and "Wir haben diese trotzdem gesendet" in shown
    assert "Our earlier email" not in shown and "bounced on" not in shown


@pytest.mark.django_db
def test_a_booking_ended_by_a_suspension_says_why_in_the_readers_language(client):
    booking = paid_booking()
    client.force_login(support_user())
    url = reverse("disputes:suspension", kwargs={"user_id": booking.listing.owner_id})
    assert client.post(url, {"reason": "No-shows."}).status_code == 302
    client.force_login(booking.guest)
    page = lambda language: client.get(booking.get_absolute_url(), HTTP_ACCEPT_LANGUAGE=language).content.decode()  # noqa: E731
    assert "Account suspended: No-shows." in page("en")
    german = page("de")
    assert "Konto gesperrt: No-shows." in german and "Account suspended" not in german
    assert "アカウント停止\uff1aNo-shows." in page("ja")
