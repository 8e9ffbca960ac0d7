"""Pages of a booking's change: the form to ask (guest) or propose (host), and the answers to it.

Thin: each parses its input, calls one service of `bookings.services.changes`, and goes back to the
booking page with what happened. Only the booking's guest and host get past the services (404 otherwise).
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext
from django.views.decorators.http import require_POST

from bookings import selectors
from bookings.forms import BookingForm, ReasonForm
from bookings.models import Booking, BookingStatus
from bookings.services import change_money
from bookings.services.changes import accept_change, ask_change, decline_change, propose_change, withdraw_change
from core.pages import refusal_pages, refusals
from core.requests import SignedInRequest
from listings.models import ListingKind


class ChangeForm(BookingForm):
    """The book form's dates and people, without what only a new booking has (promo code, credit)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        del self.fields["promo_code"], self.fields["use_credit"]


def _local(moment: datetime, booking: Booking) -> date | datetime:
    """What the form shows: the local date of a stay, the local date-time of a car or a ride."""
    local = moment.astimezone(ZoneInfo(booking.time_zone))
    return local.date() if booking.listing.kind == ListingKind.ROOM else local.replace(tzinfo=None)


@login_required
@refusal_pages
def change(request: SignedInRequest, booking_id: int) -> HttpResponse:
    """GET: the form with the booking's dates; POST: the guest asks, the host proposes."""
    booking = selectors.visible_booking(user=request.user, booking_id=booking_id)
    is_guest = request.user.pk == booking.guest_id
    if not is_guest and request.user.pk != booking.listing.owner_id:
        return HttpResponse(gettext("Only the guest or the host can change this booking."), status=403)
    initial = {"start": _local(booking.start, booking), "end": _local(booking.end, booking), "guests": booking.guests}
    form = ChangeForm(request.POST or None, listing=booking.listing, initial=initial)
    show_card = False
    if request.method == "POST" and form.is_valid():
        period = {key: form.cleaned_data[key] for key in ("start", "end", "guests")}
        with refusals(form=form, forbidden=True) as refused:
            if is_guest:
                payment_method = request.POST.get("payment_method", "")
                ask_change(guest=request.user, booking_id=booking_id, payment_method=payment_method, **period)
            else:
                propose_change(host=request.user, booking_id=booking_id, **period)
        if not refused:
            messages.success(request, gettext("Change sent: the other side has until the deadline to answer."))
            return redirect(booking.get_absolute_url())
        # A dearer change of a paid booking: the form comes back with the card field.
        show_card = refused.error is not None and refused.error.field == "payment_method"
    context = {
        "booking": booking,
        "form": form,
        "is_guest": is_guest,
        "show_card": is_guest and show_card,
        "changeable": booking.status == BookingStatus.CONFIRMED,
        "open_change": selectors.open_change(booking=booking),
        # Charged already (or paid at booking): a cheaper change refunds; else the scheduled charge shrinks.
        "paid": change_money.card_pays(booking),
    }
    return render(request, "bookings/change.html", context, status=400 if form.errors else 200)


def _answer(request: SignedInRequest, booking_id: int, done: str, call: Any) -> HttpResponse:
    with refusals(request, forbidden=True) as refused:
        call()
    if not refused:
        messages.success(request, done)
    return redirect("bookings:detail", booking_id=booking_id)


@login_required
@require_POST
@refusal_pages
def change_accept(request: SignedInRequest, booking_id: int) -> HttpResponse:
    payment_method = request.POST.get("payment_method", "")
    return _answer(
        request,
        booking_id,
        "Change accepted: the booking has its new dates.",
        lambda: accept_change(user=request.user, booking_id=booking_id, payment_method=payment_method),
    )


@login_required
@require_POST
@refusal_pages
def change_decline(request: SignedInRequest, booking_id: int) -> HttpResponse:
    reason = ReasonForm(request.POST)
    text = reason.cleaned_data["reason"] if reason.is_valid() else ""
    return _answer(
        request,
        booking_id,
        "Change declined: the booking stays as it was.",
        lambda: decline_change(user=request.user, booking_id=booking_id, reason=text),
    )


@login_required
@require_POST
@refusal_pages
def change_withdraw(request: SignedInRequest, booking_id: int) -> HttpResponse:
    return _answer(
        request,
        booking_id,
        "Change withdrawn.",
        lambda: withdraw_change(user=request.user, booking_id=booking_id),
    )
