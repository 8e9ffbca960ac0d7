"""Logging in while Redis is unreachable: the rate limiter counts in local memory instead of answering 500."""

from __future__ import annotations

import socket

import pytest
from django.core.cache import cache
from django.urls import reverse

from sharing.settings import redis_caches
from tests.conftest import PASSWORD

pytestmark = pytest.mark.django_db


def closed_port() -> int:
    """A local port nobody listens on: connecting to it is refused at once."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture(autouse=True)
def _redis_unreachable(settings):
    settings.CACHES = redis_caches(f"redis://127.0.0.1:{closed_port()}/0")
    yield
    cache.clear()


def test_logging_in_works_while_redis_is_unreachable(client, user):
    response = client.post(reverse("account_login"), {"login": user.email, "password": PASSWORD})

    assert response.status_code == 302
    assert client.session["_auth_user_id"] == str(user.pk)


def test_failed_logins_are_still_limited_while_redis_is_unreachable(client, user):
    for _ in range(5):
        response = client.post(reverse("account_login"), {"login": user.email, "password": "wrong-guess"})
        assert response.status_code == 200

    response = client.post(reverse("account_login"), {"login": user.email, "password": PASSWORD})

    assert "_auth_user_id" not in client.session
    assert "Too many failed login attempts" in response.content.decode()
