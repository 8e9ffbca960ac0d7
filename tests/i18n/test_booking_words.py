"""The booking flow's words the browser journey in each language found still in English, now in the reader's.

tests/e2e/test_journey_in_each_language.py reads the same pages in Chromium; these read the rendered HTML.
"""

from __future__ import annotations

from unittest import mock

import pytest
from django.utils import translation

from bookings import pricing_words
from bookings.models import BookingStatus
from tests.bookings.factories import NOW, request_room
from tests.conftest import make_user
from tests.listings.factories import make_listing

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _frozen_clock():
    with mock.patch("django.utils.timezone.now", return_value=NOW):
        yield


def test_the_quote_counts_nights_names_the_currency_and_dates_the_cancellation_steps_in_german(client):
    listing = make_listing(unit_price=61_725)
    client.force_login(make_user(language="de"))
    quote = client.get(
        f"/bookings/book/{listing.pk}/quote/", {"start": "2027-03-05", "end": "2027-03-07", "guests": 1}
    ).content.decode()
    assert "2 Nächte \u00d7 617,25\xa0€" in quote and "1.234,50\xa0€" in quote
    assert "Ihnen wird in EUR berechnet" in quote
    # Moderate policy, booked on 10 January for 5 March: everything back until five days before.
    assert "Stornierung vor So., 28. Feb. 15:00: Sie erhalten alles zurück" in quote
    assert "(Beginn): Sie erhalten" in quote
    assert "Nach Beginn: Die Hälfte des Preises der Nächte wird weiterhin erstattet" in quote
    for english in ("nights", "You are charged", "Cancel before", "After the start", "the start"):
        assert english not in quote, english


def test_the_book_page_explains_the_card_and_the_policy_in_french(client):
    listing = make_listing()
    client.force_login(make_user(language="fr"))
    page = client.get(f"/bookings/book/{listing.pk}/").content.decode()
    assert "<legend>Carte</legend>" in page
    assert "Votre carte est autorisée maintenant et débitée seulement quand" in page
    assert "Annulation gratuite jusqu&#x27;à 5 jours avant le début" in page
    assert "Your card is authorised" not in page and "Free cancellation" not in page


@pytest.mark.parametrize(
    ("language", "words"),
    [
        ("de", "Hälfte des Preises der Nächte"),
        ("es", "la mitad del precio de las noches"),
        ("ja", "宿泊の料金の半額"),
    ],
)
def test_the_policy_in_words_names_the_units_in_the_readers_language(language, words):
    with translation.override(language):
        assert words in pricing_words.policy_in_plain_words("moderate", pricing_words.unit_label("room"))


def test_the_hosts_reservations_page_is_in_japanese(client):
    host = make_user(language="ja")
    request_room(listing=make_listing(owner=host, title="静かな部屋"), guest=make_user(display_name="Camille"))
    client.force_login(host)
    page = client.get("/bookings/reservations/").content.decode()
    japanese = (
        "受けた予約",
        "回答待ちのリクエスト",
        "何をいつ",
        "受取額",
        "回答までの残り時間",
        "承認する",
        "辞退する",
    )
    for words in japanese:
        assert words in page, words
    assert "2027年3月5日(金) 15:00" in page  # the stay, in the reader's order
    for english in ("Requests waiting", ">Who<", "You get", ">Accept<", ">Decline<", "No reservations yet", "Mar"):
        assert english not in page, english


def test_the_hosts_answer_is_acknowledged_and_recorded_in_their_language(client):
    host = make_user(language="de")
    booking = request_room(listing=make_listing(owner=host))
    client.force_login(host)
    page = client.post(f"/bookings/{booking.pk}/accept/", follow=True).content.decode()
    assert "Erledigt." in page  # the flash message
    assert "Vom Gastgeber angenommen" in page  # the timeline's reason, stored in English
    assert "Done." not in page and "Accepted by the host" not in page
    booking.refresh_from_db()
    assert booking.status == BookingStatus.CONFIRMED


def test_the_guest_can_ask_for_a_change_in_spanish_and_sees_the_receipts_box(client):
    host = make_user()
    booking = request_room(listing=make_listing(owner=host))
    client.force_login(host)
    client.post(f"/bookings/{booking.pk}/accept/")
    client.force_login(booking.guest)
    booking.guest.language = "es"
    booking.guest.save(update_fields=["language"])
    page = client.get(booking.get_absolute_url()).content.decode()
    for words in ("Cambios", "Pedir otras fechas u otro número de huéspedes…", "Recibos (PDF)", "Todos mis recibos"):
        assert words in page, words
    for english in ("Changes", "Ask for other dates", "Receipts (PDF)", "All my receipts"):
        assert english not in page, english


def test_the_search_page_offers_to_save_the_search_in_chinese(client):
    client.force_login(make_user(language="zh-hans"))
    page = client.get("/listings/search/", {"q": "Paris"}).content.decode()
    assert "保存此搜索" in page and "为此搜索命名\uff08可选\uff09" in page  # full-width brackets
    assert "Save this search" not in page and "Name this search" not in page
