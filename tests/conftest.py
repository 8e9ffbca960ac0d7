"""Shared fixtures: people to act as, and settings that keep the suite fast and hermetic."""

from __future__ import annotations

import itertools
import os

import pytest
from allauth.account.models import EmailAddress
from django.conf import settings

from accounts.models import User, Verification, VerificationKind, VerificationStatus
from tests.payments.fixtures import money_sent_after_commit, no_stripe_call_in_transaction  # noqa: F401

_emails = itertools.count(1)
PASSWORD = "correct-horse-battery-staple"


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    # These run in the second pass of `make test` (PostgreSQL + Redis), which CI
    # requires; in the SQLite pass they are skipped with the reason shown.
    skip_pg = pytest.mark.skip(reason="needs PostgreSQL: runs in the PostgreSQL pass of make test")
    skip_redis = pytest.mark.skip(reason="needs Redis: runs in the PostgreSQL+Redis pass of make test")
    for item in items:
        if "postgres_only" in item.keywords and not settings.IS_POSTGRES:
            item.add_marker(skip_pg)
        if "redis_only" in item.keywords and not settings.REDIS_URL:
            item.add_marker(skip_redis)


@pytest.fixture(scope="session", autouse=True)
def _channel_layer_per_worker() -> None:
    """Give each xdist worker its own Redis channel prefix.

    The workers share one Redis but not one database, so user ids collide: without this a
    socket of user 3 in worker gw0 would hear the notifications of user 3 in gw1. Server
    processes started by tests read the prefix back from settings.CHANNEL_LAYERS.
    """
    from channels.layers import channel_layers

    layer = settings.CHANNEL_LAYERS["default"]
    if "prefix" in layer.get("CONFIG", {}):
        worker = os.environ.get("PYTEST_XDIST_WORKER", "main")
        prefix = f"{layer['CONFIG']['prefix']}-{worker}"
        settings.CHANNEL_LAYERS = {"default": {**layer, "CONFIG": {**layer["CONFIG"], "prefix": prefix}}}
        channel_layers.backends.clear()


@pytest.fixture(scope="session", autouse=True)
def _bookings_paid_at_once() -> None:
    """The suites book fixed dates months ahead of their clock and check the money at acceptance: they keep
    the pay-at-once flow. tests/bookings/test_payment_schedule.py puts the production default (30 days)
    back with the `settings` fixture. Servers started by tests read it from the environment."""
    settings.PAYMENT_SCHEDULE_AFTER_DAYS = 100_000
    os.environ["PAYMENT_SCHEDULE_AFTER_DAYS"] = "100000"


@pytest.fixture(autouse=True)
def _money_after_commit(money_sent_after_commit: None) -> None:  # noqa: F811
    """Bookings' money goes to Stripe after the booking's commit; see the fixture for how tests see that."""


@pytest.fixture(autouse=True)
def _stripe_only_outside_transactions(no_stripe_call_in_transaction: list[str]) -> None:  # noqa: F811
    """Every test fails if the site calls Stripe while one of its transactions is open (payments.outbox)."""


@pytest.fixture(autouse=True)
def _hermetic_settings(settings, tmp_path, tmp_path_factory):
    settings.MEDIA_ROOT = tmp_path / "media"
    # One place per test run (not per test): module-wide worlds (tests/security) store files before any test runs.
    settings.PRIVATE_MEDIA_ROOT = tmp_path_factory.getbasetemp() / "private_media"
    # Hashing with the production hasher costs ~250 ms per user; tests do not need it.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }


def make_user(
    email: str | None = None, *, verified: bool = True, licence: bool = True, password: str = PASSWORD, **fields
) -> User:
    """A person who can log in; `verified` says whether their email is confirmed, `licence` whether
    they hold a driving licence staff verified (renting cars and driving need one: accounts.verifications)."""
    email = email or f"person{next(_emails)}@example.com"
    user = User.objects.create_user(email=email, password=password, **fields)
    EmailAddress.objects.create(user=user, email=email, primary=True, verified=verified)
    if licence:
        Verification.objects.create(user=user, kind=VerificationKind.LICENCE, status=VerificationStatus.VERIFIED)
    return user


@pytest.fixture(autouse=True)
def _site_language():
    """Each test starts in the site's language: a page a test read in another language (the browser's, a
    profile's) leaves that language active in the thread, and the next test would format money in it."""
    from django.utils import translation

    translation.activate(settings.LANGUAGE_CODE)
    yield
    translation.activate(settings.LANGUAGE_CODE)


@pytest.fixture
def user(db) -> User:
    return make_user(display_name="Alice Host")


@pytest.fixture
def other_user(db) -> User:
    return make_user(display_name="Bob Guest")


@pytest.fixture(autouse=True)
def _fresh_content_types() -> None:
    """Tests that flush tables (transaction=True) give content types new ids; the process-wide ContentType
    cache would then hand a later test's live server an id that no longer exists (the dispute desk's
    AdminDecision failed its foreign key, in the full suite only)."""
    from django.contrib.contenttypes.models import ContentType

    ContentType.objects.clear_cache()
