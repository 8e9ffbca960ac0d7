"""On-demand requests, the providers who are available right now, and the offers sent to them in waves.

A request is offered to the nearest available providers first, a few at a time; every
offer is a row, so who was asked in which wave (and who may still answer) is on record,
and a taken request can withdraw the offers still open.
"""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from listings.models import ListingKind

DISPATCH_KINDS = (ListingKind.DRIVER, ListingKind.CAR)


class Availability(models.Model):
    """One provider listing's "available now" switch, with where the provider is and when we last heard."""

    listing = models.OneToOneField(
        "listings.Listing",
        verbose_name=_("listing"),
        on_delete=models.CASCADE,
        primary_key=True,
        related_name="dispatch_availability",
    )
    provider = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("provider"), on_delete=models.CASCADE, related_name="+"
    )
    kind = models.CharField(_("kind"), max_length=10, choices=[(k.value, k.label) for k in DISPATCH_KINDS])
    is_available = models.BooleanField(_("is available"), default=False)
    latitude = models.FloatField(_("latitude"))
    longitude = models.FloatField(_("longitude"))
    # H3 cells of the current position (listings.geo resolutions): nearest-first reads rings of
    # `cell` outwards, and falls back to `cell_coarse` when the area is sparse.
    cell = models.BigIntegerField(_("cell"), default=0)
    cell_coarse = models.BigIntegerField(_("cell coarse"), default=0)
    # How far from where they are the provider comes: the driving service's radius, or a setting for cars.
    reach_km = models.FloatField(_("reach km"))
    last_seen = models.DateTimeField(_("last seen"), default=timezone.now)

    class Meta:
        indexes = [
            # Partial: only available providers are ever searched, and they are few beside all listings.
            models.Index(fields=["kind", "cell"], condition=Q(is_available=True), name="dispatch_avail_cell"),
            models.Index(
                fields=["kind", "cell_coarse"], condition=Q(is_available=True), name="dispatch_avail_cell_coarse"
            ),
        ]
        constraints = [
            models.CheckConstraint(condition=Q(latitude__gte=-90, latitude__lte=90), name="dispatch_avail_latitude"),
            models.CheckConstraint(
                condition=Q(longitude__gte=-180, longitude__lte=180), name="dispatch_avail_longitude"
            ),
            models.CheckConstraint(condition=Q(reach_km__gt=0), name="dispatch_avail_reach_positive"),
            models.CheckConstraint(condition=Q(kind__in=[k.value for k in DISPATCH_KINDS]), name="dispatch_avail_kind"),
        ]

    def __str__(self) -> str:
        return f"Listing {self.listing_id} {'available' if self.is_available else 'offline'}"


class RequestState(models.TextChoices):
    # The card needs 3-D Secure: held for nobody yet, offered to nobody until the bank confirms it.
    AUTHENTICATING = "authenticating", _("Waiting for your bank")
    REQUESTED = "requested", _("Looking for a provider")
    ASSIGNED = "assigned", _("Provider on the way")
    EXPIRED = "expired", _("Nobody accepted in time")
    CANCELLED = "cancelled", _("Cancelled")


# Requests that still hold the card and block a second one: live, or waiting for the bank's check.
OPEN_STATES = (RequestState.AUTHENTICATING, RequestState.REQUESTED)


class DispatchRequest(models.Model):
    """A requester's "I need a driver (or a car) here, now or at a time within the next hours", for some hours."""

    uid = models.UUIDField(_("uid"), default=uuid.uuid4, unique=True, editable=False)
    requester = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("requester"), on_delete=models.PROTECT, related_name="+"
    )
    kind = models.CharField(_("kind"), max_length=10, choices=[(k.value, k.label) for k in DISPATCH_KINDS])
    latitude = models.FloatField(_("latitude"))
    longitude = models.FloatField(_("longitude"))
    hours = models.PositiveSmallIntegerField(_("hours"))
    # Null: "now" (the booking starts DISPATCH_PICKUP_MINUTES after acceptance). Otherwise the chosen
    # pickup time, at most DISPATCH_MAX_AHEAD_HOURS ahead: the booking runs from it for `hours`.
    pickup_at = models.DateTimeField(_("pickup at"), null=True, blank=True)
    # Where the pickup time is shown in local time: we have no time zone lookup by position, so it is
    # the nearest provider's listing's time zone when asked (they work where the requester stands).
    time_zone = models.CharField(_("time zone"), max_length=64, default="UTC")
    # The card hold: the highest fare among the providers in range when asked, so whoever accepts is covered.
    currency = models.CharField(_("currency"), max_length=3)
    estimate_low = models.PositiveIntegerField(_("estimate low"))
    estimate_amount = models.PositiveIntegerField(_("estimate amount"))
    # The money port's id of the hold (bookings.money), which the booking adopts on acceptance, and the card it is on.
    payment_id = models.BigIntegerField(_("payment id"), null=True, blank=True)
    payment_method = models.CharField(_("payment method"), max_length=255, blank=True)
    state = models.CharField(_("state"), max_length=16, choices=RequestState.choices, default=RequestState.REQUESTED)
    waves_sent = models.PositiveSmallIntegerField(_("waves sent"), default=0)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    expires_at = models.DateTimeField(_("expires at"))
    assigned_listing = models.ForeignKey(
        "listings.Listing",
        verbose_name=_("assigned listing"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    assigned_provider = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("assigned provider"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    booking = models.OneToOneField(
        "bookings.Booking",
        verbose_name=_("booking"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="dispatch_request",
    )
    assigned_at = models.DateTimeField(_("assigned at"), null=True, blank=True)
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.CheckConstraint(condition=Q(state__in=RequestState.values), name="dispatch_request_state"),
            models.CheckConstraint(
                condition=Q(kind__in=[k.value for k in DISPATCH_KINDS]), name="dispatch_request_kind"
            ),
            models.CheckConstraint(condition=Q(hours__gte=1, hours__lte=24), name="dispatch_request_hours"),
            models.CheckConstraint(
                condition=Q(pickup_at__isnull=True) | Q(pickup_at__gt=models.F("created_at")),
                name="dispatch_request_pickup_after_asking",
            ),
            models.CheckConstraint(condition=Q(estimate_amount__gt=0), name="dispatch_request_estimate_positive"),
            models.CheckConstraint(
                condition=Q(estimate_low__lte=models.F("estimate_amount")), name="dispatch_request_estimate_range"
            ),
            # Assigned exactly when a provider, their listing and the booking are set.
            models.CheckConstraint(
                condition=(
                    Q(
                        state=RequestState.ASSIGNED,
                        assigned_listing__isnull=False,
                        assigned_provider__isnull=False,
                        booking__isnull=False,
                    )
                    | (
                        ~Q(state=RequestState.ASSIGNED)
                        & Q(assigned_listing__isnull=True, assigned_provider__isnull=True, booking__isnull=True)
                    )
                ),
                name="dispatch_request_assigned_iff_provider",
            ),
            # One open request per requester (live, or waiting for their bank): a second tap does not
            # page every driver twice, nor hold the card twice.
            models.UniqueConstraint(
                fields=["requester"], condition=Q(state__in=OPEN_STATES), name="dispatch_one_open_request"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} request {self.pk} ({self.state})"

    @property
    def reference(self) -> str:
        """What the card hold is for, as the money port names references."""
        return f"dispatch:{self.uid.hex}"


class OfferState(models.TextChoices):
    OPEN = "open", _("Waiting for an answer")
    ACCEPTED = "accepted", _("Accepted")
    PASSED = "passed", _("Passed")
    WITHDRAWN = "withdrawn", _("Withdrawn")


class Offer(models.Model):
    """One provider asked to take one request, in a given wave."""

    request = models.ForeignKey(
        DispatchRequest, verbose_name=_("request"), on_delete=models.CASCADE, related_name="offers"
    )
    listing = models.ForeignKey(
        "listings.Listing", verbose_name=_("listing"), on_delete=models.CASCADE, related_name="+"
    )
    provider = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("provider"), on_delete=models.CASCADE, related_name="+"
    )
    wave = models.PositiveSmallIntegerField(_("wave"))
    distance_km = models.FloatField(_("distance km"))
    fare = models.PositiveIntegerField(_("fare"))
    state = models.CharField(_("state"), max_length=10, choices=OfferState.choices, default=OfferState.OPEN)
    sent_at = models.DateTimeField(_("sent at"), default=timezone.now)
    answered_at = models.DateTimeField(_("answered at"), null=True, blank=True)

    class Meta:
        ordering = ["wave", "distance_km", "pk"]
        indexes = [models.Index(fields=["provider", "state"], name="dispatch_offer_provider_state")]
        constraints = [
            models.CheckConstraint(condition=Q(state__in=OfferState.values), name="dispatch_offer_state"),
            models.UniqueConstraint(fields=["request", "listing"], name="dispatch_offer_once_per_listing"),
            # The database's own guarantee against a double assignment.
            models.UniqueConstraint(
                fields=["request"], condition=Q(state=OfferState.ACCEPTED), name="dispatch_one_accepted_offer"
            ),
        ]

    def __str__(self) -> str:
        return f"Offer of request {self.request_id} to listing {self.listing_id} ({self.state})"
