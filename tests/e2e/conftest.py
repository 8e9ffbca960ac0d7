"""Headless Chromium (Debian's package) driven by Playwright, against a real server process."""

from __future__ import annotations

import contextlib
import re
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from django.conf import settings
from playwright.sync_api import Browser, BrowserContext, Page, expect

from notifications.management.commands.generate_vapid_keys import new_vapid_keys
from tests.conftest import PASSWORD
from tests.payments.fixtures import WEBHOOK_SECRET, ledger_checked, localstripe  # noqa: F401
from tests.support.axe import serious_violations
from tests.support.browser import PAGE_TIMEOUT_MS, open_chromium
from tests.support.servers import asgi_server
from tests.support.smtp import Mailbox, smtp, smtp_server  # noqa: F401

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


# Web Push is on in the server process (the bell menu offers it); the worker a journey starts signs with the same key.
E2E_PUSH = dict(zip(("WEBPUSH_VAPID_PRIVATE_KEY", "WEBPUSH_VAPID_PUBLIC_KEY"), new_vapid_keys(), strict=True))


@pytest.fixture(scope="session")
def mailbox() -> Iterator[Mailbox]:
    """Every email the server process sends, received over SMTP on loopback."""
    with smtp_server() as box:
        yield box


@pytest.fixture(scope="session")
def server_media_root(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Where the server process keeps uploads: a test that writes pictures itself (seed_demo) writes them here."""
    return tmp_path_factory.mktemp("server-media")


@pytest.fixture(scope="session")
def _server_process(
    django_db_setup,
    django_db_blocker,
    localstripe: str,  # noqa: F811
    mailbox: Mailbox,
    server_media_root: Path,
) -> Iterator[str]:
    # One server for the session: it reads the same test database that each
    # test's transactional_db empties afterwards. Its email goes out by SMTP (the
    # production path, chosen by EMAIL_HOST) to the mailbox, where journeys read it.
    email = {"EMAIL_HOST": "127.0.0.1", "EMAIL_PORT": str(mailbox.port), "EMAIL_USE_TLS": "false"}
    media = {"MEDIA_ROOT": str(server_media_root)}
    demo = {"SHOW_DESIGN_PAGE": "true"}  # the showcase page is checked by axe like every other page
    with (
        django_db_blocker.unblock(),
        asgi_server(STRIPE_API_BASE=localstripe, **E2E_STRIPE, **E2E_PUSH, **email, **media, **demo) as url,
    ):
        yield url


@pytest.fixture
def live_url(transactional_db, _server_process: str, localstripe: str, settings) -> str:  # noqa: F811
    """Base URL of a daphne process serving the app on the test database (and its Stripe)."""
    settings.STRIPE_API_BASE = localstripe
    for name, value in {**E2E_STRIPE, **E2E_PUSH}.items():
        setattr(settings, name, value)
    return _server_process


class _StepCounter:
    def __init__(self) -> None:
        self.value = 0

    def next(self) -> int:
        self.value += 1
        return self.value


class Journey:
    """A browser page that saves a screenshot per step under test-artifacts/<test>/.

    Several people in one test (`browser_of("host")`) share the folder and the step
    numbering, so the screenshots read in the order things happened; each file name
    then carries the person's label.
    """

    def __init__(self, page: Page, folder: Path, label: str = "", counter: _StepCounter | None = None) -> None:
        self.page = page
        self.accessibility: list[str] = []
        self.folder = folder
        self.label = label
        self.counter = counter or _StepCounter()

    @property
    def steps(self) -> int:
        return self.counter.value

    def snap(self, step: str) -> Path:
        number = self.counter.next()
        self.folder.mkdir(parents=True, exist_ok=True)
        name = re.sub(r"[^a-z0-9]+", "-", f"{self.label} {step}".lower()).strip("-")
        path = self.folder / f"{number:02d}-{name}.png"
        self.page.screenshot(path=str(path), full_page=True)
        if step != "at-failure":
            # Every page a journey shows is also checked by axe on the phone viewport.
            self.accessibility.extend(serious_violations(self.page))
        return path


def _phone_context(browser: Browser, locale: str | None = None) -> BrowserContext:
    # `locale` is the phone's language: Chromium sends it as Accept-Language and reports it to scripts.
    context = browser.new_context(viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True, locale=locale)
    # Offline, map tiles fail anyway (the maps stay grey, as the README says); failing them at
    # once keeps pages with a map from waiting on the network before their load event.
    context.route(re.compile(r"^https?://[a-z.]*tile\.openstreetmap\.org/"), lambda route: route.abort())
    return context


def _artifacts_folder(request: pytest.FixtureRequest) -> Path:
    return ARTIFACTS / re.sub(r"[^A-Za-z0-9_.-]+", "_", request.node.name)


@pytest.fixture(autouse=True)
def _fresh_artifacts_folder(request: pytest.FixtureRequest) -> None:
    # Screenshots of an earlier run (an old "at-failure" picture) must not pass for this run's.
    shutil.rmtree(_artifacts_folder(request), ignore_errors=True)


_CALL_FAILED = pytest.StashKey[bool]()


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo):
    report = yield
    if report.when == "call":
        item.stash[_CALL_FAILED] = report.failed
    return report


def _fail_on_violations(journeys: list[Journey]) -> None:
    found = sorted({line for each in journeys for line in each.accessibility})
    if found:
        pytest.fail("axe: serious or critical violations:\n" + "\n".join(found), pytrace=False)


def _snap_failure(request: pytest.FixtureRequest, journeys: list[Journey]) -> None:
    # A failing journey leaves a picture of where each person was when it stopped.
    if not request.node.stash.get(_CALL_FAILED, False):
        return
    for each in journeys:
        with contextlib.suppress(Exception):  # the page may be gone; the failure itself is what matters
            each.snap("at-failure")


@pytest.fixture
def journey(browser: Browser, request: pytest.FixtureRequest) -> Iterator[Journey]:
    context = _phone_context(browser)
    page = context.new_page()
    page.set_default_timeout(PAGE_TIMEOUT_MS)
    opened = Journey(page, _artifacts_folder(request))
    yield opened
    _snap_failure(request, [opened])
    context.close()
    _fail_on_violations([opened])


@pytest.fixture
def browser_of(browser: Browser, request: pytest.FixtureRequest) -> Iterator:
    """`browser_of("host")`: one person's own browser (separate cookies), a Journey in this test's folder.

    `browser_of("host", locale="de-DE")` is a phone set to that language.
    """
    counter, opened, contexts = _StepCounter(), [], []

    def open_browser(label: str, locale: str | None = None) -> Journey:
        context = _phone_context(browser, locale)
        contexts.append(context)
        page = context.new_page()
        page.set_default_timeout(PAGE_TIMEOUT_MS)
        opened.append(Journey(page, _artifacts_folder(request), label, counter))
        return opened[-1]

    yield open_browser
    _snap_failure(request, opened)
    for context in contexts:
        context.close()
    _fail_on_violations(opened)


def log_in(page: Page, live_url: str, email: str, password: str = PASSWORD) -> None:
    """Log in through the log-in form, as a person would; fails saying so when the site refuses."""
    page.goto(live_url + "/accounts/login/")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign In").click()
    expect(page, f"log-in page: {email} was not let in").not_to_have_url(re.compile(r"/accounts/login/"))
