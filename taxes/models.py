"""Tax rates staff edit: VAT per country (on Sharing's service fee) and occupancy (tourist) taxes per city.

Each rate holds for [valid_from, valid_to] (both days included; no valid_to: until further notice).
Two rates of one country (VAT) or one city (occupancy) never overlap: the admin refuses it with a
message (`taxes.rules.overlap_message`), and on PostgreSQL an exclusion constraint (migration 0001)
refuses it too, whatever writes the row.
"""

from __future__ import annotations

from decimal import Decimal

from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from listings.models import ListingKind


def default_kinds() -> list[str]:
    return [ListingKind.ROOM.value]


class VatRate(models.Model):
    """VAT on Sharing's service fee for guests living in `country` (B2C: the customer's country's rate)."""

    country = models.CharField(_("country"), max_length=2, help_text=_("Two-letter country code, upper case, e.g. FR."))
    rate = models.DecimalField(
        _("rate"), max_digits=6, decimal_places=3, help_text=_("Percent, e.g. 20 or 5.5 (up to 3 decimals).")
    )
    valid_from = models.DateField(_("valid from"))
    valid_to = models.DateField(
        _("valid to"), null=True, blank=True, help_text=_("Last day included; empty: until further notice.")
    )

    class Meta:
        verbose_name = _("VAT rate")
        verbose_name_plural = _("VAT rates")
        ordering = ["country", "-valid_from"]
        constraints = [
            models.CheckConstraint(
                condition=Q(rate__gte=Decimal("0")) & Q(rate__lte=Decimal("100")), name="vat_rate_percent"
            ),
            models.CheckConstraint(
                condition=Q(valid_to__isnull=True) | Q(valid_to__gte=F("valid_from")), name="vat_rate_valid_order"
            ),
            # The PostgreSQL exclusion constraint vat_rate_no_overlap is created by migration 0001.
        ]

    def __str__(self) -> str:
        until = self.valid_to or "…"
        return f"VAT {self.country} {self.rate.normalize()} % ({self.valid_from} to {until})"


class OccupancyTax(models.Model):
    """A city's tourist tax on stays: an amount per person per night, or a percentage of the nights' price."""

    country = models.CharField(_("country"), max_length=2, help_text=_("Two-letter country code, upper case, e.g. FR."))
    city = models.CharField(
        _("city"), max_length=100, help_text=_("As listings spell it, e.g. Paris (case does not matter).")
    )
    per_person_night = models.PositiveIntegerField(
        _("per person night"),
        default=0,
        help_text=_("Minor units of `currency` per person per night (e.g. 288 EUR cents); or 0."),
    )
    currency = models.CharField(
        _("currency"), max_length=3, blank=True, help_text=_("The per-person amount's currency.")
    )
    percent = models.DecimalField(
        _("percent"),
        max_digits=6,
        decimal_places=3,
        default=Decimal("0"),
        help_text=_("Percent of the nights' price; or 0."),
    )
    kinds = models.JSONField(_("kinds"), default=default_kinds, help_text=_('What it applies to, e.g. ["room"].'))
    valid_from = models.DateField(_("valid from"))
    valid_to = models.DateField(
        _("valid to"), null=True, blank=True, help_text=_("Last day included; empty: until further notice.")
    )

    class Meta:
        verbose_name = _("occupancy tax")
        verbose_name_plural = _("occupancy taxes")
        ordering = ["country", "city", "-valid_from"]
        constraints = [
            # Exactly one way of charging it: per person per night (with its currency) or a percentage.
            models.CheckConstraint(
                condition=(Q(per_person_night__gt=0) & ~Q(currency="") & Q(percent=Decimal("0")))
                | (Q(per_person_night=0) & Q(percent__gt=Decimal("0")) & Q(percent__lte=Decimal("100"))),
                name="occupancy_tax_one_basis",
            ),
            models.CheckConstraint(
                condition=Q(valid_to__isnull=True) | Q(valid_to__gte=F("valid_from")),
                name="occupancy_tax_valid_order",
            ),
            # The PostgreSQL exclusion constraint occupancy_tax_no_overlap is created by migration 0001.
        ]

    def __str__(self) -> str:
        until = self.valid_to or "…"
        return f"Occupancy tax {self.city} ({self.country}) {self.valid_from} to {until}"

    @property
    def place(self) -> str:
        """The jurisdiction as the ledger names it: "FR:Paris"."""
        return place_of(self.country, self.city)


def place_of(country: str, city: str) -> str:
    return f"{country.upper()}:{city.strip().title()}"
