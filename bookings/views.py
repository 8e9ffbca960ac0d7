"""Pages: book, my trips, reservations, the host calendar, the booking page and its actions."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, timedelta
from uuid import UUID

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, HttpResponseForbidden
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from bookings import pricing, pricing_words, selectors
from bookings.forms import BookingForm, ReasonForm
from bookings.models import BookingStatus, PaymentSchedule
from bookings.money import booking_reference, money
from bookings.services.answers import accept_booking, decline_booking, withdraw_booking
from bookings.services.cancellations import CANCELLABLE_STATUSES, cancel_by_guest, cancel_by_host, guest_refund
from bookings.services.changes import card_needed_to_accept
from bookings.services.checkout import booking_thread_key, complete_checkout, quote_request, request_booking
from bookings.services.schedule import complete_pay_now, describe, pay_now
from bookings.tenders import refund_tenders
from core.pages import refusal_pages, refusals
from core.requests import SignedInRequest
from listings import privacy
from listings.models import Listing
from listings.selectors import visible_listing
from realtime.selectors import thread_id_by_key


def _policy_text(listing: Listing) -> str:
    return pricing_words.policy_in_plain_words(listing.cancellation_policy, pricing_words.unit_label(listing.kind))


@login_required
@refusal_pages
def book(request: SignedInRequest, listing_id: int) -> HttpResponse:
    # A paused listing is a 404 for everybody but its owner, as on the listing page (README "Listings").
    listing = visible_listing(listing_id=listing_id, viewer=request.user)
    form = BookingForm(request.POST or None, listing=listing, initial=request.GET.dict() or None)
    if request.method == "POST" and form.is_valid():
        # A card the bank wants to confirm sends the guest to the bank's page (@refusal_pages).
        with refusals(form=form) as refused:
            booking = request_booking(
                guest=request.user,
                listing_id=listing.pk,
                start=form.cleaned_data["start"],
                end=form.cleaned_data["end"],
                guests=form.cleaned_data["guests"],
                payment_method=request.POST.get("payment_method", ""),
                promo_code=form.cleaned_data["promo_code"],
                use_credit=form.cleaned_data["use_credit"],
            )
        if not refused:
            confirmed = booking.status == BookingStatus.CONFIRMED
            messages.success(request, _("Booked: see you there.") if confirmed else _("Request sent to the host."))
            return redirect(booking.get_absolute_url())
    context = {
        "listing": listing,
        "form": form,
        "policy_text": _policy_text(listing),
        "schedule_after_days": settings.PAYMENT_SCHEDULE_AFTER_DAYS,
        "charge_days_before": settings.PAYMENT_CHARGE_DAYS_BEFORE,
    }
    return render(request, "bookings/book.html", context, status=400 if form.errors else 200)


@login_required
def checkout_complete(request: SignedInRequest, checkout_uid: UUID) -> HttpResponse:
    """Where the 3-D Secure page sends the guest back: make the booking (idempotent, own checkouts only)."""
    with refusals(request) as refused:
        booking = complete_checkout(guest=request.user, checkout_uid=str(checkout_uid))
    if refused:
        listing_id = selectors.checkout_listing_id(guest=request.user, checkout_uid=str(checkout_uid))
        return redirect("bookings:book", listing_id=listing_id) if listing_id else redirect("bookings:trips")
    confirmed = booking.status == BookingStatus.CONFIRMED
    messages.success(request, _("Booked: see you there.") if confirmed else _("Request sent to the host."))
    return redirect(booking.get_absolute_url())


@login_required
@refusal_pages
def quote(request: SignedInRequest, listing_id: int) -> HttpResponse:
    """The live quote (an htmx fragment) for what is typed in the book form."""
    listing = visible_listing(listing_id=listing_id, viewer=request.user)
    form = BookingForm(request.GET, listing=listing)
    context: dict = {"listing": listing}
    if not (request.GET.get("start") and request.GET.get("end")):
        context["hint"] = "Pick your dates to see the price."
    elif not form.is_valid():
        context["error"] = " ".join(str(message) for messages in form.errors.values() for message in messages)
    else:
        # The same checks as the request itself, so the reason shows before any card is asked for.
        period = {name: form.cleaned_data[name] for name in ("start", "end", "guests")}
        with refusals(missing_is_404=False) as refused:
            context["priced"] = quote_request(
                guest=request.user,
                listing_id=listing.pk,
                promo_code=form.cleaned_data["promo_code"],
                use_credit=form.cleaned_data["use_credit"],
                **period,
            )
        if refused.field == "promo_code":
            # A code that cannot be used: the price without it, and why.
            context["promo_error"] = refused.message
            with refusals(missing_is_404=False) as refused:
                context["priced"] = quote_request(
                    guest=request.user, listing_id=listing.pk, use_credit=form.cleaned_data["use_credit"], **period
                )
        if refused:
            context["error"] = refused.message
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
@refusal_pages
def detail(request: SignedInRequest, booking_id: int) -> HttpResponse:
    booking = selectors.visible_booking(user=request.user, booking_id=booking_id)
    is_guest, is_host = request.user.pk == booking.guest_id, request.user.pk == booking.listing.owner_id
    settled = selectors.settled_by_dispute(booking)
    schedule = PaymentSchedule.objects.filter(booking=booking).first()
    open_change = selectors.open_change(booking=booking)
    context: dict[str, object] = {
        "payment_schedule": schedule,
        "schedule_words": describe(schedule),
        "nothing_charged": schedule is not None and schedule.state in ("lapsed", "failed", "scheduled"),
        "booking": booking,
        "settled_by_dispute": settled,
        "is_guest": is_guest,
        "is_host": is_host,
        "transitions": booking.transitions.select_related("by"),
        "policy_text": pricing_words.policy_in_plain_words(
            booking.cancellation_policy, pricing_words.unit_label(booking.listing.kind)
        ),
        "now": timezone.now(),
        "thread_id": thread_id_by_key(request.user, booking_thread_key(booking.pk)),
        "money_reference": booking_reference(booking.pk),
        "place": privacy.whereabouts(booking.listing, request.user),
        "money_pending": money().money_pending(reference=booking_reference(booking.pk)),
        "changes": booking.changes.select_related("asked_by", "answered_by"),
        "open_change": open_change,
        "change_needs_card": card_needed_to_accept(booking=booking, change=open_change, user=request.user),
    }
    if is_guest and not settled and booking.status in (BookingStatus.CONFIRMED, BookingStatus.IN_PROGRESS):
        refund_now = (
            pricing.full_refund(selectors.booking_quote(booking))
            if schedule is not None and schedule.state == PaymentSchedule.State.FAILED
            else guest_refund(booking=booking, at=timezone.now())
        )
        context["refund_now"] = refund_now
        context["forfeit_now"] = booking.total - refund_now.refund
    return render(request, "bookings/detail.html", context)


@login_required
@refusal_pages
def pay(request: SignedInRequest, booking_id: int) -> HttpResponse:
    """The guest pays on-session after the saved card was refused (same card or another; 3-D Secure if asked)."""
    booking = selectors.visible_booking(user=request.user, booking_id=booking_id)
    status = 200
    if request.method == "POST":
        with refusals(request, forbidden=True) as refused:
            pay_now(guest=request.user, booking_id=booking_id, payment_method=request.POST.get("payment_method", ""))
        if not refused:
            messages.success(request, _("Paid: your booking stands."))
            return redirect(booking.get_absolute_url())
        status = refused.status_code
    schedule = PaymentSchedule.objects.filter(booking=booking).first()
    context = {"booking": booking, "schedule": schedule, "schedule_words": describe(schedule)}
    return render(request, "bookings/pay.html", context, status=status)


@login_required
@refusal_pages
def pay_complete(request: SignedInRequest, booking_id: int) -> HttpResponse:
    """Where the 3-D Secure page sends the guest back: pay with the card the bank confirmed (idempotent)."""
    with refusals(request, forbidden=True) as refused:
        booking = complete_pay_now(guest=request.user, booking_id=booking_id)
    if refused:
        return redirect("bookings:pay", booking_id=booking_id)
    messages.success(request, _("Paid: your booking stands."))
    return redirect(booking.get_absolute_url())


def _action(call: Callable[..., object]) -> Callable[[HttpRequest, int], HttpResponse]:
    """A POST-only booking action: runs one service, then back to the booking page with what happened."""

    @login_required
    @require_POST
    @refusal_pages
    def view(request: HttpRequest, booking_id: int) -> HttpResponse:
        reason = ReasonForm(request.POST)
        text = reason.cleaned_data["reason"] if reason.is_valid() else ""
        with refusals(request, forbidden=True) as refused:
            call(request.user, booking_id, text)
        if not refused:
            messages.success(request, _("Done."))
        return redirect("bookings:detail", booking_id=booking_id)

    return view


accept = _action(lambda user, booking_id, reason: accept_booking(host=user, booking_id=booking_id))
decline = _action(lambda user, booking_id, reason: decline_booking(host=user, booking_id=booking_id, reason=reason))
withdraw = _action(lambda user, booking_id, reason: withdraw_booking(guest=user, booking_id=booking_id))


def _cancel(user, booking_id: int, reason: str) -> object:
    """One "cancel" button for both sides: the service follows who is asking."""
    booking = selectors.visible_booking(user=user, booking_id=booking_id)
    if user.pk == booking.listing.owner_id:
        return cancel_by_host(host=user, booking_id=booking_id, reason=reason)
    return cancel_by_guest(guest=user, booking_id=booking_id, reason=reason)


_cancel_now = _action(_cancel)


def _guest_gets_back(booking, user, now) -> int:
    """What the guest would get back if `user` cancelled now, by the rules the cancellation itself applies."""
    refused = PaymentSchedule.objects.filter(booking=booking, state=PaymentSchedule.State.FAILED).exists()
    if user.pk == booking.listing.owner_id or refused:
        return pricing.full_refund(selectors.booking_quote(booking)).refund
    return guest_refund(booking=booking, at=now).refund


@login_required
@refusal_pages
def cancel(request: SignedInRequest, booking_id: int) -> HttpResponse:
    """Cancelling asks first (it may forfeit money): a page says "you get back X of Y", and its form cancels.

    The form carries the refund it showed; if the policy's next step passed meanwhile and the guest
    would now get back less, the page asks again with the new amount instead of cancelling.
    """
    booking = selectors.visible_booking(user=request.user, booking_id=booking_id)
    is_host, is_guest = request.user.pk == booking.listing.owner_id, request.user.pk == booking.guest_id
    if not (is_host or is_guest):
        return HttpResponseForbidden("Only the guest or the host can cancel this booking.")
    cancellable = booking.status in CANCELLABLE_STATUSES and not selectors.settled_by_dispute(booking)
    refund = _guest_gets_back(booking, request.user, timezone.now()) if cancellable else None
    changed = False
    if request.method == "POST" and cancellable:
        shown = request.POST.get("refund_shown", "")
        changed = not shown.isdigit() or refund is None or refund < int(shown)
        if not changed:
            return _cancel_now(request, booking_id)
    forfeit = booking.total - refund if refund is not None else None
    context = {
        "booking": booking,
        "is_host": is_host,
        "cancellable": cancellable,
        "refund": refund,
        "forfeit": forfeit,
        # Of what the policy keeps, the saved card pays its part; a promo code and credit pay theirs.
        "card_forfeit": booking.charged - refund_tenders(selectors.booking_quote(booking), refund).card
        if refund is not None
        else None,
        "changed": changed,
        # A far-ahead booking not charged yet: nothing comes back, only what the policy keeps is charged.
        "not_charged_yet": PaymentSchedule.objects.filter(
            booking=booking, state__in=(PaymentSchedule.State.SCHEDULED, PaymentSchedule.State.FAILED)
        ).exists(),
        "policy_text": pricing_words.policy_in_plain_words(
            booking.cancellation_policy, pricing_words.unit_label(booking.listing.kind)
        ),
    }
    return render(request, "bookings/cancel.html", context, status=409 if changed else 200)
