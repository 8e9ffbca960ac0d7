"""The site's shell: home page, log-in page, static assets served by the app."""

import pytest
from django.urls import reverse

pytestmark = pytest.mark.django_db


def test_home_page_explains_the_three_kinds(client):
    page = client.get(reverse("home")).content.decode()
    for kind in ("Rooms", "Cars", "Drivers"):
        assert kind in page
    assert 'name="viewport"' in page


def test_login_page_renders_inside_the_site_layout(client):
    page = client.get(reverse("account_login")).content.decode()
    assert 'name="login"' in page
    assert 'class="site-header"' in page


def test_logged_in_header_shows_the_person_their_places_and_log_out(client, user):
    client.force_login(user)
    page = client.get(reverse("home")).content.decode()
    assert "Alice Host" in page
    assert "Log out" in page
    for url in (reverse("bookings:trips"), reverse("bookings:reservations"), reverse("realtime:inbox")):
        assert f'href="{url}"' in page


def test_no_asset_is_loaded_from_another_host(client):
    page = client.get(reverse("home")).content.decode()
    assert "https://" not in page.split("<body")[0]
