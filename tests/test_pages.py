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


def test_the_design_page_shows_every_icon_of_the_sprite_in_the_demo(client, settings):
    from sharing.design import sprite_icons

    settings.SHOW_DESIGN_PAGE = True
    home = client.get(reverse("home")).content.decode()
    assert f'href="{reverse("design")}"' in home
    page = client.get(reverse("design")).content.decode()
    assert len(sprite_icons()) > 20
    for name in sprite_icons():
        assert f"<code>{name}</code>" in page
    for token in ("--t-base", "--s-4", "--c-brand", "--c-danger"):
        assert f"<code>{token}</code>" in page


def test_the_design_page_is_not_served_outside_the_demo(client, settings):
    settings.SHOW_DESIGN_PAGE = False
    assert client.get(reverse("design")).status_code == 404
    assert "Design system" not in client.get(reverse("home")).content.decode()
