"""A review keeps the language its author writes in, and its card reads in the reader's language (issue 22)."""

from __future__ import annotations

import pytest
from django.urls import reverse
from django.utils import translation

from accounts.models import User
from tests.reviews.factories import completed, guest_review, host_review

pytestmark = pytest.mark.django_db


def test_a_review_keeps_its_authors_language_and_says_so_to_other_readers(client):
    booking = completed()
    User.objects.filter(pk=booking.guest_id).update(language="fr")
    booking.guest.refresh_from_db()
    with translation.override("en"):
        review = guest_review(booking, text="Appartement calme, très propre et bien situé.")
        host_review(booking)
    assert review.text_language == "fr"
    listing_url = reverse("reviews:listing", kwargs={"listing_id": booking.listing_id})
    english = client.get(listing_url, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert '<p class="review-text" lang="fr">Appartement calme' in english
    assert "Written in French" in english
    api = client.get(f"/api/v1/reviews/listings/{booking.listing_id}").json()
    assert "fr" in [item["text_language"] for item in api["items"]]


def test_a_review_card_has_no_english_left_in_spanish_or_japanese(client):
    booking = completed()
    guest_review(booking, text="Lovely flat.")
    host_review(booking, text="Tidy guest.")
    listing_url = reverse("reviews:listing", kwargs={"listing_id": booking.listing_id})
    english_words = ["out of 5", ">guest<", "Cleanliness", "Communication", "Location", "Accuracy"]
    english = client.get(listing_url, HTTP_ACCEPT_LANGUAGE="en").content.decode().replace("· guest ·", ">guest<")
    for words in english_words:
        assert words in english, words
    for language in ("es", "ja"):
        page = client.get(listing_url, HTTP_ACCEPT_LANGUAGE=language).content.decode().replace("· guest ·", ">guest<")
        for words in english_words:
            assert words not in page, (language, words)
