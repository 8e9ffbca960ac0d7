"""Verified people: licences and identity documents sent with a selfie, decided by permitted staff only, photos
seen by those staff only (each look logged) and deleted after the retention period; what they unlock."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from unittest import mock

import pytest
from django.contrib.auth.models import Permission
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.urls import reverse

from accounts import verifications
from accounts.models import DocumentView, Verification, VerificationStatus
from bookings.models import Booking
from bookings.services.checkout import quote_request, request_booking
from core.errors import Conflict, DomainError, NotFound, PermissionDenied
from core.private_files import private_storage
from dispatch.inputs import Position
from dispatch.models import Availability
from dispatch.services.availability import go_available
from listings.models import CarDetails, ListingKind
from payments.models import Payment
from realtime.models import Notification
from tests.conftest import make_user
from tests.disputes.helpers import support_user
from tests.listings.factories import make_listing
from tests.payments.fixtures import card, ledger_checked, localstripe, stripe_api  # noqa: F401
from tests.security.test_uploads import BAD_FILES, MESSAGES
from tests.security.world import jpeg

pytestmark = pytest.mark.django_db

START = datetime(2027, 3, 5, 10, 0, tzinfo=UTC)
NOW = datetime(2027, 1, 10, 9, 0, tzinfo=UTC)
BORN = date(1990, 4, 2)


def reviewer():
    person = make_user(display_name="Rita Reviewer", is_staff=True)
    person.user_permissions.add(Permission.objects.get(codename="review_verification"))
    return person


def send(person, kind: str = "identity", **changes):
    sent = {"document": jpeg(), "selfie": jpeg(), "birth_date": BORN, **changes}
    return verifications.submit(user=person, kind=kind, **sent)


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


def quote(guest, listing):
    start, end = (
        (START, START + timedelta(hours=3))
        if listing.kind == "car"
        else (START.date(), START.date() + timedelta(days=2))
    )
    return quote_request(guest=guest, listing_id=listing.pk, start=start, end=end, guests=1, now=NOW)


def at(moment):
    """Move the clock that services and commands read."""
    return mock.patch("django.utils.timezone.now", return_value=moment)


# --- Cars and drivers need a verified licence ----------------------------------------------------------
@pytest.mark.parametrize(
    ("state", "message"),
    [
        (None, "Upload your driving licence"),
        (VerificationStatus.PENDING, "being checked: you can book a car once it is verified"),
        (VerificationStatus.REFUSED, r"was refused \(Photo too blurry to read\)"),
    ],
)
def test_a_renter_without_a_verified_licence_cannot_book_a_car(state, message):
    guest = make_user(licence=False)
    if state is not None:
        Verification.objects.create(
            user=guest,
            kind="licence",
            status=state,
            refusal_reason="Photo too blurry to read" if state == "refused" else "",
        )
    with pytest.raises(PermissionDenied, match=message) as refused:
        ask_for_car(guest)
    assert refused.value.code.startswith("licence_")
    # Refused before the card is touched: nothing held, nothing booked.
    assert not Booking.objects.exists() and not Payment.objects.exists()


def test_a_verified_identity_document_is_not_a_licence():
    guest = make_user(licence=False)
    Verification.objects.create(user=guest, kind="identity", status=VerificationStatus.VERIFIED)
    with pytest.raises(PermissionDenied, match="Upload your driving licence"):
        ask_for_car(guest)


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
    licence = send(guest, "licence")
    verifications.verify(staff=reviewer(), verification_id=licence.pk)
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


# --- A car's minimum age -----------------------------------------------------------------------------------
def car_for(min_age: int | None):
    car = make_listing(kind=ListingKind.CAR)
    CarDetails.objects.filter(listing=car).update(min_renter_age=min_age)
    return car


def renter_born(birth_date: date | None):
    guest = make_user()
    Verification.objects.filter(user=guest, kind="licence").update(birth_date=birth_date)
    return guest


def test_a_renter_younger_than_the_cars_minimum_on_the_day_of_pickup_is_refused():
    car = car_for(25)
    with pytest.raises(PermissionDenied, match="aged 25 or over on the day of pickup") as refused:
        quote(renter_born(date(2002, 3, 6)), car)  # 25 the day after pickup
    assert refused.value.code == "too_young"
    assert quote(renter_born(date(2002, 3, 5)), car).quote.total > 0  # 25 on the day


def test_a_minimum_age_needs_the_date_of_birth_on_the_licence():
    with pytest.raises(PermissionDenied, match="without your date of birth") as refused:
        quote(renter_born(None), car_for(21))
    assert refused.value.code == "age_unknown"
    # A car without a minimum takes the same renter.
    assert quote(renter_born(None), car_for(None)).quote.total > 0


@pytest.mark.parametrize("age", [17, 100, "25", 25.5])
def test_a_minimum_age_outside_18_to_99_is_refused_by_the_api(client, age):
    car = car_for(None)
    client.force_login(car.owner)
    answer = client.patch(
        f"/api/v1/listings/{car.pk}", {"details": {"min_renter_age": age}}, content_type="application/json"
    )
    assert answer.status_code == 400 and answer.json()["field"] == "min_renter_age", answer.content
    assert CarDetails.objects.get(listing=car).min_renter_age is None


def test_the_owner_sets_the_minimum_age_and_the_car_page_shows_it(client):
    car = car_for(None)
    client.force_login(car.owner)
    answer = client.patch(
        f"/api/v1/listings/{car.pk}", {"details": {"min_renter_age": 23}}, content_type="application/json"
    )
    assert answer.status_code == 200 and answer.json()["details"]["min_renter_age"] == 23
    assert "Drivers aged 23 or over" in client.get(car.get_absolute_url()).content.decode()


# --- Hosts who welcome verified guests only ----------------------------------------------------------------
def test_a_host_can_ask_for_verified_guests_and_an_unverified_guest_is_told_how(client):
    room = make_listing(kind=ListingKind.ROOM)
    client.force_login(room.owner)
    answer = client.patch(
        f"/api/v1/listings/{room.pk}", {"verified_guests_only": True}, content_type="application/json"
    )
    assert answer.status_code == 200 and answer.json()["verified_guests_only"] is True
    guest = make_user(licence=False)
    with pytest.raises(PermissionDenied) as refused:
        quote(guest, room)
    assert refused.value.code == "identity_missing"
    assert "welcomes guests whose identity Sharing has verified" in refused.value.message
    assert reverse("accounts:identity") in refused.value.message
    client.force_login(guest)
    page = client.get(room.get_absolute_url()).content.decode()
    assert "Verified guests only" in page and reverse("accounts:identity") in page


def test_a_pending_or_refused_identity_says_where_it_stands():
    room = make_listing(kind=ListingKind.ROOM, verified_guests_only=True)
    guest = make_user(licence=False)
    sent = send(guest)
    with pytest.raises(PermissionDenied, match="being checked") as refused:
        quote(guest, room)
    assert refused.value.code == "identity_pending"
    verifications.refuse(staff=reviewer(), verification_id=sent.pk, reason="The selfie is someone else.")
    with pytest.raises(PermissionDenied, match=r"refused \(The selfie is someone else.\)"):
        quote(guest, room)


@pytest.mark.parametrize("kind", ["identity", "licence"])
def test_a_verified_identity_document_or_licence_lets_the_guest_ask(kind):
    room = make_listing(kind=ListingKind.ROOM, verified_guests_only=True)
    guest = make_user(licence=False)
    verifications.verify(staff=reviewer(), verification_id=send(guest, kind).pk)
    assert quote(guest, room).quote.total > 0


def test_the_request_api_refuses_an_unverified_guest_with_the_message(client):
    room = make_listing(kind=ListingKind.ROOM, verified_guests_only=True)
    client.force_login(make_user(licence=False))
    start = (datetime.now(UTC) + timedelta(days=5)).date()
    answer = client.post(
        "/api/v1/bookings/quote",
        {"listing_id": room.pk, "start": start.isoformat(), "end": (start + timedelta(days=2)).isoformat()},
        content_type="application/json",
    )
    assert answer.status_code == 403 and answer.json()["code"] == "identity_missing"
    assert "identity" in answer.json()["detail"]


def test_rooms_take_anyone_unless_the_host_asks():
    assert quote(make_user(licence=False), make_listing(kind=ListingKind.ROOM)).quote.total > 0


# --- Sending documents ---------------------------------------------------------------------------------------
@pytest.mark.parametrize("kind", ["identity", "licence"])
def test_a_document_with_its_selfie_waits_for_review(kind):
    sent = send(make_user(licence=False), kind)
    assert (sent.kind, sent.status, sent.birth_date) == (kind, "pending", BORN)
    assert private_storage.exists(sent.document.name) and private_storage.exists(sent.selfie.name)
    assert not sent.document.name.startswith("media")


@pytest.mark.parametrize("part", ["document", "selfie"])
@pytest.mark.parametrize("bad", BAD_FILES)
def test_bad_files_are_refused_and_nothing_is_stored(settings, part, bad):
    settings.MAX_IMAGE_UPLOAD_BYTES = 2048
    person = make_user(licence=False)
    with pytest.raises(DomainError) as refused:
        send(person, **{part: BAD_FILES[bad]()})
    assert refused.value.field == part
    assert any(message in refused.value.message for message in MESSAGES[bad])
    assert not Verification.objects.filter(user=person).exists()


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"selfie": None}, "selfie"),
        ({"document": None}, "document"),
        ({"birth_date": None}, "birth_date"),
        ({"birth_date": date(2030, 1, 1)}, "birth_date"),
        ({"birth_date": date(1890, 1, 1)}, "birth_date"),
    ],
)
def test_a_missing_photo_or_an_impossible_birth_date_is_refused(changes, field):
    person = make_user(licence=False)
    with pytest.raises(DomainError) as refused:
        send(person, **changes)
    assert refused.value.field == field and not Verification.objects.filter(user=person).exists()


def test_a_refused_document_can_be_sent_again_but_a_verified_one_cannot(django_capture_on_commit_callbacks):
    person = make_user(licence=False)
    first = send(person)
    old = [first.document.name, first.selfie.name]
    verifications.refuse(staff=reviewer(), verification_id=first.pk, reason="Expired in 2019.")
    with django_capture_on_commit_callbacks(execute=True):
        again = send(person)
    assert (again.pk, again.status, again.refusal_reason) == (first.pk, "pending", "")
    # The refused photos are not kept once new ones replace them.
    assert not any(private_storage.exists(name) for name in old)
    verifications.verify(staff=reviewer(), verification_id=first.pk)
    with pytest.raises(Conflict, match="already verified"):
        send(person)


def test_only_staff_with_the_review_permission_decide():
    sent = send(make_user(licence=False))
    for person in (make_user(), make_user(is_staff=True), support_user()):
        with pytest.raises(PermissionDenied, match="review identity documents"):
            verifications.verify(staff=person, verification_id=sent.pk)
    sent.refresh_from_db()
    assert sent.status == "pending"


def test_a_refusal_needs_a_reason_and_a_decision_is_made_once_and_never_on_ones_own():
    staff = reviewer()
    with pytest.raises(PermissionDenied, match="Someone else reviews"):
        verifications.verify(staff=staff, verification_id=send(staff).pk)
    sent = send(make_user(licence=False))
    with pytest.raises(DomainError, match="Say why"):
        verifications.refuse(staff=staff, verification_id=sent.pk, reason="  ")
    verifications.refuse(staff=staff, verification_id=sent.pk, reason="Name does not match the account.")
    with pytest.raises(Conflict, match="already decided"):
        verifications.verify(staff=staff, verification_id=sent.pk)
    sent.refresh_from_db()
    assert (sent.status, sent.decided_by_id) == ("refused", staff.pk)
    told = Notification.objects.get(recipient=sent.user, kind="verification.decided")
    assert told.payload["message"] == "Your identity document was refused: Name does not match the account."


# --- Who sees the photos -------------------------------------------------------------------------------------
def photo_url(verification, part: str = "document") -> str:
    return reverse("accounts:verification_photo", kwargs={"verification_id": verification.pk, "part": part})


@pytest.mark.parametrize("kind", ["identity", "licence"])
def test_the_photos_are_refused_to_everyone_but_permitted_staff_and_nothing_is_logged(client, kind):
    owner = make_user(licence=False)
    sent = send(owner, kind)
    other_owner = make_user(licence=False)
    send(other_owner, kind)  # someone with a document of their own
    superuser_less_staff = make_user(is_staff=True)
    for part in ("document", "selfie"):
        url = photo_url(sent, part)
        client.logout()
        answer = client.get(url)
        assert answer.status_code == 302 and answer["Location"].startswith(reverse("account_login"))
        for person in (owner, other_owner, make_user(), support_user(), superuser_less_staff):
            client.force_login(person)
            answer = client.get(url)
            assert answer.status_code == 404, (person, part)
            assert answer.content[:2] != b"\xff\xd8"
    assert not DocumentView.objects.exists()


def test_permitted_staff_see_each_photo_and_every_look_is_logged(client):
    sent = send(make_user(licence=False))
    staff = reviewer()
    client.force_login(staff)
    for part in ("document", "selfie", "document"):
        answer = client.get(photo_url(sent, part))
        assert answer.status_code == 200 and answer.content[:2] == b"\xff\xd8"
        assert answer["Cache-Control"] == "private, no-store"
    looks = list(DocumentView.objects.order_by("pk").values_list("verification_id", "staff_id", "part"))
    assert looks == [(sent.pk, staff.pk, "document"), (sent.pk, staff.pk, "selfie"), (sent.pk, staff.pk, "document")]


def test_an_unknown_part_or_id_is_a_404_for_staff_too(client):
    sent = send(make_user(licence=False))
    client.force_login(reviewer())
    assert client.get(photo_url(sent, "passport")).status_code == 404
    assert (
        client.get(
            reverse("accounts:verification_photo", kwargs={"verification_id": 2**63, "part": "selfie"})
        ).status_code
        == 404
    )
    assert not DocumentView.objects.exists()


def test_the_api_and_the_page_never_link_the_photos(client):
    person = make_user(licence=False)
    sent = send(person)
    client.force_login(person)
    body = client.get("/api/v1/people/me/verifications/identity").content.decode()
    body += client.get(reverse("accounts:identity")).content.decode()
    assert photo_url(sent, "document") not in body and sent.document.name not in body
    assert '"photos_kept": true' in body.replace('":true', '": true')


# --- Retention -----------------------------------------------------------------------------------------------
def test_the_photos_are_gone_after_the_retention_period_on_the_moved_clock_and_the_decision_stays(
    settings, django_capture_on_commit_callbacks, client
):
    settings.VERIFICATION_DOCUMENT_RETENTION_DAYS = 30
    staff = reviewer()
    sent = send(make_user(licence=False))
    decided = verifications.verify(staff=staff, verification_id=sent.pk)
    names = [decided.document.name, decided.selfie.name]
    with at(decided.decided_at + timedelta(days=29, hours=23)), django_capture_on_commit_callbacks(execute=True):
        call_command("purge_verification_documents", stdout=open("/dev/null", "w"))  # noqa: SIM115
    assert all(private_storage.exists(name) for name in names)
    with at(decided.decided_at + timedelta(days=30)), django_capture_on_commit_callbacks(execute=True):
        call_command("purge_verification_documents", stdout=open("/dev/null", "w"))  # noqa: SIM115
    sent.refresh_from_db()
    assert (sent.status, sent.document.name, sent.selfie.name) == ("verified", "", "")
    assert not any(private_storage.exists(name) for name in names)
    client.force_login(staff)
    assert client.get(photo_url(sent)).status_code == 404
    assert verifications.purge_decided_documents(now=decided.decided_at + timedelta(days=31)) == 0


def test_a_pending_document_keeps_its_photos():
    sent = send(make_user(licence=False))
    assert verifications.purge_decided_documents(now=sent.submitted_at + timedelta(days=400)) == 0


def test_deleting_the_account_erases_the_documents_and_their_photos(django_capture_on_commit_callbacks):
    from personaldata.services import delete_account

    person = make_user(licence=False)
    names = [
        name for sent in (send(person), send(person, "licence")) for name in (sent.document.name, sent.selfie.name)
    ]
    with django_capture_on_commit_callbacks(execute=True):
        delete_account(user=person, confirm_email=person.email)
    assert not Verification.objects.filter(user=person).exists()
    assert not any(private_storage.exists(name) for name in names)


# --- The desk ------------------------------------------------------------------------------------------------
def test_the_desk_queue_and_the_log_of_looks_are_for_reviewers_only(client):
    send(make_user(licence=False))
    for name in ("admin:accounts_verification_changelist", "admin:accounts_documentview_changelist"):
        client.force_login(support_user())
        assert client.get(reverse(name)).status_code == 403
        client.force_login(reviewer())
        assert client.get(reverse(name)).status_code == 200


def test_the_desk_refuses_with_the_reason_the_person_reads(client):
    sent = send(make_user(licence=False))
    client.force_login(reviewer())
    url = reverse("admin:accounts_verification_changelist")
    assert photo_url(sent, "selfie") in client.get(url).content.decode()
    answer = client.post(
        url, {"action": "refuse", "_selected_action": [sent.pk], "apply": "1", "reason": "Photo cut off."}
    )
    assert answer.status_code == 302
    sent.refresh_from_db()
    assert (sent.status, sent.refusal_reason) == ("refused", "Photo cut off.")


def test_the_desk_verifies(client):
    sent = send(make_user(licence=False), "licence")
    client.force_login(reviewer())
    client.post(reverse("admin:accounts_verification_changelist"), {"action": "verify", "_selected_action": [sent.pk]})
    sent.refresh_from_db()
    assert sent.status == "verified"


# --- Badges on the profile -------------------------------------------------------------------------------------
def test_the_profile_shows_a_badge_per_verified_document(client):
    person = make_user(licence=False)
    sent = send(person)
    send(person, "licence")  # pending: no badge
    url = reverse("accounts:profile", kwargs={"user_id": person.pk})
    assert "Verified identity document" not in client.get(url).content.decode()
    verifications.verify(staff=reviewer(), verification_id=sent.pk)
    page = client.get(url).content.decode()
    assert "Verified identity document" in page and "Verified driving licence" not in page
    assert client.get(f"/api/v1/people/{person.pk}").json()["verified_documents"] == ["identity"]


# --- Pages and API ---------------------------------------------------------------------------------------------
def test_the_page_sends_a_document_and_shows_the_state(client):
    person = make_user(licence=False)
    client.force_login(person)
    assert "Send for review" in client.get(reverse("accounts:identity")).content.decode()
    data = {"document": SimpleUploadedFile("x.jpg", b"nope"), "selfie": jpeg(), "birth_date": "1990-04-02"}
    answer = client.post(reverse("accounts:identity"), data)
    assert answer.status_code == 400 and "not an image" in answer.content.decode()
    answer = client.post(
        reverse("accounts:identity"), {"document": jpeg(), "selfie": jpeg(), "birth_date": "1990-04-02"}
    )
    assert answer.status_code == 302
    assert "Waiting for review" in client.get(reverse("accounts:identity")).content.decode()
    assert Verification.objects.get(user=person).kind == "identity"


def test_the_api_sends_a_document_and_shows_the_state(client):
    person = make_user(licence=False)
    client.force_login(person)
    assert client.get("/api/v1/people/me/verifications/licence").status_code == 404
    assert client.get("/api/v1/people/me/verifications/passport").status_code == 404
    answer = client.post("/api/v1/people/me/verifications/licence", {"document": jpeg(), "birth_date": "1990-04-02"})
    assert answer.status_code == 422 and answer.json()["field"] == "selfie"
    answer = client.post(
        "/api/v1/people/me/verifications/licence", {"document": jpeg(), "selfie": jpeg(), "birth_date": "1990-04-02"}
    )
    assert answer.status_code == 201 and answer.json()["status"] == "pending"
    assert [row["kind"] for row in client.get("/api/v1/people/me/verifications").json()] == ["licence"]
    with pytest.raises(NotFound):
        verifications.submit(user=person, kind="passport", document=jpeg(), selfie=jpeg(), birth_date=BORN)


def test_the_listing_form_sets_verified_guests_only_and_the_cars_minimum_age(client):
    from tests.listings.helpers import FORM_COMMON, FORM_DETAILS

    car = make_listing(kind=ListingKind.CAR)
    client.force_login(car.owner)
    url = reverse("listings:edit", kwargs={"listing_id": car.pk})
    page = client.get(url).content.decode()
    assert "Verified guests only" in page and "Minimum age of renters" in page
    data = {**FORM_COMMON, **FORM_DETAILS["car"], "verified_guests_only": "on", "min_renter_age": "17"}
    assert client.post(url, data).status_code == 400  # refused on the form
    assert CarDetails.objects.get(listing=car).min_renter_age is None
    assert client.post(url, {**data, "min_renter_age": "21"}).status_code == 302
    car.refresh_from_db()
    assert (car.verified_guests_only, car.car.min_renter_age) == (True, 21)
