"""Creating and editing listings through the pages: every kind, and every refusal explained."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from listings.models import CarDetails, DriverCoverage, Listing, ListingPhoto, ListingStatus
from tests.conftest import make_user
from tests.listings.factories import make_listing
from tests.listings.helpers import FORM_COMMON, FORM_DETAILS, jpeg

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("kind", ["room", "car", "driver"])
def test_owner_creates_a_listing_of_each_kind_through_the_form(client, user, kind):
    client.force_login(user)
    response = client.post(
        reverse("listings:create", kwargs={"kind": kind}),
        {**FORM_COMMON, **FORM_DETAILS[kind], "photos": [jpeg("a.jpg"), jpeg("b.jpg")]},
    )
    listing = Listing.objects.get()
    assert response.status_code == 302
    assert response["Location"] == listing.get_absolute_url()
    assert (listing.kind, listing.owner, listing.unit_price, listing.fee_amount) == (kind, user, 8550, 2000)
    assert (listing.city, listing.country_code, listing.time_zone) == ("Paris", "FR", "Europe/Paris")
    assert listing.cell_fine != 0
    assert [photo.position for photo in listing.photos.all()] == [0, 1]
    if kind == "car":
        assert CarDetails.objects.get(listing=listing).extra_km_price == 25
    if kind == "driver":
        assert listing.driver.service_radius_km == 25
        assert DriverCoverage.objects.filter(listing=listing).exists()
    page = client.get(listing.get_absolute_url())
    assert page.status_code == 200
    assert b'<section id="booking-panel">' in page.content


def test_the_address_alone_is_geocoded_when_no_pin_was_placed(client, user):
    client.force_login(user)
    data = {**FORM_COMMON, **FORM_DETAILS["room"], "address": "Kreuzberg, Berlin", "latitude": "", "longitude": ""}
    client.post(reverse("listings:create", kwargs={"kind": "room"}), data)
    listing = Listing.objects.get()
    assert (listing.city, listing.time_zone) == ("Berlin", "Europe/Berlin")
    assert abs(listing.latitude - 52.52) < 0.1


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"price": "-5"}, "Ensure this value is greater than or equal to 0.01."),
        ({"latitude": "123", "longitude": "2.35"}, "The pin&#x27;s latitude must be between -90 and 90."),
        ({"address": "Qwxzyville Nowhere", "latitude": "", "longitude": ""}, "We could not find"),
        ({"min_units": "5", "max_units": "2"}, "The maximum cannot be shorter than the minimum."),
    ],
)
def test_bad_listing_input_is_refused_with_a_message_and_nothing_written(client, user, changes, message):
    client.force_login(user)
    data = {**FORM_COMMON, **FORM_DETAILS["room"], **changes}
    response = client.post(reverse("listings:create", kwargs={"kind": "room"}), data)
    assert response.status_code == 400
    assert message in response.content.decode()
    assert not Listing.objects.exists()


def test_a_photo_that_is_not_an_image_is_refused_and_nothing_is_written(client, user):
    client.force_login(user)
    fake = SimpleUploadedFile("holiday.jpg", b"this is not a picture", content_type="image/jpeg")
    data = {**FORM_COMMON, **FORM_DETAILS["room"], "photos": [jpeg(), fake]}
    response = client.post(reverse("listings:create", kwargs={"kind": "room"}), data)
    assert "holiday.jpg: This file is not an image we can read." in response.content.decode()
    assert not Listing.objects.exists()
    assert not ListingPhoto.objects.exists()


def test_an_unknown_kind_is_refused_with_a_message(client, user):
    client.force_login(user)
    response = client.post(reverse("listings:create", kwargs={"kind": "boat"}), FORM_COMMON)
    assert response.status_code == 404
    assert not Listing.objects.exists()


def test_creating_a_listing_needs_a_verified_email(client):
    unverified = make_user(verified=False)
    client.force_login(unverified)
    response = client.post(reverse("listings:create", kwargs={"kind": "room"}), {**FORM_COMMON, **FORM_DETAILS["room"]})
    assert response.status_code == 302
    assert not Listing.objects.exists()


def test_owner_edits_the_price(client, user):
    listing = make_listing(owner=user)
    client.force_login(user)
    data = {**FORM_COMMON, **FORM_DETAILS["room"], "price": "99"}
    response = client.post(reverse("listings:edit", kwargs={"listing_id": listing.pk}), data)
    assert response.status_code == 302
    listing.refresh_from_db()
    assert listing.unit_price == 9900


def test_owner_pauses_resumes_and_deletes(client, user, other_user):
    listing = make_listing(owner=user)
    client.force_login(user)
    client.post(reverse("listings:pause", kwargs={"listing_id": listing.pk}))
    listing.refresh_from_db()
    assert listing.status == ListingStatus.PAUSED
    assert client.get(listing.get_absolute_url()).status_code == 200  # the owner still sees it
    client.post(reverse("listings:resume", kwargs={"listing_id": listing.pk}))
    listing.refresh_from_db()
    assert listing.status == ListingStatus.ACTIVE
    client.post(reverse("listings:delete", kwargs={"listing_id": listing.pk}))
    listing.refresh_from_db()
    assert listing.status == ListingStatus.DELETED
    assert client.get(listing.get_absolute_url()).status_code == 404


def test_owner_adds_reorders_and_deletes_photos(client, user):
    listing = make_listing(owner=user)
    client.force_login(user)
    url = reverse("listings:photos", kwargs={"listing_id": listing.pk})
    client.post(url, {"action": "upload", "photos": [jpeg("a.jpg"), jpeg("b.jpg", size=(4000, 3000))]})
    first, second = listing.photos.all()
    assert max(second.image.width, second.image.height) == 1600  # resized
    client.post(url, {"action": "cover", "photo": second.pk})
    assert [photo.pk for photo in listing.photos.all()] == [second.pk, first.pk]
    client.post(url, {"action": "delete", "photo": second.pk})
    assert [(photo.pk, photo.position) for photo in listing.photos.all()] == [(first.pk, 0)]


def test_eleven_photos_are_refused(client, user):
    listing = make_listing(owner=user)
    client.force_login(user)
    url = reverse("listings:photos", kwargs={"listing_id": listing.pk})
    response = client.post(url, {"action": "upload", "photos": [jpeg(f"{i}.jpg") for i in range(11)]})
    assert "A listing holds up to 10 photos" in response.content.decode()
    assert not listing.photos.exists()


def test_a_yen_price_is_typed_in_whole_yen_and_stored_as_is(client, user):
    client.force_login(user)
    data = {**FORM_COMMON, **FORM_DETAILS["room"], "currency": "JPY", "price": "12000", "fee": "3000"}
    response = client.post(reverse("listings:create", kwargs={"kind": "room"}), data)
    assert response.status_code == 302
    listing = Listing.objects.get()
    assert (listing.currency, listing.unit_price, listing.fee_amount) == ("JPY", 12000, 3000)
    assert "¥12,000" in client.get(listing.get_absolute_url()).content.decode()


def test_a_yen_price_with_decimals_is_refused_on_its_field(client, user):
    client.force_login(user)
    data = {**FORM_COMMON, **FORM_DETAILS["car"], "currency": "JPY", "price": "1200.50"}
    response = client.post(reverse("listings:create", kwargs={"kind": "car"}), data)
    assert response.status_code == 400
    assert "JPY has no smaller unit: type a whole number of JPY." in response.content.decode()
    assert not Listing.objects.exists()


def test_a_car_day_price_in_yen_with_decimals_is_refused_on_its_field(client, user):
    client.force_login(user)
    data = {**FORM_COMMON, **FORM_DETAILS["car"], "currency": "JPY", "price": "1200", "day_price": "60.5"}
    response = client.post(reverse("listings:create", kwargs={"kind": "car"}), data)
    assert "JPY has no smaller unit" in response.content.decode()
    assert not Listing.objects.exists()


def test_the_currency_left_blank_is_the_pins_countrys(client, user):
    client.force_login(user)
    data = {**FORM_COMMON, **FORM_DETAILS["room"], "currency": "", "address": "Shibuya, Tokyo"}
    data.update(latitude="35.6595", longitude="139.7005", price="9000", fee="0")
    assert client.post(reverse("listings:create", kwargs={"kind": "room"}), data).status_code == 302
    assert (Listing.objects.get().currency, Listing.objects.get().unit_price) == ("JPY", 9000)


def test_a_car_owner_sets_the_refuel_price_and_the_listing_page_announces_it(client, user):
    client.force_login(user)
    details = {**FORM_DETAILS["car"], "refuel_price_per_percent": "0.50"}
    client.post(reverse("listings:create", kwargs={"kind": "car"}), {**FORM_COMMON, **details, "photos": [jpeg()]})
    listing = Listing.objects.get()
    assert CarDetails.objects.get(listing=listing).refuel_price_per_percent == 50
    page = client.get(listing.get_absolute_url()).content.decode()
    assert "Fuel or charge missing at the return: €0.50 per %." in page
