"""Issue 18 in a real Chromium: people who are not on the site are reached by email and by Web Push.

1. The host has no page open; a guest asks for dates. A real worker process sends the host the
   email through a real SMTP server on loopback (aiosmtpd). The host opens its link in a browser
   where nobody is logged in, is asked to log in, lands on the request and accepts; the guest,
   logged in on their own phone, opens the "confirmed" email's link and lands on the booking.
2. A person turns on push from the bell's menu; the page's script registers the service worker
   and posts the subscription; the worker process encrypts a push for it to a push-service
   stand-in, which decrypts it with the device's keys; the payload is handed to the real service
   worker, which shows it as a system notification.

Chromium's own push service is Google's (FCM), which cannot be reached here: with the permission
granted (CDP), `pushManager.subscribe` waits forever for it. So the one stand-in in journey 2 is
`PushManager.subscribe`, answering with a subscription at the local push service (keys the test
holds); everything around it (permission, service worker, the bell's script, the API, encryption,
VAPID, the worker's `push` handler) is the real thing.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
import time

from django.conf import settings
from django.utils import timezone
from playwright.sync_api import Page, expect

from bookings.models import Booking, BookingStatus
from notifications.bounces import mark_undeliverable
from notifications.models import Delivery, PushSubscription, UndeliverableAddress
from realtime import notify
from tests.bookings.factories import request_room
from tests.conftest import PASSWORD, make_user
from tests.e2e.conftest import E2E_PUSH, E2E_STRIPE, log_in
from tests.e2e.people import off_the_browser_thread
from tests.e2e.test_journey_host_lists_guest_books import stay_ahead
from tests.listings.factories import make_listing
from tests.notifications.test_push import Device, PushService, b64url
from tests.support.browser import PAGE_TIMEOUT_MS
from tests.support.servers import child_environment
from tests.support.smtp import Mailbox


def run_worker(live_url: str, localstripe: str, smtp: Mailbox) -> None:
    """One pass of the real task worker, as its own process (`manage.py db_worker --batch`), sending by SMTP."""
    env = child_environment(
        SITE_URL=live_url,
        EMAIL_HOST="127.0.0.1",
        EMAIL_PORT=str(smtp.port),
        EMAIL_USE_TLS="false",
        STRIPE_API_BASE=localstripe,
        **E2E_STRIPE,
        **E2E_PUSH,
    )
    command = ["manage.py", "db_worker", "--batch", "--no-startup-delay", "--no-reload", "--interval", "0"]
    done = subprocess.run(
        [sys.executable, *command], cwd=settings.BASE_DIR, env=env, capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stdout + done.stderr


def sign_in_here(page: Page, email: str) -> None:
    """On the log-in page the site sent us to: fill it in and submit."""
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign In").click()


def test_an_offline_host_follows_the_emails_link_logs_in_and_accepts_and_the_guest_follows_theirs(
    live_url, localstripe, browser_of, smtp, ledger_checked
):
    host = make_user("olga.offline@example.com", display_name="Olga Offline")
    guest = make_user("gil.guest@example.com", display_name="Gil Guest")
    listing = make_listing(owner=host, title="Quiet room by the canal", unit_price=8500, fee_amount=2000)
    check_in, check_out = stay_ahead(3)
    booking = off_the_browser_thread(
        lambda: request_room(listing=listing, guest=guest, check_in=check_in, check_out=check_out, now=timezone.now())
    )
    assert smtp.to(host.email) == []  # the request itself sends nothing; the worker does

    run_worker(live_url, localstripe, smtp)
    request_mail = smtp.wait_for(host.email)
    assert "answer within 24 hours" in request_mail["Subject"]
    link = smtp.link_in(request_mail, r"/bookings/\d+/$")
    assert link == f"{live_url}/bookings/{booking.pk}/"

    # The host reads it on a phone where nobody is logged in: the link asks them to, then leads on.
    host_tab = browser_of("host")
    host_tab.page.goto(link)
    expect(host_tab.page, "the email's link did not ask a logged-out host to log in").to_have_url(
        re.compile(rf"/accounts/login/\?next=/bookings/{booking.pk}/$")
    )
    host_tab.snap("emails-link-asks-to-log-in")
    sign_in_here(host_tab.page, host.email)
    expect(host_tab.page, "after logging in, the host was not taken to the request").to_have_url(link)
    expect(host_tab.page.locator("h1")).to_contain_text("Quiet room by the canal")
    host_tab.snap("the-request-from-the-email")
    host_tab.page.get_by_role("button", name="Accept").click()
    expect(host_tab.page.locator("h1 .booking-status"), "not confirmed after Accept").to_have_text("Confirmed")
    host_tab.snap("accepted")

    # The guest, logged in on their own phone, opens the confirmation mail and lands on the booking.
    guest_tab = browser_of("guest")
    log_in(guest_tab.page, live_url, guest.email)
    run_worker(live_url, localstripe, smtp)
    confirmed_mail = smtp.wait_for(guest.email)
    assert "confirmed" in confirmed_mail["Subject"].lower()
    guest_link = smtp.link_in(confirmed_mail, r"/bookings/\d+/$")
    guest_tab.page.goto(guest_link)
    expect(guest_tab.page, "a logged-in guest was not taken straight to the booking").to_have_url(link)
    expect(guest_tab.page.locator("h1 .booking-status")).to_have_text("Confirmed")
    guest_tab.snap("confirmed-booking-from-the-email")

    assert Booking.objects.get(pk=booking.pk).status == BookingStatus.CONFIRMED
    sent = Delivery.objects.filter(channel="email", status=Delivery.Status.SENT)
    # The host: the request. The guest: the confirmation, and the receipt of the card's charge (receipts app).
    assert sorted(sent.values_list("recipient__email", "kind")) == [
        (guest.email, "booking.confirmed"),
        (guest.email, "document.issued"),
        (host.email, "booking.requested"),
    ]
    assert len(smtp.to(host.email)) == 1 and len(smtp.to(guest.email)) == 2  # once each, no duplicates


# Replaces only the browser's call to its push service (see the module's docstring) and keeps what the page
# passed, so the test can check the page subscribed with the site's VAPID key.
STAND_IN_SUBSCRIBE = """
(function (device) {
  // Kept in localStorage, as a browser keeps its subscription across page loads.
  function subscription() {
    return { endpoint: device.endpoint, toJSON: function () {
      return { endpoint: device.endpoint, expirationTime: null, keys: { p256dh: device.p256dh, auth: device.auth } };
    }, unsubscribe: function () { localStorage.removeItem("standInSubscribed"); return Promise.resolve(true); } };
  }
  PushManager.prototype.subscribe = function (options) {
    var key = new Uint8Array(options.applicationServerKey), text = "";
    for (var i = 0; i < key.length; i++) { text += String.fromCharCode(key[i]); }
    window.subscribedWith = { userVisibleOnly: options.userVisibleOnly,
      key: btoa(text).replace(/\\+/g, "-").replace(/\\//g, "_").replace(/=+$/, "") };
    localStorage.setItem("standInSubscribed", "1");
    return Promise.resolve(subscription());
  };
  PushManager.prototype.getSubscription = function () {
    return Promise.resolve(localStorage.getItem("standInSubscribed") ? subscription() : null);
  };
})(%s);
"""


def service_worker_registration(page: Page, cdp, timeout: float = 10.0) -> str:
    """The id of the page's service worker registration, from CDP's events (delivered while Playwright waits)."""
    registrations: list[dict] = []
    cdp.on("ServiceWorker.workerRegistrationUpdated", lambda event: registrations.extend(event["registrations"]))
    cdp.send("ServiceWorker.enable")
    deadline = time.monotonic() + timeout
    while not [r for r in registrations if not r["isDeleted"]]:
        assert time.monotonic() < deadline, "no service worker registered"
        page.wait_for_timeout(100)
    return [r for r in registrations if not r["isDeleted"]][-1]["registrationId"]


def test_push_is_turned_on_from_the_bell_and_a_notification_reaches_the_service_worker(
    live_url, localstripe, journey, smtp
):
    person = make_user("pia.push@example.com", display_name="Pia Push")
    service = PushService()
    device = Device(service, "/devices/pia-phone")
    page = journey.page
    page.context.grant_permissions(["notifications"], origin=live_url)
    page.add_init_script(
        STAND_IN_SUBSCRIBE
        % json.dumps({"endpoint": device.endpoint, "p256dh": device.p256dh, "auth": b64url(device.auth)})
    )
    log_in(page, live_url, person.email)
    page.locator("label.nav-toggle-label").click()  # the phone layout folds the menu, bell included
    page.locator(".rt-bell-button").click()
    turn_on = page.get_by_role("button", name="Turn on notifications on this device")
    expect(turn_on, "the bell's menu offers no push").to_be_visible()
    journey.snap("bell-menu-offers-push")
    turn_on.click()
    status = page.locator("#notifications-bell .rt-push [role=status]")
    expect(status, "the bell's menu did not say push is on").to_have_text("Notifications are on for this device.")
    journey.snap("push-on-for-this-device")
    assert page.evaluate("window.subscribedWith") == {
        "userVisibleOnly": True,
        "key": E2E_PUSH["WEBPUSH_VAPID_PUBLIC_KEY"],
    }
    subscription = PushSubscription.objects.get(user=person)
    assert (subscription.endpoint, subscription.p256dh) == (device.endpoint, device.p256dh)

    # Something happens while the person is away: the worker process pushes it, encrypted, to the device.
    off_the_browser_thread(
        lambda: notify([person], "booking.confirmed", {"title": "Your stay is confirmed", "url": "/bookings/trips/"})
    )
    run_worker(live_url, localstripe, smtp)
    [(path, headers, body)] = service.received
    assert path == "/devices/pia-phone"
    vapid = {k.lower(): v for k, v in headers.items()}["authorization"]
    assert vapid.startswith("vapid t=") and vapid.endswith("k=" + E2E_PUSH["WEBPUSH_VAPID_PUBLIC_KEY"])
    payload = device.decrypt(body)
    assert (payload["title"], payload["url"]) == ("Your stay is confirmed", "/bookings/trips/")
    assert payload["id"], "the worker tags a notification with its id, so a push handed twice shows once"

    # What the push service would hand the browser goes to the site's real service worker, which shows it.
    # A push reaches only an activated worker (Chromium drops it while the worker is still installing, as
    # happened once on a loaded CI machine), so wait for it, and hand the push again until it shows: the
    # payload's id is the notification's tag, so a second delivery replaces the first rather than adding one.
    cdp = page.context.new_cdp_session(page)
    registration = service_worker_registration(page, cdp)
    page.evaluate("navigator.serviceWorker.ready.then(r => r.active.state)")
    shown: list = []
    deadline = time.monotonic() + PAGE_TIMEOUT_MS / 1000
    next_delivery = 0.0
    while not shown and time.monotonic() < deadline:
        if time.monotonic() >= next_delivery:
            cdp.send(
                "ServiceWorker.deliverPushMessage",
                {"origin": live_url, "registrationId": registration, "data": json.dumps(payload)},
            )
            next_delivery = time.monotonic() + 2.0
        shown = page.evaluate(
            "navigator.serviceWorker.ready.then(r => r.getNotifications())"
            ".then(list => list.map(n => [n.title, n.data.url]))"
        )
        page.wait_for_timeout(100)
    assert shown == [["Your stay is confirmed", "/bookings/trips/"]]

    # The site dropped the device (its push service answered 410 once): the next visit tells the site again.
    PushSubscription.objects.filter(user=person).delete()
    page.reload()
    deadline = time.monotonic() + PAGE_TIMEOUT_MS / 1000
    while not PushSubscription.objects.filter(user=person, endpoint=device.endpoint).exists():
        assert time.monotonic() < deadline, "the page did not send its subscription again"
        page.wait_for_timeout(100)

    # And off again, from the same menu.
    page.locator("label.nav-toggle-label").click()
    page.locator(".rt-bell-button").click()
    page.get_by_role("button", name="Turn off notifications on this device").click()
    expect(page.get_by_role("button", name="Turn on notifications on this device")).to_be_visible()
    assert not PushSubscription.objects.filter(user=person).exists()
    service.server.shutdown()


def test_a_person_whose_email_bounced_sees_why_on_their_settings_page_and_tries_again(live_url, journey):
    person = make_user("bea.bounce@example.com", display_name="Bea Bounce")
    mark_undeliverable(
        email=person.email,
        reason=UndeliverableAddress.Reason.BOUNCED,
        provider="Postmark",
        detail="smtp;550 5.1.1 The email account that you tried to reach does not exist.",
    )
    page = journey.page
    log_in(page, live_url, person.email)
    page.goto(live_url + "/settings/notifications/")
    warning = page.locator("#undeliverable-address")
    expect(warning, "no warning about the bouncing address").to_contain_text(
        "Our emails to bea.bounce@example.com are bouncing."
    )
    expect(warning.get_by_role("link", name="change your email address")).to_have_attribute("href", "/accounts/email/")
    journey.snap("settings-say-the-address-bounces")
    warning.get_by_role("button", name="Try this address again").click()
    expect(page.get_by_text("We will email you at this address again.")).to_be_visible()
    expect(page.locator("#undeliverable-address")).to_have_count(0)
    journey.snap("address-tried-again")
    assert not UndeliverableAddress.objects.exists()
