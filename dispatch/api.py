"""On demand in the JSON API (/api/v1/dispatch/): estimate, request, accept or pass, the "available now" switch.

A card that needs 3-D Secure answers 202 with where to confirm it; the request goes live
once `/requests/{id}/authenticated` is posted. Only the requester and the assigned provider
see a request; only offered providers can
accept or pass it (anyone else: 404). Refusals are the services' DomainErrors, turned into
{"detail", "field"} by sharing/api.py ("already taken" is a 409 with code `already_taken`).
"""

from __future__ import annotations

from datetime import datetime
from typing import Literal, cast

from django.utils import timezone
from django.utils.translation import gettext_noop
from ninja import Field, Router, Schema, Status

from core.api import session_or_token_auth
from core.errors import AuthenticationRequired, DomainError
from core.requests import ApiRequest
from dispatch import selectors
from dispatch.inputs import MAX_HOURS, Need, Position
from dispatch.models import DispatchRequest
from dispatch.services import acceptance
from dispatch.services import availability as availability_services
from dispatch.services import requests as request_services

router = Router(tags=["dispatch"], auth=session_or_token_auth)


class WhereIn(Schema):
    kind: Literal["driver", "car"] = "driver"
    latitude: float = Field(ge=-90, le=90)
    longitude: float = Field(ge=-180, le=180)
    hours: int = Field(ge=1, le=MAX_HOURS)
    when: str = Field(
        "now",
        max_length=64,
        description=(
            'When to be picked up: "now" (the default; the provider comes within DISPATCH_PICKUP_MINUTES of'
            " accepting) or an ISO 8601 date and time with its UTC offset, e.g. 2027-01-10T14:30:00+01:00 or"
            " 2027-01-10T13:30:00Z: a whole 5 minutes, no sooner than a job now would start, at most"
            " DISPATCH_MAX_AHEAD_HOURS (default 6) ahead. Refused with 400 and field `when` otherwise."
        ),
        examples=["now", "2027-01-10T14:30:00+01:00"],
    )

    def need(self) -> Need:
        """The services' typed need; a `when` that is no pickup time is refused with 400 and field `when`."""
        return Need.parse(
            kind=self.kind, latitude=self.latitude, longitude=self.longitude, hours=self.hours, when=self.when
        )


class RequestIn(WhereIn):
    payment_method: str = Field(min_length=1, max_length=255, description="A PaymentMethod id (pm_...) from Stripe.")


class EstimateOut(Schema):
    low: int
    high: int
    currency: str
    providers: int
    start: datetime = Field(description="When the job would start: the pickup time.")
    end: datetime


class RequestOut(Schema):
    id: int
    kind: str
    state: str
    hours: int
    pickup_at: datetime | None = Field(description='The chosen pickup time; null for "now".')
    latitude: float
    longitude: float
    currency: str
    estimate_low: int
    estimate_amount: int
    expires_at: datetime
    booking_id: int | None
    assigned_listing_id: int | None


class DispatchRequiresActionOut(Schema):
    """The card needs 3-D Secure: run it with Stripe's SDK (client_secret), then POST to complete_url.

    The request exists meanwhile (`authenticating`), offered to nobody; it expires if never completed.
    """

    status: Literal["requires_action"]
    request: RequestOut
    client_secret: str
    authentication_url: str
    complete_url: str


class OfferOut(Schema):
    offer: int
    request: int
    kind: str
    listing: int
    distance_km: float
    fare: int
    currency: str
    fare_text: str = Field(description='The fare as a person reads it, by the site\'s one formatter: "¥3,000".')
    hours: int
    pickup_at: datetime | None = Field(description='The pickup time; null for a job "now".')
    pickup: str = Field(description='"now", or how far ahead and the local time: "in 2 h, 14:30".')
    expires_at: datetime
    seconds_left: int
    area: str = Field(description='Where the pickup is, roughly ("near Paris"): never the point before accepting.')
    rider_rating: float | None = Field(description="The rider's average as a guest, 1 to 5; null before any review.")
    rider_reviews: int = Field(description="How many reviews that average is made of.")


class AvailabilityIn(Schema):
    listing_id: int
    available: bool
    latitude: float | None = Field(None, ge=-90, le=90)
    longitude: float | None = Field(None, ge=-180, le=180)


class AvailabilityOut(Schema):
    listing_id: int
    kind: str
    is_available: bool
    latitude: float
    longitude: float
    last_seen: datetime


def _request_out(request: DispatchRequest) -> dict:
    return {
        **{f: getattr(request, f) for f in RequestOut.model_fields if f not in ("booking_id", "assigned_listing_id")},
        "booking_id": request.booking_id,
        "assigned_listing_id": request.assigned_listing_id,
    }


@router.post("/estimate", response=EstimateOut)
def estimate(request: ApiRequest, payload: WhereIn):
    quote = request_services.estimate(requester=request.auth, need=payload.need())
    return {
        "low": quote.low,
        "high": quote.high,
        "currency": quote.currency,
        "providers": quote.providers,
        "start": quote.start,
        "end": quote.end,
    }


@router.post("/requests", response={201: RequestOut, 202: DispatchRequiresActionOut})
def create_request(request: ApiRequest, payload: RequestIn):
    try:
        created = request_services.request_now(
            requester=request.auth, need=payload.need(), payment_method=payload.payment_method
        )
    except AuthenticationRequired as pending:
        waiting = cast(DispatchRequest, pending.subject)  # request_now raises it with the request waiting
        return Status(
            202,
            {
                "status": "requires_action",
                "request": _request_out(waiting),
                "client_secret": pending.client_secret,
                "authentication_url": pending.url,
                "complete_url": f"{request.path.rstrip('/')}/{waiting.pk}/authenticated",
            },
        )
    return Status(201, _request_out(created))


@router.post("/requests/{request_id}/authenticated", response=RequestOut)
def complete_authentication(request: ApiRequest, request_id: int):
    """After 3-D Secure: the request goes live (its first wave is sent). Idempotent."""
    return _request_out(request_services.complete_authentication(requester=request.auth, request_id=request_id))


@router.get("/requests/{request_id}", response=RequestOut)
def read_request(request: ApiRequest, request_id: int):
    return _request_out(selectors.visible_request(user=request.auth, request_id=request_id))


@router.post("/requests/{request_id}/cancel", response=RequestOut)
def cancel_request(request: ApiRequest, request_id: int):
    return _request_out(request_services.cancel_request(requester=request.auth, request_id=request_id))


@router.post("/requests/{request_id}/accept", response=RequestOut)
def accept(request: ApiRequest, request_id: int):
    return _request_out(acceptance.accept_offer(provider=request.auth, request_id=request_id))


@router.post("/requests/{request_id}/pass", response={204: None})
def pass_offer(request: ApiRequest, request_id: int):
    acceptance.pass_offer(provider=request.auth, request_id=request_id)
    return Status(204, None)


@router.get("/offers", response=list[OfferOut])
def live_offers(request: ApiRequest):
    now = timezone.now()
    return selectors.offer_messages(selectors.live_offers_for(provider=request.auth), now=now)


@router.get("/availability", response=list[AvailabilityOut])
def my_availability(request: ApiRequest):
    return list(selectors.availabilities_of(provider=request.auth))


@router.post("/availability", response=AvailabilityOut)
def switch_availability(request: ApiRequest, payload: AvailabilityIn):
    if not payload.available:
        return availability_services.go_offline(provider=request.auth, listing_id=payload.listing_id)
    if payload.latitude is None or payload.longitude is None:
        raise DomainError(gettext_noop("Share your position to go available."), field="latitude")
    return availability_services.go_available(
        provider=request.auth,
        listing_id=payload.listing_id,
        position=Position(payload.latitude, payload.longitude),
    )
