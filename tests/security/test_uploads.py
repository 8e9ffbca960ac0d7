"""Uploads: a file that is not an image, one over the size limit and a decompression bomb are refused on every
upload route (pages and API) with a message a person understands, and nothing is stored.

The avatar on the profile form has the same three tests in tests/accounts/test_profile.py.
"""

from __future__ import annotations

import io
import struct
import zlib

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from PIL import Image

from tests.listings.helpers import FORM_COMMON, FORM_DETAILS
from tests.security.conftest import client_for
from tests.security.world import World

pytestmark = pytest.mark.django_db


def not_an_image() -> SimpleUploadedFile:
    return SimpleUploadedFile("holiday.jpg", b"#!/bin/sh\nrm -rf /\n", content_type="image/jpeg")


def too_large() -> SimpleUploadedFile:
    # Over the limit the test sets (MAX_IMAGE_UPLOAD_BYTES = 2 KB), and a real image otherwise.
    buffer = io.BytesIO()
    Image.effect_noise((200, 200), 64).convert("RGB").save(buffer, "PNG")
    return SimpleUploadedFile("big.png", buffer.getvalue(), content_type="image/png")


def bomb() -> SimpleUploadedFile:
    """A few hundred bytes that claim to be a 60,000 x 60,000 PNG (3.6 gigapixels)."""
    buffer = io.BytesIO()
    Image.new("L", (1, 1)).save(buffer, "PNG")
    data = bytearray(buffer.getvalue())
    # IHDR is the first chunk: 8-byte signature, 4-byte length, "IHDR", then width and height.
    data[16:24] = struct.pack(">II", 60_000, 60_000)
    data[29:33] = struct.pack(">I", zlib.crc32(bytes(data[12:29])))
    return SimpleUploadedFile("bomb.png", bytes(data), content_type="image/png")


BAD_FILES = {"not-an-image": not_an_image, "too-large": too_large, "bomb": bomb}
# What the person reads, per kind of bad file (Django's own ImageField words it differently for forms that use it).
MESSAGES = {
    "not-an-image": ("not an image we can read", "Upload a valid image"),
    "too-large": ("the limit is",),
    "bomb": ("too many pixels",),
}


def _listing_create(w: World, upload) -> tuple[str, str, dict]:
    data = {**FORM_COMMON, **FORM_DETAILS["room"], "photos": upload}
    return "host", reverse("listings:create", kwargs={"kind": "room"}), data


def _listing_photos(w: World, upload) -> tuple[str, str, dict]:
    return "host", reverse("listings:photos", kwargs={"listing_id": w.listing.pk}), {"photos": upload}


def _dispute_open(w: World, upload) -> tuple[str, str, dict]:
    data = {"category": "damage", "description": "The car came back scratched.", "photo": upload}
    return "guest", reverse("disputes:open", kwargs={"booking_id": w.confirmed.pk}), data


def _dispute_evidence(w: World, upload) -> tuple[str, str, dict]:
    return "guest", reverse("disputes:add_evidence", kwargs={"dispute_id": w.dispute.pk}), {"image": upload}


def _dispute_evidence_api(w: World, upload) -> tuple[str, str, dict]:
    return "guest", f"/api/v1/disputes/{w.dispute.pk}/evidence", {"image": upload, "caption": "proof"}


def _identity(w: World, upload) -> tuple[str, str, dict]:
    from tests.security.world import jpeg

    return (
        "second_user",
        reverse("accounts:identity"),
        {"document": upload, "selfie": jpeg(), "birth_date": "1990-01-02"},
    )


def _identity_api(w: World, upload) -> tuple[str, str, dict]:
    from tests.security.world import jpeg

    data = {"document": jpeg(), "selfie": upload, "birth_date": "1990-01-02"}
    return "second_user", "/api/v1/people/me/verifications/identity", data


UPLOAD_ROUTES = {
    "listing-create": _listing_create,
    "listing-photos": _listing_photos,
    "dispute-open": _dispute_open,
    "dispute-evidence": _dispute_evidence,
    "api-dispute-evidence": _dispute_evidence_api,
    "identity-document": _identity,
    "api-identity-selfie": _identity_api,
}


@pytest.mark.parametrize("bad", BAD_FILES)
@pytest.mark.parametrize("route", UPLOAD_ROUTES)
def test_bad_uploads_are_refused_with_a_clear_message_and_nothing_stored(
    in_world: World, settings, route: str, bad: str
):
    settings.MAX_IMAGE_UPLOAD_BYTES = 2048
    actor, path, data = UPLOAD_ROUTES[route](in_world, BAD_FILES[bad]())

    response = client_for(in_world, actor).post(path, data)

    assert 400 <= response.status_code < 500 or response.status_code == 200, response.status_code
    body = response.content.decode()
    assert any(message in body for message in MESSAGES[bad]), f"{route} {bad}: {response.status_code} {body[:300]}"
    assert not in_world.changed(), f"{route} stored something for {bad}"


@pytest.mark.parametrize("route", UPLOAD_ROUTES)
def test_a_real_photo_goes_through_each_upload_route(in_world: World, route: str):
    # The refusals above mean something only if the same route takes a good photo.
    from tests.security.world import jpeg

    actor, path, data = UPLOAD_ROUTES[route](in_world, jpeg())
    response = client_for(in_world, actor).post(path, data)
    assert response.status_code in (201, 302), f"{route}: {response.status_code} {response.content[:300]!r}"
    assert in_world.changed()


def test_the_bomb_is_small_but_claims_billions_of_pixels():
    upload = bomb()
    assert upload.size < 1000
    with pytest.raises(Image.DecompressionBombError):
        Image.open(io.BytesIO(upload.read()))
