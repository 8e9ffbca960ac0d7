"""The attack matrix: for every route, how it is protected, and what a stranger tries against A's and G's things.

Every page route name, API operation ("METHOD /api/v1/path") and WebSocket route that
Django, the OpenAPI schema or the ASGI router knows must appear here:

- `ATTEMPTS`: object-bearing routes; second user, anonymous visitor and suspended person each
  try every method on A's (or G's) object and must get 403/404 (a log-in redirect or 401 when
  anonymous) with nothing changed (test_object_access.py);
- `SELF_SCOPED`: routes that only ever act on the person asking (no object id in the URL);
  strangers see nothing of A's there, visitors are sent to log in (test_object_access.py);
- `PUBLIC` / `PUBLIC_GROUPS`: open by design, with the reason;
- `WEBSOCKETS`: test_websocket.py.

A new route fails test_route_coverage.py until it is added to one of them.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django.urls import reverse

from tests.security.world import World, jpeg

PATCH = "PATCH"
PUT = "PUT"
DELETE = "DELETE"
POST = "POST"
GET = "GET"


@dataclass(frozen=True)
class Attempt:
    """One thing a stranger tries: `method` on `route` (page name or API operation) aimed at someone's object."""

    id: str
    route: str
    method: str
    kwargs: Callable[[World], dict[str, Any]]
    data: Callable[[World], dict[str, Any]] | None = None
    query: str = ""
    # Who may do it: for GETs, that person must get a 200 (proof the URL really names the object).
    rightful: str | None = None
    # The route answers strangers 200 but ignores them (documented, e.g. someone else's notification ids).
    ignored: bool = False
    # The suspension check runs first and answers with its message (a redirect), before ownership is looked
    # at: the suspended person learns nothing about the object, and nothing changes.
    suspension_first: bool = False

    @property
    def is_api(self) -> bool:
        return " " in self.route

    def path(self, world: World) -> str:
        kwargs = self.kwargs(world)
        path = self.route.split(" ", 1)[1].format(**kwargs) if self.is_api else reverse(self.route, kwargs=kwargs)
        return f"{path}?{self.query}" if self.query else path


def _listing(name: str) -> Callable[[World], dict]:
    return lambda w: {"listing_id": getattr(w, name).pk}


def _booking(name: str) -> Callable[[World], dict]:
    return lambda w: {"booking_id": getattr(w, name).pk}


def _review(name: str) -> Callable[[World], dict]:
    return lambda w: {"review_id": getattr(w, name).pk}


def _car_photos() -> dict[str, Any]:
    return {angle: jpeg(name=f"{angle}.jpg") for angle in ("front", "back", "left", "right", "interior", "dashboard")}


def _receipt(w: World) -> dict:
    return {"document_id": w.receipt.pk}


def _statement(w: World) -> dict:
    return {"document_id": w.statement.pk}


def _nothing(w: World) -> dict:
    return {}


def _world_message(w: World) -> int:
    from realtime.models import Message

    return Message.objects.filter(thread=w.thread).values_list("pk", flat=True).first()


PERIOD = {"start": "2027-09-01", "end": "2027-09-03", "guests": 1}
REVIEW = {"rating": 1, "text": "Terrible, never go there, the owner is a crook."}
LISTING_EDIT = {
    "title": "Pwned",
    "description": "Taken over",
    "address": "1 Rue X, Paris",
    "unit_price": "1",
    "capacity": "1",
    "min_units": "1",
    "max_units": "2",
    "cancellation_policy": "flexible",
}

ATTEMPTS: list[Attempt] = [
    # --- accounts ------------------------------------------------------------------------------------
    Attempt("profile-edit", "accounts:profile_edit", GET, lambda w: {"user_id": w.host.pk}, rightful="host"),
    Attempt(
        "profile-edit",
        "accounts:profile_edit",
        POST,
        lambda w: {"user_id": w.host.pk},
        lambda w: {"display_name": "Pwned", "bio": "", "languages": "", "city": ""},
    ),
    # Reporting a message of A and G's conversation: only its participants may (strangers get a 404).
    Attempt(
        "message-report",
        "accounts:report",
        POST,
        _nothing,
        lambda w: {"message": _world_message(w), "reason": "Spam spam spam spam."},
    ),
    Attempt(
        "api-message-report",
        "POST /api/v1/safety/reports",
        POST,
        _nothing,
        lambda w: {"message_id": _world_message(w), "reason": "Spam spam spam spam."},
    ),
    # Unblocking acts on the asker's own blocks: nobody can lift G's block of someone else.
    Attempt("api-unblock", "DELETE /api/v1/safety/blocks/{user_id}", "DELETE", lambda w: {"user_id": w.blocked.pk}),
    # G's "download my data" archive: G only, by its token.
    Attempt("data-export", "personaldata:download", GET, lambda w: {"token": w.export.token}, rightful="guest"),
    Attempt(
        "api-data-export",
        "GET /api/v1/me/exports/{token}",
        GET,
        lambda w: {"token": w.export.token},
        rightful="guest",
    ),
    # --- listings ------------------------------------------------------------------------------------
    Attempt("paused-listing-page", "listings:detail", GET, _listing("paused"), rightful="host"),
    Attempt("listing-edit", "listings:edit", GET, _listing("listing"), rightful="host"),
    Attempt("listing-edit", "listings:edit", POST, _listing("listing"), lambda w: LISTING_EDIT),
    Attempt("paused-listing-ask", "listings:ask", POST, _listing("paused")),
    Attempt("paused-listing-report", "listings:report", POST, _listing("paused"), lambda w: {"reason": "Spam"}),
    Attempt("listing-photos", "listings:photos", GET, _listing("listing"), rightful="host"),
    Attempt("listing-photo-upload", "listings:photos", POST, _listing("listing"), lambda w: {"photos": jpeg()}),
    Attempt(
        "listing-photo-delete",
        "listings:photos",
        POST,
        _listing("listing"),
        lambda w: {"action": "delete", "photo": w.photo.pk},
    ),
    Attempt(
        "listing-photo-cover",
        "listings:photos",
        POST,
        _listing("listing"),
        lambda w: {"action": "cover", "photo": w.photo.pk},
    ),
    Attempt("listing-pause", "listings:pause", POST, _listing("listing")),
    Attempt("paused-listing-resume", "listings:resume", POST, _listing("paused")),
    Attempt("listing-delete", "listings:delete", POST, _listing("listing")),
    Attempt("listing-calendar", "listings:calendar", GET, _listing("listing"), rightful="host"),
    Attempt(
        "listing-calendar-block",
        "listings:calendar",
        POST,
        _listing("listing"),
        lambda w: {"start": "2027-08-01", "end": "2027-08-03", "note": "mine now"},
    ),
    Attempt(
        "listing-calendar-unblock",
        "listings:unblock",
        POST,
        lambda w: {"listing_id": w.listing.pk, "period_id": w.block.pk},
    ),
    # --- bookings ------------------------------------------------------------------------------------
    Attempt("paused-listing-book", "bookings:book", GET, _listing("paused")),
    Attempt(
        "paused-listing-book",
        "bookings:book",
        POST,
        _listing("paused"),
        lambda w: {**PERIOD, "payment_method": "pm_card_visa"},
    ),
    Attempt("paused-listing-quote", "bookings:quote", GET, _listing("paused"), query="start=2027-09-01&end=2027-09-03"),
    Attempt("checkout-complete", "bookings:checkout_complete", GET, lambda w: {"checkout_uid": w.checkout.uid}),
    Attempt("checkout-complete", "bookings:checkout_complete", POST, lambda w: {"checkout_uid": w.checkout.uid}),
    Attempt("booking-page", "bookings:detail", GET, _booking("requested"), rightful="host"),
    Attempt("paid-booking-page", "bookings:detail", GET, _booking("confirmed"), rightful="guest"),
    Attempt("booking-accept", "bookings:accept", POST, _booking("requested")),
    Attempt("booking-decline", "bookings:decline", POST, _booking("requested"), lambda w: {"reason": "No."}),
    Attempt("booking-withdraw", "bookings:withdraw", POST, _booking("requested")),
    Attempt("booking-cancel", "bookings:cancel", POST, _booking("confirmed"), lambda w: {"reason": "No."}),
    Attempt("booking-cancel-confirm", "bookings:cancel", GET, _booking("confirmed"), rightful="guest"),
    Attempt("booking-pay", "bookings:pay", GET, _booking("confirmed"), rightful="guest"),
    Attempt("booking-pay", "bookings:pay", POST, _booking("confirmed"), lambda w: {"payment_method": "pm_card_visa"}),
    Attempt("booking-pay-complete", "bookings:pay_complete", GET, _booking("confirmed")),
    Attempt("booking-pay-complete", "bookings:pay_complete", POST, _booking("confirmed")),
    Attempt("booking-change", "bookings:change", GET, _booking("confirmed"), rightful="guest"),
    Attempt("booking-change", "bookings:change", POST, _booking("confirmed"), lambda w: {**PERIOD, "guests": 1}),
    Attempt("booking-change-accept", "bookings:change_accept", POST, _booking("confirmed")),
    Attempt("booking-change-decline", "bookings:change_decline", POST, _booking("confirmed")),
    Attempt("booking-change-withdraw", "bookings:change_withdraw", POST, _booking("confirmed")),
    # --- conversations -------------------------------------------------------------------------------
    Attempt("thread", "realtime:thread", GET, lambda w: {"thread_id": w.thread.pk}, rightful="guest"),
    Attempt("thread-post", "realtime:thread", POST, lambda w: {"thread_id": w.thread.pk}, lambda w: {"body": "Hi!"}),
    # --- receipts and statements -------------------------------------------------------------------
    Attempt("receipt-pdf", "receipts:pdf", GET, _receipt, rightful="guest"),
    Attempt("statement-csv", "receipts:csv", GET, _statement, rightful="host"),
    # --- payments ------------------------------------------------------------------------------------
    Attempt(
        "payment-authenticate",
        "payments:payment_authenticate",
        GET,
        lambda w: {"payment_id": w.checkout_payment.pk},
        rightful="guest",
    ),
    Attempt(
        "payment-authenticate", "payments:payment_authenticate", POST, lambda w: {"payment_id": w.checkout_payment.pk}
    ),
    # --- reviews -------------------------------------------------------------------------------------
    Attempt("booking-reviews", "reviews:write", GET, _booking("half_reviewed"), rightful="guest"),
    Attempt("booking-review-write", "reviews:write", POST, _booking("half_reviewed"), lambda w: REVIEW),
    Attempt("review-respond", "reviews:respond", POST, _review("published_review"), lambda w: {"response": "Lies."}),
    Attempt(
        "private-review-respond", "reviews:respond", POST, _review("private_review"), lambda w: {"response": "Lies."}
    ),
    Attempt("private-review-report", "reviews:report", GET, _review("private_review")),
    Attempt("private-review-report", "reviews:report", POST, _review("private_review"), lambda w: {"reason": "Fake"}),
    Attempt("review-moderate", "reviews:moderate", GET, lambda w: {"report_id": w.report.pk}, rightful="staff"),
    Attempt(
        "review-moderate",
        "reviews:moderate",
        POST,
        lambda w: {"report_id": w.report.pk},
        lambda w: {"decision": "hide", "reason": "I do not like it."},
    ),
    Attempt("paused-listing-reviews", "reviews:listing", GET, _listing("paused"), rightful="host"),
    # --- disputes ------------------------------------------------------------------------------------
    Attempt("dispute-open", "disputes:open", GET, _booking("confirmed"), rightful="guest"),
    Attempt(
        "dispute-open",
        "disputes:open",
        POST,
        _booking("confirmed"),
        lambda w: {"category": "damage", "description": "Everything was broken and dirty."},
    ),
    Attempt("dispute-page", "disputes:detail", GET, lambda w: {"dispute_id": w.dispute.pk}, rightful="guest"),
    Attempt(
        "dispute-evidence",
        "disputes:add_evidence",
        POST,
        lambda w: {"dispute_id": w.dispute.pk},
        lambda w: {"image": jpeg(), "caption": "proof"},
    ),
    Attempt("suspension", "disputes:suspension", GET, lambda w: {"user_id": w.host.pk}, rightful="staff"),
    Attempt(
        "suspension", "disputes:suspension", POST, lambda w: {"user_id": w.host.pk}, lambda w: {"reason": "Because."}
    ),
    # --- dispatch (on demand) ------------------------------------------------------------------------
    Attempt("ride-page", "dispatch:request", GET, lambda w: {"request_id": w.ride.pk}, rightful="guest"),
    Attempt("ride-cancel", "dispatch:cancel", POST, lambda w: {"request_id": w.ride.pk}),
    Attempt("ride-authenticated", "dispatch:authenticated", GET, lambda w: {"request_id": w.ride.pk}),
    Attempt("ride-accept", "dispatch:accept", POST, lambda w: {"request_id": w.ride.pk}),
    Attempt("ride-pass", "dispatch:pass", POST, lambda w: {"request_id": w.ride.pk}),
    Attempt("driver-go-offline", "dispatch:availability", POST, _listing("driver"), lambda w: {"available": "off"}),
    Attempt(
        "driver-go-available",
        "dispatch:availability",
        POST,
        _listing("driver"),
        lambda w: {"available": "on", "latitude": "48.85", "longitude": "2.35"},
        suspension_first=True,
    ),
    Attempt(
        "api-ride",
        "GET /api/v1/dispatch/requests/{request_id}",
        GET,
        lambda w: {"request_id": w.ride.pk},
        rightful="guest",
    ),
    Attempt(
        "api-ride-cancel",
        "POST /api/v1/dispatch/requests/{request_id}/cancel",
        POST,
        lambda w: {"request_id": w.ride.pk},
    ),
    Attempt(
        "api-ride-authenticated",
        "POST /api/v1/dispatch/requests/{request_id}/authenticated",
        POST,
        lambda w: {"request_id": w.ride.pk},
    ),
    Attempt(
        "api-ride-accept",
        "POST /api/v1/dispatch/requests/{request_id}/accept",
        POST,
        lambda w: {"request_id": w.ride.pk},
    ),
    Attempt(
        "api-ride-pass", "POST /api/v1/dispatch/requests/{request_id}/pass", POST, lambda w: {"request_id": w.ride.pk}
    ),
    Attempt(
        "api-driver-go-offline",
        "POST /api/v1/dispatch/availability",
        POST,
        _nothing,
        lambda w: {"listing_id": w.driver.pk, "available": False},
    ),
    # --- API: conversations and notifications --------------------------------------------------------
    Attempt(
        "api-thread", "GET /api/v1/threads/{thread_id}", GET, lambda w: {"thread_id": w.thread.pk}, rightful="guest"
    ),
    Attempt(
        "api-thread-messages",
        "GET /api/v1/threads/{thread_id}/messages",
        GET,
        lambda w: {"thread_id": w.thread.pk},
        rightful="guest",
    ),
    Attempt(
        "api-thread-post",
        "POST /api/v1/threads/{thread_id}/messages",
        POST,
        lambda w: {"thread_id": w.thread.pk},
        lambda w: {"body": "Hi!"},
    ),
    Attempt(
        "api-thread-read",
        "POST /api/v1/threads/{thread_id}/read",
        POST,
        lambda w: {"thread_id": w.thread.pk},
        lambda w: {"up_to_id": None},
    ),
    Attempt(
        "api-notification-read",
        "POST /api/v1/notifications/{notification_id}/read",
        POST,
        lambda w: {"notification_id": w.notification.pk},
        ignored=True,
    ),
    Attempt(
        "api-notifications-read-ids",
        "POST /api/v1/notifications/read",
        POST,
        _nothing,
        lambda w: {"ids": [w.notification.pk]},
        ignored=True,
    ),
    # --- API: listings -------------------------------------------------------------------------------
    Attempt("api-paused-listing", "GET /api/v1/listings/{listing_id}", GET, _listing("paused"), rightful="host"),
    Attempt(
        "api-listing-patch",
        "PATCH /api/v1/listings/{listing_id}",
        PATCH,
        _listing("listing"),
        lambda w: {"title": "Pwned"},
    ),
    Attempt(
        "api-listing-status",
        "POST /api/v1/listings/{listing_id}/status",
        POST,
        _listing("listing"),
        lambda w: {"status": "deleted"},
    ),
    Attempt(
        "api-paused-listing-resume",
        "POST /api/v1/listings/{listing_id}/status",
        POST,
        _listing("paused"),
        lambda w: {"status": "active"},
    ),
    Attempt(
        "api-listing-photos",
        "GET /api/v1/listings/{listing_id}/photos",
        GET,
        _listing("listing"),
        rightful="host",
    ),
    Attempt(
        "api-listing-photo-upload",
        "POST /api/v1/listings/{listing_id}/photos",
        POST,
        _listing("listing"),
        lambda w: {"photos": jpeg()},
    ),
    Attempt(
        "api-listing-photo-order",
        "PUT /api/v1/listings/{listing_id}/photos/order",
        PUT,
        _listing("listing"),
        lambda w: {"photo_ids": [w.photo.pk]},
    ),
    Attempt(
        "api-listing-photo-cover",
        "POST /api/v1/listings/{listing_id}/photos/{photo_id}/cover",
        POST,
        lambda w: {"listing_id": w.listing.pk, "photo_id": w.photo.pk},
    ),
    Attempt(
        "api-listing-photo-caption",
        "PATCH /api/v1/listings/{listing_id}/photos/{photo_id}",
        PATCH,
        lambda w: {"listing_id": w.listing.pk, "photo_id": w.photo.pk},
        lambda w: {"caption": "Pwned"},
    ),
    Attempt(
        "api-listing-photo-delete",
        "DELETE /api/v1/listings/{listing_id}/photos/{photo_id}",
        DELETE,
        lambda w: {"listing_id": w.listing.pk, "photo_id": w.photo.pk},
    ),
    Attempt(
        "api-listing-calendar",
        "GET /api/v1/listings/{listing_id}/calendar",
        GET,
        _listing("listing"),
        rightful="host",
    ),
    Attempt(
        "api-listing-calendar-block",
        "POST /api/v1/listings/{listing_id}/calendar",
        POST,
        _listing("listing"),
        lambda w: {"first_day": "2027-08-01", "last_day": "2027-08-03", "note": "mine now"},
    ),
    Attempt(
        "api-listing-calendar-unblock",
        "DELETE /api/v1/listings/{listing_id}/calendar/{period_id}",
        DELETE,
        lambda w: {"listing_id": w.listing.pk, "period_id": w.block.pk},
    ),
    Attempt(
        "api-paused-listing-ask",
        "POST /api/v1/listings/{listing_id}/questions",
        POST,
        _listing("paused"),
        lambda w: {"body": "Hello?"},
    ),
    Attempt(
        "api-paused-listing-report",
        "POST /api/v1/listings/{listing_id}/reports",
        POST,
        _listing("paused"),
        lambda w: {"reason": "Spam spam spam"},
    ),
    # --- favourites and saved searches ---------------------------------------------------------------
    Attempt("favourite-list", "discovery:list", GET, lambda w: {"list_id": w.favourites.pk}, rightful="host"),
    Attempt(
        "favourite-list-share",
        "discovery:list",
        POST,
        lambda w: {"list_id": w.favourites.pk},
        lambda w: {"action": "share"},
    ),
    Attempt(
        "favourite-list-remove",
        "discovery:list",
        POST,
        lambda w: {"list_id": w.favourites.pk},
        lambda w: {"action": "remove", "listing": w.instant.pk},
    ),
    Attempt(
        "favourite-list-add",
        "discovery:add",
        POST,
        _listing("listing"),
        lambda w: {"list": w.favourites.pk},
    ),
    Attempt("paused-listing-heart", "discovery:heart", POST, _listing("paused")),
    # --- promotions: A's own promo code (only A may stop it) ------------------------------------------
    Attempt("promo-code-stop", "promotions:deactivate", POST, lambda w: {"code_id": w.promo_code.pk}),
    Attempt(
        "api-promo-code-stop",
        "POST /api/v1/promotions/codes/{code_id}/deactivate",
        POST,
        lambda w: {"code_id": w.promo_code.pk},
    ),
    Attempt(
        "saved-search-delete",
        "discovery:delete_search",
        POST,
        lambda w: {"saved_search_id": w.saved_search.pk},
    ),
    Attempt(
        "api-favourite-list",
        "GET /api/v1/saved/lists/{list_id}",
        GET,
        lambda w: {"list_id": w.favourites.pk},
        rightful="host",
    ),
    Attempt(
        "api-favourite-list-share",
        "PATCH /api/v1/saved/lists/{list_id}",
        PATCH,
        lambda w: {"list_id": w.favourites.pk},
        lambda w: {"shared": True},
    ),
    Attempt(
        "api-favourite-list-delete",
        "DELETE /api/v1/saved/lists/{list_id}",
        DELETE,
        lambda w: {"list_id": w.favourites.pk},
    ),
    Attempt(
        "api-favourite-list-add",
        "PUT /api/v1/saved/lists/{list_id}/listings/{listing_id}",
        PUT,
        lambda w: {"list_id": w.favourites.pk, "listing_id": w.listing.pk},
    ),
    Attempt(
        "api-favourite-list-remove",
        "DELETE /api/v1/saved/lists/{list_id}/listings/{listing_id}",
        DELETE,
        lambda w: {"list_id": w.favourites.pk, "listing_id": w.instant.pk},
    ),
    Attempt("api-paused-listing-heart", "PUT /api/v1/saved/favourites/{listing_id}", PUT, _listing("paused")),
    Attempt(
        "api-unheart",
        "DELETE /api/v1/saved/favourites/{listing_id}",
        DELETE,
        _listing("instant"),
        ignored=True,
    ),
    Attempt(
        "api-saved-search-delete",
        "DELETE /api/v1/saved/searches/{saved_search_id}",
        DELETE,
        lambda w: {"saved_search_id": w.saved_search.pk},
    ),
    # --- API: bookings -------------------------------------------------------------------------------
    Attempt(
        "api-paused-listing-quote",
        "POST /api/v1/bookings/quote",
        POST,
        _nothing,
        lambda w: {"listing_id": w.paused.pk, "start": PERIOD["start"], "end": PERIOD["end"]},
    ),
    Attempt(
        "api-paused-listing-book",
        "POST /api/v1/bookings/",
        POST,
        _nothing,
        lambda w: {"listing_id": w.paused.pk, **PERIOD, "payment_method": "pm_card_visa"},
    ),
    Attempt(
        "api-checkout-complete",
        "POST /api/v1/bookings/checkouts/{checkout_id}/complete",
        POST,
        lambda w: {"checkout_id": w.checkout.uid},
    ),
    Attempt("api-booking", "GET /api/v1/bookings/{booking_id}", GET, _booking("requested"), rightful="guest"),
    Attempt("api-booking-accept", "POST /api/v1/bookings/{booking_id}/accept", POST, _booking("requested")),
    Attempt(
        "api-booking-decline",
        "POST /api/v1/bookings/{booking_id}/decline",
        POST,
        _booking("requested"),
        lambda w: {"reason": "No."},
    ),
    Attempt("api-booking-withdraw", "POST /api/v1/bookings/{booking_id}/withdraw", POST, _booking("requested")),
    Attempt(
        "api-booking-cancel-preview",
        "GET /api/v1/bookings/{booking_id}/cancel",
        GET,
        _booking("confirmed"),
        rightful="guest",
    ),
    Attempt(
        "api-booking-cancel",
        "POST /api/v1/bookings/{booking_id}/cancel",
        POST,
        _booking("confirmed"),
        lambda w: {"reason": "No."},
    ),
    Attempt(
        "api-booking-pay",
        "POST /api/v1/bookings/{booking_id}/pay",
        POST,
        _booking("confirmed"),
        lambda w: {"payment_method": "pm_card_visa"},
    ),
    Attempt("api-booking-pay-complete", "POST /api/v1/bookings/{booking_id}/pay/complete", POST, _booking("confirmed")),
    Attempt(
        "api-booking-changes",
        "GET /api/v1/bookings/{booking_id}/changes",
        GET,
        _booking("confirmed"),
        rightful="guest",
    ),
    Attempt(
        "api-booking-change",
        "POST /api/v1/bookings/{booking_id}/changes",
        POST,
        _booking("confirmed"),
        lambda w: {**PERIOD, "guests": 1},
    ),
    Attempt(
        "api-booking-change-accept",
        "POST /api/v1/bookings/{booking_id}/changes/accept",
        POST,
        _booking("confirmed"),
        lambda w: {"payment_method": "pm_card_visa"},
    ),
    Attempt(
        "api-booking-change-decline", "POST /api/v1/bookings/{booking_id}/changes/decline", POST, _booking("confirmed")
    ),
    Attempt(
        "api-booking-change-withdraw",
        "POST /api/v1/bookings/{booking_id}/changes/withdraw",
        POST,
        _booking("confirmed"),
    ),
    # --- API: reviews --------------------------------------------------------------------------------
    Attempt(
        "api-booking-reviews",
        "GET /api/v1/reviews/bookings/{booking_id}",
        GET,
        _booking("half_reviewed"),
        rightful="guest",
    ),
    Attempt(
        "api-booking-review-write",
        "POST /api/v1/reviews/bookings/{booking_id}",
        POST,
        _booking("half_reviewed"),
        lambda w: REVIEW,
    ),
    Attempt(
        "api-review-respond",
        "POST /api/v1/reviews/{review_id}/response",
        POST,
        _review("published_review"),
        lambda w: {"text": "Lies."},
    ),
    Attempt(
        "api-private-review-respond",
        "POST /api/v1/reviews/{review_id}/response",
        POST,
        _review("private_review"),
        lambda w: {"text": "Lies."},
    ),
    Attempt(
        "api-private-review-report",
        "POST /api/v1/reviews/{review_id}/reports",
        POST,
        _review("private_review"),
        lambda w: {"reason": "Fake"},
    ),
    Attempt(
        "api-report-decision",
        "POST /api/v1/reviews/reports/{report_id}/decision",
        POST,
        lambda w: {"report_id": w.report.pk},
        lambda w: {"decision": "hide", "reason": "I do not like it."},
    ),
    Attempt(
        "api-paused-listing-reviews",
        "GET /api/v1/reviews/listings/{listing_id}",
        GET,
        _listing("paused"),
        rightful="host",
    ),
    # --- API: payments -------------------------------------------------------------------------------
    Attempt(
        "api-payment",
        "GET /api/v1/payments/{payment_id}",
        GET,
        lambda w: {"payment_id": w.booking_payment.pk},
        rightful="guest",
    ),
    Attempt(
        "api-payment-refresh",
        "POST /api/v1/payments/{payment_id}/refresh",
        POST,
        lambda w: {"payment_id": w.checkout_payment.pk},
    ),
    # --- API: receipts and statements ---------------------------------------------------------------
    Attempt("api-document", "GET /api/v1/documents/{document_id}", GET, _receipt, rightful="guest"),
    Attempt("api-document-pdf", "GET /api/v1/documents/{document_id}/pdf", GET, _receipt, rightful="guest"),
    Attempt("api-statement-csv", "GET /api/v1/documents/{document_id}/csv", GET, _statement, rightful="host"),
    # --- API: disputes -------------------------------------------------------------------------------
    Attempt(
        "api-dispute-open",
        "POST /api/v1/disputes/",
        POST,
        _nothing,
        lambda w: {"booking_id": w.confirmed.pk, "category": "damage", "description": "Everything was broken."},
    ),
    # G's identity document, selfie and licence: staff with the review permission only (G, support: 404,
    # tests/accounts/test_verifications.py).
    *(
        Attempt(
            f"verification-{part}-{kind}",
            "accounts:verification_photo",
            GET,
            lambda w, kind=kind, part=part: {
                "verification_id": w.guest.verifications.get(kind=kind).pk,
                "part": part,
            },
            rightful="reviewer",
        )
        for kind in ("identity", "licence")
        for part in ("document", "selfie")
    ),
    # --- car handover: G and A only (staff read) -------------------------------------------------------
    Attempt("handover", "handover:detail", GET, _booking("car_rental"), rightful="guest"),
    Attempt(
        "handover-photo",
        "handover:photo",
        GET,
        lambda w: {"photo_id": w.car_report.photos.first().pk},
        rightful="guest",
    ),
    Attempt("handover-card", "handover:keep_card", POST, _booking("car_rental"), lambda w: {"payment_method": "pm_x"}),
    Attempt(
        "handover-file",
        "handover:file_report",
        POST,
        lambda w: {"booking_id": w.car_rental.pk, "stage": "pickup"},
        lambda w: {"odometer_km": "1", "fuel_percent": "1", **_car_photos()},
    ),
    Attempt("handover-confirm", "handover:confirm", POST, lambda w: {"report_id": w.car_report.pk}),
    Attempt(
        "handover-contest",
        "handover:contest",
        POST,
        lambda w: {"report_id": w.car_report.pk},
        lambda w: {"contested": ["odometer"], "reason": "The odometer read less than that."},
    ),
    Attempt(
        "handover-claim",
        "handover:claim",
        POST,
        _booking("car_rental"),
        lambda w: {"amount": "30000", "description": "Everything is broken."},
    ),
    Attempt("deposit-decision", "handover:decide_claim", GET, lambda w: {"deposit_id": w.deposit.pk}, rightful="staff"),
    Attempt(
        "deposit-decision",
        "handover:decide_claim",
        POST,
        lambda w: {"deposit_id": w.deposit.pk},
        lambda w: {"amount": "30000", "reason": "Because."},
    ),
    Attempt(
        "return-charge-refund",
        "handover:refund_charge",
        GET,
        _booking("car_rental"),
        rightful="staff",
    ),
    Attempt(
        "return-charge-refund",
        "handover:refund_charge",
        POST,
        _booking("car_rental"),
        lambda w: {"charge": "kilometres", "amount": "100", "reason": "Because."},
    ),
    Attempt(
        "api-handover-claim",
        "POST /api/v1/handover/bookings/{booking_id}/claim",
        POST,
        _booking("car_rental"),
        lambda w: {"amount": 30000, "description": "Everything is broken."},
    ),
    Attempt(
        "api-handover",
        "GET /api/v1/handover/bookings/{booking_id}",
        GET,
        _booking("car_rental"),
        rightful="guest",
    ),
    Attempt(
        "api-handover-card",
        "POST /api/v1/handover/bookings/{booking_id}/card",
        POST,
        _booking("car_rental"),
        lambda w: {"payment_method": "pm_x"},
    ),
    Attempt(
        "api-handover-file",
        "POST /api/v1/handover/bookings/{booking_id}/reports",
        POST,
        _booking("car_rental"),
        lambda w: {"stage": "pickup", "odometer_km": "1", "fuel_percent": "1", **_car_photos()},
    ),
    Attempt(
        "api-handover-confirm",
        "POST /api/v1/handover/reports/{report_id}/confirm",
        POST,
        lambda w: {"report_id": w.car_report.pk},
    ),
    Attempt(
        "api-handover-contest",
        "POST /api/v1/handover/reports/{report_id}/contest",
        POST,
        lambda w: {"report_id": w.car_report.pk},
        lambda w: {"fields": ["odometer"], "reason": "The odometer read less than that."},
    ),
    Attempt(
        "api-dispute",
        "GET /api/v1/disputes/{dispute_id}",
        GET,
        lambda w: {"dispute_id": w.dispute.pk},
        rightful="guest",
    ),
    Attempt(
        "api-dispute-evidence",
        "POST /api/v1/disputes/{dispute_id}/evidence",
        POST,
        lambda w: {"dispute_id": w.dispute.pk},
        lambda w: {"image": jpeg(), "caption": "proof"},
    ),
]


@dataclass(frozen=True)
class Own:
    """A route that acts only on the person asking: strangers must see nothing of A's or G's there."""

    route: str
    method: str = GET
    kwargs: Callable[[World], dict[str, Any]] = field(default=_nothing)
    query: Callable[[World], str] = field(default=lambda w: "")

    @property
    def is_api(self) -> bool:
        return " " in self.route

    @property
    def id(self) -> str:
        return f"{self.method} {self.route}" if not self.is_api else self.route

    def path(self, world: World) -> str:
        kwargs = self.kwargs(world)
        path = self.route.split(" ", 1)[1].format(**kwargs) if self.is_api else reverse(self.route, kwargs=kwargs)
        query = self.query(world)
        return f"{path}?{query}" if query else path


# Query strings name A's objects where the route takes one, to show that it is ignored for others.
SELF_SCOPED: list[Own] = [
    Own("notifications:settings"),
    Own("notifications:settings", method=POST),
    Own("GET /api/v1/notification-settings/"),
    Own("PUT /api/v1/notification-settings/", method=PUT),
    Own("GET /api/v1/notification-settings/push/key"),
    Own("POST /api/v1/notification-settings/push/subscriptions", method=POST),
    Own("POST /api/v1/notification-settings/push/unsubscribe", method=POST),
    Own("accounts:blocks"),
    Own("accounts:blocks", method=POST),
    Own("accounts:unblock", method=POST),
    Own("accounts:report", query=lambda w: f"person={w.host.pk}"),
    Own("accounts:report", method=POST),
    Own("GET /api/v1/safety/blocks"),
    Own("accounts:licence"),
    Own("accounts:licence", method=POST),
    Own("accounts:identity"),
    Own("accounts:identity", method=POST),
    Own("GET /api/v1/people/me/verifications"),
    Own("GET /api/v1/people/me/verifications/{kind}", kwargs=lambda w: {"kind": "licence"}),
    Own("POST /api/v1/people/me/verifications/{kind}", method=POST, kwargs=lambda w: {"kind": "identity"}),
    Own("personaldata:my_data"),
    Own("personaldata:export", method=POST),
    Own("personaldata:delete", method=POST),
    Own("GET /api/v1/me/exports"),
    Own("POST /api/v1/me/exports", method=POST),
    Own("GET /api/v1/me/deletion"),
    Own("POST /api/v1/me/delete", method=POST),
    Own("POST /api/v1/safety/blocks", method=POST),
    Own("listings:mine"),
    Own("listings:choose_kind"),
    Own("listings:create", kwargs=lambda w: {"kind": "room"}),
    Own("listings:geocode", query=lambda w: "q=Paris"),
    Own("bookings:trips"),
    Own("bookings:reservations"),
    Own("bookings:calendar", query=lambda w: f"month=2027-03&listing={w.listing.pk}"),
    Own("realtime:notifications", query=lambda w: f"before={w.notification.pk + 1}"),
    Own("realtime:mark_all_read", method=POST),
    Own("realtime:inbox"),
    Own("payments:payout_settings"),
    Own("payments:payout_settings", method=POST),
    Own("payments:payout_onboarding_return"),
    Own("payments:payout_onboarding_refresh"),
    Own("dispatch:need"),
    Own("dispatch:estimate", query=lambda w: "kind=driver&latitude=48.8566&longitude=2.3522&hours=1"),
    Own("dispatch:provider"),
    Own("GET /api/v1/dispatch/offers"),
    Own("GET /api/v1/dispatch/availability"),
    Own("POST /api/v1/dispatch/estimate", method=POST),
    Own("POST /api/v1/dispatch/requests", method=POST),
    Own("GET /api/v1/notifications/"),
    Own("GET /api/v1/notifications/recent"),
    Own("GET /api/v1/notifications/unread-count"),
    Own("GET /api/v1/threads/"),
    Own("GET /api/v1/listings/mine"),
    Own("GET /api/v1/people/me"),
    Own("promotions:host_codes"),
    Own("promotions:host_codes", method=POST),
    Own("promotions:invite"),
    Own("GET /api/v1/promotions/codes"),
    Own("POST /api/v1/promotions/codes", method=POST),
    Own("GET /api/v1/promotions/invitation"),
    Own("POST /api/v1/promotions/invitation", method=POST),
    Own("discovery:lists"),
    Own("discovery:lists", method=POST),
    Own("discovery:searches"),
    Own("discovery:searches", method=POST),
    Own("GET /api/v1/saved/favourites"),
    Own("GET /api/v1/saved/lists"),
    Own("POST /api/v1/saved/lists", method=POST),
    Own("GET /api/v1/saved/searches"),
    Own("POST /api/v1/saved/searches", method=POST),
    Own("PATCH /api/v1/people/me", method=PATCH),
    Own("POST /api/v1/people/me/photo", method=POST),
    Own("DELETE /api/v1/people/me/photo", method=DELETE),
    Own("POST /api/v1/listings/", method=POST),
    Own("GET /api/v1/bookings/", query=lambda w: "role=host"),
    Own("GET /api/v1/payments/payout-account"),
    Own("receipts:list"),
    Own("GET /api/v1/documents/", query=lambda w: f"booking={w.confirmed.pk}"),
    Own("POST /api/v1/payments/payout-account/onboarding", method=POST),
]

# Open to everybody by design; each says why, and where the refusals around it are tested.
PUBLIC: dict[str, str] = {
    "home": "the home page shows nobody's data",
    "design": "the design system's samples (demo only, 404 otherwise): no data",
    "listings:search": "search shows active listings only (paused: tests/listings/test_privacy.py)",
    "listings:detail": "an active listing is public; a paused one is in ATTEMPTS",
    "accounts:profile": "public profile by design (README: Accounts); edit is in ATTEMPTS",
    "reviews:listing": "published reviews of an active listing are public; a paused listing's are in ATTEMPTS",
    "reviews:profile": "published reviews about a person are public",
    "payments:stripe_webhook": "Stripe's signed events; bad signature 400 (tests/payments/test_webhooks.py)",
    "<unnamed> media/<path:path>": "uploaded photos, served only when DEBUG or SERVE_MEDIA (names are not guessable)",
    "api-v1:openapi-json": "the API's schema",
    "api-v1:openapi-view": "the API's docs page",
    "api-v1:api-root": "the API's root",
    "GET /api/v1/listings/search": "search: active listings only",
    "GET /api/v1/listings/{listing_id}": "an active listing is public; a paused one is in ATTEMPTS",
    "GET /api/v1/reviews/listings/{listing_id}": "published reviews are public; a paused listing's are in ATTEMPTS",
    "GET /api/v1/reviews/users/{user_id}": "published reviews about a person are public",
    "healthz": "liveness for nginx and load balancers: answers {ok: true}, nothing else",
    "javascript_catalog": "the words our scripts show, in the reader's language: static text, no data",
    "accounts:set_language": "the language switcher: sets the asker's cookie and, signed in, only their own "
    "profile's language (tests/i18n/test_language_choice.py)",
    "readyz": "readiness checks, no URL, secret or error text (tests/operations/test_health.py)",
    "metrics": "404 without the METRICS_TOKEN bearer token (tests/operations/test_observability.py)",
    "discovery:shared": "a list its owner shares by an unguessable link, read-only; private lists 404 "
    "(tests/discovery/test_favourites.py)",
    "GET /api/v1/saved/shared/{token}": "as discovery:shared",
    "promotions:invitation": "the invitation link: keeps the code in the visitor's session and sends them to sign up",
    "GET /api/v1/people/{user_id}": "public profile by design, as accounts:profile (no email)",
    "notifications:service_worker": "the Web Push service worker script: static code, no data",
    "notifications:unsubscribe": "RFC 8058 one-click unsubscribe: the signed token is the authentication, a "
    "forged or expired one changes nothing (tests/notifications/test_unsubscribe.py)",
    "notifications:email_tracking_webhook": "the email provider's bounce/complaint events: 404 unless configured "
    "with ANYMAIL_WEBHOOK_SECRET, bad basic auth or signature 400 (tests/notifications/test_bounces.py)",
}

# Whole families open by design, matched by name prefix.
PUBLIC_GROUPS: dict[str, str] = {
    "account_": "allauth's log-in, sign-up, reset and e-mail pages act only on the person asking "
    "(session fixation, rate limit, reset privacy: test_accounts.py)",
    "headless:": "allauth's headless API for the mobile app, same flows as account_*",
    "admin:": "Django admin: every route sends non-staff to the admin log-in (test_object_access.py)",
    "<unnamed> admin/": "Django admin's unnamed redirects (object_id/ to change/, the catch-all), same guard",
}

WEBSOCKETS: dict[str, str] = {
    "ws/notifications/": "test_websocket.py: foreign origin, anonymous, someone else's notifications",
    "ws/dispatch/": "test_websocket.py: foreign origin, anonymous; parties only (tests/dispatch/test_socket.py)",
}


def attempt_id(attempt: Attempt) -> str:
    return f"{attempt.id}-{attempt.method.lower()}" if attempt.method != POST else attempt.id


# --- Where A's listings are (listings.privacy) -------------------------------------------------------------
# Every PUBLIC route is read by test_location_privacy.py as each kind of viewer, at the paths below (those
# that show A's listings); every GET in ATTEMPTS and SELF_SCOPED is read too. A public route added without
# an entry here or in LOCATION_EXEMPT fails test_route_coverage.py.
SEARCH_AROUND_A = "lat=48.86&lng=2.345&radius=20"


def _detail_pages(route: str) -> Callable[[World], list[str]]:
    return lambda w: [reverse(route, kwargs={"listing_id": x.pk}) for x in (w.listing, w.instant, w.driver)]


PUBLIC_PATHS: dict[str, Callable[[World], list[str]]] = {
    "home": lambda w: [reverse("home")],
    "listings:search": lambda w: [f"{reverse('listings:search')}?{SEARCH_AROUND_A}", reverse("listings:search")],
    "listings:detail": _detail_pages("listings:detail"),
    "accounts:profile": lambda w: [reverse("accounts:profile", kwargs={"user_id": w.host.pk})],
    "reviews:listing": _detail_pages("reviews:listing"),
    "reviews:profile": lambda w: [reverse("reviews:profile", kwargs={"user_id": w.host.pk})],
    "GET /api/v1/listings/search": lambda w: [f"/api/v1/listings/search?{SEARCH_AROUND_A}"],
    "GET /api/v1/listings/{listing_id}": lambda w: [
        f"/api/v1/listings/{x.pk}" for x in (w.listing, w.instant, w.driver)
    ],
    "GET /api/v1/reviews/listings/{listing_id}": lambda w: [
        f"/api/v1/reviews/listings/{x.pk}" for x in (w.listing, w.instant, w.driver)
    ],
    "GET /api/v1/reviews/users/{user_id}": lambda w: [f"/api/v1/reviews/users/{w.host.pk}"],
}

LOCATION_EXEMPT: dict[str, str] = {
    "design": "made-up samples of the components, no listing",
    "promotions:invitation": "a redirect to sign-up; shows nothing",
    "healthz": "answers {ok: true}, nothing else",
    "javascript_catalog": "translated words for scripts, no data",
    "accounts:set_language": "POST only, a redirect back; shows nothing",
    "readyz": "names of checks and their state, no data",
    "metrics": "counters without people or places (and 404 without the token)",
    "discovery:shared": "the world's list is private (404, in ATTEMPTS); a shared list shows listing cards, which "
    "carry only the area (`whereabouts`) and the city",
    "GET /api/v1/saved/shared/{token}": "id, title, city and link of each listing: no address, no point",
    "GET /api/v1/people/{user_id}": "a person's name, bio, languages and city: no listing places",
    "notifications:service_worker": "static script",
    "notifications:unsubscribe": "a yes/no page about one kind of email",
    "payments:stripe_webhook": "POST only, Stripe's events; shows nothing",
    "notifications:email_tracking_webhook": "POST only, the provider's events; shows nothing",
    "<unnamed> media/<path:path>": "uploaded files (photos); no place data",
    "api-v1:openapi-json": "the API's schema, no data",
    "api-v1:openapi-view": "the API's docs page, no data",
    "api-v1:api-root": "the API's root, no data",
}
