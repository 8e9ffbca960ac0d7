"""Favourite lists (private unless shared by an unguessable link) and saved searches with their alert index."""

from __future__ import annotations

import secrets

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from listings.models import Listing

DEFAULT_LIST_NAME = "Favourites"


def new_share_token() -> str:
    """256 random bits, URL-safe: a share link cannot be guessed or enumerated."""
    return secrets.token_urlsafe(32)


class FavouriteList(models.Model):
    """A named list of listings ("Lisbon in May"); only its owner sees it unless they turn sharing on."""

    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("owner"), on_delete=models.CASCADE, related_name="favourite_lists"
    )
    name = models.CharField(_("name"), max_length=80)
    # The read-only link works only while `shared` is on; turning sharing off and on again issues a new token,
    # so an old link stops working.
    shared = models.BooleanField(_("shared"), default=False)
    share_token = models.CharField(_("share token"), max_length=64, unique=True, default=new_share_token)
    created_at = models.DateTimeField(_("created at"), default=timezone.now, editable=False)

    class Meta:
        ordering = ["created_at", "pk"]
        constraints = [models.UniqueConstraint(fields=["owner", "name"], name="favourite_list_name_once_per_owner")]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("discovery:list", kwargs={"list_id": self.pk})

    def get_share_url(self) -> str:
        return reverse("discovery:shared", kwargs={"token": self.share_token})


class Favourite(models.Model):
    favourite_list = models.ForeignKey(
        FavouriteList, verbose_name=_("favourite list"), on_delete=models.CASCADE, related_name="items"
    )
    listing = models.ForeignKey(Listing, verbose_name=_("listing"), on_delete=models.CASCADE, related_name="+")
    created_at = models.DateTimeField(_("created at"), default=timezone.now, editable=False)

    class Meta:
        ordering = ["-created_at", "-pk"]
        constraints = [models.UniqueConstraint(fields=["favourite_list", "listing"], name="favourite_once_per_list")]

    def __str__(self) -> str:
        return f"Listing {self.listing_id} in list {self.favourite_list_id}"


class SavedSearch(models.Model):
    """A search kept to be told when something new matches it: a circle, and the filters of the search page.

    The alert matcher never re-runs saved searches: it looks up the candidates for one listing by the
    coarse cells (SavedSearchCell) the circle touches, then checks those few exactly.
    """

    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("owner"), on_delete=models.CASCADE, related_name="saved_searches"
    )
    name = models.CharField(_("name"), max_length=120)
    latitude = models.FloatField(_("latitude"))
    longitude = models.FloatField(_("longitude"))
    radius_km = models.FloatField(_("radius km"))
    kind = models.CharField(_("kind"), max_length=10, blank=True)
    start = models.DateTimeField(_("start"), null=True, blank=True)
    end = models.DateTimeField(_("end"), null=True, blank=True)
    guests = models.PositiveSmallIntegerField(_("guests"), null=True, blank=True)
    min_price = models.PositiveIntegerField(_("min price"), null=True, blank=True)
    max_price = models.PositiveIntegerField(_("max price"), null=True, blank=True)
    instant_book = models.BooleanField(_("instant book"), default=False)
    # The search page's query string, to open the search again from the alert.
    query_string = models.CharField(_("query string"), max_length=1000, blank=True)
    created_at = models.DateTimeField(_("created at"), default=timezone.now, editable=False)
    # When the last alert went out: at most one a day (claimed with a conditional UPDATE).
    last_alerted_at = models.DateTimeField(_("last alerted at"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.CheckConstraint(condition=Q(radius_km__gt=0) & Q(radius_km__lte=100), name="saved_search_radius"),
            models.CheckConstraint(
                condition=Q(latitude__gte=-90) & Q(latitude__lte=90) & Q(longitude__gte=-180) & Q(longitude__lte=180),
                name="saved_search_point_on_globe",
            ),
            models.CheckConstraint(
                condition=Q(start__isnull=True, end__isnull=True) | Q(end__gt=F("start")),
                name="saved_search_dates_both_or_neither",
            ),
        ]

    def __str__(self) -> str:
        return self.name


class SavedSearchCell(models.Model):
    """One coarse cell (1 degree of latitude by 1 of longitude) that a saved search's circle touches."""

    saved_search = models.ForeignKey(
        SavedSearch, verbose_name=_("saved search"), on_delete=models.CASCADE, related_name="cells"
    )
    cell = models.IntegerField(_("cell"))

    class Meta:
        indexes = [models.Index(fields=["cell"], name="saved_search_cell_idx")]
        constraints = [models.UniqueConstraint(fields=["saved_search", "cell"], name="saved_search_cell_once")]

    def __str__(self) -> str:
        return f"Cell {self.cell} of saved search {self.saved_search_id}"
