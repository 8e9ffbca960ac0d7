"""HTML and JavaScript typed into any text field is shown as text on every page that shows the field, and comes
back from the API as the same plain text.

Each case stores the payload raw in one field (as if a form had let it through: the worst
case), then opens each page that shows that field as someone allowed to see it. The escaped
payload must be there (so the page really shows the field) and the raw one nowhere.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import pytest
from django.db.models import F
from django.urls import reverse

from accounts.models import User
from disputes.models import Dispute
from listings.models import BusyPeriod, Listing, RoomDetails
from realtime.models import Message, Notification, Thread
from reviews.models import Review, ReviewReport
from tests.security.conftest import client_for
from tests.security.world import World

pytestmark = pytest.mark.django_db

PAYLOAD = "<script>alert(1)</script><img src=x onerror=alert(1)>"
ESCAPED = "&lt;script&gt;alert(1)&lt;/script&gt;&lt;img src=x onerror=alert(1)&gt;"
RAW_MARKERS = ("<script>alert(1)", "<img src=x onerror")


@dataclass(frozen=True)
class Field:
    id: str
    store: Callable[[World], None]
    pages: tuple[tuple[str, str], ...]  # (viewer, path builder key)


def _set(model, pk_of: Callable[[World], int], **values) -> Callable[[World], None]:
    return lambda w: model._base_manager.filter(pk=pk_of(w)).update(**values)


def _notification_payload(w: World) -> None:
    notification = Notification.objects.get(pk=w.notification.pk)
    # The link too: a notification's url must never become a javascript: link.
    notification.payload = {**notification.payload, "title": PAYLOAD, "url": "javascript:alert(1)"}
    notification.save(update_fields=["payload"])


# Where each page is, for the world at hand.
PAGES: dict[str, Callable[[World], str]] = {
    "listing": lambda w: reverse("listings:detail", kwargs={"listing_id": w.listing.pk}),
    "search": lambda w: reverse("listings:search") + "?q=Paris",
    "mine": lambda w: reverse("listings:mine"),
    "calendar": lambda w: reverse("listings:calendar", kwargs={"listing_id": w.listing.pk}),
    "booking": lambda w: reverse("bookings:detail", kwargs={"booking_id": w.requested.pk}),
    "trips": lambda w: reverse("bookings:trips"),
    "reservations": lambda w: reverse("bookings:reservations"),
    "book": lambda w: reverse("bookings:book", kwargs={"listing_id": w.listing.pk}),
    "profile": lambda w: reverse("accounts:profile", kwargs={"user_id": w.host.pk}),
    "guest-profile": lambda w: reverse("accounts:profile", kwargs={"user_id": w.guest.pk}),
    "listing-reviews": lambda w: reverse("reviews:listing", kwargs={"listing_id": w.instant.pk}),
    "profile-reviews": lambda w: reverse("reviews:profile", kwargs={"user_id": w.host.pk}),
    "booking-reviews": lambda w: reverse("reviews:write", kwargs={"booking_id": w.completed.pk}),
    "moderate": lambda w: reverse("reviews:moderate", kwargs={"report_id": w.report.pk}),
    "thread": lambda w: reverse("realtime:thread", kwargs={"thread_id": w.thread.pk}),
    "inbox": lambda w: reverse("realtime:inbox"),
    "notifications": lambda w: reverse("realtime:notifications"),
    "dispute": lambda w: reverse("disputes:detail", kwargs={"dispute_id": w.dispute.pk}),
    "dispute-desk": lambda w: reverse("admin:disputes_dispute_change", args=[w.dispute.pk]),
    "suspension": lambda w: reverse("disputes:suspension", kwargs={"user_id": w.suspended.pk}),
}

FIELDS = [
    Field(
        "listing-title",
        _set(Listing, lambda w: w.listing.pk, title=PAYLOAD),
        (
            ("anonymous", "listing"),
            ("anonymous", "search"),
            ("host", "mine"),
            ("host", "booking"),
            ("guest", "trips"),
            ("host", "reservations"),
            ("guest", "book"),
        ),
    ),
    Field(
        "listing-description", _set(Listing, lambda w: w.listing.pk, description=PAYLOAD), (("anonymous", "listing"),)
    ),
    # The address is the host's (and booked guests') only: listings.privacy.
    Field(
        "listing-address",
        _set(Listing, lambda w: w.listing.pk, address=PAYLOAD),
        (("host", "listing"), ("host", "booking")),
    ),
    Field(
        "house-rules",
        _set(RoomDetails, lambda w: w.listing.room.pk, house_rules=PAYLOAD),
        (("anonymous", "listing"),),
    ),
    Field(
        "host-display-name",
        _set(User, lambda w: w.host.pk, display_name=PAYLOAD),
        (("anonymous", "listing"), ("anonymous", "profile"), ("guest", "booking"), ("guest", "thread")),
    ),
    Field(
        "guest-display-name",
        _set(User, lambda w: w.guest.pk, display_name=PAYLOAD),
        (
            ("host", "booking"),
            ("host", "reservations"),
            ("anonymous", "listing-reviews"),
            ("anonymous", "guest-profile"),
            ("staff", "dispute-desk"),
        ),
    ),
    Field("bio", _set(User, lambda w: w.host.pk, bio=PAYLOAD), (("anonymous", "profile"),)),
    Field("city", _set(User, lambda w: w.host.pk, city=PAYLOAD), (("anonymous", "profile"),)),
    Field("languages", _set(User, lambda w: w.host.pk, languages=PAYLOAD), (("anonymous", "profile"),)),
    Field(
        "review-text",
        _set(Review, lambda w: w.published_review.pk, text=PAYLOAD),
        (("anonymous", "listing-reviews"), ("anonymous", "profile-reviews"), ("guest", "booking-reviews")),
    ),
    Field(
        "review-response",
        _set(Review, lambda w: w.published_review.pk, response=PAYLOAD, responded_at=F("published_at")),
        (("anonymous", "listing-reviews"),),
    ),
    Field("report-reason", _set(ReviewReport, lambda w: w.report.pk, reason=PAYLOAD), (("staff", "moderate"),)),
    Field(
        "message-text",
        _set(Message, lambda w: w.thread.messages.get().pk, body=PAYLOAD),
        (("host", "thread"), ("guest", "thread")),
    ),
    Field("thread-title", _set(Thread, lambda w: w.thread.pk, title=PAYLOAD), (("host", "thread"), ("host", "inbox"))),
    Field("notification-text", _notification_payload, (("host", "notifications"),)),
    Field(
        "dispute-statement",
        _set(Dispute, lambda w: w.dispute.pk, description=PAYLOAD),
        (("guest", "dispute"), ("staff", "dispute-desk")),
    ),
    Field("block-note", _set(BusyPeriod, lambda w: w.block.pk, note=PAYLOAD), (("host", "calendar"),)),
    Field(
        "suspension-reason",
        _set(User, lambda w: w.suspended.pk, suspension_reason=PAYLOAD),
        (("staff", "suspension"),),
    ),
]

CASES = [(field, viewer, page) for field in FIELDS for viewer, page in field.pages]


@pytest.mark.parametrize(
    ("field", "viewer", "page"), CASES, ids=[f"{f.id}-on-{page}[{viewer}]" for f, viewer, page in CASES]
)
def test_html_in_a_text_field_is_escaped_where_it_is_shown(in_world: World, field: Field, viewer: str, page: str):
    field.store(in_world)
    path = PAGES[page](in_world)

    response = client_for(in_world, viewer).get(path)

    assert response.status_code == 200, f"{viewer} GET {path}: {response.status_code}"
    body = response.content.decode()
    assert not [marker for marker in RAW_MARKERS if marker in body], f"raw HTML from {field.id} on {path}"
    assert ESCAPED in body, f"{field.id} is not shown on {path} (or shown altered)"
    assert 'href="javascript:' not in body.lower()


def test_search_results_fragment_escapes_the_title_too(in_world: World):
    Listing.objects.filter(pk=in_world.listing.pk).update(title=PAYLOAD)
    response = client_for(in_world, "anonymous").get(reverse("listings:search") + "?q=Paris", HTTP_HX_REQUEST="true")
    body = response.content.decode()
    assert ESCAPED in body and not any(marker in body for marker in RAW_MARKERS)


def test_the_api_returns_the_payload_as_the_same_plain_text(in_world: World):
    Listing.objects.filter(pk=in_world.listing.pk).update(title=PAYLOAD, description=PAYLOAD)
    Message.objects.filter(thread=in_world.thread).update(body=PAYLOAD)
    Review.objects.filter(pk=in_world.published_review.pk).update(text=PAYLOAD)
    anonymous, guest = client_for(in_world, "anonymous"), client_for(in_world, "guest")

    listing = anonymous.get(f"/api/v1/listings/{in_world.listing.pk}").json()
    messages = guest.get(f"/api/v1/threads/{in_world.thread.pk}/messages").json()
    reviews = anonymous.get(f"/api/v1/reviews/listings/{in_world.instant.pk}").json()

    assert listing["title"] == listing["description"] == PAYLOAD
    assert PAYLOAD in [m["body"] for m in (messages["items"] if isinstance(messages, dict) else messages)]
    assert PAYLOAD in [r["text"] for r in reviews["items"]]
