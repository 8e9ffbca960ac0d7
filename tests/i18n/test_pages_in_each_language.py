"""The guest's and host's main path read in each shipped language: search, listing, quote, booking page."""

from __future__ import annotations

import json
from unittest import mock

import pytest

from bookings.models import Booking
from tests.bookings.factories import NOW, request_room
from tests.conftest import make_user
from tests.listings.factories import make_listing

pytestmark = pytest.mark.django_db

# For each language: words the page must show, and the English they replace, which it must not.
LISTING_WORDS = {
    "es": ["Disponibilidad", "Dónde", "Solicitar reserva", "por noche", "80,00\xa0€"],
    "fr": ["Disponibilités", "Où", "Demander à réserver", "par nuit", "80,00\xa0€"],
    "de": ["Verfügbarkeit", "Wo", "Buchung anfragen", "pro Nacht", "80,00\xa0€"],
    "ja": ["空き状況", "場所", "予約をリクエスト", "1泊あたり", "€80.00"],
    "zh-hans": ["可预订情况", "地点", "申请预订", "每晚", "€80.00"],
}
ENGLISH = ["Availability", "Request to book", "per night", "80.00 EUR", "Log in", "Sign up"]


@pytest.fixture(autouse=True)
def _frozen_clock():
    with mock.patch("django.utils.timezone.now", return_value=NOW):
        yield


@pytest.mark.parametrize("language", list(LISTING_WORDS))
def test_the_listing_page_is_in_the_readers_language_with_their_money_format(client, language):
    listing = make_listing(title="Chambre au bord du canal")
    page = client.get(listing.get_absolute_url(), HTTP_ACCEPT_LANGUAGE=language).content.decode()
    for words in LISTING_WORDS[language]:
        assert words in page, (language, words)
    for english in ENGLISH:
        assert english not in page, (language, english)
    assert "Chambre au bord du canal" in page  # what the host wrote stays as written


@pytest.mark.parametrize(
    ("language", "words"),
    [
        ("es", ["Buscar", "Filtros", "Escribe un lugar, haz clic en el mapa o usa tu ubicación."]),
        ("fr", ["Rechercher", "Filtres", "Saisissez un lieu, cliquez sur la carte ou utilisez votre position."]),
        ("de", ["Suchen", "Filter", "Geben Sie einen Ort ein"]),
        ("ja", ["検索", "絞り込み", "場所を入力するか"]),
        ("zh-hans", ["搜索", "筛选", "输入地点、点击地图或使用您的位置。"]),
    ],
)
def test_the_search_page_is_in_the_readers_language(client, language, words):
    page = client.get("/listings/search/", HTTP_ACCEPT_LANGUAGE=language).content.decode()
    for word in words:
        assert word in page, (language, word)
    assert "Type a place" not in page and "Instant book only" not in page


def test_the_quote_is_in_the_guests_language(client):
    listing = make_listing()
    client.force_login(make_user(language="de"))
    quote = client.get(
        f"/bookings/book/{listing.pk}/quote/", {"start": "2027-03-05", "end": "2027-03-08", "guests": 1}
    ).content.decode()
    assert "Reinigungsgebühr" in quote and "Servicegebühr von Sharing" in quote and "Gesamt" in quote
    assert "20,00\xa0€" in quote  # the cleaning fee
    assert "Fr., 5. März 2027 15:00" in quote  # check-in, in the listing's time zone, a 24-hour clock
    assert "Cleaning fee" not in quote and "Total" not in quote


def test_the_host_reads_the_booking_page_and_its_answer_buttons_in_their_language(client):
    booking = request_room(listing=make_listing(owner=make_user(language="ja")))
    client.force_login(booking.listing.owner)
    page = client.get(booking.get_absolute_url()).content.decode()
    japanese = ("承認する", "辞退する", "お金の状況", "ゲスト", "リクエスト中", "履歴")
    japanese += ("あなたへの入金", "合計", "清掃料金")
    for words in japanese:
        assert words in page, words
    for english in (">Accept<", ">Decline<", "Where the money is", "Timeline", "Your payout", "Cleaning fee"):
        assert english not in page, english


def test_the_guest_and_the_host_each_read_the_request_in_their_own_language(client):
    guest, host = make_user(language="fr", display_name="Camille"), make_user(language="ja")
    booking = request_room(listing=make_listing(owner=host, title="Loft"), guest=guest)
    client.force_login(host)
    bell = client.get("/notifications/").content.decode()
    assert "Loft: Camilleさんから予約リクエストが届きました。24時間以内に回答してください。" in bell
    assert "asks to book" not in bell
    # The stored English stays what the API's older clients read, and the words for every reader.
    stored = host.notifications.get(kind="booking.requested").payload
    assert stored["message"] == "Camille asks to book. Answer within 24 hours."
    assert Booking.objects.get(pk=booking.pk).status == "requested"


@pytest.mark.parametrize(
    ("language", "words"),
    [("ja", "チェックイン日を選んでください。"), ("de", "Wählen Sie die Anreise."), ("zh-hans", "请选择入住日期。")],
)
def test_the_scripts_words_come_in_the_readers_language(client, language, words):
    catalogue = client.get("/jsi18n/", HTTP_ACCEPT_LANGUAGE=language)
    # The catalogue is JSON inside the script: non-ASCII letters come \u-escaped.
    assert catalogue.status_code == 200 and json.dumps(words)[1:-1] in catalogue.content.decode()
    assert "/jsi18n/" in client.get("/", HTTP_ACCEPT_LANGUAGE=language).content.decode()
