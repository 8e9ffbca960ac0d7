"""The listing page brings the other apps together: booking panel, reviews, and questions to the host."""

import pytest
from django.urls import reverse

from listings.services import question_thread_key
from realtime.models import Thread
from tests.conftest import make_user
from tests.listings.factories import make_listing
from tests.payments.fixtures import ledger_checked, localstripe, stripe_api  # noqa: F401

pytestmark = pytest.mark.django_db


def _ask(client, listing):
    return client.post(reverse("listings:ask", kwargs={"listing_id": listing.pk}))


def test_the_listing_page_offers_the_booking_form(client):
    listing = make_listing(instant_book=True)
    client.force_login(make_user())

    page = client.get(listing.get_absolute_url()).content.decode()

    assert reverse("bookings:book", kwargs={"listing_id": listing.pk}) in page
    assert "Book now" in page


def test_asking_the_host_opens_a_private_thread_between_the_two(client):
    listing = make_listing()
    guest = make_user()
    client.force_login(guest)

    response = _ask(client, listing)

    thread = Thread.objects.get(key=question_thread_key(listing_id=listing.pk, requester_id=guest.pk))
    assert response["Location"] == reverse("realtime:thread", kwargs={"thread_id": thread.pk})
    assert set(thread.memberships.values_list("user_id", flat=True)) == {guest.pk, listing.owner_id}


def test_asking_twice_reuses_the_same_thread(client):
    listing = make_listing()
    client.force_login(make_user())
    _ask(client, listing)
    _ask(client, listing)
    assert Thread.objects.filter(key__startswith=f"listing:{listing.pk}:").count() == 1


def test_another_requester_cannot_read_someone_elses_question_thread(client):
    listing = make_listing()
    client.force_login(make_user())
    thread_url = _ask(client, listing)["Location"]

    client.force_login(make_user())

    assert client.get(thread_url).status_code == 404


def test_the_owner_cannot_ask_their_own_listing(client):
    listing = make_listing()
    client.force_login(listing.owner)

    response = _ask(client, listing)

    assert response.status_code == 302
    assert not Thread.objects.exists()


def test_a_paused_listing_cannot_be_asked_about_by_others(client):
    listing = make_listing(status="paused")
    client.force_login(make_user())
    assert _ask(client, listing).status_code == 404
    assert not Thread.objects.exists()


def test_anonymous_visitors_are_sent_to_log_in(client):
    listing = make_listing()
    response = _ask(client, listing)
    assert reverse("account_login") in response["Location"]
    assert not Thread.objects.exists()


# Reviews are of paid bookings: this one pays through the localstripe harness.
@pytest.mark.usefixtures("stripe_api", "ledger_checked")
def test_the_listing_page_shows_published_reviews(client):
    from tests.reviews.factories import completed, guest_review, host_review

    booking = completed()
    guest_review(booking, text="The host left fresh bread for breakfast, wonderful.")
    host_review(booking)

    page = client.get(booking.listing.get_absolute_url()).content.decode()

    assert "The host left fresh bread for breakfast, wonderful." in page
