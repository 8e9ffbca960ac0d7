"""Refusals of listings, bookings, handover, reviews, disputes, verification and payouts in the asker's language,
and booking changes told to each party in their own (issues 22 and 23)."""

from __future__ import annotations

from datetime import date, timedelta
from unittest import mock

import pytest
from django.utils import translation
from django.utils.translation import gettext_noop

from core.errors import DomainError
from tests.bookings.factories import NOW
from tests.conftest import make_user
from tests.listings.factories import make_listing
from tests.payments.fixtures import ledger_checked, localstripe, stripe_api  # noqa: F401

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _frozen_clock():
    with mock.patch("django.utils.timezone.now", return_value=NOW):
        yield


def refusal(language: str, operation) -> DomainError:
    """The refusal `operation` raises while `language` is the asker's (their page's) language."""
    with translation.override(language), pytest.raises(DomainError) as refused:
        operation()
    return refused.value


def said(language: str, operation) -> str:
    return refusal(language, operation).message


def quote(guest, listing, *, nights: int = 2, guests: int = 1):
    from bookings.services.checkout import quote_request

    start = date(2027, 3, 5)
    return lambda: quote_request(
        guest=guest, listing_id=listing.pk, start=start, end=start + timedelta(days=nights), guests=guests, now=NOW
    )


def test_a_stay_too_short_is_refused_with_its_count_in_each_language():
    ask = quote(make_user(), make_listing(min_units=3), nights=2)
    assert said("en", ask) == "The minimum stay is 3 nights."
    assert said("es", ask) == "La estancia mínima es de 3 noches."
    assert said("ja", ask) == "最短宿泊数は3泊です。"
    assert refusal("ja", ask).code == "too_short"  # the API's code stays the same in every language


def test_too_many_guests_are_refused_with_the_capacity_in_the_askers_language():
    ask = quote(make_user(), make_listing(capacity=2), guests=3)
    assert said("es", ask) == "Este anuncio admite como máximo 2 personas."
    assert said("de", ask) == "Dieses Inserat nimmt höchstens 2 Personen auf."
    assert said("ja", ask) == "このリスティングの定員は最大2人です。"
    assert refusal("es", ask).code == "over_capacity"


def test_the_api_refuses_a_stay_too_short_in_the_askers_language_with_the_same_code(client):
    guest = make_user()
    listing = make_listing(min_units=3)
    client.force_login(guest)
    answer = client.post(
        "/api/v1/bookings/quote",
        {"listing_id": listing.pk, "start": "2027-03-05", "end": "2027-03-07"},
        content_type="application/json",
        HTTP_ACCEPT_LANGUAGE="es",
    )
    assert answer.status_code == 400
    assert answer.json()["detail"] == "La estancia mínima es de 3 noches."
    assert answer.json()["code"] == "too_short"


def test_a_car_renter_without_a_licence_is_told_how_in_their_language():
    from accounts.verifications import ensure_verified_licence

    renter = make_user(licence=False)
    refuse = lambda: ensure_verified_licence(renter, doing=gettext_noop("book a car"))  # noqa: E731
    spanish, japanese = said("es", refuse), said("ja", refuse)
    assert spanish.startswith("Sube tu permiso de conducir (/") and spanish.endswith("antes de reservar un coche.")
    assert japanese.startswith("車を予約する前に、運転免許証をアップロードし\uff08/")  # a full-width bracket
    assert refusal("ja", refuse).code == "licence_missing"


def test_a_contest_too_short_is_refused_with_the_minimum_in_the_askers_language():
    from handover.answers import CONTEST_REASON_MIN, contest_reason

    refuse = lambda: contest_reason("No.")  # noqa: E731
    assert said("es", refuse) == f"Explica por qué impugnas el informe, con al menos {CONTEST_REASON_MIN} caracteres."
    assert said("ja", refuse) == f"レポートに異議を申し立てる理由を{CONTEST_REASON_MIN}文字以上で書いてください。"


def test_a_review_too_short_says_what_and_how_long_in_the_askers_language():
    from reviews.models import TEXT_MIN_LENGTH
    from reviews.services import write_review

    write = lambda: write_review(author=make_user(), booking_id=1, rating=5, text="Ok", now=NOW)  # noqa: E731
    assert said("es", write) == f"Tu reseña necesita al menos {TEXT_MIN_LENGTH} caracteres."
    assert said("ja", write) == f"レビューは{TEXT_MIN_LENGTH}文字以上必要です。"
    assert refusal("ja", write).code == "too_short"


def test_a_dispute_without_a_description_is_refused_in_the_askers_language():
    from disputes.models import Category
    from disputes.services import open_dispute

    def refuse():
        open_dispute(user=make_user(), booking_id=1, category=Category.DAMAGE, description="  ", now=NOW)

    assert said("es", refuse) == "La descripción no puede quedar en blanco."
    assert said("ja", refuse) == "説明を空にすることはできません。"


def test_a_payout_country_stripe_cannot_serve_is_named_in_the_refusal_in_the_askers_language(localstripe):  # noqa: F811
    from payments.services import payout_accounts

    def refuse():
        payout_accounts.start_payout_onboarding(
            host=make_user(), refresh_url="http://testserver/r", return_url="http://testserver/ok", country="KR"
        )

    assert said("es", refuse).startswith("Stripe no puede abrir cuentas de liquidación en KR para nosotros")
    assert said("ja", refuse).startswith("Stripe は KR で入金口座を開設できません。")


def test_a_booking_in_the_wrong_state_says_its_status_and_the_action_in_the_askers_language(
    stripe_api,  # noqa: F811
    ledger_checked,  # noqa: F811
):
    from bookings.services.changes import ask_change
    from tests.bookings.factories import request_room

    booking = request_room()  # waits for the host: not changeable yet

    def refuse():
        ask_change(guest=booking.guest, booking_id=booking.pk, start=date(2027, 3, 5), end=date(2027, 3, 7), guests=1)

    assert said("en", refuse) == "This booking is requested: it can no longer be changed."
    assert said("es", refuse) == "Esta reserva está en estado «solicitada»: ya no puede ser modificada."
    assert said("ja", refuse) == "この予約は「リクエスト中」です。もう変更できません。"
    assert refusal("es", refuse).code == "wrong_state"


def test_a_change_is_told_to_a_spanish_guest_and_a_japanese_host_each_in_their_language(
    stripe_api,  # noqa: F811
    ledger_checked,  # noqa: F811
):
    from bookings.services.changes import accept_change, ask_change
    from tests.bookings.factories import confirmed_room

    host = make_user(language="ja")
    guest = make_user(language="es", display_name="Lucía")
    booking = confirmed_room(listing=make_listing(owner=host, title="Loft", time_zone="Europe/Paris"), guest=guest)
    with translation.override("de"):  # whatever language the asker's page was in
        ask_change(guest=guest, booking_id=booking.pk, start=date(2027, 3, 5), end=date(2027, 3, 7), guests=2)
    asked = host.notifications.get(kind="booking.change_requested")
    with translation.override("ja"):
        japanese = asked.text
    assert japanese.startswith("Loft: Lucíaさんがこの予約の変更を希望しています\uff1a2027年3月5日")  # full-width colon
    assert "〜2027年3月7日" in japanese and "ゲスト2人" in japanese and "返金" in japanese
    assert "asks to change" not in japanese and "March" not in japanese
    accept_change(user=host, booking_id=booking.pk, now=NOW)
    accepted = guest.notifications.get(kind="booking.change_accepted")
    with translation.override("es"):
        spanish = accepted.text
    assert spanish.startswith("Loft: Se aceptó el cambio: del 5 de marzo de 2027 a las ")
    assert " al 7 de marzo de 2027 a las " in spanish and "2 huéspedes" in spanish
    assert "de vuelta al huésped" in spanish and "€" in spanish
    assert "accepted" not in spanish and "March" not in spanish
    # The stored English stays for the API's older clients.
    assert accepted.payload["message"].startswith("The change was accepted: March 5, 2027")


def test_a_change_reminder_counts_its_hours_in_the_readers_plural():
    from bookings.services.reminders import CHANGE_REMINDER
    from realtime.wording import counted_words, english, render_words

    said_words = counted_words(CHANGE_REMINDER, 2)
    assert english(said_words).endswith("it lapses in 2 hours if you do not answer.")
    with translation.override("de"):
        assert render_words(said_words).endswith("Sie verfällt in 2 Stunden, wenn Sie nicht antworten.")
    with translation.override("es"):
        assert render_words(counted_words(CHANGE_REMINDER, 1)).endswith("vence en 1 hora si no respondes.")


def test_a_verification_decision_reaches_the_person_in_their_language_with_the_reason():
    from accounts import verifications
    from tests.accounts.test_verifications import reviewer, send

    person = make_user(licence=False, language="es")
    sent = send(person)
    verifications.refuse(staff=reviewer(), verification_id=sent.pk, reason="Foto borrosa.")
    told = person.notifications.get(kind="verification.decided")
    with translation.override("es"):
        assert told.text == "Tu documento de identidad fue rechazado: Foto borrosa."
    assert told.payload["message"] == "Your identity document was refused: Foto borrosa."  # the stored English
