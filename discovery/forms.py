"""Forms of discovery's pages: a list's name, and a search from the search page turned into a saved search."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext, gettext_lazy

from listings.forms import SearchForm


class ListNameForm(forms.Form):
    name = forms.CharField(max_length=80, label=gettext_lazy("List name"))


class SaveSearchForm(SearchForm):
    """The search page's own fields (posted back as they are in its URL), and a name for the alert."""

    name = forms.CharField(max_length=120, required=False, label=gettext_lazy("Name this search"))

    def saved_search_fields(self, query_string: str) -> dict[str, Any]:
        """What `save_search` takes: the search page's own reading of the form, a name and the URL."""
        fields, label = self.criteria()
        if fields is None:
            raise forms.ValidationError(gettext("Search for a place first, then save the search."))
        name = self.cleaned_data.get("name") or f"{label}, within {fields['radius_km']:g} km"
        return {**fields, "name": name, "query_string": query_string}
