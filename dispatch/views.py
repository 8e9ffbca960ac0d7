"""Pages: "I need a driver now" (requester), the request page (both parties), the provider's page and its actions."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext
from django.views.decorators.http import require_POST

from bookings.services.checkout import booking_thread_key
from core.pages import refusal_pages, refusals
from core.requests import SignedInRequest
from dispatch import selectors
from dispatch.inputs import Need, Position
from dispatch.models import RequestState
from dispatch.services import acceptance
from dispatch.services import availability as availability_services
from dispatch.services import requests as request_services
from listings.geocoding import geocode_place
from listings.models import Listing, ListingKind, ListingStatus
from realtime.selectors import thread_id_by_key


def _where(data) -> dict:
    """The requester's choice from a form post or query, as sent (the form shows it again); `Need.parse` reads it."""
    return {
        "kind": data.get("kind", ListingKind.DRIVER),
        "latitude": data.get("latitude", ""),
        "longitude": data.get("longitude", ""),
        "hours": data.get("hours", "2"),
        # "now" or an ISO 8601 pickup time with its offset (the page's options are such values).
        "when": data.get("when", "now"),
        # Typed instead of a position (without script, or before "Find it"): geocoded by `_place_address`.
        "address": data.get("address", "")[:255],
    }


def _place_address(where: dict) -> None:
    """A typed address becomes the position when none was given (the same offline geocoder as listings)."""
    if where["address"].strip() and not (str(where["latitude"]).strip() and str(where["longitude"]).strip()):
        place = geocode_place(where["address"])
        where["latitude"], where["longitude"] = f"{place.latitude:.6f}", f"{place.longitude:.6f}"


def _need(where: dict) -> Need:
    _place_address(where)
    return Need.parse(**{name: value for name, value in where.items() if name != "address"})


def _need_context(where: dict, error: str | None, error_field: str | None = None) -> dict:
    """The form's values, its error, and the later pickup times to choose from (UTC values; the page's script
    relabels them in the browser's local time)."""
    return {
        "where": where,
        "error": error,
        "error_field": error_field,
        "slots": [slot.isoformat() for slot in selectors.pickup_slots(now=timezone.now())],
        "max_ahead_hours": settings.DISPATCH_MAX_AHEAD_HOURS,
    }


@login_required
@refusal_pages
def need(request: SignedInRequest) -> HttpResponse:
    """Ask for a driver (or a car) here, now or later today: position, when, hours, the estimate, the card."""
    open_request = selectors.open_request_of(requester=request.user)
    if open_request is not None:
        return redirect("dispatch:request", request_id=open_request.pk)
    where = _where(request.POST or request.GET)
    # A card the bank wants to confirm sends the requester to the bank's page (@refusal_pages).
    with refusals(missing_is_404=False) as refused:
        if request.method == "POST":
            created = request_services.request_now(
                requester=request.user, need=_need(where), payment_method=request.POST.get("payment_method", "")
            )
            return redirect("dispatch:request", request_id=created.pk)
    context = _need_context(where, refused.message or None, refused.field)
    return render(request, "dispatch/need.html", context, status=400 if refused else 200)


@login_required
def estimate(request: SignedInRequest) -> HttpResponse:
    """The fare estimate fragment (htmx), refreshed whenever the position, kind or hours change."""
    where = _where(request.GET)
    with refusals(missing_is_404=False) as refused:
        quote = request_services.estimate(requester=request.user, need=_need(where))
    if refused:
        return render(request, "dispatch/_estimate.html", {"error": refused.message})
    return render(request, "dispatch/_estimate.html", {"quote": quote, "when": where["when"]})


@login_required
@refusal_pages
def request_detail(request: SignedInRequest, request_id: int) -> HttpResponse:
    """The request as its requester or its assigned provider sees it; anybody else: 404."""
    job = selectors.visible_request(user=request.user, request_id=request_id)
    context = {
        "job": job,
        "is_requester": job.requester_id == request.user.pk,
        "seconds_left": max(0, int((job.expires_at - timezone.now()).total_seconds())),
        "pickup": selectors.pickup_label(job.pickup_at, now=timezone.now(), time_zone=job.time_zone),
        "sharing": job.state == RequestState.ASSIGNED and job.booking is not None and job.booking.status == "confirmed",
    }
    if job.state == RequestState.AUTHENTICATING and context["is_requester"]:
        context["bank_url"] = request_services.authentication_url(job)
    if job.state == RequestState.ASSIGNED and job.booking_id is not None:
        # Messages go through the booking's conversation: neither party sees the other's email or phone.
        context["thread_id"] = thread_id_by_key(request.user, booking_thread_key(job.booking_id))
        distance = selectors.assigned_distance_km(job) if job.pickup_at is None else None
        context["arrival_minutes"] = selectors.arrival_minutes(distance) if distance is not None else None
    return render(request, "dispatch/request.html", context)


@login_required
def authenticated(request: SignedInRequest, request_id: int) -> HttpResponse:
    """Where the bank's 3-D Secure page sends the requester back: the request goes live (own requests only)."""
    with refusals(request):
        request_services.complete_authentication(requester=request.user, request_id=request_id)
    return redirect("dispatch:request", request_id=request_id)


@login_required
@require_POST
def cancel(request: SignedInRequest, request_id: int) -> HttpResponse:
    with refusals(request):
        request_services.cancel_request(requester=request.user, request_id=request_id)
    return redirect("dispatch:request", request_id=request_id)


@login_required
def provider(request: SignedInRequest) -> HttpResponse:
    """The provider's page: the "available now" switch per listing, and the live offers."""
    listings = Listing.objects.filter(
        owner=request.user, kind__in=[ListingKind.DRIVER, ListingKind.CAR], status=ListingStatus.ACTIVE
    ).order_by("pk")
    switches = {a.listing_id: a for a in selectors.availabilities_of(provider=request.user)}
    now = timezone.now()
    offers = selectors.offer_messages(selectors.live_offers_for(provider=request.user), now=now)
    rows = [(listing, switches.get(listing.pk)) for listing in listings]
    return render(request, "dispatch/provider.html", {"rows": rows, "offers": offers})


@login_required
@require_POST
def availability(request: SignedInRequest, listing_id: int) -> HttpResponse:
    with refusals(request):
        if request.POST.get("available") == "on":
            availability_services.go_available(
                provider=request.user,
                listing_id=listing_id,
                position=Position.parse(request.POST.get("latitude", ""), request.POST.get("longitude", "")),
            )
            messages.success(request, gettext("You are available: offers near you will appear here."))
        else:
            availability_services.go_offline(provider=request.user, listing_id=listing_id)
            messages.success(request, gettext("You are offline."))
    return redirect("dispatch:provider")


@login_required
@require_POST
def accept(request: SignedInRequest, request_id: int) -> HttpResponse:
    with refusals(request) as refused:
        acceptance.accept_offer(provider=request.user, request_id=request_id)
    if refused:
        return redirect("dispatch:provider")
    messages.success(request, gettext("The job is yours: the requester sees you on the way."))
    return redirect("dispatch:request", request_id=request_id)


@login_required
@require_POST
def pass_offer(request: SignedInRequest, request_id: int) -> HttpResponse:
    with refusals(request):
        acceptance.pass_offer(provider=request.user, request_id=request_id)
    return redirect("dispatch:provider")
