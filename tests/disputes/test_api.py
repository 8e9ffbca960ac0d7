"""The disputes API: the parties open and read disputes; strangers get 404; refusals are JSON with a message."""

from __future__ import annotations

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from disputes.models import Dispute, DisputeEvidence
from tests.conftest import make_user
from tests.disputes.helpers import paid_booking

pytestmark = pytest.mark.django_db
API = "/api/v1/disputes/"


def test_the_guest_opens_and_reads_a_dispute(client):
    booking = paid_booking()
    client.force_login(booking.guest)
    payload = {"booking_id": booking.pk, "category": "no_show", "description": "Nobody gave us the keys."}
    response = client.post(API, payload, content_type="application/json")
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["status"] == "open" and body["category"] == "no_show"
    assert client.get(f"{API}{body['id']}").json()["description"] == "Nobody gave us the keys."


def test_a_stranger_gets_404_and_nothing_is_opened(client):
    booking = paid_booking()
    client.force_login(make_user())
    payload = {"booking_id": booking.pk, "category": "damage", "description": "Hm."}
    response = client.post(API, payload, content_type="application/json")
    assert response.status_code == 404
    assert response.json()["detail"] == "No such booking."
    assert not Dispute.objects.exists()


def test_a_party_adds_a_photo_through_the_api_and_strangers_cannot(client):
    booking = paid_booking()
    client.force_login(booking.guest)
    payload = {"booking_id": booking.pk, "category": "damage", "description": "Broken lamp."}
    dispute_id = client.post(API, payload, content_type="application/json").json()["id"]
    buffer = io.BytesIO()
    Image.new("RGB", (40, 30), (0, 0, 255)).save(buffer, format="PNG")
    photo = SimpleUploadedFile("lamp.png", buffer.getvalue(), content_type="image/png")
    response = client.post(f"{API}{dispute_id}/evidence", {"image": photo, "caption": "Lamp"})
    assert response.status_code == 201, response.content
    client.force_login(make_user())
    photo.seek(0)
    assert client.post(f"{API}{dispute_id}/evidence", {"image": photo}).status_code == 404
    assert client.get(f"{API}{dispute_id}").status_code == 404
    assert DisputeEvidence.objects.count() == 1


def test_ids_beyond_64_bits_are_simply_not_found(client):
    client.force_login(make_user())
    huge = 2**70
    assert client.get(f"{API}{huge}").status_code == 404
    payload = {"booking_id": huge, "category": "damage", "description": "Overflow?"}
    assert client.post(API, payload, content_type="application/json").status_code == 404
    assert client.get(f"/disputes/{huge}/").status_code == 404
    assert client.get(f"/disputes/bookings/{huge}/open/").status_code == 404
