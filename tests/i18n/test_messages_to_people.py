"""Emails, push and refusals in the language of the person who reads them, not of the one who caused them."""

from __future__ import annotations

import json
from unittest import mock

import pytest
from django.utils import translation

from notifications.models import Delivery
from notifications.push import payload_of
from tests.bookings.factories import NOW, request_room
from tests.conftest import make_user
from tests.listings.factories import make_listing
from tests.notifications.helpers import deliver

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _frozen_clock():
    with mock.patch("django.utils.timezone.now", return_value=NOW):
        yield


def body(message) -> str:
    return message.get_body(preferencelist=("plain",)).get_content()


def test_a_japanese_host_gets_the_request_email_in_japanese_though_the_guest_reads_french(smtp):
    host = make_user(language="ja", display_name="Haruto")
    with translation.override("fr"):  # the guest's request, made on a French page
        booking = request_room(listing=make_listing(owner=host, title="Loft"), guest=make_user(display_name="Camille"))
    deliver(list(host.notifications.filter(kind="booking.requested")))
    [message] = smtp.to(host.email)
    text = body(message)
    # Japanese punctuation is full-width: the colon below is U+FF1A.
    assert str(message["Subject"]).strip() == "Loft への新しいリクエスト\uff1a24時間以内に回答してください"
    assert text.startswith("Harutoさん")
    assert "Camilleさんから予約リクエストが届きました。24時間以内に回答してください。" in text
    assert "リクエストに回答する: http" in text
    assert message["Content-Language"] == "ja"
    assert "asks to book" not in text and "Bonjour" not in text
    assert booking.listing.owner == host


def test_a_german_guest_hears_of_the_acceptance_in_german(smtp):
    from bookings.services.answers import accept_booking

    guest = make_user(language="de")
    booking = request_room(guest=guest)
    accept_booking(host=booking.listing.owner, booking_id=booking.pk, now=NOW)
    deliver(list(guest.notifications.filter(kind="booking.confirmed")))
    text = body(smtp.to(guest.email)[0])
    assert "Der Gastgeber hat angenommen: Ihre Buchung ist bestätigt." in text
    assert "Buchung ansehen: http" in text


def test_push_titles_are_in_the_recipients_language(settings):
    host = make_user(language="zh-hans", display_name="Li")
    request_room(listing=make_listing(owner=host, title="Loft"), guest=make_user(display_name="Camille"))
    notification = host.notifications.get(kind="booking.requested")
    delivery = Delivery(notification=notification, recipient=host, kind=notification.kind, channel="push")
    with translation.override("en"):  # the worker's own language does not matter
        title = json.loads(payload_of(delivery))["title"]
    assert title == "Loft: Camille 申请预订。请在 24 小时内回复。"


@pytest.mark.parametrize(
    ("language", "detail"),
    [
        ("en", "You cannot book your own listing."),
        ("fr", "Vous ne pouvez pas réserver votre propre annonce."),
        ("ja", "自分のリスティングは予約できません。"),
    ],
)
def test_the_api_answers_a_refusal_in_the_askers_language_with_the_same_code(client, language, detail):
    host = make_user()
    listing = make_listing(owner=host)
    client.force_login(host)
    answer = client.post(
        "/api/v1/bookings/quote",
        {"listing_id": listing.pk, "start": "2027-03-05", "end": "2027-03-08"},
        content_type="application/json",
        HTTP_ACCEPT_LANGUAGE=language,
    )
    assert answer.status_code == 403
    assert answer.json()["detail"] == detail
    assert answer.json()["code"] == "own_listing"


def refusal(language: str, operation) -> str:
    """The message of the refusal `operation` raises while `language` is the asker's (their page's) language."""
    from core.errors import DomainError

    with translation.override(language), pytest.raises(DomainError) as refused:
        operation()
    return refused.value.message


def test_a_refusal_with_a_value_in_it_is_translated_around_the_value():
    from discovery.favourites import create_list

    owner = make_user()
    create_list(owner=owner, name="Lisboa")
    said = refusal("fr", lambda: create_list(owner=owner, name="Lisboa"))
    assert said == "Vous avez déjà une liste nommée « Lisboa »."
    assert refusal("en", lambda: create_list(owner=owner, name="Lisboa")) == "You already have a list called “Lisboa”."


@pytest.mark.parametrize(
    ("language", "limit", "said"),
    [
        ("de", 1, "Sie können bis zu 1 Liste anlegen."),
        ("de", 2, "Sie können bis zu 2 Listen anlegen."),
        ("fr", 1, "Vous pouvez garder jusqu\u2019à 1 liste."),
        ("ja", 2, "リストは2件まで保存できます。"),
        ("en", 1, "You can keep up to 1 list."),
    ],
)
def test_a_refusal_that_counts_takes_the_plural_of_the_askers_language(language, limit, said):
    from discovery import favourites

    owner = make_user()
    with mock.patch.object(favourites, "MAX_LISTS", limit):
        for number in range(limit):
            favourites.create_list(owner=owner, name=f"List {number}")
        assert refusal(language, lambda: favourites.create_list(owner=owner, name="One more")) == said


def test_a_block_is_refused_in_the_askers_language_with_what_they_tried_in_their_words():
    from accounts.safety import block_person
    from listings.services import open_question_thread

    host, guest = make_user(), make_user()
    listing = make_listing(owner=host)
    block_person(blocker=host, person_id=guest.pk)
    said = refusal("ja", lambda: open_question_thread(listing=listing, requester=guest))
    assert said == "このホストにメッセージを送ることはできません。どちらかが相手をブロックしています。"
    said = refusal("es", lambda: open_question_thread(listing=listing, requester=guest))
    assert said == "No puedes escribir a este anfitrión: uno de los dos ha bloqueado al otro."


def test_a_dispute_is_told_to_each_party_in_their_own_language(client):
    from tests.disputes.helpers import open_as_guest, paid_booking

    booking = paid_booking()
    guest, host = booking.guest, booking.listing.owner
    type(guest).objects.filter(pk=guest.pk).update(language="fr")
    type(host).objects.filter(pk=host.pk).update(language="ja")
    with translation.override("de"):  # whatever language the opener's page was in
        open_as_guest(booking)
    client.force_login(host)
    bell = client.get("/notifications/").content.decode()
    assert f"{booking.listing.title}: ゲストが紛争を開始しました。入金は保留中です。" in bell
    client.force_login(guest)
    bell = client.get("/notifications/").content.decode()
    assert "Le voyageur a ouvert un litige. Le versement est suspendu." in bell
    assert "A dispute was opened" not in bell and "Streitfall" not in bell
    # The stored English stays for the API's older clients.
    stored = host.notifications.get(kind="dispute.opened").payload
    assert stored["message"] == "A dispute was opened by the guest. The payout is on hold."


def test_a_message_of_several_sentences_is_translated_sentence_by_sentence_with_its_values():
    from realtime.wording import english, render_words, words

    said = [
        words("The dispute is resolved."),
        words("Refund to the guest: %(refund)s; the host keeps %(payout)s.", refund="€50.00", payout="€30.00"),
        words("Reason: %(reason)s", reason="Heating broken"),
    ]
    with translation.override("de"):
        german = render_words(said)
    assert german == (
        "Der Streitfall ist entschieden. Erstattung an den Gast: €50.00; der Gastgeber behält €30.00. "
        "Begründung: Heating broken"
    )
    assert english(said) == (
        "The dispute is resolved. Refund to the guest: €50.00; the host keeps €30.00. Reason: Heating broken"
    )


def test_a_deposit_notice_reaches_the_renter_in_their_language():
    from handover.deposits import _tell

    guest = make_user(language="es")
    booking = request_room(guest=guest)
    _tell(booking, [guest], "deposit.claimed", "The owner claimed on the deposit; support will decide")
    notice = guest.notifications.get(kind="deposit.claimed")
    with translation.override("es"):
        assert notice.text == f"{booking.listing.title}: El propietario reclamó sobre la fianza; asistencia decidirá"


def test_a_saved_search_alert_reads_in_its_owners_language():
    from discovery.alerts import alert_matching_searches
    from discovery.saved_searches import save_search

    owner = make_user(language="fr")
    save_search(owner=owner, name="Paris", latitude=48.8566, longitude=2.3522, radius_km=10)
    listing = make_listing(title="Loft")
    assert alert_matching_searches(listing_id=listing.pk, reason="published", now=NOW) == 1
    alert = owner.notifications.get(kind="saved_search.match")
    assert alert.payload["title"] == "New for “Paris”: Loft"  # the stored English, as before
    with translation.override("fr"):
        assert alert.text == "Nouveau pour « Paris » : Loft"
    with translation.override("ja"):
        assert alert.text == "「Paris」に新着\uff1aLoft"
