"""What a page says after an action (Django's messages: saved to favourites, export requested) reads in the
person's language; these were written in English only."""

from __future__ import annotations

import pytest
from django.urls import reverse

from tests.conftest import make_user
from tests.listings.factories import make_listing

pytestmark = pytest.mark.django_db


def _after(client, address: str, language: str) -> str:
    response = client.post(address, HTTP_ACCEPT_LANGUAGE=language, follow=True)
    assert response.status_code == 200
    return response.content.decode()


def test_saving_a_favourite_says_so_in_the_persons_language(client):
    listing = make_listing()
    client.force_login(make_user())
    heart = reverse("discovery:heart", kwargs={"listing_id": listing.pk})
    assert "In Ihren Favoriten gespeichert." in _after(client, heart, "de")
    assert "リストから削除しました。" in _after(client, heart, "ja")


def test_asking_for_ones_data_says_so_in_the_persons_language(client):
    client.force_login(make_user())
    page = _after(client, reverse("personaldata:export"), "fr")
    assert "Nous préparons votre archive" in page
    assert "We are preparing your archive" not in page
