"""Template helpers for listing pages."""

from __future__ import annotations

from django import template
from django.http import HttpRequest
from django.utils.http import urlencode

register = template.Library()

# What a search carries into the listing page and, from its booking panel, into the book form.
CARRIED = ("start", "end", "guests")


@register.simple_tag
def carry_dates(request: HttpRequest | None) -> str:
    """ "?start=...&end=...&guests=..." from the search's query (nothing when none was given)."""
    if request is None:
        return ""
    carried = {key: request.GET[key] for key in CARRIED if request.GET.get(key)}
    return "?" + urlencode(carried) if carried else ""
