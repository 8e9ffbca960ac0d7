"""The attacks suite: one world per module (see world.py), clients acting as each kind of stranger."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from django.db import transaction
from django.test import Client, override_settings

from tests.payments.fixtures import WEBHOOK_SECRET, localstripe, send_pending_money  # noqa: F401
from tests.security.world import World, build_world, issue_documents, new_stripe_key, rows, snapshot

# Who tries someone else's things: a verified second person, a visitor, a suspended person.
STRANGERS = ("second_user", "anonymous", "suspended")


@pytest.fixture(scope="module")
def world(django_db_setup, django_db_blocker, localstripe, tmp_path_factory) -> Iterator[World]:  # noqa: F811
    """The world, built once for the module in a transaction rolled back at its end."""
    key = new_stripe_key()
    with (
        django_db_blocker.unblock(),
        override_settings(
            STRIPE_API_BASE=localstripe,
            STRIPE_SECRET_KEY=key,
            STRIPE_WEBHOOK_SECRET=WEBHOOK_SECRET,
            PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher"],
            EMAIL_BACKEND="django.core.mail.backends.locmem.EmailBackend",
            MEDIA_ROOT=tmp_path_factory.mktemp("security-media"),
            PRIVATE_MEDIA_ROOT=tmp_path_factory.getbasetemp() / "private_media",
        ),
    ):
        outer = transaction.atomic()
        outer.__enter__()
        try:
            built = build_world(stripe_base=localstripe, stripe_key=key)
            send_pending_money()  # the world's bookings are charged as their commits would have done
            issue_documents(built)  # G's receipt and A's statement, as the worker would issue them
            built.baseline, built.baseline_rows = snapshot(), rows()
            yield built
        finally:
            transaction.set_rollback(True)
            outer.__exit__(None, None, None)


@pytest.fixture
def in_world(world: World, db, settings, localstripe) -> World:  # noqa: F811
    """The world inside one test's savepoint, with Stripe pointed at the harness it was built with."""
    settings.STRIPE_API_BASE = localstripe
    settings.STRIPE_SECRET_KEY = world.stripe_key
    settings.STRIPE_WEBHOOK_SECRET = WEBHOOK_SECRET
    return world


def client_for(world: World, actor: str, **options) -> Client:
    """A browser for `actor`: "anonymous", or a world attribute naming a person ("second_user", "host"...)."""
    client = Client(**options)
    if actor != "anonymous":
        client.force_login(getattr(world, actor))
    return client
