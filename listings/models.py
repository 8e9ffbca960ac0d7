"""Listings: idle rooms, cars and driving services that owners offer.

One `Listing` row holds what every kind shares (owner, place, prices, rules);
what only one kind has lives in its own one-to-one details table, so the
listing table does not grow a nullable column per kind-specific attribute.
Money is always an integer number of minor units (ISO 4217: cents, yen) with a currency code.
"""

from __future__ import annotations

import functools
from typing import Any

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.urls import get_script_prefix, get_urlconf, reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import gettext_noop

from core.rates import Rates, current_rates, to_reference
from core.text_language import text_language_field
from listings.geo import cells_for, driver_coverage_cells
from listings.horizon import DEFAULT_BOOKING_HORIZON_DAYS, MAX_BOOKING_HORIZON_DAYS, MIN_BOOKING_HORIZON_DAYS

# A search answer carries 20 listing URLs: reversing each took about as long as loading the listings.
# The URL is reversed once per URL configuration and script prefix, with a placeholder id put in place.
_PK_PLACEHOLDER = "9090909090909090909"


@functools.lru_cache(maxsize=64)
def _detail_url_pattern(script_prefix: str, urlconf: str) -> str:
    # script_prefix is part of the key: reverse() reads the current one itself.
    return reverse("listings:detail", kwargs={"listing_id": int(_PK_PLACEHOLDER)}, urlconf=urlconf)


def listing_urls(listing_ids: list[int]) -> list[str]:
    """The paths of listings' pages (Listing.get_absolute_url), from their ids alone."""
    pattern = _detail_url_pattern(get_script_prefix(), get_urlconf() or settings.ROOT_URLCONF)
    return [pattern.replace(_PK_PLACEHOLDER, str(listing_id)) for listing_id in listing_ids]


class ListingKind(models.TextChoices):
    ROOM = "room", _("Room")
    CAR = "car", _("Car")
    DRIVER = "driver", _("Driving service")


class ListingStatus(models.TextChoices):
    ACTIVE = "active", _("Active")
    PAUSED = "paused", _("Paused")
    # Soft delete: bookings, reviews and the ledger keep pointing at the row.
    DELETED = "deleted", _("Deleted")


class CancellationPolicy(models.TextChoices):
    FLEXIBLE = "flexible", _("Flexible")
    MODERATE = "moderate", _("Moderate")
    STRICT = "strict", _("Strict")


# What one priced unit is for each kind: rooms by the night, the others by the hour.
# English words; templates translate them ({% translate listing.unit_name %}), gettext_noop lists them for makemessages.
UNIT_NAME = {
    ListingKind.ROOM: gettext_noop("night"),
    ListingKind.CAR: gettext_noop("hour"),
    ListingKind.DRIVER: gettext_noop("hour"),
}


class Listing(models.Model):
    # Not stored: a search sets it on the listings it returns (None where no point was searched from).
    distance_km: float | None
    # Not stored: the unit price in the searcher's currency, when it is not the listing's (listings.prices).
    approx_unit_price: int | None
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("owner"), on_delete=models.PROTECT, related_name="listings"
    )
    kind = models.CharField(_("kind"), max_length=10, choices=ListingKind.choices)
    status = models.CharField(_("status"), max_length=10, choices=ListingStatus.choices, default=ListingStatus.ACTIVE)
    title = models.CharField(_("title"), max_length=120)
    description = models.TextField(_("description"), max_length=5000, blank=True)
    text_language = text_language_field()

    # Where: for a driving service, the base point its service radius is drawn around.
    address = models.CharField(_("address"), max_length=255)
    city = models.CharField(_("city"), max_length=100, blank=True)
    country_code = models.CharField(_("country code"), max_length=2, blank=True)
    latitude = models.FloatField(_("latitude"))
    longitude = models.FloatField(_("longitude"))
    time_zone = models.CharField(
        _("time zone"), max_length=64, default="UTC", help_text=_("IANA name, e.g. Europe/Paris.")
    )

    # Money, in minor units of `currency`. The unit is a night for rooms, an hour otherwise.
    currency = models.CharField(_("currency"), max_length=3, default="EUR")
    unit_price = models.PositiveIntegerField(
        _("unit price"), help_text=_("Price per night (rooms) or per hour (cars, drivers).")
    )
    # The unit price in search's reference unit (millionths of a euro at the current rates, core.rates),
    # so that cheapest-first and price filters compare currencies through one index. Set on save and
    # rewritten for every listing when a newer day of rates loads (listings.prices).
    reference_price = models.BigIntegerField(_("reference price"), default=0, editable=False)
    fee_amount = models.PositiveIntegerField(
        _("fee amount"), default=0, help_text=_("Cleaning fee (rooms) or booking fee, per booking.")
    )

    # Rules, in the kind's unit (nights or hours).
    min_units = models.PositiveIntegerField(_("min units"), default=1)
    max_units = models.PositiveIntegerField(_("max units"), default=30)
    advance_notice_hours = models.PositiveIntegerField(_("advance notice hours"), default=0)
    capacity = models.PositiveIntegerField(
        _("capacity"), default=1, help_text=_("Guests (rooms), seats (cars) or passengers (drivers).")
    )
    instant_book = models.BooleanField(_("instant book"), default=False)
    # The host welcomes only guests whose identity document or licence Sharing verified (accounts.verifications).
    verified_guests_only = models.BooleanField(_("verified guests only"), default=False, db_default=False)
    # How far ahead guests may book (and the owner block): see listings/horizon.py. The database
    # default too, so bulk loaders that write rows in SQL (bench/geo_search.py) need not name it.
    booking_horizon_days = models.PositiveSmallIntegerField(
        _("booking horizon days"),
        default=DEFAULT_BOOKING_HORIZON_DAYS,
        db_default=DEFAULT_BOOKING_HORIZON_DAYS,
        help_text=_("Guests may book up to this many days ahead."),
    )
    cancellation_policy = models.CharField(
        _("cancellation policy"), max_length=10, choices=CancellationPolicy.choices, default=CancellationPolicy.MODERATE
    )

    # Maintained by the reviews app: the average is rating_sum / rating_count.
    rating_count = models.PositiveIntegerField(_("rating count"), default=0)
    rating_sum = models.PositiveIntegerField(_("rating sum"), default=0)

    # H3 cells of (latitude, longitude) at three resolutions, kept in step by
    # `listings.geo.cells_for` whenever the point changes. Search reads the
    # index on these columns instead of the table: fine cells for nearest-first
    # in dense centres, coarser ones for sparse areas and for price order.
    cell_fine = models.BigIntegerField(_("cell fine"), default=0)
    cell_mid = models.BigIntegerField(_("cell mid"), default=0)
    cell_coarse = models.BigIntegerField(_("cell coarse"), default=0)

    created_at = models.DateTimeField(_("created at"), default=timezone.now, editable=False)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("listing")
        verbose_name_plural = _("listings")
        ordering = ["-created_at"]
        indexes = [
            models.Index(fields=["owner", "status"]),
            models.Index(fields=["cell_fine"], name="listing_cell_fine"),
            models.Index(fields=["cell_mid"], name="listing_cell_mid"),
            # Cheapest-first walks this index in price order per cell, kind and status (it compares one
            # kind at a time: rooms' prices without the cars' and drivers' between them). The point rides
            # along as key columns (SQLite has no INCLUDE): the distance check then runs on the index
            # entry, and only the rows that pass are read from the table.
            models.Index(
                fields=["cell_coarse", "kind", "status", "reference_price", "id", "latitude", "longitude"],
                name="listing_coarse_kind_price",
            ),
        ]
        constraints = [
            models.CheckConstraint(condition=Q(latitude__gte=-90, latitude__lte=90), name="listing_latitude_range"),
            models.CheckConstraint(
                condition=Q(longitude__gte=-180, longitude__lte=180), name="listing_longitude_range"
            ),
            models.CheckConstraint(condition=Q(unit_price__gt=0), name="listing_unit_price_positive"),
            models.CheckConstraint(condition=Q(min_units__gte=1), name="listing_min_units_at_least_one"),
            models.CheckConstraint(condition=Q(max_units__gte=F("min_units")), name="listing_max_units_not_below_min"),
            models.CheckConstraint(condition=Q(capacity__gte=1), name="listing_capacity_at_least_one"),
            models.CheckConstraint(
                condition=Q(
                    booking_horizon_days__gte=MIN_BOOKING_HORIZON_DAYS,
                    booking_horizon_days__lte=MAX_BOOKING_HORIZON_DAYS,
                ),
                name="listing_booking_horizon_range",
            ),
            models.CheckConstraint(condition=Q(kind__in=ListingKind.values), name="listing_kind_known"),
            models.CheckConstraint(condition=Q(status__in=ListingStatus.values), name="listing_status_known"),
            models.CheckConstraint(
                condition=Q(cancellation_policy__in=CancellationPolicy.values), name="listing_policy_known"
            ),
        ]

    def __str__(self) -> str:
        return self.title

    def save(self, *args: Any, **kwargs: Any) -> None:
        # The search index columns follow the point, whoever saves the row.
        self.cell_fine, self.cell_mid, self.cell_coarse = cells_for(self.latitude, self.longitude)
        update_fields = kwargs.get("update_fields")
        if update_fields is not None and {"latitude", "longitude"} & set(update_fields):
            kwargs["update_fields"] = {*update_fields, "cell_fine", "cell_mid", "cell_coarse"}
        if update_fields is None or {"unit_price", "currency"} & set(update_fields):
            self.reprice_for_search()
            if update_fields is not None:
                kwargs["update_fields"] = {*kwargs["update_fields"], "reference_price"}
        super().save(*args, **kwargs)
        if self.kind == ListingKind.DRIVER:
            details = DriverDetails.objects.filter(listing_id=self.pk).first()
            if details is not None:
                details.refresh_coverage(listing=self)

    def get_absolute_url(self) -> str:
        return listing_urls([self.pk])[0]

    def reprice_for_search(self, rates: Rates | None = None) -> None:
        """Set the reference price from the unit price (save does; bulk creators call it themselves)."""
        self.reference_price = to_reference(self.unit_price, self.currency, rates or current_rates())

    @property
    def unit_name(self) -> str:
        return UNIT_NAME[ListingKind(self.kind)]

    @property
    def is_bookable(self) -> bool:
        return self.status == ListingStatus.ACTIVE

    @property
    def rating(self) -> float | None:
        return self.rating_sum / self.rating_count if self.rating_count else None


class RoomDetails(models.Model):
    listing = models.OneToOneField(
        Listing, verbose_name=_("listing"), on_delete=models.CASCADE, primary_key=True, related_name="room"
    )
    bedrooms = models.PositiveSmallIntegerField(_("bedrooms"), default=1)
    beds = models.PositiveSmallIntegerField(_("beds"), default=1)
    amenities = models.JSONField(_("amenities"), default=list, blank=True)
    check_in_time = models.TimeField(_("check in time"), default="15:00")
    check_out_time = models.TimeField(_("check out time"), default="11:00")
    house_rules = models.TextField(_("house rules"), max_length=2000, blank=True)
    # Discounts in basis points (1/100 %) applied to the nights subtotal.
    weekly_discount_bps = models.PositiveIntegerField(
        _("weekly discount bps"), default=0, help_text=_("For stays of 7 nights or more.")
    )
    monthly_discount_bps = models.PositiveIntegerField(
        _("monthly discount bps"), default=0, help_text=_("For stays of 28 nights or more.")
    )

    class Meta:
        constraints = [
            models.CheckConstraint(condition=Q(weekly_discount_bps__lte=10000), name="room_weekly_discount_max"),
            models.CheckConstraint(condition=Q(monthly_discount_bps__lte=10000), name="room_monthly_discount_max"),
        ]

    def __str__(self) -> str:
        return f"Room details of listing {self.listing_id}"


class Transmission(models.TextChoices):
    MANUAL = "manual", _("Manual")
    AUTOMATIC = "automatic", _("Automatic")


class Fuel(models.TextChoices):
    PETROL = "petrol", _("Petrol")
    DIESEL = "diesel", _("Diesel")
    HYBRID = "hybrid", _("Hybrid")
    ELECTRIC = "electric", _("Electric")


class CarDetails(models.Model):
    listing = models.OneToOneField(
        Listing, verbose_name=_("listing"), on_delete=models.CASCADE, primary_key=True, related_name="car"
    )
    make = models.CharField(_("make"), max_length=60)
    model = models.CharField(_("model"), max_length=60)
    year = models.PositiveSmallIntegerField(_("year"))
    transmission = models.CharField(_("transmission"), max_length=10, choices=Transmission.choices)
    fuel = models.CharField(_("fuel"), max_length=10, choices=Fuel.choices)
    # A whole day costs this instead of 24 hourly prices (minor units).
    day_price = models.PositiveIntegerField(_("day price"))
    daily_distance_limit_km = models.PositiveIntegerField(_("daily distance limit km"), default=200)
    extra_km_price = models.PositiveIntegerField(
        _("extra km price"), default=0, help_text=_("Per km beyond the daily limit (minor units).")
    )
    # Held on the renter's card from pickup until the claim window after the return closes (handover app).
    deposit_amount = models.PositiveIntegerField(
        _("deposit amount"), default=0, help_text=_("Security deposit (minor units); 0 for none.")
    )
    # Renters must be at least this old on the day of pickup, by the date of birth on their verified licence.
    min_renter_age = models.PositiveSmallIntegerField(_("min renter age"), null=True, blank=True)
    # The owner's price to refill what the renter used and did not put back (handover app): per
    # percentage point of the tank or battery below the pickup level at the return; 0 charges nothing.
    refuel_price_per_percent = models.PositiveIntegerField(
        _("refuel price per percent"),
        default=0,
        help_text=_("Per percentage point of fuel or charge missing at the return (minor units)."),
    )

    class Meta:
        constraints = [
            models.CheckConstraint(condition=Q(day_price__gt=0), name="car_day_price_positive"),
            models.CheckConstraint(
                condition=Q(min_renter_age__isnull=True) | Q(min_renter_age__gte=18, min_renter_age__lte=99),
                name="car_min_renter_age_range",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.make} {self.model} ({self.year})"


class DriverDetails(models.Model):
    listing = models.OneToOneField(
        Listing, verbose_name=_("listing"), on_delete=models.CASCADE, primary_key=True, related_name="driver"
    )
    languages = models.CharField(_("languages"), max_length=200, blank=True)
    brings_car = models.BooleanField(_("brings car"), default=True)
    # The driver comes to any requester within this distance of the listing's point.
    service_radius_km = models.FloatField(_("service radius km"))

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=Q(service_radius_km__gt=0, service_radius_km__lte=200), name="driver_service_radius_range"
            )
        ]

    def __str__(self) -> str:
        return f"Driving service within {self.service_radius_km:g} km"

    def save(self, *args: Any, **kwargs: Any) -> None:
        super().save(*args, **kwargs)
        self.refresh_coverage(listing=self.listing)

    def refresh_coverage(self, *, listing: Listing) -> None:
        """Rewrite the coverage cells of this driver's service disk (search finds drivers through them)."""
        cells = driver_coverage_cells(listing.latitude, listing.longitude, self.service_radius_km)
        DriverCoverage.objects.filter(listing_id=listing.pk).delete()
        DriverCoverage.objects.bulk_create([coverage_row(listing, self.service_radius_km, cell) for cell in cells])


class DriverCoverage(models.Model):
    """One coarse H3 cell that a driver's service disk may reach (a conservative cover).

    A requester standing in cell C can only be inside the service radius of drivers
    that have a row for C, so "who comes to me" is one indexed equality lookup
    followed by the exact distance check, whatever radius the requester searched with.
    """

    listing = models.ForeignKey(Listing, verbose_name=_("listing"), on_delete=models.CASCADE, related_name="coverage")
    cell = models.BigIntegerField(_("cell"))
    # The listing's reference price (see Listing), copied so that "cheapest drivers who come here"
    # reads the (cell, price) index in order and stops after a page.
    reference_price = models.BigIntegerField(_("reference price"), default=0)
    # The driver's point and service radius, copied too, and carried in the index: a cover is coarse,
    # so most drivers it finds do not come this far, and checking that on the index entry saves
    # reading each of their rows (a rural cell at a million listings: ~770 entries for 31 drivers).
    latitude = models.FloatField(_("latitude"), default=0)
    longitude = models.FloatField(_("longitude"), default=0)
    reach_km = models.FloatField(_("reach km"), default=0)

    class Meta:
        indexes = [
            # Key columns, not INCLUDE: SQLite has no INCLUDE (Django leaves it out there).
            models.Index(
                fields=["cell", "reference_price", "listing", "latitude", "longitude", "reach_km"],
                name="driver_coverage_ref_price",
            )
        ]
        constraints = [models.UniqueConstraint(fields=["listing", "cell"], name="driver_coverage_unique")]

    def __str__(self) -> str:
        return f"Driver {self.listing_id} covers {self.cell:x}"


def coverage_row(listing: Listing, service_radius_km: float, cell: int) -> DriverCoverage:
    """One coverage row of a driver, with the copies search reads from the index."""
    return DriverCoverage(
        listing_id=listing.pk,
        cell=cell,
        reference_price=listing.reference_price,
        latitude=listing.latitude,
        longitude=listing.longitude,
        reach_km=service_radius_km,
    )


def listing_photo_upload_to(photo: ListingPhoto, filename: str) -> str:
    return f"listings/{photo.listing_id}/{timezone.now():%Y%m%d%H%M%S%f}.jpg"


MAX_PHOTOS_PER_LISTING = 10


class ListingPhoto(models.Model):
    listing = models.ForeignKey(Listing, verbose_name=_("listing"), on_delete=models.CASCADE, related_name="photos")
    image = models.ImageField(_("image"), upload_to=listing_photo_upload_to)
    # 0 is the cover photo.
    position = models.PositiveSmallIntegerField(_("position"), default=0)
    caption = models.CharField(_("caption"), max_length=140, blank=True)

    class Meta:
        ordering = ["position", "pk"]

    def __str__(self) -> str:
        return f"Photo {self.position + 1} of listing {self.listing_id}"


class BusySource(models.TextChoices):
    OWNER_BLOCK = "owner_block", _("Blocked by the owner")
    BOOKING = "booking", _("Booked")


class BusyPeriod(models.Model):
    """A period [start, end) when the listing cannot be booked: an owner's block or a booking holding the slot.

    One calendar table for both, so that search answers "free on these dates"
    from the listings app alone, and so that one database rule (an exclusion
    constraint on PostgreSQL) forbids any two busy periods of a listing from
    overlapping: no booking over a block, no two bookings over each other.
    Rows with source=booking are written and removed by the bookings services
    in the same transaction as the booking's status change.
    """

    listing = models.ForeignKey(
        Listing, verbose_name=_("listing"), on_delete=models.CASCADE, related_name="busy_periods"
    )
    start = models.DateTimeField(_("start"))
    end = models.DateTimeField(_("end"))
    source = models.CharField(_("source"), max_length=12, choices=BusySource.choices, default=BusySource.OWNER_BLOCK)
    note = models.CharField(_("note"), max_length=140, blank=True)
    created_at = models.DateTimeField(_("created at"), default=timezone.now, editable=False)

    class Meta:
        ordering = ["start"]
        indexes = [models.Index(fields=["listing", "start", "end"])]
        constraints = [
            models.CheckConstraint(condition=Q(end__gt=F("start")), name="busy_period_end_after_start"),
            models.CheckConstraint(condition=Q(source__in=BusySource.values), name="busy_period_source_known"),
        ]

    def __str__(self) -> str:
        return f"{self.get_source_display()} {self.start:%Y-%m-%d %H:%M} to {self.end:%Y-%m-%d %H:%M}"


class ListingReportDecision(models.TextChoices):
    REMOVE = "remove", _("Listing removed")
    KEEP = "keep", _("Listing kept")


class ListingReport(models.Model):
    """Someone reported a listing (fake, unsafe, not as described...); staff decide, and the decision is kept."""

    listing = models.ForeignKey(Listing, verbose_name=_("listing"), on_delete=models.CASCADE, related_name="reports")
    reporter = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("reporter"), on_delete=models.CASCADE, related_name="listing_reports"
    )
    reason = models.TextField(_("reason"), max_length=1000)
    created_at = models.DateTimeField(_("created at"), default=timezone.now, editable=False)
    decision = models.CharField(_("decision"), max_length=10, choices=ListingReportDecision.choices, blank=True)
    decision_reason = models.TextField(_("decision reason"), max_length=1000, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("decided by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)

    class Meta:
        verbose_name = _("listing report")
        verbose_name_plural = _("listing reports")
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(fields=["listing", "reporter"], name="listing_report_once_per_person"),
            models.CheckConstraint(
                condition=Q(decision="") | Q(decision__in=ListingReportDecision.values),
                name="listing_report_decision_known",
            ),
        ]

    def __str__(self) -> str:
        return f"Report on “{self.listing.title}” by {self.reporter}"
