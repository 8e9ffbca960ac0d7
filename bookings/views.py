"""Pages: book, my trips, reservations, the host calendar, the booking page and its actions."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, timedelta
from uuid import UUID

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseForbidden
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from bookings import pricing, selectors, services
from bookings.forms import BookingForm, ReasonForm
from bookings.models import BookingStatus
from bookings.money import booking_reference
from core.errors import DomainError, NotFound, PermissionDenied
from listings import privacy
from listings.models import Listing
from listings.selectors import visible_listing
from realtime.selectors import thread_id_by_key


def _bookable_listing(listing_id: int, viewer) -> Listing:
    # A paused listing is a 404 for everybody but its owner, as on the listing page (README "Listings").
    try:
        return visible_listing(listing_id=listing_id, viewer=viewer)
    except NotFound as error:
        raise Http404(error.message) from None


def _policy_text(listing: Listing) -> str:
    return pricing.policy_in_plain_words(listing.cancellation_policy, pricing.unit_label(listing.kind))


@login_required
def book(request: HttpRequest, listing_id: int) -> HttpResponse:
    listing = _bookable_listing(listing_id, request.user)
    form = BookingForm(request.POST or None, listing=listing, initial=request.GET.dict() or None)
    if request.method == "POST" and form.is_valid():
        try:
            booking = services.request_booking(
                guest=request.user,
                listing_id=listing.pk,
                start=form.cleaned_data["start"],
                end=form.cleaned_data["end"],
                guests=form.cleaned_data["guests"],
                payment_method=request.POST.get("payment_method", ""),
            )
        except services.AuthenticationRequired as pending:
            return redirect(pending.url)
        except DomainError as error:
            form.add_error(error.field if error.field in form.fields else None, error.message)
        else:
            confirmed = booking.status == BookingStatus.CONFIRMED
            messages.success(request, "Booked: see you there." if confirmed else "Request sent to the host.")
            return redirect(booking.get_absolute_url())
    context = {"listing": listing, "form": form, "policy_text": _policy_text(listing)}
    return render(request, "bookings/book.html", context, status=400 if form.errors else 200)


@login_required
def checkout_complete(request: HttpRequest, checkout_uid: UUID) -> HttpResponse:
    """Where the 3-D Secure page sends the guest back: make the booking (idempotent, own checkouts only)."""
    try:
        booking = services.complete_checkout(guest=request.user, checkout_uid=str(checkout_uid))
    except NotFound as error:
        raise Http404(error.message) from error
    except DomainError as error:
        messages.error(request, error.message)
        listing_id = selectors.checkout_listing_id(guest=request.user, checkout_uid=str(checkout_uid))
        return redirect("bookings:book", listing_id=listing_id) if listing_id else redirect("bookings:trips")
    confirmed = booking.status == BookingStatus.CONFIRMED
    messages.success(request, "Booked: see you there." if confirmed else "Request sent to the host.")
    return redirect(booking.get_absolute_url())


@login_required
def quote(request: HttpRequest, listing_id: int) -> HttpResponse:
    """The live quote (an htmx fragment) for what is typed in the book form."""
    listing = _bookable_listing(listing_id, request.user)
    form = BookingForm(request.GET, listing=listing)
    context: dict = {"listing": listing}
    if form.is_valid():
        try:
            context["priced"] = selectors.price_period(
                listing=listing, start=form.cleaned_data["start"], end=form.cleaned_data["end"]
            )
        except DomainError as error:
            context["error"] = error.message
    else:
        context["error"] = "Pick your dates to see the price."
    return render(request, "bookings/_quote.html", context)


@login_required
def trips(request: HttpRequest) -> HttpResponse:
    return render(request, "bookings/trips.html", {"bookings": selectors.trips_of(guest=request.user)})


@login_required
def reservations(request: HttpRequest) -> HttpResponse:
    bookings = list(selectors.reservations_of(host=request.user))
    context = {
        "requests": [b for b in bookings if b.status == BookingStatus.REQUESTED],
        "others": sorted((b for b in bookings if b.status != BookingStatus.REQUESTED), key=lambda b: b.start),
        "now": timezone.now(),
    }
    return render(request, "bookings/reservations.html", context)


@login_required
def calendar(request: HttpRequest) -> HttpResponse:
    today = timezone.localdate()
    try:
        month = date.fromisoformat(request.GET.get("month", "") + "-01") if request.GET.get("month") else today
    except ValueError:
        month = today
    listing_id = request.GET.get("listing")
    listings, rows = selectors.host_calendar(
        host=request.user, listing_id=int(listing_id) if listing_id and listing_id.isdigit() else None, month=month
    )
    first = month.replace(day=1)
    context = {
        "month": first,
        "previous": (first - timedelta(days=1)).strftime("%Y-%m"),
        "next": (first.replace(day=28) + timedelta(days=4)).strftime("%Y-%m"),
        "calendar": [(listing, rows[listing.pk]) for listing in listings],
    }
    return render(request, "bookings/calendar.html", context)


@login_required
def detail(request: HttpRequest, booking_id: int) -> HttpResponse:
    try:
        booking = selectors.visible_booking(user=request.user, booking_id=booking_id)
    except NotFound as error:
        raise Http404(error.message) from error
    is_guest, is_host = request.user.pk == booking.guest_id, request.user.pk == booking.listing.owner_id
    settled = selectors.settled_by_dispute(booking)
    context = {
        "booking": booking,
        "settled_by_dispute": settled,
        "is_guest": is_guest,
        "is_host": is_host,
        "transitions": booking.transitions.select_related("by"),
        "policy_text": pricing.policy_in_plain_words(
            booking.cancellation_policy, pricing.unit_label(booking.listing.kind)
        ),
        "now": timezone.now(),
        "thread_id": thread_id_by_key(request.user, services.booking_thread_key(booking.pk)),
        "money_reference": booking_reference(booking.pk),
        "place": privacy.whereabouts(booking.listing, request.user),
    }
    if is_guest and not settled and booking.status in (BookingStatus.CONFIRMED, BookingStatus.IN_PROGRESS):
        context["refund_now"] = services.guest_refund(booking=booking, at=timezone.now())
    return render(request, "bookings/detail.html", context)


def _action(call: Callable[..., object]) -> Callable[[HttpRequest, int], HttpResponse]:
    """A POST-only booking action: runs one service, then back to the booking page with what happened."""

    @login_required
    @require_POST
    def view(request: HttpRequest, booking_id: int) -> HttpResponse:
        reason = ReasonForm(request.POST)
        text = reason.cleaned_data["reason"] if reason.is_valid() else ""
        try:
            call(request.user, booking_id, text)
        except NotFound as error:
            raise Http404(error.message) from error
        except PermissionDenied as error:
            return HttpResponseForbidden(error.message)
        except DomainError as error:
            messages.error(request, error.message)
        else:
            messages.success(request, "Done.")
        return redirect("bookings:detail", booking_id=booking_id)

    return view


accept = _action(lambda user, booking_id, reason: services.accept_booking(host=user, booking_id=booking_id))
decline = _action(
    lambda user, booking_id, reason: services.decline_booking(host=user, booking_id=booking_id, reason=reason)
)
withdraw = _action(lambda user, booking_id, reason: services.withdraw_booking(guest=user, booking_id=booking_id))


def _cancel(user, booking_id: int, reason: str) -> object:
    """One "cancel" button for both sides: the service follows who is asking."""
    booking = selectors.visible_booking(user=user, booking_id=booking_id)
    if user.pk == booking.listing.owner_id:
        return services.cancel_by_host(host=user, booking_id=booking_id, reason=reason)
    return services.cancel_by_guest(guest=user, booking_id=booking_id, reason=reason)


cancel = _action(_cancel)
