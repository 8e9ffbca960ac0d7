"""Emails are written in the recipient's language (User.language) where a translation exists."""

from __future__ import annotations

import pytest
from django.utils import translation

from tests.conftest import make_user
from tests.notifications.helpers import deliver, notified

pytestmark = pytest.mark.django_db

REQUEST = {"title": "New request", "url": "/bookings/1/", "listing_title": "Chambre au bord du canal"}


def parts(message):
    return (
        str(message["Subject"]).strip(),  # an encoded-word header parses with the fold's space
        message.get_body(preferencelist=("plain",)).get_content(),
        message.get_body(preferencelist=("html",)).get_content(),
    )


def test_a_person_who_reads_french_gets_the_request_in_french(smtp):
    host = make_user(display_name="Camille", language="fr")
    deliver(notified([host], "booking.requested", REQUEST))
    [message] = smtp.to(host.email)
    subject, text, html = parts(message)
    assert subject == "Nouvelle demande pour Chambre au bord du canal : répondez sous 24 heures"
    assert text.startswith("Bonjour Camille,")
    assert "la demande expire et le voyageur n'est pas débité" in text
    assert "Répondre à la demande: http" in text
    assert '<html lang="fr">' in html and "Répondre à la demande</a>" in html
    assert message["Content-Language"] == "fr"


def test_without_a_language_the_email_is_in_the_sites_language(smtp):
    host = make_user(display_name="Sam")
    deliver(notified([host], "booking.requested", REQUEST))
    subject, text, html = parts(smtp.to(host.email)[0])
    assert subject == "New request for Chambre au bord du canal: answer within 24 hours"
    assert text.startswith("Hello Sam,") and "Answer the request: http" in text
    assert '<html lang="en">' in html


def test_a_german_reader_gets_german_and_an_unknown_language_the_sites(smtp):
    german, unknown = make_user(language="de"), make_user(language="xx-nope")
    deliver(notified([german, unknown], "booking.requested", REQUEST))
    subject = str(smtp.to(german.email)[0]["Subject"]).strip()  # an encoded-word header parses with a space
    assert subject == "Neue Anfrage für Chambre au bord du canal: Antworten Sie innerhalb von 24 Stunden"
    assert smtp.to(german.email)[0]["Content-Language"] == "de"
    assert smtp.to(unknown.email)[0]["Subject"].startswith("New request for")
    assert smtp.to(unknown.email)[0]["Content-Language"] == "en"


def test_the_workers_language_is_unchanged_after_writing_in_another(smtp):
    with translation.override("en"):
        deliver(notified([make_user(language="fr")], "booking.confirmed"))
        assert translation.get_language() == "en"
    [message] = smtp.messages
    assert "Voir la réservation" in parts(message)[1]


def test_a_person_chooses_the_language_of_their_emails_on_their_profile(client):
    person = make_user()
    client.force_login(person)
    page = client.get(f"/people/{person.pk}/edit/")
    assert page.status_code == 200 and b"Your language" in page.content
    client.post(f"/people/{person.pk}/edit/", {"display_name": "Camille", "language": "fr"})
    person.refresh_from_db()
    assert person.language == "fr"
    refused = client.post(f"/people/{person.pk}/edit/", {"display_name": "Camille", "language": "klingon"})
    # The person now reads the site in French, refusals included (Django's own catalogue).
    assert refused.status_code == 200 and "Sélectionnez un choix valide".encode() in refused.content
    person.refresh_from_db()
    assert person.language == "fr"


def test_the_api_sets_the_language_and_other_edits_keep_it(client):
    person = make_user()
    client.force_login(person)
    answer = client.patch("/api/v1/people/me", {"language": "fr"}, content_type="application/json")
    assert answer.status_code == 200 and answer.json()["language"] == "fr"
    client.patch("/api/v1/people/me", {"city": "Lyon"}, content_type="application/json")
    person.refresh_from_db()
    assert (person.language, person.city) == ("fr", "Lyon")
    refused = client.patch("/api/v1/people/me", {"language": "klingon"}, content_type="application/json")
    assert refused.status_code == 400 and refused.json()["field"] == "language"


# The catalogues themselves (complete, placeholders kept, .mo up to date): tests/i18n/test_catalogues.py.
