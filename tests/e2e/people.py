"""The people of the journeys: accounts that can log in, logging in through the site's own form, one tab each."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from functools import cache
from pathlib import Path
from typing import TypeVar
from urllib.parse import urlencode

from django.conf import settings
from django.contrib.auth.hashers import make_password
from django.contrib.auth.models import Group
from django.db import connections
from playwright.sync_api import Browser, Page, expect

from accounts.models import User
from disputes.roles import SUPPORT_GROUP
from payments.models import PayoutAccount
from payments.services import payout_accounts
from tests.conftest import PASSWORD, make_user
from tests.payments.fixtures import onboard
from tests.support.browser import PAGE_TIMEOUT_MS

T = TypeVar("T")

PHONE = {"viewport": {"width": 390, "height": 844}, "is_mobile": True, "has_touch": True}
DESKTOP = {"viewport": {"width": 1280, "height": 900}}


@cache
def _password_hash() -> str:
    # The server checks passwords with the production hasher (about a second per hash on a busy
    # 2-core machine): hash the shared test password once per process, not once per person.
    return make_password(PASSWORD)


def person(email: str, **fields: object) -> User:
    """A verified account whose password is PASSWORD under the production hasher."""
    user = make_user(email, password=None, **fields)
    user.password = _password_hash()
    user.save(update_fields=["password"])
    return user


def support_person(email: str, **fields: object) -> User:
    """A staff member of Sharing's support group: works the dispute desk."""
    staff = person(email, is_staff=True, **fields)
    staff.groups.add(Group.objects.get(name=SUPPORT_GROUP))
    return staff


def host_who_can_be_paid(email: str, **fields: object) -> User:
    """A host who finished Stripe Connect onboarding on the harness, so released payouts really transfer."""
    host = person(email, **{"country": "FR", **fields})
    payout_accounts.start_payout_onboarding(
        host=host, refresh_url="http://testserver/r", return_url="http://testserver/ok"
    )
    account = PayoutAccount.objects.get(host=host)
    onboard(settings.STRIPE_API_BASE, account.stripe_account_id)
    payout_accounts.refresh_payout_account(stripe_account_id=account.stripe_account_id)
    return host


def log_in(page: Page, live_url: str, email: str, *, then: str = "/", password: str = PASSWORD) -> None:
    """Log `email` in with the log-in form and land on `then` (the page that asked them to log in).

    Whoever was logged in before in this tab is logged out first.
    """
    # A fresh cookie jar is a fresh visitor: the next person does not inherit the last one's session.
    page.context.clear_cookies()
    open_page(page, live_url, f"/accounts/login/?{urlencode({'next': then})}")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign In").click()
    # Staying on the log-in page means the form refused them (and the page says why).
    expect(page, f"/accounts/login/ did not let {email} in and on to {then}").to_have_url(live_url + then)
    # The URL changes when the next page starts arriving; its deferred scripts (the range calendar, the map)
    # have run only once it has loaded, and a click before that is lost (seen on a loaded CI machine).
    page.wait_for_load_state("load")


@contextmanager
def own_tab(browser: Browser, live_url: str, user: User, *, then: str = "/", device: dict = PHONE) -> Iterator[Page]:
    """Another person at their own device (own cookies), logged in through the form, closed afterwards."""
    context = browser.new_context(**device)
    page = context.new_page()
    page.set_default_timeout(PAGE_TIMEOUT_MS)
    try:
        log_in(page, live_url, user.email, then=then)
        yield page
    finally:
        context.close()


def open_page(page: Page, live_url: str, path: str) -> None:
    """Go to `path`, failing with the address and the status when the site does not answer 200."""
    response = page.goto(live_url + path)
    status = response.status if response is not None else None
    assert status == 200, f"{path} answered {status}"


def snap(journey, page: Page, step: str) -> Path:
    """The journey's screenshot of another person's tab (numbered in the same sequence)."""
    own = journey.page
    journey.page = page
    try:
        return journey.snap(step)
    finally:
        journey.page = own


def off_the_browser_thread(work: Callable[[], T]) -> T:
    """Run `work` (a factory, a booking task) in its own thread, as the worker process would.

    Playwright's sync API keeps an event loop running in the test's thread, where the channel
    layer's async_to_sync refuses to run: the notifications those writes send after commit
    would be stored but never pushed. A plain thread has no loop, so they go out as in production.
    """

    def run() -> T:
        try:
            return work()
        finally:
            connections.close_all()

    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(run).result()
