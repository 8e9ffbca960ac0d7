"""A booking's changes in the JSON API (/api/v1/bookings/{id}/changes): list, ask or propose, and the answers.

The twin of the change pages (`bookings.change_views`). Only the booking's guest and host act (404 for anyone
else); refusals are the services' DomainErrors, {"detail", "field"} with a 4xx (sharing/api.py).
"""

from __future__ import annotations

from datetime import date, datetime

from django.http import HttpRequest
from ninja import Field, Router, Schema, Status

from bookings import selectors
from bookings.api import BookingDetailOut, QuoteLinesOut, _reason
from bookings.models import BookingChange
from bookings.services.changes import accept_change, ask_change, decline_change, propose_change, withdraw_change
from core.api import session_or_token_auth
from core.errors import NotFound
from core.requests import ApiRequest

router = Router(tags=["booking changes"], auth=session_or_token_auth)


class ChangeIn(Schema):
    start: datetime | date = Field(description="Rooms: the new check-in date. Cars and drivers: a date-time.")
    end: datetime | date = Field(description="Rooms: the new check-out date. Cars and drivers: a date-time.")
    guests: int = Field(ge=1, le=100)
    payment_method: str = Field(
        "",
        max_length=255,
        description="The guest's card (pm_...) when the change costs more on a paid booking: held for the new total",
    )


class AcceptIn(Schema):
    payment_method: str = Field(
        "", max_length=255, description="The guest's card when accepting a dearer change the host proposed"
    )


class ChangeOut(QuoteLinesOut):
    """A change and its new price, whose lines read exactly like a quote's (`QuoteLinesOut`): the booking's
    promo code and credit carried over, and the taxes."""

    id: int
    booking_id: int
    side: str = Field(description="guest (the guest asked) or host (the host proposed)")
    status: str = Field(description="open, accepted, declined, expired or withdrawn")
    old_start: datetime
    old_end: datetime
    old_guests: int
    old_total: int
    old_charged: int = Field(description="What the card paid of the booking when the change was asked")
    start: datetime
    end: datetime
    guests: int
    difference: int = Field(description="What the guest's card pays more (positive) or gets back (negative)")
    respond_by: datetime
    created_at: datetime
    answered_at: datetime | None
    reason: str

    @staticmethod
    def resolve_currency(obj: BookingChange) -> str:
        return obj.booking.currency

    @staticmethod
    def resolve_promo_code(obj: BookingChange) -> str:
        return obj.booking.promo_code


def _visible(request: HttpRequest, booking_id: int):
    booking = selectors.visible_booking(user=request.user, booking_id=booking_id)
    if request.user.pk not in (booking.guest_id, booking.listing.owner_id):
        raise NotFound(selectors.BOOKING_NOT_FOUND)
    return booking


@router.get("/{booking_id}/changes", response=list[ChangeOut], summary="Guest or host: a booking's changes")
def list_changes(request: ApiRequest, booking_id: int):
    return list(BookingChange.objects.filter(booking=_visible(request, booking_id)).select_related("booking"))


@router.post("/{booking_id}/changes", response={201: ChangeOut}, summary="Guest: ask for a change; host: propose one")
def create_change(request: ApiRequest, booking_id: int, payload: ChangeIn):
    """409 when the dates are taken or a change is already open; 400 for dates in the past, beyond the horizon
    or more guests than the listing takes; 402 when the card is needed (a dearer change) or refused."""
    booking = _visible(request, booking_id)
    start, end, guests = payload.start, payload.end, payload.guests
    if request.user.pk == booking.guest_id:
        change = ask_change(
            guest=request.user,
            booking_id=booking_id,
            start=start,
            end=end,
            guests=guests,
            payment_method=payload.payment_method,
        )
    else:
        change = propose_change(host=request.user, booking_id=booking_id, start=start, end=end, guests=guests)
    return Status(201, change)


@router.post("/{booking_id}/changes/accept", response=BookingDetailOut, summary="The other side: accept the change")
def accept(request: ApiRequest, booking_id: int, payload: AcceptIn):
    return accept_change(user=request.user, booking_id=booking_id, payment_method=payload.payment_method)


@router.post("/{booking_id}/changes/decline", response=ChangeOut, summary="The other side: decline the change")
def decline(request: ApiRequest, booking_id: int):
    return decline_change(user=request.user, booking_id=booking_id, reason=_reason(request))


@router.post("/{booking_id}/changes/withdraw", response=ChangeOut, summary="The side that asked: withdraw it")
def withdraw(request: ApiRequest, booking_id: int):
    return withdraw_change(user=request.user, booking_id=booking_id)
