"""The card form and the 3-D Secure page in headless Chromium, against daphne and the localstripe harness."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs

import pytest
from django.template.loader import render_to_string
from playwright.sync_api import Browser, expect

from payments import gateway
from payments.models import Payment
from payments.services import guest_payments
from tests.conftest import make_user
from tests.payments.fixtures import THREE_D_SECURE, WEBHOOK_SECRET, card
from tests.support.browser import PAGE_TIMEOUT_MS, open_chromium
from tests.support.servers import asgi_server

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture(scope="module")
def chromium() -> Iterator[Browser]:
    with open_chromium() as browser:
        yield browser


@pytest.fixture(scope="module")
def site(localstripe: str, django_db_setup, django_db_blocker) -> Iterator[str]:
    """One daphne process for this module, on the test database, talking to the session's harness."""
    with (
        django_db_blocker.unblock(),
        asgi_server(
            STRIPE_API_BASE=localstripe, STRIPE_SECRET_KEY="sk_test_browser_site", STRIPE_WEBHOOK_SECRET=WEBHOOK_SECRET
        ) as url,
    ):
        yield url


def logged_in_page(chromium: Browser, client, site: str, user):
    client.force_login(user)
    context = chromium.new_context()
    context.add_cookies([{"name": "sessionid", "value": client.cookies["sessionid"].value, "url": site}])
    page = context.new_page()
    page.set_default_timeout(PAGE_TIMEOUT_MS)
    return page


def test_guest_confirms_3d_secure_in_the_page(chromium, client, site, ledger_checked):
    guest = make_user()
    payment = guest_payments.authorize_payment(
        payer=guest, amount=4_500, currency="EUR", reference="booking:1", payment_method=card(THREE_D_SECURE)
    )
    page = logged_in_page(chromium, client, site, guest)
    page.goto(f"{site}/payments/{payment.pk}/authenticate/?next=/")
    expect(page.get_by_role("heading", name="Confirm your card")).to_be_visible()
    expect(page.get_by_text("€45.00")).to_be_visible()
    page.get_by_role("button", name="Confirm with my bank").click()
    page.get_by_role("button", name="Complete authentication").click()  # the bank's dialog
    page.wait_for_url(f"{site}/")
    expect(page.get_by_text("Your card is confirmed.")).to_be_visible()
    payment.refresh_from_db()
    assert payment.status == Payment.Status.AUTHORIZED


def test_someone_elses_3d_secure_page_is_not_found(client):
    payment = guest_payments.authorize_payment(
        payer=make_user(), amount=4_500, currency="EUR", reference="booking:1", payment_method=card(THREE_D_SECURE)
    )
    client.force_login(make_user())
    assert client.get(f"/payments/{payment.pk}/authenticate/").status_code == 404


@contextmanager
def checkout_page(html: str) -> Iterator[tuple[str, list[str]]]:
    """A page that includes the card form, served from loopback like the site; records what its form posts."""
    posted: list[str] = []

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            self._send(html)

        def do_POST(self) -> None:
            posted.append(self.rfile.read(int(self.headers["Content-Length"] or 0)).decode())
            self._send("<p>received</p>")

        def _send(self, body: str) -> None:
            self.send_response(200)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.end_headers()
            self.wfile.write(body.encode())

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}", posted
    finally:
        server.shutdown()
        server.server_close()


def test_card_form_sends_only_a_payment_method_id(chromium, site, ledger_checked):
    # The booking page (bookings issue) includes this partial; here a bare page hosts it.
    form = render_to_string("payments/_card_form.html").replace('src="/static/', f'src="{site}/static/')
    html = (
        '<!doctype html><html><body><form method="post" action="/booked">'
        f'{form}<button type="submit">Book</button></form></body></html>'
    )
    page = chromium.new_page()
    page.set_default_timeout(PAGE_TIMEOUT_MS)
    with checkout_page(html) as (url, posted):
        page.goto(url)
        expect(page.get_by_placeholder("number")).to_be_visible()  # Stripe.js mounted the card element

        page.get_by_role("button", name="Book").click()
        expect(page.get_by_role("alert")).to_have_text("Enter your card number, expiry date and security code.")
        assert posted == []

        page.get_by_placeholder("number").fill("4242424242424242")
        page.get_by_placeholder("exp_month").fill("12")
        page.get_by_placeholder("exp_year").fill("34")
        page.get_by_placeholder("cvc").fill("123")
        page.get_by_role("button", name="Book").click()
        expect(page.get_by_text("received")).to_be_visible()
    page.close()

    fields = parse_qs(posted[0])
    assert set(fields) == {"payment_method"}  # no card number reaches the site
    method_id = fields["payment_method"][0]
    assert gateway.client().v1.payment_methods.retrieve(method_id).card.last4 == "4242"
    payment = guest_payments.authorize_payment(
        payer=make_user(), amount=1_000, currency="EUR", reference="booking:2", payment_method=method_id
    )
    assert payment.status == Payment.Status.AUTHORIZED


def test_the_harness_stripe_js_leaves_the_pages_dom_names_alone(chromium, site, localstripe):
    # localstripe's script declares `class Element` at the top level; unscoped it shadowed the
    # DOM's Element and htmx (which checks `instanceof Element`) ignored every hx- attribute.
    html = f'<!doctype html><html><body><script src="{localstripe}/js.stripe.com/v3/"></script></body></html>'
    page = chromium.new_page()
    with checkout_page(html) as (url, _posted):
        page.goto(url)
        assert page.evaluate("typeof Stripe") == "function"
        assert page.evaluate("document.body instanceof Element") is True
        assert page.evaluate("typeof LOCALSTRIPE_BASE_API") == "undefined"
    page.close()
