"""The API's error shape: JSON with a message a person can read and the field at fault, never a 500."""

import pytest

from tests.conftest import make_user

pytestmark = pytest.mark.django_db


def test_ids_beyond_64_bits_are_refused_with_the_field_named(client):
    client.force_login(make_user())

    response = client.post("/api/v1/notifications/read", {"ids": [1, 2**100]}, content_type="application/json")

    assert response.status_code == 422
    assert response.json()["field"] == "ids"
    assert response.json()["detail"].startswith("ids: Input should be less than or equal to")


def test_an_id_too_large_for_the_database_in_a_path_is_never_a_500(client):
    client.force_login(make_user())

    response = client.post(f"/api/v1/notifications/{2**100}/read")

    # SQLite cannot bind the number (422 with a message); PostgreSQL looks it up, and
    # marking a notification that is not there marks nothing (200, marked 0).
    if response.status_code == 422:
        assert response.json()["detail"] == "A number in this request is too large."
    else:
        assert response.status_code == 200
        assert response.json()["marked"] == 0


def test_anonymous_api_calls_are_told_how_to_authenticate(client):
    response = client.get("/api/v1/notifications/unread-count")

    assert response.status_code == 401
    assert "X-Session-Token" in response.json()["detail"]
