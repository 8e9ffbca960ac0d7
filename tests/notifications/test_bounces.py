"""Bounces and complaints: the provider's webhook (django-anymail) marks an address undeliverable and email stops."""

from __future__ import annotations

import base64
import hashlib
import hmac
import http.server
import json
import threading

import pytest

from notifications.models import Delivery, UndeliverableAddress
from notifications.services import plan_deliveries, send_email
from tests.conftest import make_user
from tests.notifications.helpers import deliver, notified
from tests.test_settings import _manage

pytestmark = pytest.mark.django_db

SECRET = "provider:hook-s3cret"
POSTMARK_URL = "/webhooks/email/postmark/tracking/"
MAILGUN_URL = "/webhooks/email/mailgun/tracking/"
MAILGUN_SIGNING_KEY = "key-mailgun-signing-0123456789"


def auth(secret: str = SECRET) -> dict[str, str]:
    return {"HTTP_AUTHORIZATION": "Basic " + base64.b64encode(secret.encode()).decode()}


@pytest.fixture
def postmark(settings):
    settings.EMAIL_PROVIDER = "postmark"
    settings.ANYMAIL = {"WEBHOOK_SECRET": SECRET, "POSTMARK_SERVER_TOKEN": "server-token"}


@pytest.fixture
def mailgun(settings):
    settings.EMAIL_PROVIDER = "mailgun"
    settings.ANYMAIL = {
        "WEBHOOK_SECRET": SECRET,
        "MAILGUN_API_KEY": "key",
        "MAILGUN_WEBHOOK_SIGNING_KEY": MAILGUN_SIGNING_KEY,
    }


# Postmark's documented webhook bodies (developer docs, "Bounce webhook" and "Spam complaint webhook").
def postmark_bounce(email: str, *, kind: str = "HardBounce") -> dict:
    return {
        "RecordType": "Bounce",
        "MessageStream": "outbound",
        "ID": 4323372036854775807,
        "Type": kind,
        "TypeCode": 1 if kind == "HardBounce" else 2,
        "Name": "Hard bounce",
        "Tag": "booking.confirmed",
        "MessageID": "883953f4-6105-42a2-a16a-77a8eac79483",
        "Metadata": {},
        "ServerID": 23,
        "Description": "The server was unable to deliver your message (ex: unknown user, mailbox not found).",
        "Details": "smtp;550 5.1.1 The email account that you tried to reach does not exist.",
        "Email": email,
        "From": "no-reply@sharing.example.com",
        "BouncedAt": "2026-12-05T06:33:54.9070259Z",
        "DumpAvailable": True,
        "Inactive": True,
        "CanActivate": True,
        "Subject": "Your booking is confirmed",
        "Content": "",
    }


def postmark_complaint(email: str) -> dict:
    return {
        "RecordType": "SpamComplaint",
        "MessageStream": "outbound",
        "ID": 42,
        "Type": "SpamComplaint",
        "TypeCode": 512,
        "Name": "Spam complaint",
        "Tag": "message.received",
        "MessageID": "00000000-0000-0000-0000-000000000000",
        "Metadata": {},
        "ServerID": 1234,
        "Description": "",
        "Details": "Test spam complaint details",
        "Email": email,
        "From": "no-reply@sharing.example.com",
        "BouncedAt": "2026-12-05T06:33:54.9070259Z",
        "DumpAvailable": True,
        "Inactive": True,
        "CanActivate": False,
        "Subject": "New message",
        "Content": "",
    }


def postmark_delivered(email: str) -> dict:
    return {
        "RecordType": "Delivery",
        "ServerID": 23,
        "MessageStream": "outbound",
        "MessageID": "00000000-0000-0000-0000-000000000001",
        "Recipient": email,
        "Tag": "booking.confirmed",
        "DeliveredAt": "2026-12-05T06:34:52Z",
        "Details": "Test delivery webhook details",
        "Metadata": {},
    }


def mailgun_failed(email: str, *, severity: str = "permanent", signing_key: str = MAILGUN_SIGNING_KEY) -> dict:
    """Mailgun's JSON event webhook ("failed"), signed as Mailgun signs: HMAC-SHA256 of timestamp + token."""
    timestamp, token = "1796452434", "a8ce0edb2dd8301dee6c2405235584e45aa91d1e9f979f3de0"
    signature = hmac.new(signing_key.encode(), f"{timestamp}{token}".encode(), hashlib.sha256).hexdigest()
    return {
        "signature": {"timestamp": timestamp, "token": token, "signature": signature},
        "event-data": {
            "event": "failed",
            "severity": severity,
            "reason": "bounce" if severity == "permanent" else "generic",
            "id": "G9Bn5sl1TC6nu79C8C0bwg",
            "timestamp": 1796452434.375624,
            "log-level": "error",
            "recipient": email,
            "recipient-domain": email.split("@")[1],
            "message": {
                "headers": {
                    "to": email,
                    "message-id": "20261205063354.1.ABCDEF@mg.sharing.example.com",
                    "from": "no-reply@sharing.example.com",
                    "subject": "Your booking is confirmed",
                },
                "attachments": [],
                "size": 111,
            },
            "delivery-status": {
                "code": 550,
                "message": "5.1.1 The email account that you tried to reach does not exist",
                "description": "",
                "attempt-no": 1,
                "session-seconds": 0.4,
            },
            "tags": [],
            "user-variables": {},
            "flags": {"is-routed": False, "is-authenticated": True, "is-system-test": False, "is-test-mode": False},
        },
    }


def post(client, url: str, body: dict | str, **headers):
    data = body if isinstance(body, str) else json.dumps(body)
    return client.post(url, data=data, content_type="application/json", **headers)


def test_a_hard_bounce_marks_the_address_and_email_to_it_stops(client, postmark, smtp):
    person = make_user("Bounce.Me@Example.com")
    response = post(client, POSTMARK_URL, postmark_bounce("bounce.me@example.com"), **auth())
    assert response.status_code == 200
    record = UndeliverableAddress.objects.get()
    assert (record.email, record.reason, record.provider) == ("bounce.me@example.com", "bounced", "Postmark")
    assert "does not exist" in record.detail

    [notification] = notified([person], "booking.confirmed")
    [delivery] = deliver([notification])
    assert delivery.status == Delivery.Status.SKIPPED
    assert "bounced" in delivery.last_error and "bounce.me@example.com" in delivery.last_error
    assert smtp.messages == []
    assert person.notifications.count() == 1  # the bell still tells them


def test_a_bounce_after_the_email_was_planned_stops_it_before_sending(client, postmark, smtp):
    person = make_user()
    [notification] = notified([person], "booking.confirmed")
    [delivery] = plan_deliveries(notification_ids=[notification.pk])
    assert post(client, POSTMARK_URL, postmark_bounce(person.email), **auth()).status_code == 200
    assert send_email(delivery_id=delivery.pk) == Delivery.Status.SKIPPED
    assert smtp.messages == []


def test_a_spam_complaint_marks_the_address_and_stops_even_required_mail(client, postmark, smtp):
    person = make_user()
    assert post(client, POSTMARK_URL, postmark_complaint(person.email), **auth()).status_code == 200
    assert UndeliverableAddress.objects.get().reason == "complained"
    [delivery] = deliver(notified([person], "booking.requested"))  # a deadline mail
    assert delivery.status == Delivery.Status.SKIPPED
    assert smtp.messages == []


def test_deliveries_and_transient_bounces_change_nothing(client, postmark, smtp):
    person = make_user()
    assert post(client, POSTMARK_URL, postmark_delivered(person.email), **auth()).status_code == 200
    assert post(client, POSTMARK_URL, postmark_bounce(person.email, kind="Transient"), **auth()).status_code == 200
    assert not UndeliverableAddress.objects.exists()
    [delivery] = deliver(notified([person], "booking.confirmed"))
    assert delivery.status == Delivery.Status.SENT
    assert len(smtp.to(person.email)) == 1


@pytest.mark.parametrize("headers", [{}, auth("provider:wrong"), auth("someone:" + SECRET.split(":")[1])])
def test_a_webhook_without_the_right_basic_auth_is_refused_and_changes_nothing(client, postmark, headers):
    person = make_user()
    response = post(client, POSTMARK_URL, postmark_bounce(person.email), **headers)
    assert response.status_code == 400
    assert not UndeliverableAddress.objects.exists()


@pytest.mark.parametrize("body", ["{not json", "[]", json.dumps("a bounce"), json.dumps({"Type": 3, "RecordType": []})])
def test_an_unreadable_webhook_body_is_a_400_not_a_500(client, postmark, body):
    response = post(client, POSTMARK_URL, body, **auth())
    assert response.status_code == 400
    assert not UndeliverableAddress.objects.exists()


def test_the_webhook_exists_only_for_the_configured_provider_with_a_secret(client, settings, postmark):
    person = make_user()
    assert post(client, MAILGUN_URL, postmark_bounce(person.email), **auth()).status_code == 404
    assert post(client, "/webhooks/email/smtp/tracking/", postmark_bounce(person.email), **auth()).status_code == 404
    settings.ANYMAIL = {"POSTMARK_SERVER_TOKEN": "server-token"}  # no WEBHOOK_SECRET: nobody may post
    assert post(client, POSTMARK_URL, postmark_bounce(person.email)).status_code == 404
    settings.EMAIL_PROVIDER = ""
    assert post(client, POSTMARK_URL, postmark_bounce(person.email), **auth()).status_code == 404
    assert not UndeliverableAddress.objects.exists()


def test_a_signed_mailgun_permanent_failure_marks_the_address(client, mailgun):
    person = make_user()
    assert post(client, MAILGUN_URL, mailgun_failed(person.email), **auth()).status_code == 200
    record = UndeliverableAddress.objects.get()
    assert (record.email, record.reason, record.provider) == (person.email, "bounced", "Mailgun")
    assert "5.1.1" in record.detail


def test_a_mailgun_event_with_a_forged_signature_is_refused(client, mailgun):
    person = make_user()
    forged = mailgun_failed(person.email, signing_key="not-the-key")
    assert post(client, MAILGUN_URL, forged, **auth()).status_code == 400
    assert not UndeliverableAddress.objects.exists()


def test_a_mailgun_temporary_failure_changes_nothing(client, mailgun):
    person = make_user()
    assert post(client, MAILGUN_URL, mailgun_failed(person.email, severity="temporary"), **auth()).status_code == 200
    assert not UndeliverableAddress.objects.exists()


def test_mailgun_without_its_signing_key_has_no_webhook(client, settings, mailgun):
    settings.ANYMAIL = {"WEBHOOK_SECRET": SECRET}  # neither a signing key nor an API key to fall back on
    person = make_user()
    assert post(client, MAILGUN_URL, mailgun_failed(person.email), **auth()).status_code == 404
    assert not UndeliverableAddress.objects.exists()


def test_the_settings_page_shows_a_bounce_and_trying_again_resumes_email(client, postmark, smtp):
    person = make_user()
    post(client, POSTMARK_URL, postmark_bounce(person.email), **auth())
    client.force_login(person)
    page = client.get("/settings/notifications/").content.decode()
    assert f"Our emails to {person.email} are bouncing" in page
    assert 'href="/accounts/email/"' in page and "Try this address again" in page

    response = client.post("/settings/notifications/", {"address": "try-again"}, follow=True)
    assert "We will email you at this address again." in response.content.decode()
    assert "are bouncing" not in response.content.decode()
    assert not UndeliverableAddress.objects.exists()
    [delivery] = deliver(notified([person], "booking.confirmed"))
    assert delivery.status == Delivery.Status.SENT
    assert len(smtp.to(person.email)) == 1


def test_the_settings_page_says_how_to_undo_a_complaint(client, postmark):
    person = make_user()
    post(client, POSTMARK_URL, postmark_complaint(person.email), **auth())
    client.force_login(person)
    page = client.get("/settings/notifications/").content.decode()
    assert "was marked as spam" in page and "Send me email again" in page


def test_a_person_whose_address_is_fine_sees_no_warning_and_cannot_clear_anothers(client, postmark):
    bounced, other = make_user(), make_user()
    post(client, POSTMARK_URL, postmark_bounce(bounced.email), **auth())
    client.force_login(other)
    assert "undeliverable-address" not in client.get("/settings/notifications/").content.decode()
    client.post("/settings/notifications/", {"address": "try-again"})
    assert UndeliverableAddress.objects.filter(email=bounced.email).exists()


def test_changing_to_a_new_address_is_a_fresh_start(client, postmark, smtp):
    person = make_user()
    post(client, POSTMARK_URL, postmark_bounce(person.email), **auth())
    person.email = "new.address@example.com"
    person.save(update_fields=["email"])
    [delivery] = deliver(notified([person], "booking.confirmed"))
    assert delivery.status == Delivery.Status.SENT
    assert len(smtp.to("new.address@example.com")) == 1


def test_staff_see_undeliverable_addresses_with_their_owner_and_can_clear_them(client, postmark):
    person = make_user(display_name="Bea Bounce")
    post(client, POSTMARK_URL, postmark_bounce(person.email), **auth())
    client.force_login(make_user(is_staff=True, is_superuser=True))
    listing = client.get("/admin/notifications/undeliverableaddress/").content.decode()
    assert person.email in listing and "Bounced" in listing and str(person) in listing
    record = UndeliverableAddress.objects.get()
    client.post(
        "/admin/notifications/undeliverableaddress/",
        {"action": "clear", "_selected_action": [record.pk]},
    )
    assert not UndeliverableAddress.objects.exists()


def test_the_provider_backend_is_chosen_by_the_environment():
    script = "from django.conf import settings; print(settings.EMAIL_BACKEND, sorted(settings.ANYMAIL))"
    result = _manage(
        "shell",
        "-v",
        "0",
        "-c",
        script,
        EMAIL_PROVIDER="postmark",
        ANYMAIL_POSTMARK_SERVER_TOKEN="t",
        ANYMAIL_WEBHOOK_SECRET="a:b",
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == [
        "anymail.backends.postmark.EmailBackend",
        "['POSTMARK_SERVER_TOKEN',",
        "'WEBHOOK_SECRET']",
    ]
    refused = _manage("check", EMAIL_PROVIDER="carrier-pigeon")
    assert refused.returncode != 0
    assert refused.stderr.strip().startswith("Configuration error: EMAIL_PROVIDER must be one of")


class _PostmarkStandIn(http.server.BaseHTTPRequestHandler):
    """Postmark's send API as its docs show it: 200 with a MessageID, or 422 ErrorCode 406 for an inactive address."""

    received: list[dict] = []
    inactive: set[str] = set()

    def do_POST(self) -> None:
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        type(self).received.append({"path": self.path, "token": self.headers.get("X-Postmark-Server-Token"), **body})
        if body["To"] in self.inactive:
            status, answer = (
                422,
                {
                    "ErrorCode": 406,
                    "Message": f"You tried to send to recipient(s) that have been marked as inactive. "
                    f"Found inactive addresses: {body['To']}. Inactive recipients are ones that have generated a hard "
                    "bounce, a spam complaint, or a manual suppression.",
                },
            )
        else:
            status, answer = (
                200,
                {
                    "To": body["To"],
                    "SubmittedAt": "2026-12-05T06:40:00.0000000Z",
                    "MessageID": "b7bc2f4a-e38e-4336-af7d-e6c392c2f817",
                    "ErrorCode": 0,
                    "Message": "OK",
                },
            )
        data = json.dumps(answer).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def postmark_api(settings, postmark):
    _PostmarkStandIn.received, _PostmarkStandIn.inactive = [], set()
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _PostmarkStandIn)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    settings.EMAIL_BACKEND = "anymail.backends.postmark.EmailBackend"
    settings.ANYMAIL = {**settings.ANYMAIL, "POSTMARK_API_URL": f"http://127.0.0.1:{server.server_address[1]}/"}
    yield _PostmarkStandIn
    server.shutdown()
    server.server_close()


def test_email_goes_through_the_providers_api_with_its_headers(postmark_api):
    person = make_user()
    [delivery] = deliver(notified([person], "review.can_write"))
    assert delivery.status == Delivery.Status.SENT
    [sent] = postmark_api.received
    assert (sent["path"], sent["token"], sent["To"]) == ("/email", "server-token", person.email)
    headers = {h["Name"]: h["Value"] for h in sent["Headers"]}
    assert headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert "Write a review" in sent["HtmlBody"] and "Write a review" in sent["TextBody"]


def test_an_address_the_provider_refuses_fails_for_good_and_others_still_get_mail(postmark_api):
    refused, other = make_user(), make_user()
    postmark_api.inactive.add(refused.email)
    [failed] = deliver(notified([refused], "booking.confirmed"))
    assert failed.status == Delivery.Status.FAILED and failed.attempts == 1
    assert "rejected" in failed.last_error
    assert UndeliverableAddress.objects.get().email == refused.email  # the person is told on their settings page
    [sent] = deliver(notified([other], "booking.confirmed"))
    assert sent.status == Delivery.Status.SENT
