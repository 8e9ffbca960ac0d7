"""Driving licences: uploaded, reviewed by permitted staff, and required to rent a car or drive on demand."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from django.contrib.auth.models import Permission
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from accounts import licences
from accounts.models import DrivingLicence, LicenceStatus
from bookings.models import Booking
from bookings.services.checkout import request_booking
from core.errors import Conflict, DomainError, PermissionDenied
from dispatch.inputs import Position
from dispatch.models import Availability
from dispatch.services.availability import go_available
from listings.models import ListingKind
from payments.models import Payment
from tests.conftest import make_user
from tests.disputes.helpers import support_user
from tests.listings.factories import make_listing
from tests.payments.fixtures import card, ledger_checked, localstripe, stripe_api  # noqa: F401
from tests.security.world import jpeg

pytestmark = pytest.mark.django_db

START = datetime(2027, 3, 5, 10, 0, tzinfo=UTC)
NOW = datetime(2027, 1, 10, 9, 0, tzinfo=UTC)


def reviewer():
    person = make_user(display_name="Rita Reviewer", is_staff=True)
    person.user_permissions.add(Permission.objects.get(codename="review_drivinglicence"))
    return person


def ask_for_car(guest, payment_method: str = "pm_never_used"):
    car = make_listing(kind=ListingKind.CAR, instant_book=True)
    return request_booking(
        guest=guest,
        listing_id=car.pk,
        start=START,
        end=START + timedelta(hours=3),
        guests=1,
        payment_method=payment_method,
        now=NOW,
    )


@pytest.mark.parametrize(
    ("state", "message"),
    [
        (None, "Upload your driving licence"),
        (LicenceStatus.PENDING, "being checked: you can book a car once it is verified"),
        (LicenceStatus.REFUSED, r"was refused \(Photo too blurry to read\)"),
    ],
)
def test_a_renter_without_a_verified_licence_cannot_book_a_car(state, message):
    guest = make_user(licence=False)
    if state is not None:
        DrivingLicence.objects.create(
            user=guest, status=state, refusal_reason="Photo too blurry to read" if state == "refused" else ""
        )
    with pytest.raises(PermissionDenied, match=message) as refused:
        ask_for_car(guest)
    assert refused.value.code.startswith("licence_")
    # Refused before the card is touched: nothing held, nothing booked.
    assert not Booking.objects.exists() and not Payment.objects.exists()


def test_a_room_needs_no_licence(stripe_api, ledger_checked):  # noqa: F811
    room = make_listing(kind=ListingKind.ROOM, instant_book=True)
    booking = request_booking(
        guest=make_user(licence=False),
        listing_id=room.pk,
        start=START.date(),
        end=START.date() + timedelta(days=2),
        guests=1,
        payment_method=card(),
        now=NOW,
    )
    assert booking.pk


def test_once_verified_the_renter_books_the_car(stripe_api, ledger_checked):  # noqa: F811
    guest = make_user(licence=False)
    licence = licences.submit_licence(user=guest, image=jpeg())
    licences.verify_licence(staff=reviewer(), licence_id=licence.pk)
    assert ask_for_car(guest, payment_method=card()).status == "confirmed"


def test_the_booking_api_says_why_in_its_refusal(client):
    guest = make_user(licence=False)
    car = make_listing(kind=ListingKind.CAR)
    client.force_login(guest)
    start = datetime.now(UTC).replace(microsecond=0) + timedelta(days=3)
    answer = client.post(
        "/api/v1/bookings/quote",
        {"listing_id": car.pk, "start": start.isoformat(), "end": (start + timedelta(hours=3)).isoformat()},
        content_type="application/json",
    )
    assert answer.status_code == 403
    assert answer.json()["code"] == "licence_missing" and "driving licence" in answer.json()["detail"]


def test_a_driver_without_a_verified_licence_cannot_go_online():
    driver = make_listing(kind=ListingKind.DRIVER, owner=make_user(licence=False))
    with pytest.raises(PermissionDenied, match="before you go online as a driver"):
        go_available(provider=driver.owner, listing_id=driver.pk, position=Position(48.85, 2.35))
    assert not Availability.objects.exists()


def test_a_verified_driver_goes_online():
    driver = make_listing(kind=ListingKind.DRIVER)
    assert go_available(provider=driver.owner, listing_id=driver.pk, position=Position(48.85, 2.35)).is_available


# --- Upload and review -------------------------------------------------------------------------------------
def test_an_upload_waits_for_review_and_a_bad_photo_is_refused():
    person = make_user(licence=False)
    with pytest.raises(DomainError, match="not an image") as refused:
        licences.submit_licence(user=person, image=SimpleUploadedFile("l.jpg", b"%PDF-1.4", content_type="image/jpeg"))
    assert refused.value.field == "image" and not DrivingLicence.objects.filter(user=person).exists()
    licence = licences.submit_licence(user=person, image=jpeg())
    assert licence.status == "pending" and licence.document


def test_a_refused_licence_can_be_sent_again_but_a_verified_one_cannot():
    person = make_user(licence=False)
    licence = licences.submit_licence(user=person, image=jpeg())
    licences.refuse_licence(staff=reviewer(), licence_id=licence.pk, reason="Expired in 2019.")
    again = licences.submit_licence(user=person, image=jpeg())
    assert (again.pk, again.status, again.refusal_reason) == (licence.pk, "pending", "")
    licences.verify_licence(staff=reviewer(), licence_id=licence.pk)
    with pytest.raises(Conflict, match="already verified"):
        licences.submit_licence(user=person, image=jpeg())


def test_only_staff_with_the_review_permission_decide():
    licence = licences.submit_licence(user=make_user(licence=False), image=jpeg())
    for person in (make_user(), make_user(is_staff=True), support_user()):
        with pytest.raises(PermissionDenied, match="review driving licences"):
            licences.verify_licence(staff=person, licence_id=licence.pk)
    licence.refresh_from_db()
    assert licence.status == "pending"


def test_a_refusal_needs_a_reason_and_a_decision_is_made_once():
    licence = licences.submit_licence(user=make_user(licence=False), image=jpeg())
    staff = reviewer()
    with pytest.raises(DomainError, match="Say why"):
        licences.refuse_licence(staff=staff, licence_id=licence.pk, reason="  ")
    licences.refuse_licence(staff=staff, licence_id=licence.pk, reason="Name does not match the account.")
    with pytest.raises(Conflict, match="already decided"):
        licences.verify_licence(staff=staff, licence_id=licence.pk)
    licence.refresh_from_db()
    assert (licence.status, licence.decided_by_id) == ("refused", staff.pk)


def test_the_licence_photo_is_shown_to_its_owner_and_reviewers_only(client):
    owner = make_user(licence=False)
    licence = licences.submit_licence(user=owner, image=jpeg())
    url = reverse("accounts:licence_document", kwargs={"licence_id": licence.pk})
    assert client.get(url).status_code == 302  # anonymous: log in first
    for stranger in (make_user(), support_user(), make_user(is_staff=True)):
        client.force_login(stranger)
        assert client.get(url).status_code == 404
    for allowed in (owner, reviewer()):
        client.force_login(allowed)
        answer = client.get(url)
        assert answer.status_code == 200 and answer.content[:2] == b"\xff\xd8"


def test_the_desk_queue_is_for_reviewers_only(client):
    licences.submit_licence(user=make_user(licence=False), image=jpeg())
    url = reverse("admin:accounts_drivinglicence_changelist")
    client.force_login(support_user())
    assert client.get(url).status_code == 403
    client.force_login(reviewer())
    assert client.get(url).status_code == 200


def test_the_desk_refuses_with_the_reason_the_person_reads(client):
    person = make_user(licence=False)
    licence = licences.submit_licence(user=person, image=jpeg())
    client.force_login(reviewer())
    url = reverse("admin:accounts_drivinglicence_changelist")
    answer = client.post(
        url, {"action": "refuse", "_selected_action": [licence.pk], "apply": "1", "reason": "Photo cut off."}
    )
    assert answer.status_code == 302
    licence.refresh_from_db()
    assert (licence.status, licence.refusal_reason) == ("refused", "Photo cut off.")


def test_the_page_and_the_api_upload_and_show_the_state(client):
    person = make_user(licence=False)
    client.force_login(person)
    assert client.get("/api/v1/people/me/licence").status_code == 404
    assert "Send for review" in client.get(reverse("accounts:licence")).content.decode()
    answer = client.post(reverse("accounts:licence"), {"image": SimpleUploadedFile("x.jpg", b"nope")})
    assert answer.status_code == 400 and "not an image" in answer.content.decode()
    answer = client.post("/api/v1/people/me/licence", {"image": jpeg()})
    assert answer.status_code == 201 and answer.json()["status"] == "pending"
    assert client.get("/api/v1/people/me/licence").json()["photo_url"].endswith("/photo/")


def test_deleting_the_account_erases_the_licence_and_its_photo(django_capture_on_commit_callbacks):
    from core.private_files import private_storage
    from personaldata.services import delete_account

    person = make_user(licence=False)
    name = licences.submit_licence(user=person, image=jpeg()).document.name
    assert private_storage.exists(name)
    with django_capture_on_commit_callbacks(execute=True):
        delete_account(user=person, confirm_email=person.email)
    assert not DrivingLicence.objects.filter(user=person).exists()
    assert not private_storage.exists(name)


def test_the_photo_is_gone_after_the_retention_period_and_the_decision_stays(
    settings, django_capture_on_commit_callbacks
):
    from core.private_files import private_storage

    settings.LICENCE_PHOTO_RETENTION_DAYS = 30
    licence = licences.submit_licence(user=make_user(licence=False), image=jpeg())
    decided = licences.verify_licence(staff=reviewer(), licence_id=licence.pk)
    name = decided.document.name
    with django_capture_on_commit_callbacks(execute=True):
        assert licences.purge_decided_photos(now=decided.decided_at + timedelta(days=29)) == 0
    assert private_storage.exists(name)
    with django_capture_on_commit_callbacks(execute=True):
        assert licences.purge_decided_photos(now=decided.decided_at + timedelta(days=30)) == 1
    licence.refresh_from_db()
    assert (licence.status, licence.document.name) == ("verified", "")
    assert not private_storage.exists(name)
    assert licences.purge_decided_photos(now=decided.decided_at + timedelta(days=31)) == 0


def test_a_pending_licence_keeps_its_photo():
    licence = licences.submit_licence(user=make_user(licence=False), image=jpeg())
    assert licences.purge_decided_photos(now=licence.submitted_at + timedelta(days=400)) == 0
