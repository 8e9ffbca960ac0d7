"""Forms of discovery's pages: a list's name, and a search from the search page turned into a saved search."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from django import forms

from listings.forms import SearchForm, to_minor
from listings.geocoding import geocode_place, reverse_place
from listings.search import DEFAULT_RADIUS_KM


class ListNameForm(forms.Form):
    name = forms.CharField(max_length=80, label="List name")


class SaveSearchForm(SearchForm):
    """The search page's own fields (posted back as they are in its URL), and a name for the alert."""

    name = forms.CharField(max_length=120, required=False, label="Name this search")

    def saved_search_fields(self, query_string: str) -> dict[str, Any]:
        """What `save_search` takes: the place geocoded as the search page does, dates at the place's wall clock."""
        data = self.cleaned_data
        if data.get("lat") is not None and data.get("lng") is not None:
            place = reverse_place(data["lat"], data["lng"])
            latitude, longitude, label = data["lat"], data["lng"], data.get("q") or place.city
        elif data.get("q"):
            place = geocode_place(data["q"])
            latitude, longitude, label = place.latitude, place.longitude, place.label
        else:
            raise forms.ValidationError("Search for a place first, then save the search.")
        zone = ZoneInfo(place.time_zone)

        def local(value: datetime | None) -> datetime | None:
            return value.replace(tzinfo=zone) if value else None

        radius = data.get("radius") or DEFAULT_RADIUS_KM
        return {
            "name": data.get("name") or f"{label}, within {radius:g} km",
            "latitude": latitude,
            "longitude": longitude,
            "radius_km": radius,
            "kind": data.get("kind") or None,
            "start": local(data.get("start")),
            "end": local(data.get("end")),
            "guests": data.get("guests"),
            "min_price": to_minor(data.get("min_price")),
            "max_price": to_minor(data.get("max_price")),
            "instant_book": bool(data.get("instant")),
            "query_string": query_string,
        }
