"""The pages off the main path read in each shipped language: settings, data, blocks, lists, codes, documents.

Each page is rendered in English and in each language: the translation must differ from the English page and
must not show any of the English words of that page (what the code wrote; names people typed stay as typed).
"""

from __future__ import annotations

from datetime import timedelta
from unittest import mock

import pytest

from accounts.safety import block_person
from discovery.favourites import add_to_list, create_list
from discovery.saved_searches import save_search
from personaldata.services import request_export
from tests.bookings.factories import NOW
from tests.conftest import make_user
from tests.listings.factories import make_listing
from tests.promotions.factories import make_code

pytestmark = pytest.mark.django_db

LANGUAGES = ["es", "fr", "de", "ja", "zh-hans"]


@pytest.fixture(autouse=True)
def _frozen_clock():
    with mock.patch("django.utils.timezone.now", return_value=NOW):
        yield


@pytest.fixture
def person(client):
    """A host with a listing, a block, a list, a saved search, a promo code and a data export; logged in."""
    person = make_user(display_name="Camille")
    listing = make_listing(owner=person, title="Loft on the canal")
    other = make_user(display_name="Boris")
    block_person(blocker=person, person_id=other.pk)
    favourites = create_list(owner=person, name="Lisboa")
    add_to_list(owner=person, list_id=favourites.pk, listing_id=make_listing(title="Casa azul").pk)
    save_search(owner=person, name="Paris", latitude=48.85, longitude=2.35, radius_km=5, kind="room")
    make_code(by=person, funded_by="host", code="SPRING", valid_until=NOW + timedelta(days=9))
    request_export(user=person, now=NOW)
    client.force_login(person)
    person.block_target, person.list_id, person.listing = other, favourites.pk, listing
    return person


def pages(person) -> dict[str, tuple[str, list[str]]]:
    """Each page's address and English words of it that no translation may show."""
    return {
        "blocks": ("/people/blocked/", ["People you blocked", "Unblock", "Neither of you can write", "since "]),
        "report": (
            f"/people/report/?person={person.block_target.pk}",
            ["Report Boris", "What happened?", "Send the report", "Only Sharing's staff read this"],
        ),
        "profile": (
            f"/people/{person.pk}/edit/",
            ["Edit your profile", "Name shown to others", "About you", "Save profile", "Country (where"],
        ),
        "identity": (
            "/people/me/identity/",
            ["Identity document", "Optional: a verified identity", "Send for review", "Your photos are kept"],
        ),
        "my data": (
            "/my-data/",
            ["Download my data", "Prepare my archive", "Being prepared", "Delete my account", "Type your email"],
        ),
        "lists": ("/saved/", ["My lists", "1 listing", "New list", "List name", "Create<", "My saved searches"]),
        "list": (f"/saved/lists/{person.list_id}/", ["Share by link", "Private: only you", "Rename", "Remove"]),
        "searches": ("/saved/searches/", ["My saved searches", "within 5 km", "rooms", "Delete<", "we tell you"]),
        "promo codes": (
            "/promotions/codes/",
            ["My promo codes", "% off", "until ", "Stop<", "New code", "Make the code", "Codes you make"],
        ),
        "invite": ("/promotions/invite/", ["Invite friends", "signed up with your link", "No credit yet"]),
        "receipts": ("/receipts/", ["Receipts and statements", "Nothing yet", "your first receipt"]),
        "my listings": ("/listings/mine/", ["List something new", ">Room<"]),
        "list something": ("/listings/new/", ["What would you like to share?", "Driving service"]),
        "listing edit": (
            f"/listings/{person.listing.pk}/edit/",
            ["About it", "Price and rules", "Price per night", "Cleaning fee", "Check-in time", "Save changes"],
        ),
        "new car": (
            "/listings/new/car/",
            ["New listing", "Price per hour", "Security deposit", "Transmission", "Km included", "Publish"],
        ),
        "photos": (f"/listings/{person.listing.pk}/photos/", ["Photos of", "The first one is the cover", "Upload"]),
        "calendar": (
            f"/listings/{person.listing.pk}/calendar/",
            ["Availability of", "First day", "Block these days", "Coming up", "Back to the listing"],
        ),
    }


@pytest.mark.parametrize(
    "page",
    [
        "blocks",
        "report",
        "profile",
        "identity",
        "my data",
        "lists",
        "list",
        "searches",
        "promo codes",
        "invite",
        "receipts",
        "my listings",
        "list something",
        "listing edit",
        "new car",
        "photos",
        "calendar",
    ],
)
def test_the_page_is_in_each_language_with_no_english_left(client, person, page):
    address, english_words = pages(person)[page]
    english = client.get(address, HTTP_ACCEPT_LANGUAGE="en")
    assert english.status_code == 200, english.status_code
    english_page = english.content.decode()
    for words in english_words:
        assert words in english_page, ("en", words)  # the words are the page's, so their absence means something
    for language in LANGUAGES:
        translated = client.get(address, HTTP_ACCEPT_LANGUAGE=language).content.decode()
        assert translated != english_page
        for words in english_words:
            assert words not in translated, (language, words)


def test_names_people_typed_stay_as_they_typed_them(client, person):
    page = client.get(f"/saved/lists/{person.list_id}/", HTTP_ACCEPT_LANGUAGE="ja").content.decode()
    assert "Lisboa" in page and "Casa azul" in page and "リンクで共有" in page


@pytest.mark.parametrize(
    ("language", "words"),
    [
        ("de", ["Von Ihnen blockierte Personen", "Blockierung aufheben"]),
        ("fr", ["Personnes que vous avez bloquées", "Débloquer"]),
        ("ja", ["ブロックした人", "ブロックを解除"]),
    ],
)
def test_the_blocks_page_says_the_glossarys_words(client, person, language, words):
    page = client.get("/people/blocked/", HTTP_ACCEPT_LANGUAGE=language).content.decode()
    for word in words:
        assert word in page, (language, word)


def test_a_partys_dispute_page_is_in_each_language(client):
    from tests.disputes.helpers import open_as_guest, paid_booking

    booking = paid_booking()
    dispute = open_as_guest(booking)
    client.force_login(booking.guest)
    english_words = ["Dispute about", "Damage", "Evidence", "Add a photo", "Dispute conversation", "Caption"]
    english = client.get(dispute.get_absolute_url(), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    for words in english_words:
        assert words in english, ("en", words)
    for language in LANGUAGES:
        page = client.get(dispute.get_absolute_url(), HTTP_ACCEPT_LANGUAGE=language).content.decode()
        assert page != english
        for words in english_words:
            assert words not in page, (language, words)
    german = client.get(dispute.get_absolute_url(), HTTP_ACCEPT_LANGUAGE="de").content.decode()
    assert "Streitfall zu" in german and "Schaden" in german


def test_the_car_handover_page_is_in_each_language(client):
    from django.urls import reverse

    from tests.handover.factories import rented_car, report

    booking = rented_car()
    report(booking, side="host", km=12_345)
    client.force_login(booking.guest)
    address = reverse("handover:detail", kwargs={"booking_id": booking.pk})
    english_words = ["Handover of", "The owner's report", "Confirm this report", "Contest it", "What is wrong"]
    english_words += ["Odometer 12345 km", "Not filed yet", "Pickup<"]
    english = client.get(address, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    for words in english_words:
        assert words in english, ("en", words)
    for language in LANGUAGES:
        page = client.get(address, HTTP_ACCEPT_LANGUAGE=language).content.decode()
        assert page != english and "12345" in page
        for words in english_words:
            assert words not in page, (language, words)
