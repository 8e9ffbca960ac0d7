"""{% heart listing %}: the save button on search results and listing pages (htmx, and a plain POST form)."""

from __future__ import annotations

from typing import Any

from django import template

from discovery import selectors

register = template.Library()


@register.inclusion_tag("discovery/_heart.html", takes_context=True)
def heart(context: template.Context, listing: Any) -> dict[str, Any]:
    request = context.get("request")
    user = getattr(request, "user", None)
    # One query per page, however many hearts it shows.
    if request is not None and not hasattr(request, "_hearted_listing_ids"):
        request._hearted_listing_ids = selectors.hearted_listing_ids(owner=user)
    hearted: set[int] = getattr(request, "_hearted_listing_ids", set())
    return {
        "listing": listing,
        "saved": listing.pk in hearted,
        "signed_in": bool(user and user.is_authenticated),
        "next": request.get_full_path() if request is not None else "",
        "csrf_token": context.get("csrf_token"),
    }


@register.inclusion_tag("discovery/_save_to_list.html", takes_context=True)
def save_to_list(context: template.Context, listing: Any) -> dict[str, Any]:
    """The listing page's "save to a list" form: one of my lists, or a new one by name."""
    request = context.get("request")
    user = getattr(request, "user", None)
    signed_in = bool(user and user.is_authenticated)
    return {
        "listing": listing,
        "lists": list(selectors.my_lists(owner=user)) if user is not None and signed_in else [],
        "signed_in": signed_in,
        "next": request.get_full_path() if request is not None else "",
        "csrf_token": context.get("csrf_token"),
    }
