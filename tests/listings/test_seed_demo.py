"""seed_demo: a few hundred listings of every kind in several cities, written in each city's language, with
paid past stays and their reviews behind every rating; on-demand providers switched on near Paris's centre,
and a second run adds nothing."""

import re
from datetime import timedelta

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.core.management import call_command
from django.utils import timezone
from PIL import Image

from accounts.models import User
from bookings.models import Booking, BookingStatus
from dispatch.inputs import Need, Position
from dispatch.models import Availability
from dispatch.services.availability import switch_off_silent
from dispatch.services.requests import estimate
from listings.models import DriverCoverage, Listing, ListingKind, ListingPhoto
from listings.search import SearchQuery, search_listing_hits
from payments.models import Payment
from reviews.models import Direction, Review

pytestmark = pytest.mark.django_db


def test_seed_demo_creates_listings_of_every_kind_once():
    call_command("seed_demo", stdout=open("/dev/null", "w"))  # noqa: SIM115
    count = Listing.objects.count()
    assert count >= 300
    assert set(Listing.objects.values_list("kind", flat=True)) == set(ListingKind.values)
    assert len(set(Listing.objects.values_list("city", flat=True))) >= 3
    assert DriverCoverage.objects.exists()

    call_command("seed_demo", stdout=open("/dev/null", "w"))  # noqa: SIM115
    assert Listing.objects.count() == count


def test_seeded_listings_are_found_by_search_in_paris_and_new_york():
    call_command("seed_demo", stdout=open("/dev/null", "w"))  # noqa: SIM115
    for latitude, longitude in ((48.8566, 2.3522), (40.7128, -74.0060)):
        assert search_listing_hits(SearchQuery(latitude=latitude, longitude=longitude)).hits


def test_seed_demo_switches_drivers_and_cars_on_near_paris_and_a_second_run_switches_them_on_again(settings):
    call_command("seed_demo", stdout=open("/dev/null", "w"))  # noqa: SIM115
    guest = User.objects.get(email="guest.one@sharing.test")
    centre = {"position": Position(48.8566, 2.3522), "hours": 2}
    assert estimate(requester=guest, need=Need(kind="driver", **centre)).providers == 3
    assert estimate(requester=guest, need=Need(kind="car", **centre)).providers == 2
    available = Availability.objects.filter(is_available=True)
    assert available.count() == 5 and len({a.provider_id for a in available}) == 5
    listings = Listing.objects.count()

    # Nobody keeps their page open: they go offline like any silent provider.
    later = timezone.now() + timedelta(seconds=settings.DISPATCH_SILENCE_SECONDS + 1)
    assert switch_off_silent(now=later) == 5

    call_command("seed_demo", stdout=open("/dev/null", "w"))  # noqa: SIM115
    assert Listing.objects.count() == listings
    assert Availability.objects.count() == Availability.objects.filter(is_available=True).count() == 5
    assert estimate(requester=guest, need=Need(kind="driver", **centre)).providers == 3


def _drawn(photo) -> bool:
    """A real picture, not a plain colour: a JPEG with hundreds of colours."""
    with photo.image.open("rb") as handle, Image.open(handle) as image:
        return image.format == "JPEG" and len(image.convert("RGB").getcolors(1_000_000) or []) > 200


def test_seeded_listings_have_drawn_pictures_of_their_kind():
    call_command("seed_demo", stdout=open("/dev/null", "w"))  # noqa: SIM115
    for kind, pictures in ((ListingKind.ROOM, 3), (ListingKind.CAR, 3), (ListingKind.DRIVER, 2)):
        listing = Listing.objects.filter(kind=kind).first()
        photos = list(listing.photos.all())
        assert len(photos) == pictures, kind
        assert all(photo.image.name.startswith(f"listings/demo/{kind}-") for photo in photos)
        assert all(_drawn(photo) for photo in photos), kind


def test_a_second_run_replaces_the_plain_colour_pictures_of_older_demo_data():
    call_command("seed_demo", stdout=open("/dev/null", "w"))  # noqa: SIM115
    old = default_storage.save("listings/demo/colour-0.jpg", ContentFile(b"plain"))
    listing = Listing.objects.filter(kind=ListingKind.CAR).first()
    listing.photos.all().delete()
    ListingPhoto.objects.create(listing=listing, image=old, position=0)

    call_command("seed_demo", stdout=open("/dev/null", "w"))  # noqa: SIM115
    names = [photo.image.name for photo in listing.photos.all()]
    assert len(names) == 3 and all(name.startswith("listings/demo/car-") for name in names)
    assert not ListingPhoto.objects.filter(image__startswith="listings/demo/colour-").exists()


def test_the_demo_reads_as_real_listings_with_a_written_review_behind_every_rating_and_a_sound_ledger():
    call_command("seed_demo", stdout=open("/dev/null", "w"))  # noqa: SIM115
    call_command("ledger_check", stdout=open("/dev/null", "w"))  # noqa: SIM115  (raises CommandError when unsound)

    listings = list(Listing.objects.all())
    for listing in listings:
        visible = Review.objects.filter(
            listing=listing, direction=Direction.GUEST_TO_HOST, published_at__isnull=False, hidden_at__isnull=True
        )
        assert listing.rating_count == visible.count(), listing.title
        assert listing.rating_sum == sum(visible.values_list("rating", flat=True)), listing.title
        for words in (listing.title, listing.description, listing.address):
            assert "#" not in words and "demo" not in words.lower(), words
    reviewed = [listing for listing in listings if listing.rating_count]
    assert len(reviewed) >= 50 and all(review.text for review in Review.objects.all())
    assert Review.objects.filter(direction=Direction.GUEST_TO_HOST, aspects__isnull=False).exists()
    assert len({listing.title for listing in listings}) == len(listings)
    # Each city in its language, with its kind of street address.
    assert all(any("\u3040" <= c <= "\u30ff" for c in x.title) for x in listings if x.city == "Tokyo")
    assert all(x.address.startswith("東京都") for x in listings if x.city == "Tokyo")
    assert all(re.search(r"\b75\d{3} Paris$|\b9\d{4} ", x.address) for x in listings if x.city == "Paris")
    assert all(re.search(r"\b1\d{4} Berlin$", x.address) for x in listings if x.city == "Berlin")
    # Each text says its language (issue 22): the listing's is its city's, each review's its author's.
    city_language = {"Paris": "fr", "Berlin": "de", "New York City": "en", "Tokyo": "ja"}
    assert all(x.text_language == city_language[x.city] for x in listings)
    assert not Review.objects.filter(text_language="").exists()
    assert Review.objects.filter(author__language="ja").exclude(text_language="ja").count() == 0
    # The stays behind the reviews took place and were paid: completed, captured, the host's payout released.
    completed = Booking.objects.filter(status=BookingStatus.COMPLETED)
    assert completed.count() == Review.objects.filter(direction=Direction.GUEST_TO_HOST).count()
    assert Payment.objects.filter(status=Payment.Status.CAPTURED).count() == completed.count()
    assert not completed.filter(payout_released_at__isnull=True).exists()


def test_a_second_run_gives_listings_of_older_demo_data_their_words_instead_of_adding_new_ones():
    call_command("seed_demo", stdout=open("/dev/null", "w"))  # noqa: SIM115
    count = Listing.objects.count()
    first = Listing.objects.filter(owner__email__startswith="host.").order_by("pk").first()
    words = (first.title, first.description, first.address)
    Listing.objects.filter(pk=first.pk).update(
        title="Sunny room in Paris #0", description="A demo room in Paris: book it to try Sharing.", address="Paris"
    )

    call_command("seed_demo", stdout=open("/dev/null", "w"))  # noqa: SIM115
    assert Listing.objects.count() == count
    first.refresh_from_db()
    assert (first.title, first.description, first.address) == words
