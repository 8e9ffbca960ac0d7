"""Bookings in the JSON API (/api/v1/bookings/): quote, request, list, read and every person-driven transition.

Only the guest, the host and staff see a booking; anyone else gets 404. Errors
are the services' DomainErrors, turned into {"detail", "field"} by sharing/api.py.
"""

from __future__ import annotations

import json
from datetime import date, datetime
from typing import Literal, cast
from uuid import UUID

from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext_noop
from ninja import Field, Router, Schema, Status

from bookings import pricing_words, selectors
from bookings.models import Booking, PaymentSchedule, PendingCheckout
from bookings.money import booking_reference, money
from bookings.services.answers import accept_booking, decline_booking, withdraw_booking
from bookings.services.cancellations import CANCELLABLE_STATUSES, cancel_by_guest, cancel_by_host, guest_refund
from bookings.services.checkout import complete_checkout, quote_request, request_booking
from bookings.services.schedule import complete_pay_now, describe, pay_now
from core.api import session_or_token_auth
from core.errors import AuthenticationRequired, Conflict, DomainError, NotFound, PermissionDenied
from core.requests import ApiRequest
from listings import privacy
from listings.models import Listing, ListingStatus

router = Router(tags=["bookings"], auth=session_or_token_auth)


class PeriodIn(Schema):
    listing_id: int
    start: datetime | date = Field(description="Rooms: the check-in date. Cars and drivers: a date-time.")
    end: datetime | date = Field(description="Rooms: the check-out date. Cars and drivers: a date-time.")
    guests: int = Field(1, ge=1, le=100)
    promo_code: str = Field("", max_length=32, description="A promo code; a refusal says why (field promo_code).")
    use_credit: bool = Field(False, description="Pay part of the total with the guest's credit in this currency.")


class BookingIn(PeriodIn):
    payment_method: str = Field(
        min_length=1, max_length=255, description="The guest's card: a PaymentMethod id (pm_...) from Stripe's SDK."
    )


class RequiresActionOut(Schema):
    """The card needs 3-D Secure: run it with Stripe's SDK (client_secret), then POST to complete_url."""

    status: Literal["requires_action"]
    checkout_id: str
    payment_id: int
    client_secret: str
    authentication_url: str
    complete_url: str


class QuoteLinesOut(Schema):
    """A price's lines, in minor units of `currency`: a quote, a booking and a change's new price read alike."""

    currency: str
    units: int
    unit_price: int
    subtotal: int
    discount: int
    fee: int
    guest_service_fee: int
    total: int
    host_service_fee: int
    host_payout: int
    promo_code: str
    host_promotion: int = Field(description="A host-funded code's discount, taken off the units' price")
    platform_promotion: int = Field(description="A Sharing-funded code's discount, paid by Sharing")
    credit: int = Field(description="The guest's credit used")
    charged: int = Field(description="What the card pays: total - platform_promotion - credit")
    vat: int = Field(description="VAT on Sharing's guest service fee, part of the total")
    vat_country: str = Field(description="Whose VAT rate applies (the guest's country), or empty")
    vat_rate: int = Field(description="The VAT rate in thousandths of a percent (20 % = 20000)")
    occupancy_tax: int = Field(description="The city's tourist tax on the nights, part of the total")
    occupancy_place: str = Field(description='Where the tourist tax goes, "FR:Paris", or empty')
    host_vat: int = Field(0, description="VAT on Sharing's host fee, out of host_payout (not part of the total)")
    host_vat_country: str = Field("", description="Whose VAT rate applies to the host fee (the host's country)")
    host_vat_rate: int = Field(0, description="That VAT rate in thousandths of a percent (19 % = 19000)")


class PriceOut(QuoteLinesOut):
    """The price of a period (what a quote shows and a booking freezes)."""

    start: datetime
    end: datetime
    cancellation_policy: str


class QuoteOut(PriceOut):
    policy_text: str


class TransitionOut(Schema):
    from_status: str
    to_status: str
    at: datetime
    by_id: int | None
    reason: str


class ListingLocationOut(Schema):
    exact: bool
    address: str | None = Field(None, description="Only when exact")
    city: str
    latitude: float = Field(description="The exact point, or the centre of the area when not exact")
    longitude: float
    radius_m: int = Field(description="The area's radius; 0 when exact")


class PaymentScheduleOut(Schema):
    """A far-ahead booking's payment: the card was saved, the total is charged off-session at `charge_at`."""

    state: str = Field(description="scheduled, charging, paid, failed (pay by `pay_by`), lapsed or cancelled")
    charge_at: datetime
    pay_by: datetime | None
    words: str


class BookingOut(PriceOut):
    id: int
    listing_id: int
    listing_title: str
    guest_id: int
    host_id: int
    status: str
    guests: int
    respond_by: datetime
    created_at: datetime
    refund_amount: int | None
    host_payout_after_cancellation: int | None
    platform_keeps: int | None
    url: str
    listing_location: ListingLocationOut = Field(
        description="Exact address and point for the host, and for the guest once the booking is confirmed"
    )
    # "" once the money matches the status; otherwise what is still on its way to the bank (or stuck),
    # e.g. "Payment pending: the charge of the guest's card is being processed with the bank."
    money_pending: str
    payment_schedule: PaymentScheduleOut | None = Field(
        None, description="Only for a booking paid later (its start was far ahead at checkout)"
    )

    @staticmethod
    def resolve_payment_schedule(obj: Booking) -> dict | None:
        schedule = PaymentSchedule.objects.filter(booking=obj).first()
        if schedule is None:
            return None
        return {
            "state": schedule.state,
            "charge_at": schedule.charge_at,
            "pay_by": schedule.pay_by,
            "words": describe(schedule),
        }

    @staticmethod
    def resolve_money_pending(obj: Booking) -> str:
        return money().money_pending(reference=booking_reference(obj.pk))

    @staticmethod
    def resolve_listing_title(obj: Booking) -> str:
        return obj.listing.title

    @staticmethod
    def resolve_listing_location(obj: Booking, context) -> dict:
        request = context["request"]
        place = privacy.whereabouts(obj.listing, getattr(request, "auth", None) or request.user)
        return {
            "exact": place.exact,
            "address": place.address,
            "city": place.city,
            "latitude": place.latitude,
            "longitude": place.longitude,
            "radius_m": place.radius_m,
        }

    @staticmethod
    def resolve_host_id(obj: Booking) -> int:
        return obj.listing.owner_id

    @staticmethod
    def resolve_url(obj: Booking) -> str:
        return obj.get_absolute_url()


class BookingDetailOut(BookingOut):
    transitions: list[TransitionOut]

    @staticmethod
    def resolve_transitions(obj: Booking) -> list:
        return list(obj.transitions.all())


def _reason(request: HttpRequest) -> str:
    """The optional reason of decline and cancel: a JSON body {"reason": "..."} or a form field."""
    if request.content_type == "application/json" and request.body:
        try:
            data = json.loads(request.body)
        except ValueError as error:
            raise DomainError(gettext_noop('Send the reason as JSON: {"reason": "..."}.'), field="reason") from error
    else:
        data = {"reason": request.POST.get("reason", "")}
    reason = data.get("reason", "") if isinstance(data, dict) else None
    if not isinstance(reason, str) or len(reason) > 300:
        raise DomainError(gettext_noop("The reason must be a text of at most 300 characters."), field="reason")
    return reason


def _listing(listing_id: int, viewer) -> Listing:
    # A paused listing is a 404 for everybody but its owner, as in the listings API (README "Listings").
    listing = Listing.objects.filter(pk=listing_id).exclude(status=ListingStatus.DELETED).first()
    if listing is None or (listing.status != ListingStatus.ACTIVE and listing.owner_id != viewer.pk):
        raise NotFound(gettext_noop("No such listing."), field="listing_id")
    return listing


@router.post("/quote", response=QuoteOut, summary="Price a period before booking")
def quote(request: ApiRequest, payload: PeriodIn):
    """The price after every check a request makes (dates taken, horizon, length, people...), so a period
    this prices is one `POST /` accepts, card permitting; a refusal says why, as the request would."""
    listing = _listing(payload.listing_id, request.user)
    priced = quote_request(
        guest=request.user,
        listing_id=listing.pk,
        start=payload.start,
        end=payload.end,
        guests=payload.guests,
        promo_code=payload.promo_code,
        use_credit=payload.use_credit,
    )
    return {
        "start": priced.start,
        "end": priced.end,
        **priced.quote.as_dict(),
        "charged": priced.quote.charged,
        "cancellation_policy": listing.cancellation_policy,
        "policy_text": pricing_words.policy_in_plain_words(
            listing.cancellation_policy, pricing_words.unit_label(listing.kind)
        ),
    }


@router.post(
    "/",
    response={201: BookingDetailOut, 202: RequiresActionOut},
    summary="Request (or instant-book) a listing, paying with a card",
)
def create(request: ApiRequest, payload: BookingIn):
    """201 with the booking once the card is authorised (and charged for instant book); 202 when the
    guest's bank wants 3-D Secure first; 402 with the reason when the card is declined (no booking)."""
    _listing(payload.listing_id, request.user)
    try:
        booking = request_booking(
            guest=request.user,
            listing_id=payload.listing_id,
            start=payload.start,
            end=payload.end,
            guests=payload.guests,
            payment_method=payload.payment_method,
            promo_code=payload.promo_code,
            use_credit=payload.use_credit,
        )
    except AuthenticationRequired as pending:
        # What waits for the guest's bank is the checkout request_booking left behind.
        checkout = cast(PendingCheckout, pending.subject)
        uid = str(checkout.uid)
        return Status(
            202,
            {
                "status": "requires_action",
                "checkout_id": uid,
                "payment_id": checkout.payment_id,
                "client_secret": pending.client_secret,
                "authentication_url": pending.url,
                "complete_url": f"{request.path.rstrip('/')}/checkouts/{uid}/complete",
            },
        )
    return Status(201, booking)


@router.post(
    "/checkouts/{uuid:checkout_id}/complete",
    response={201: BookingDetailOut},
    summary="Finish a booking after 3-D Secure",
)
def complete(request: ApiRequest, checkout_id: UUID):
    """Idempotent: calling it again returns the same booking."""
    return Status(201, complete_checkout(guest=request.user, checkout_uid=str(checkout_id)))


@router.get("/", response=list[BookingOut], summary="My trips (role=guest) or my reservations (role=host)")
def list_bookings(request: HttpRequest, role: Literal["guest", "host"] = "guest"):
    if role == "host":
        return list(selectors.reservations_of(host=request.user)[:200])
    return list(selectors.trips_of(guest=request.user)[:200])


@router.get("/{booking_id}", response=BookingDetailOut, summary="One booking, with its history")
def read(request: HttpRequest, booking_id: int):
    return selectors.visible_booking(user=request.user, booking_id=booking_id)


@router.post("/{booking_id}/accept", response=BookingDetailOut, summary="Host: accept a request")
def accept(request: ApiRequest, booking_id: int):
    return accept_booking(host=request.user, booking_id=booking_id)


@router.post("/{booking_id}/decline", response=BookingDetailOut, summary="Host: decline a request")
def decline(request: ApiRequest, booking_id: int):
    """Optional JSON body: {"reason": "..."} (at most 300 characters), shown to the guest."""
    return decline_booking(host=request.user, booking_id=booking_id, reason=_reason(request))


@router.post("/{booking_id}/withdraw", response=BookingDetailOut, summary="Guest: withdraw a request")
def withdraw(request: ApiRequest, booking_id: int):
    return withdraw_booking(guest=request.user, booking_id=booking_id)


class CancellationPreviewOut(Schema):
    """What cancelling now would do, in minor units: the guest gets `refund` of `total` back and loses `forfeit`."""

    currency: str
    total: int
    refund: int
    forfeit: int
    cancellation_policy: str
    policy_text: str


@router.get(
    "/{booking_id}/cancel",
    response=CancellationPreviewOut,
    summary="Guest or host: what cancelling now would refund (before POSTing the cancel)",
)
def cancel_preview(request: ApiRequest, booking_id: int):
    """Computed by the rules the cancellation applies; the amount holds until the policy's next step."""
    booking = selectors.visible_booking(user=request.user, booking_id=booking_id)
    if request.user.pk not in (booking.guest_id, booking.listing.owner_id):
        raise PermissionDenied(gettext_noop("Only the guest or the host can cancel this booking."))
    if booking.status not in CANCELLABLE_STATUSES or selectors.settled_by_dispute(booking):
        raise Conflict(gettext_noop("This booking can no longer be cancelled."), code="wrong_state")
    refused = PaymentSchedule.objects.filter(booking=booking, state=PaymentSchedule.State.FAILED).exists()
    if request.user.pk == booking.listing.owner_id or refused:
        refund = booking.total
    else:
        refund = guest_refund(booking=booking, at=timezone.now()).refund
    return {
        "currency": booking.currency,
        "total": booking.total,
        "refund": refund,
        "forfeit": booking.total - refund,
        "cancellation_policy": booking.cancellation_policy,
        "policy_text": pricing_words.policy_in_plain_words(
            booking.cancellation_policy, pricing_words.unit_label(booking.listing.kind)
        ),
    }


@router.post("/{booking_id}/cancel", response=BookingDetailOut, summary="Guest or host: cancel a booking")
def cancel(request: ApiRequest, booking_id: int):
    """Optional JSON body: {"reason": "..."}. The guest's refund follows the booking's policy."""
    booking = selectors.visible_booking(user=request.user, booking_id=booking_id)
    reason = _reason(request)
    if request.user.pk == booking.listing.owner_id:
        return cancel_by_host(host=request.user, booking_id=booking_id, reason=reason)
    return cancel_by_guest(guest=request.user, booking_id=booking_id, reason=reason)


class PayIn(Schema):
    payment_method: str = Field(
        min_length=1, max_length=255, description="The guest's card: a PaymentMethod id (pm_...) from Stripe's SDK."
    )


class PayActionOut(Schema):
    """The card needs 3-D Secure: run it with Stripe's SDK (client_secret), then POST to complete_url."""

    status: Literal["requires_action"]
    client_secret: str
    authentication_url: str
    complete_url: str


@router.post(
    "/{booking_id}/pay",
    response={200: BookingDetailOut, 202: PayActionOut},
    summary="Guest: pay on-session after the scheduled charge was refused",
)
def pay(request: ApiRequest, booking_id: int, payload: PayIn):
    """200 once paid (a second call returns the booking, charged once); 202 when the bank wants 3-D Secure;
    402 when the card is refused; 409 when the window to pay has closed."""
    try:
        return pay_now(guest=request.user, booking_id=booking_id, payment_method=payload.payment_method)
    except AuthenticationRequired as pending:
        return Status(
            202,
            {
                "status": "requires_action",
                "client_secret": pending.client_secret,
                "authentication_url": pending.url,
                "complete_url": f"{request.path.rstrip('/')}/complete",
            },
        )


@router.post("/{booking_id}/pay/complete", response=BookingDetailOut, summary="Guest: finish paying after 3-D Secure")
def pay_complete(request: ApiRequest, booking_id: int):
    return complete_pay_now(guest=request.user, booking_id=booking_id)
