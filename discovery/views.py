"""Pages of discovery: the heart, my lists, a shared list, my saved searches.

Thin views: a form or the posted fields, one service call, a message, a redirect.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.forms import ValidationError
from django.http import HttpRequest, HttpResponse, QueryDict
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext, gettext_noop
from django.views.decorators.http import require_POST

from core.errors import DomainError, NotFound
from core.pages import refusals_as_messages
from core.requests import SignedInRequest
from discovery import favourites, saved_searches, selectors
from discovery.forms import ListNameForm, SaveSearchForm

SEARCH_FIELDS = ("q", "lat", "lng", "radius", "kind", "start", "end", "guests", "min_price", "max_price", "instant")


def _back(request: HttpRequest, fallback: str) -> HttpResponse:
    target = request.POST.get("next", "")
    if target and url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        return redirect(target)
    return redirect(fallback)


@login_required
@require_POST
def heart(request: SignedInRequest, listing_id: int) -> HttpResponse:
    """Save a listing to my favourites, or take it out of all my lists (htmx swaps the button; no JS: a redirect)."""
    context = {"next": request.POST.get("next", ""), "signed_in": True}
    try:
        saved = favourites.toggle_heart(owner=request.user, listing_id=listing_id)
    except NotFound as error:
        if request.htmx:
            refused = {**context, "listing": {"pk": listing_id}, "error": error.message}
            return render(request, "discovery/_heart.html", refused)
        return render(request, "discovery/refused.html", {"message": error.message}, status=404)
    if request.htmx:
        listing = {"pk": listing_id}
        return render(request, "discovery/_heart.html", {**context, "listing": listing, "saved": saved})
    messages.success(request, gettext("Saved to your favourites.") if saved else gettext("Removed from your lists."))
    return _back(request, "discovery:lists")


@login_required
def lists(request: SignedInRequest) -> HttpResponse:
    form = ListNameForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            created = favourites.create_list(owner=request.user, name=form.cleaned_data["name"])
        except DomainError as error:
            form.add_error("name", error.message)
        else:
            return redirect("discovery:list", list_id=created.pk)
    context = {"lists": selectors.my_lists(owner=request.user), "form": form}
    return render(request, "discovery/lists.html", context, status=400 if form.errors else 200)


@login_required
def list_detail(request: SignedInRequest, list_id: int) -> HttpResponse:
    """One of my lists; its form posts an `action`: rename, share, unshare, remove (a listing) or delete."""
    if request.method == "POST":
        action = request.POST.get("action", "")
        with refusals_as_messages(request):
            if action == "delete":
                favourites.delete_list(owner=request.user, list_id=list_id)
                messages.success(request, gettext("List deleted."))
                return redirect("discovery:lists")
            if action == "rename":
                favourites.update_list(owner=request.user, list_id=list_id, name=request.POST.get("name", ""))
            elif action in ("share", "unshare"):
                favourites.update_list(owner=request.user, list_id=list_id, shared=action == "share")
            elif action == "remove":
                listing_id = request.POST.get("listing", "")
                favourites.remove_from_list(
                    owner=request.user, list_id=list_id, listing_id=int(listing_id) if listing_id.isdigit() else 0
                )
            else:
                raise DomainError(gettext_noop("Unknown action."))
        return redirect("discovery:list", list_id=list_id)
    with refusals_as_messages(request):
        chosen = selectors.my_list(owner=request.user, list_id=list_id)
    share_url = request.build_absolute_uri(chosen.get_share_url()) if chosen.shared else ""
    return render(request, "discovery/list.html", {"list": chosen, "share_url": share_url})


@login_required
@require_POST
def add_to_list(request: SignedInRequest, listing_id: int) -> HttpResponse:
    """The listing page's "save to a list" form: an existing list of mine, or a new one by name."""
    with refusals_as_messages(request):
        list_id = request.POST.get("list", "")
        if request.POST.get("new_name", "").strip():
            list_id = str(favourites.create_list(owner=request.user, name=request.POST["new_name"]).pk)
        chosen = int(list_id) if list_id.isdigit() else None
        favourites.add_to_list(owner=request.user, listing_id=listing_id, list_id=chosen)
        messages.success(request, gettext("Saved."))
    return _back(request, "discovery:lists")


def shared(request: HttpRequest, token: str) -> HttpResponse:
    """A list opened by its link: read-only, its active listings only, the owner's public name only."""
    with refusals_as_messages(request):
        chosen = selectors.shared_list(token=token)
    return render(request, "discovery/shared.html", {"list": chosen})


@login_required
def searches(request: SignedInRequest) -> HttpResponse:
    """My saved searches; the search page's "save this search" form posts its fields here."""
    form = SaveSearchForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        query = QueryDict(mutable=True)
        query.update({key: request.POST[key] for key in SEARCH_FIELDS if request.POST.get(key)})
        try:
            saved_searches.save_search(owner=request.user, **form.saved_search_fields(query.urlencode()))
        except DomainError as error:
            form.add_error(error.field if error.field in form.fields else None, error.message)
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, gettext("Search saved: we will tell you when something new matches it."))
            return redirect("discovery:searches")
    context = {"searches": selectors.my_saved_searches(owner=request.user), "form": form}
    return render(request, "discovery/searches.html", context, status=400 if form.errors else 200)


@login_required
@require_POST
def delete_search(request: SignedInRequest, saved_search_id: int) -> HttpResponse:
    with refusals_as_messages(request):
        saved_searches.delete_saved_search(owner=request.user, saved_search_id=saved_search_id)
        messages.success(request, gettext("Saved search deleted."))
    return redirect("discovery:searches")
