"""Text people write is stored with its language, and pages say which language it is in (issue 22, item 5).

Listings (title and description) and messages keep `text_language`: what the author said (the listing form and
the API take it), else the author's profile language, else the language of the page they wrote from. Pages mark
the text with `lang` and tell a reader of another language "Written in French".
"""

from __future__ import annotations

import pytest
from django.utils import translation

from listings.models import Listing
from realtime.models import Message
from realtime.services import ensure_thread, post_message
from tests.conftest import make_user
from tests.listings.factories import make_listing
from tests.listings.helpers import api_payload

pytestmark = pytest.mark.django_db


def test_a_listing_made_through_the_api_keeps_the_language_its_host_named(client):
    host = make_user(display_name="Akiko")
    client.force_login(host)
    payload = api_payload("room", text_language="ja")
    response = client.post("/api/v1/listings/", payload, content_type="application/json")
    assert response.status_code == 201, response.content
    assert response.json()["text_language"] == "ja"
    assert Listing.objects.get().text_language == "ja"


def test_without_one_the_listing_takes_the_hosts_profile_language_else_the_pages(client):
    client.force_login(make_user(display_name="Hélène", language="fr"))
    assert client.post("/api/v1/listings/", api_payload("room"), content_type="application/json").status_code == 201
    client.force_login(make_user(display_name="Hans"))
    response = client.post(
        "/api/v1/listings/", api_payload("room"), content_type="application/json", HTTP_ACCEPT_LANGUAGE="de-DE"
    )
    assert response.status_code == 201
    assert list(Listing.objects.order_by("pk").values_list("text_language", flat=True)) == ["fr", "de"]


def test_an_unknown_language_is_refused_with_the_choices_and_nothing_written(client):
    client.force_login(make_user())
    payload = api_payload("room", text_language="klingon")
    response = client.post("/api/v1/listings/", payload, content_type="application/json")
    assert response.status_code == 400
    assert response.json()["field"] == "text_language"
    assert "klingon" in response.json()["detail"] and "zh-hans" in response.json()["detail"]
    assert not Listing.objects.exists()


def test_the_host_changes_the_language_through_the_api(client):
    host = make_user()
    listing = make_listing(owner=host, text_language="en")
    client.force_login(host)
    response = client.patch(f"/api/v1/listings/{listing.pk}", {"text_language": "es"}, content_type="application/json")
    assert response.status_code == 200, response.content
    listing.refresh_from_db()
    assert listing.text_language == "es"


def test_the_listing_form_offers_the_language_and_keeps_the_choice(client):
    host = make_user()
    listing = make_listing(owner=host, text_language="de")
    client.force_login(host)
    page = client.get(f"/listings/{listing.pk}/edit/").content.decode()
    assert 'name="text_language"' in page
    assert '<option value="de" selected>' in page


def test_the_listing_page_marks_the_text_and_tells_a_reader_of_another_language(client):
    listing = make_listing(title="Chambre sur le canal", description="Calme et lumineuse.", text_language="fr")
    english = client.get(listing.get_absolute_url(), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert '<h1 lang="fr">Chambre sur le canal</h1>' in english
    assert '<p lang="fr">Calme et lumineuse.' in english
    assert "Written in French" in english
    spanish = client.get(listing.get_absolute_url(), HTTP_ACCEPT_LANGUAGE="es").content.decode()
    assert "Escrito en francés" in spanish
    french = client.get(listing.get_absolute_url(), HTTP_ACCEPT_LANGUAGE="fr").content.decode()
    assert "Écrit en" not in french and "written-in" not in french


def test_a_message_keeps_its_authors_language_and_the_other_party_sees_it(client):
    writer, reader = make_user(display_name="Greta", language="de"), make_user(display_name="Sam")
    thread = ensure_thread(key="test:language", title="About the room", participants=[writer, reader])
    with translation.override("en"):
        message = post_message(thread=thread, sender=writer, body="Ich komme um acht Uhr an.")
    assert Message.objects.get(pk=message.pk).text_language == "de"
    client.force_login(reader)
    page = client.get(f"/messages/{thread.pk}/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert '<div class="rt-body" lang="de">Ich komme um acht Uhr an.</div>' in page
    assert "Written in German" in page
    api = client.get(f"/api/v1/threads/{thread.pk}/messages")
    assert api.status_code == 200, api.content
    assert [m["text_language"] for m in api.json()] == ["de"]


def test_the_conversation_page_is_in_the_readers_language(client):
    writer, reader = make_user(display_name="Greta"), make_user(display_name="Sam")
    thread = ensure_thread(key="test:words", title="About the room", participants=[writer, reader])
    client.force_login(reader)
    english_words = ["No messages yet", "Send<", "Messages"]
    english = client.get(f"/messages/{thread.pk}/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    for words in english_words:
        assert words in english, words
    for language in ("es", "ja"):
        translated = client.get(f"/messages/{thread.pk}/", HTTP_ACCEPT_LANGUAGE=language).content.decode()
        for words in english_words:
            assert words not in translated, (language, words)
