"""Pages of the listings app: search, a listing, and the owner's create/edit/photos/calendar pages.

Views parse input with a form, call one service or selector, and render;
DomainErrors become field errors (forms) or a message, never a 500.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse, QueryDict
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from accounts.decorators import verified_email_required
from core.errors import DomainError
from core.pages import add_refusal_to_form, refusal_pages, refusals
from core.rates import stale_note
from core.requests import HtmxRequest, SignedInRequest
from listings import photos as photo_services
from listings import privacy, selectors, services
from listings.availability import availability_months, locale_first_weekday
from listings.detail_forms import DETAIL_FORMS
from listings.forms import BlockForm, ListingForm, PhotosForm, SearchForm
from listings.geocoding import geocode_place
from listings.models import MAX_PHOTOS_PER_LISTING, ListingKind, ListingStatus
from listings.prices import approximate_prices, searcher_currency
from listings.search import SearchQuery, SortOrder, price_rule


def _own(request: SignedInRequest, listing_id: int):
    """The requester's own listing: NotFound when they may not see it, PermissionDenied when they may see but
    not change it (the 404 and 403 of `@refusal_pages`)."""
    return selectors.owned_listing(listing_id=listing_id, owner=request.user)


def _show_on_forms(error: DomainError | None, form, details_form, photos_form=None) -> None:
    """A refusal of a listing's fields on the form that has the field it names (photos on their own form)."""
    if error is None:
        return
    if error.field in details_form.fields:
        add_refusal_to_form(details_form, error)
    elif photos_form is not None and error.field == "photos":
        add_refusal_to_form(photos_form, error)
    else:
        add_refusal_to_form(form, error)


def _detail_form_for(kind: str, listing=None, data=None):
    form_class = DETAIL_FORMS[kind]
    if listing is None:
        return form_class(data)
    details = getattr(listing, {"room": "room", "car": "car", "driver": "driver"}[kind], None)
    return form_class(data, initial=form_class.initial_for(details) if details else None)


@verified_email_required
def choose_kind(request: HttpRequest) -> HttpResponse:
    return render(request, "listings/choose_kind.html", {"kinds": ListingKind.choices})


@verified_email_required
def create(request: SignedInRequest, kind: str) -> HttpResponse:
    if kind not in ListingKind.values:
        raise Http404(f"Unknown kind “{kind}”: choose a room, a car or a driving service.")
    data = request.POST if request.method == "POST" else None
    form, details_form = ListingForm(data, kind=kind), DETAIL_FORMS[kind](data)
    photos_form = PhotosForm(data, request.FILES or None)
    if request.method == "POST" and form.is_valid() and details_form.is_valid() and photos_form.is_valid():
        with refusals() as refused:
            listing = services.create_listing(
                owner=request.user,
                kind=kind,
                fields=form.service_fields(),
                details=details_form.service_details(form.cleaned_data["currency"]),
                photos=photos_form.cleaned_data["photos"],
            )
        if refused:
            _show_on_forms(refused.error, form, details_form, photos_form)
        else:
            messages.success(request, "Your listing is live. Block any dates you are not available.")
            return redirect("listings:detail", listing_id=listing.pk)
    context = {"form": form, "details_form": details_form, "photos_form": photos_form, "kind": kind}
    # Reached after a POST only when something was refused: a 400, with the reasons on the form.
    status = 400 if request.method == "POST" else 200
    return render(request, "listings/edit.html", {**context, "kind_label": ListingKind(kind).label}, status=status)


@login_required
@refusal_pages
def edit(request: SignedInRequest, listing_id: int) -> HttpResponse:
    listing = _own(request, listing_id)
    if request.method == "POST":
        form, details_form = ListingForm(request.POST, kind=listing.kind), DETAIL_FORMS[listing.kind](request.POST)
        if form.is_valid() and details_form.is_valid():
            with refusals() as refused:
                services.update_listing(
                    listing=listing,
                    actor=request.user,
                    fields=form.service_fields(),
                    details=details_form.service_details(form.cleaned_data["currency"]),
                )
            if refused:
                _show_on_forms(refused.error, form, details_form)
            else:
                messages.success(request, "Saved.")
                return redirect("listings:detail", listing_id=listing.pk)
    else:
        form = ListingForm(initial=ListingForm.initial_for(listing), kind=listing.kind)
        details_form = _detail_form_for(listing.kind, listing)
    context = {"form": form, "details_form": details_form, "listing": listing, "kind": listing.kind}
    status = 400 if request.method == "POST" else 200
    return render(request, "listings/edit.html", {**context, "kind_label": listing.get_kind_display()}, status=status)


@login_required
@refusal_pages
def photos(request: SignedInRequest, listing_id: int) -> HttpResponse:
    listing = _own(request, listing_id)
    form = PhotosForm(request.POST or None, request.FILES or None)
    if request.method == "POST":
        # A photo deleted by a double click is already gone: say so on the form rather than a 404.
        with refusals(form=form, missing_is_404=False):
            action, photo_id = request.POST.get("action", "upload"), int(request.POST.get("photo") or 0)
            if action == "delete":
                photo_services.delete_photo(listing=listing, actor=request.user, photo_id=photo_id)
            elif action == "cover":
                photo_services.make_cover(listing=listing, actor=request.user, photo_id=photo_id)
            elif form.is_valid():
                photo_services.add_photos(listing=listing, actor=request.user, uploads=form.cleaned_data["photos"])
        if not form.errors:
            return redirect("listings:photos", listing_id=listing.pk)
    context = {"listing": listing, "form": form, "max_photos": MAX_PHOTOS_PER_LISTING}
    return render(request, "listings/photos.html", context, status=400 if form.errors else 200)


@require_POST
@login_required
@refusal_pages
def change_status(request: SignedInRequest, listing_id: int, status: str) -> HttpResponse:
    listing = _own(request, listing_id)
    with refusals(request, forbidden=True) as refused:  # e.g. a currency the host's payouts cannot receive
        services.set_listing_status(listing=listing, actor=request.user, status=status)
    if refused:
        return redirect("listings:detail", listing_id=listing.pk)
    notes = {
        ListingStatus.PAUSED: "Paused: nobody else can see or book it until you resume it.",
        ListingStatus.ACTIVE: "Your listing is visible again.",
        ListingStatus.DELETED: "Deleted. Past bookings keep their history.",
    }
    messages.success(request, notes[ListingStatus(status)])
    if status == ListingStatus.DELETED:
        return redirect("listings:mine")
    return redirect("listings:detail", listing_id=listing.pk)


@login_required
@refusal_pages
def calendar(request: SignedInRequest, listing_id: int) -> HttpResponse:
    listing = _own(request, listing_id)
    form = BlockForm(request.POST or None, listing=listing)
    if request.method == "POST" and form.is_valid():
        start, end = form.period(listing.time_zone)
        # The service names its own fields (start, end), not the form's days: shown above the form.
        with refusals(form=form, fields=()) as refused:
            services.block_period(
                listing=listing, actor=request.user, start=start, end=end, note=form.cleaned_data["note"]
            )
        if not refused:
            messages.success(request, "Those days are blocked.")
            return redirect("listings:calendar", listing_id=listing.pk)
    periods = selectors.upcoming_busy_periods(listing=listing)
    context = {"listing": listing, "form": form, "periods": periods}
    return render(request, "listings/calendar.html", context, status=400 if form.errors else 200)


@require_POST
@login_required
@refusal_pages
def unblock(request: SignedInRequest, listing_id: int, period_id: int) -> HttpResponse:
    listing = _own(request, listing_id)
    # Unblocked twice (a double click): the period is gone, which is a message, not a 404.
    with refusals(request, missing_is_404=False) as refused:
        services.unblock_period(listing=listing, actor=request.user, busy_period_id=period_id)
    if not refused:
        messages.success(request, "Those days are free again.")
    return redirect("listings:calendar", listing_id=listing.pk)


@login_required
def geocode(request: HttpRequest) -> JsonResponse:
    """Where a typed address is, for the listing form's map (the same offline geocoder the save uses)."""
    try:
        place = geocode_place(request.GET.get("q", "")[:255])
    except DomainError as error:
        return JsonResponse({"detail": error.message}, status=404 if error.code == "not_found" else 400)
    return JsonResponse(
        {
            "latitude": place.latitude,
            "longitude": place.longitude,
            "city": place.city,
            "country_code": place.country_code,
            "reach_km": services.NAMED_CITY_REACH_KM,
        }
    )


@login_required
def mine(request: SignedInRequest) -> HttpResponse:
    return render(request, "listings/mine.html", {"listings": selectors.listings_of(owner=request.user)})


@refusal_pages
def detail(request: HttpRequest, listing_id: int) -> HttpResponse:
    listing = selectors.visible_listing(listing_id=listing_id, viewer=request.user)
    is_owner = request.user.pk == listing.owner_id
    context = {
        "listing": listing,
        "months": availability_months(listing=listing, first_weekday=locale_first_weekday()),
        # Guests pick their dates on the calendar; the owner reads it (and blocks days on their own page).
        "pickable": listing.is_bookable and not is_owner,
        "is_owner": is_owner,
        "place": privacy.whereabouts(listing, request.user),
    }
    return render(request, "listings/detail.html", context)


@login_required
@require_POST
def ask_host(request: SignedInRequest, listing_id: int) -> HttpResponse:
    with refusals(request) as refused:
        listing = selectors.visible_listing(listing_id=listing_id, viewer=request.user)
        thread = services.open_question_thread(listing=listing, requester=request.user)
    if refused:
        return redirect("listings:detail", listing_id=listing_id)
    return redirect("realtime:thread", thread_id=thread.pk)


@login_required
@require_POST
def report(request: SignedInRequest, listing_id: int) -> HttpResponse:
    with refusals(request) as refused:
        listing = selectors.visible_listing(listing_id=listing_id, viewer=request.user)
        services.report_listing(listing=listing, reporter=request.user, reason=request.POST.get("reason", ""))
    if not refused:
        messages.success(request, "Thank you: our team will look at this listing.")
    return redirect("listings:detail", listing_id=listing_id)


def _search_query(form: SearchForm) -> tuple[SearchQuery | None, str]:
    """The query a valid search form asks for, and the place name shown."""
    fields, label = form.criteria()
    if fields is None:
        return None, ""
    data = form.cleaned_data
    ordering: dict[str, Any] = {
        "sort": data.get("sort") or "distance",
        "page": data.get("page") or 1,
        "currency": form.searcher_currency,
    }
    if data.get("bounds") is not None:
        filters = {name: value for name, value in fields.items() if name not in ("latitude", "longitude", "radius_km")}
        return SearchQuery.in_area(data["bounds"], **filters, **ordering), "the area shown on the map"
    return SearchQuery(**fields, **ordering), label


def search(request: HtmxRequest) -> HttpResponse:
    default_currency = searcher_currency(requested=None, accept_language=request.headers.get("Accept-Language", ""))
    form = SearchForm(request.GET or None, default_currency=default_currency)
    result, query, label, rates_note = None, None, "", None
    if form.is_bound and form.is_valid():
        with refusals(form=form) as refused:
            query, label = _search_query(form)
            if query is not None:
                result = privacy.public_search(query=query)
                rates = approximate_prices(result.listings, query.currency)
                rates_note = stale_note(rates) if rates is not None else None
        if refused and refused.field not in form.fields:
            form.add_error("q", refused.message)
    context = {"form": form, "result": result, "query": query, "place_label": label, "rates_note": rates_note}
    if query is not None and query.sort == SortOrder.PRICE:
        context["price_rule"] = price_rule(query)
    if query is not None and result is not None:
        params = QueryDict(mutable=True)
        params.update({key: value for key, value in request.GET.dict().items() if key != "page" and value})
        context["page_query"] = params.urlencode()
    template = "listings/_results.html" if request.htmx else "listings/search.html"
    status = 400 if form.errors else 200
    return render(request, template, context, status=status)
