"""Public profiles, and editing one's own (and only one's own)."""

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from PIL import Image

from tests.conftest import make_user
from tests.payments.fixtures import ledger_checked, localstripe, stripe_api  # noqa: F401

pytestmark = pytest.mark.django_db


def _png(width=800, height=600) -> SimpleUploadedFile:
    buffer = io.BytesIO()
    Image.new("RGB", (width, height), (200, 40, 40)).save(buffer, format="PNG")
    return SimpleUploadedFile("me.png", buffer.getvalue(), content_type="image/png")


def _edit(client, person, **overrides):
    data = {"display_name": "Alice H.", "bio": "Hello", "languages": "English, French", "city": "Paris", **overrides}
    return client.post(reverse("accounts:profile_edit", kwargs={"user_id": person.pk}), data)


def test_public_profile_shows_name_member_since_and_verified_badge(client, user):
    page = client.get(reverse("accounts:profile", kwargs={"user_id": user.pk})).content.decode()
    assert "Alice Host" in page
    assert "Member since" in page
    assert "Verified email" in page


def test_unverified_person_has_no_verified_badge(client):
    person = make_user(verified=False, display_name="Newcomer")
    page = client.get(reverse("accounts:profile", kwargs={"user_id": person.pk})).content.decode()
    assert "Verified email" not in page


def test_owner_edits_profile_and_the_photo_is_resized_to_a_jpeg(client, user):
    client.force_login(user)

    response = _edit(client, user, avatar=_png(2000, 1000))

    assert response.status_code == 302
    user.refresh_from_db()
    assert user.display_name == "Alice H."
    assert user.language_list == ["English", "French"]
    with Image.open(user.avatar.path) as stored:
        assert stored.format == "JPEG"
        assert max(stored.size) == 512


def test_another_person_cannot_open_or_submit_someone_elses_edit_page(client, user, other_user):
    client.force_login(other_user)

    assert client.get(reverse("accounts:profile_edit", kwargs={"user_id": user.pk})).status_code == 403
    response = _edit(client, user, display_name="Hijacked")

    assert response.status_code == 403
    user.refresh_from_db()
    assert user.display_name == "Alice Host"


def test_anonymous_visitor_is_sent_to_log_in_and_nothing_changes(client, user):
    response = _edit(client, user, display_name="Hijacked")
    assert response.status_code == 302
    assert reverse("account_login") in response["Location"]
    user.refresh_from_db()
    assert user.display_name == "Alice Host"


def test_a_file_that_is_not_an_image_is_refused_with_a_clear_message(client, user):
    client.force_login(user)
    fake = SimpleUploadedFile("me.png", b"#!/bin/sh\necho not a picture\n", content_type="image/png")

    response = _edit(client, user, avatar=fake, display_name="Changed")

    assert response.status_code == 200
    assert "This file is not an image we can read" in response.content.decode()
    user.refresh_from_db()
    assert user.display_name == "Alice Host"
    assert not user.avatar


def test_an_image_over_the_size_limit_is_refused(client, user, settings):
    settings.MAX_IMAGE_UPLOAD_BYTES = 1024
    client.force_login(user)

    response = _edit(client, user, avatar=_png(400, 400))

    assert response.status_code == 200
    assert "the limit is" in response.content.decode()
    user.refresh_from_db()
    assert not user.avatar


def test_a_decompression_bomb_is_refused(client, user):
    client.force_login(user)
    buffer = io.BytesIO()
    Image.new("1", (20_000, 20_000)).save(buffer, format="PNG")  # tiny file, 400 megapixels
    bomb = SimpleUploadedFile("bomb.png", buffer.getvalue(), content_type="image/png")

    response = _edit(client, user, avatar=bomb)

    assert response.status_code == 200
    assert "too many pixels" in response.content.decode()


def test_html_in_the_bio_is_shown_as_text(client, user):
    client.force_login(user)
    _edit(client, user, bio="<script>alert('x')</script>")
    page = client.get(reverse("accounts:profile", kwargs={"user_id": user.pk})).content.decode()
    assert "<script>alert" not in page
    assert "&lt;script&gt;" in page


# Reviews are of paid bookings: these pay through the localstripe harness.
@pytest.mark.usefixtures("stripe_api", "ledger_checked")
def test_public_profile_shows_the_reviews_published_about_the_person(client):
    from tests.reviews.factories import completed, guest_review, host_review

    booking = completed()
    guest_review(booking, text="Spotless room and a warm welcome from the host.")
    host_review(booking)
    host = booking.listing.owner

    page = client.get(reverse("accounts:profile", kwargs={"user_id": host.pk})).content.decode()

    assert "Spotless room and a warm welcome from the host." in page


# Reviews are of paid bookings: these pay through the localstripe harness.
@pytest.mark.usefixtures("stripe_api", "ledger_checked")
def test_public_profile_hides_a_review_until_the_other_side_has_written(client):
    from tests.reviews.factories import completed, guest_review

    booking = completed()
    guest_review(booking, text="Spotless room and a warm welcome from the host.")

    page = client.get(reverse("accounts:profile", kwargs={"user_id": booking.listing.owner.pk})).content.decode()

    assert "Spotless room" not in page
