"""allauth's log-in rate limit: repeated wrong passwords lock the account out for a while."""

import pytest
from django.core.cache import cache
from django.urls import reverse

from tests.conftest import PASSWORD

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _fresh_rate_limits():
    cache.clear()
    yield
    cache.clear()


def test_five_failed_logins_block_even_the_right_password(client, user):
    for _ in range(5):
        response = client.post(reverse("account_login"), {"login": user.email, "password": "wrong-guess"})
        assert response.status_code == 200

    response = client.post(reverse("account_login"), {"login": user.email, "password": PASSWORD})

    assert "_auth_user_id" not in client.session
    assert "Too many failed login attempts" in response.content.decode()


def test_failed_logins_on_one_account_do_not_lock_out_another(client, user, other_user):
    for _ in range(5):
        client.post(reverse("account_login"), {"login": user.email, "password": "wrong-guess"})

    response = client.post(reverse("account_login"), {"login": other_user.email, "password": PASSWORD})

    assert response.status_code == 302
    assert client.session["_auth_user_id"] == str(other_user.pk)
