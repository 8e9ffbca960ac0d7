"""The dispute page and evidence: only the two parties and staff see it; photos are checked and re-encoded."""

from __future__ import annotations

import io
from datetime import UTC, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import dateformat
from PIL import Image

from core.errors import Conflict, DomainError, NotFound
from core.money import format_money
from disputes import services
from disputes.models import OPEN_WINDOW, DisputeEvidence, DisputeStatus
from tests.conftest import make_user
from tests.disputes.helpers import open_as_guest, paid_booking, released_booking, support_user

pytestmark = pytest.mark.django_db


def png(name: str = "heater.png", size=(2400, 1200)) -> SimpleUploadedFile:
    buffer = io.BytesIO()
    Image.new("RGB", size, (200, 30, 30)).save(buffer, format="PNG")
    return SimpleUploadedFile(name, buffer.getvalue(), content_type="image/png")


def test_only_the_parties_and_staff_see_the_dispute_page(client):
    booking = paid_booking()
    dispute = open_as_guest(booking)
    url = dispute.get_absolute_url()
    for person in (booking.guest, booking.listing.owner, support_user()):
        client.force_login(person)
        response = client.get(url)
        assert response.status_code == 200
        assert "The room was not clean" in response.content.decode()
    client.force_login(make_user())
    assert client.get(url).status_code == 404
    assert client.post(reverse("disputes:add_evidence", args=[dispute.pk]), {"image": png()}).status_code == 404
    assert not DisputeEvidence.objects.exists()


def test_a_party_uploads_a_photo_that_is_resized_as_a_jpeg(client):
    booking = paid_booking()
    dispute = open_as_guest(booking)
    client.force_login(booking.guest)
    response = client.post(
        reverse("disputes:add_evidence", args=[dispute.pk]), {"image": png(), "caption": "The heater"}
    )
    assert response.status_code == 302
    evidence = DisputeEvidence.objects.get()
    assert evidence.uploader == booking.guest
    with Image.open(evidence.image.path) as stored:
        assert stored.format == "JPEG"
        assert max(stored.size) == services.EVIDENCE_MAX_SIDE
    assert evidence.image.url in client.get(dispute.get_absolute_url()).content.decode()


def test_a_file_that_is_not_a_photo_is_refused_with_a_message(client):
    booking = paid_booking()
    dispute = open_as_guest(booking)
    with pytest.raises(DomainError) as refusal:
        services.add_evidence(
            user=booking.guest, dispute_id=dispute.pk, image=SimpleUploadedFile("x.png", b"not an image at all")
        )
    assert refusal.value.field == "image"
    assert not DisputeEvidence.objects.exists()


def test_evidence_after_the_staff_request_puts_the_dispute_back_on_the_desk():
    from datetime import timedelta

    from django.utils import timezone

    booking = paid_booking()
    dispute = open_as_guest(booking)
    services.request_more_evidence(
        staff=support_user(), dispute_id=dispute.pk, message="More photos.", deadline=timezone.now() + timedelta(days=1)
    )
    services.add_evidence(user=booking.listing.owner, dispute_id=dispute.pk, image=png())
    dispute.refresh_from_db()
    assert dispute.status == DisputeStatus.OPEN


def test_no_evidence_once_resolved_and_none_from_strangers():
    booking = paid_booking()
    dispute = open_as_guest(booking)
    with pytest.raises(NotFound):
        services.add_evidence(user=make_user(), dispute_id=dispute.pk, image=png())
    services.resolve_dispute(staff=support_user(), dispute_id=dispute.pk, guest_refund=0, host_payout=0, reason="Ok.")
    with pytest.raises(Conflict):
        services.add_evidence(user=booking.guest, dispute_id=dispute.pk, image=png())
    assert not DisputeEvidence.objects.exists()


def test_the_parties_see_the_outcome_with_reason_and_amounts(client):
    booking = paid_booking()
    dispute = open_as_guest(booking)
    services.resolve_dispute(
        staff=support_user(), dispute_id=dispute.pk, guest_refund=3_000, host_payout=1_000, reason="Partly right."
    )
    client.force_login(booking.listing.owner)
    page = client.get(dispute.get_absolute_url()).content.decode()
    assert "Partly right." in page and "€30.00" in page and "€10.00" in page


def test_both_parties_see_where_every_part_of_the_money_went(client):
    booking = released_booking()
    dispute = open_as_guest(booking, now=booking.payout_release_at + timedelta(hours=1))
    # The host keeps 40.00 less than they were sent; the guest gets 50.00: 10.00 comes from Sharing's fee.
    services.resolve_dispute(
        staff=support_user(),
        dispute_id=dispute.pk,
        guest_refund=5_000,
        host_payout=booking.host_payout - 4_000,
        reason="Partly right.",
        now=booking.payout_release_at + timedelta(hours=2),
    )
    keeps = booking.total - 5_000 - (booking.host_payout - 4_000)
    assert keeps > 0
    for person in (booking.guest, booking.listing.owner):
        client.force_login(person)
        page = client.get(dispute.get_absolute_url()).content.decode()
        rows = {
            "Refund to the guest": 5_000,
            "The host keeps": booking.host_payout - 4_000,
            "Taken back from the payout already sent to the host": 4_000,
            "Sharing's fee given back towards the refund": 1_000,
            "Sharing keeps (its fees)": keeps,
        }
        for label, amount in rows.items():
            assert f'<th scope="row">{label}</th><td>{format_money(amount, "EUR")}</td>' in page, label
        assert f"Where the {format_money(booking.total, 'EUR')} held for this booking went" in page


def test_dispute_pages_show_times_in_the_listings_zone_and_name_it(client):
    booking = paid_booking()
    assert booking.time_zone == "Europe/Paris"
    zone = ZoneInfo(booking.time_zone)
    client.force_login(booking.guest)
    deadline = booking.end + OPEN_WINDOW
    form = client.get(reverse("disputes:open", kwargs={"booking_id": booking.pk})).content.decode()
    assert f"{dateformat.format(deadline.astimezone(zone), 'j M Y H:i')} (Europe/Paris time)" in form
    assert dateformat.format(deadline.astimezone(UTC), "j M Y H:i") not in form

    dispute = open_as_guest(booking)
    page = client.get(dispute.get_absolute_url()).content.decode()
    opened = dispute.created_at
    assert f"opened {dateformat.format(opened.astimezone(zone), 'j M Y H:i')} (Europe/Paris time)" in page
    assert dateformat.format(opened.astimezone(UTC), "j M Y H:i") not in page
