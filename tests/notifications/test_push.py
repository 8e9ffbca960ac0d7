"""Web Push against a local push-service stand-in that decrypts each payload with the device's keys."""

from __future__ import annotations

import base64
import json
import os
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from io import StringIO

import http_ece
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from django.core.management import call_command

from notifications.management.commands.generate_vapid_keys import new_vapid_keys
from notifications.models import Delivery, PushSubscription
from notifications.push import subscribe
from tests.conftest import make_user
from tests.notifications.helpers import deliver, notified

pytestmark = pytest.mark.django_db


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


class PushService:
    """Records each push it is sent; a path listed in `answers` gets that status instead of 201."""

    def __init__(self) -> None:
        self.received: list[tuple[str, dict, bytes]] = []
        self.answers: dict[str, int] = {}
        service = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                service.received.append((self.path, dict(self.headers), body))
                self.send_response(service.answers.get(self.path, 201))
                self.end_headers()

            def log_message(self, *args) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()


class Device:
    """A browser's push subscription: its own key pair and auth secret, used to decrypt what it receives."""

    def __init__(self, service: PushService, path: str) -> None:
        self.private_key = ec.generate_private_key(ec.SECP256R1())
        self.auth = os.urandom(16)
        self.endpoint = service.url + path
        self.p256dh = b64url(
            self.private_key.public_key().public_bytes(
                serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint
            )
        )

    def subscribe(self, user) -> PushSubscription:
        return subscribe(user=user, endpoint=self.endpoint, p256dh=self.p256dh, auth=b64url(self.auth))

    def decrypt(self, body: bytes) -> dict:
        clear = http_ece.decrypt(body, private_key=self.private_key, auth_secret=self.auth, version="aes128gcm")
        return json.loads(clear)


@pytest.fixture
def push_service(settings):
    settings.WEBPUSH_VAPID_PRIVATE_KEY, settings.WEBPUSH_VAPID_PUBLIC_KEY = new_vapid_keys()
    service = PushService()
    yield service
    service.server.shutdown()


def test_a_push_is_encrypted_for_the_device_and_carries_the_bells_title_and_link(push_service):
    person = make_user()
    device = Device(push_service, "/device/1")
    device.subscribe(person)
    [notification] = notified(
        [person], "booking.confirmed", {"title": "Your booking is confirmed", "url": "/bookings/7/"}
    )
    deliveries = deliver([notification])
    assert {d.channel: d.status for d in deliveries} == {"email": "sent", "push": "sent"}

    [(path, headers, body)] = push_service.received
    assert path == "/device/1"
    assert {k.lower(): v for k, v in headers.items()}["content-encoding"] == "aes128gcm"
    assert {k.lower(): v for k, v in headers.items()}["authorization"].startswith("vapid t=")
    assert b"Your booking" not in body  # encrypted on the wire
    assert device.decrypt(body) == {
        "id": notification.pk,
        "kind": "booking.confirmed",
        "title": "Your booking is confirmed",
        "url": "/bookings/7/",
    }


def test_every_device_of_the_person_gets_the_push(push_service):
    person = make_user()
    phone, laptop = Device(push_service, "/phone"), Device(push_service, "/laptop")
    phone.subscribe(person)
    laptop.subscribe(person)
    deliver(notified([person], "dispatch.assigned"))
    assert sorted(path for path, _, _ in push_service.received) == ["/laptop", "/phone"]


def test_a_device_the_push_service_says_is_gone_is_deleted(push_service):
    person = make_user()
    gone, kept = Device(push_service, "/gone"), Device(push_service, "/kept")
    gone.subscribe(person)
    kept.subscribe(person)
    push_service.answers["/gone"] = 410
    [push] = [d for d in deliver(notified([person], "dispatch.assigned")) if d.channel == "push"]
    assert push.status == Delivery.Status.SENT
    assert list(PushSubscription.objects.values_list("endpoint", flat=True)) == [kept.endpoint]


def test_a_failing_push_service_is_retried_later(push_service):
    person = make_user()
    device = Device(push_service, "/busy")
    device.subscribe(person)
    push_service.answers["/busy"] = 503
    [push] = deliver(notified([person], "dispatch.assigned"))
    assert push.status == Delivery.Status.PENDING
    assert push.attempts == 1 and "503" in push.last_error
    assert PushSubscription.objects.exists()


def test_no_push_for_a_kind_turned_off_or_without_push(push_service):
    from notifications.services import set_preference

    person = make_user()
    Device(push_service, "/d").subscribe(person)
    set_preference(user=person, kind="message.new", channel="push", enabled=False)
    assert [d.channel for d in deliver(notified([person], "message.new", {"thread_id": 3}))] == ["email"]
    assert [d.channel for d in deliver(notified([person], "account.suspended"))] == ["email"]
    assert push_service.received == []


def test_a_device_subscribes_through_the_api(push_service, client):
    person = make_user()
    client.force_login(person)
    key = client.get("/api/v1/notification-settings/push/key").json()
    assert key["enabled"] is True and len(base64.urlsafe_b64decode(key["public_key"] + "==")) == 65
    device = Device(push_service, "/api-device")
    body = {"endpoint": device.endpoint, "keys": {"p256dh": device.p256dh, "auth": b64url(device.auth)}}
    assert client.post("/api/v1/notification-settings/push/subscriptions", body, "application/json").status_code == 201
    assert PushSubscription.objects.get().user == person
    refused = client.post(
        "/api/v1/notification-settings/push/subscriptions",
        {**body, "endpoint": "http://evil.example/push"},
        "application/json",
    )
    assert refused.status_code == 400


def test_the_service_worker_is_served_from_the_root(client):
    page = client.get("/sw.js")
    assert page.status_code == 200
    assert page["Content-Type"] == "application/javascript"
    assert b"showNotification" in page.content


def test_generate_vapid_keys_prints_a_usable_pair():
    out = StringIO()
    call_command("generate_vapid_keys", stdout=out)
    lines = dict(line.split("=", 1) for line in out.getvalue().split())
    assert set(lines) == {"WEBPUSH_VAPID_PRIVATE_KEY", "WEBPUSH_VAPID_PUBLIC_KEY"}
    assert len(base64.urlsafe_b64decode(lines["WEBPUSH_VAPID_PRIVATE_KEY"] + "==")) == 32
