"""The profile API: my profile (read, edit, photo) with the page's form rules, and anyone's public profile."""

from __future__ import annotations

import pytest

from tests.listings.helpers import jpeg

pytestmark = pytest.mark.django_db


def test_i_read_my_profile_with_my_email(client, user):
    client.force_login(user)
    body = client.get("/api/v1/people/me").json()
    assert (body["email"], body["name"], body["email_verified"]) == (user.email, "Alice Host", True)


def test_i_edit_my_profile_and_untouched_fields_stay(client, user):
    user.city = "Lyon"
    user.save()
    client.force_login(user)
    response = client.patch("/api/v1/people/me", {"bio": "I like trains."}, content_type="application/json")
    assert response.status_code == 200, response.content
    user.refresh_from_db()
    assert (user.bio, user.city, user.display_name) == ("I like trains.", "Lyon", "Alice Host")


def test_an_email_address_as_my_name_is_refused_as_on_the_page(client, user):
    client.force_login(user)
    response = client.patch("/api/v1/people/me", {"display_name": "a@b.example"}, content_type="application/json")
    assert (response.status_code, response.json()["field"]) == (400, "display_name")
    user.refresh_from_db()
    assert user.display_name == "Alice Host"


def test_i_set_and_remove_my_photo(client, user):
    client.force_login(user)
    response = client.post("/api/v1/people/me/photo", {"photo": jpeg()})
    assert response.status_code == 200, response.content
    assert response.json()["photo_url"]
    user.refresh_from_db()
    assert user.avatar
    assert client.delete("/api/v1/people/me/photo").json()["photo_url"] is None
    user.refresh_from_db()
    assert not user.avatar


def test_a_public_profile_shows_no_email(client, user):
    body = client.get(f"/api/v1/people/{user.pk}").json()
    assert body["name"] == "Alice Host"
    assert "email" not in body


def test_my_profile_needs_a_log_in(client):
    assert client.get("/api/v1/people/me").status_code == 401
