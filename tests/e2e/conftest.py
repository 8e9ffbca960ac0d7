"""Headless Chromium (Debian's package) driven by Playwright, against a real server process."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from django.conf import settings
from playwright.sync_api import Browser, Page

from tests.payments.fixtures import WEBHOOK_SECRET, ledger_checked, localstripe  # noqa: F401
from tests.support.browser import open_chromium
from tests.support.servers import asgi_server

ARTIFACTS = Path(settings.BASE_DIR) / "test-artifacts"


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if "/e2e/" in str(item.fspath):
            item.add_marker(pytest.mark.browser)


@pytest.fixture(autouse=True)
def _real_password_hasher(settings) -> None:
    # The server process checks passwords with the production hashers, so the
    # people these tests create need real hashes, not the suite's fast MD5 ones.
    from django.conf import global_settings

    settings.PASSWORD_HASHERS = global_settings.PASSWORD_HASHERS


# Module, not session: while the browser is open Playwright's event loop counts as running in
# this thread, and every async test (Channels communicator tests) the worker runs later fails.
@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    with open_chromium() as chromium:
        yield chromium


# One Stripe key for the server process and this test process: both talk to the same
# localstripe harness, so money the test moves (a task run on an advanced clock) and money
# the server moves (a guest paying in the browser) land in one account, as in production.
E2E_STRIPE = {
    "STRIPE_SECRET_KEY": "sk_test_sharing_e2e",
    "STRIPE_PUBLISHABLE_KEY": "pk_test_sharing_e2e",
    "STRIPE_WEBHOOK_SECRET": WEBHOOK_SECRET,
}


@pytest.fixture(scope="session")
def _server_process(django_db_setup, django_db_blocker, localstripe: str) -> Iterator[str]:  # noqa: F811
    # One server for the session: it reads the same test database that each
    # test's transactional_db empties afterwards.
    with django_db_blocker.unblock(), asgi_server(STRIPE_API_BASE=localstripe, **E2E_STRIPE) as url:
        yield url


@pytest.fixture
def live_url(transactional_db, _server_process: str, localstripe: str, settings) -> str:  # noqa: F811
    """Base URL of a daphne process serving the app on the test database (and its Stripe)."""
    settings.STRIPE_API_BASE = localstripe
    for name, value in E2E_STRIPE.items():
        setattr(settings, name, value)
    return _server_process


class Journey:
    """A browser page that saves a screenshot per step under test-artifacts/<test>/."""

    def __init__(self, page: Page, folder: Path) -> None:
        self.page = page
        self.folder = folder
        self.steps = 0

    def snap(self, step: str) -> Path:
        self.steps += 1
        self.folder.mkdir(parents=True, exist_ok=True)
        path = self.folder / f"{self.steps:02d}-{re.sub(r'[^a-z0-9]+', '-', step.lower()).strip('-')}.png"
        self.page.screenshot(path=str(path), full_page=True)
        return path


@pytest.fixture
def journey(browser: Browser, request: pytest.FixtureRequest) -> Iterator[Journey]:
    context = browser.new_context(viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True)
    page = context.new_page()
    page.set_default_timeout(10_000)
    yield Journey(page, ARTIFACTS / re.sub(r"[^A-Za-z0-9_.-]+", "_", request.node.name))
    context.close()
