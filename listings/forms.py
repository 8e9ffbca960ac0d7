"""Forms of the listings pages: a listing (common part + its kind's details), photos, a block, a search.

Forms check what a person typed and turn it into the plain values the services
take (prices in minor units); the services hold the marketplace rules, so the
API and the pages refuse the same things with the same messages.
"""

from __future__ import annotations

from datetime import datetime, time, timedelta
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from django import forms
from django.conf import settings
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from core.errors import DomainError
from core.money import CURRENCIES, CURRENCY_CHOICE_ERRORS, DEFAULT_CURRENCY, currency_for_country
from core.money import to_major as money_to_major
from core.money import to_minor as money_to_minor
from core.text_language import author_language
from listings import horizon
from listings.geocoding import geocode_place, reverse_place
from listings.models import CancellationPolicy, Listing, ListingKind
from listings.search import DEFAULT_RADIUS_KM, MAX_RADIUS_KM, Bounds, SortOrder, bounds_from

# Two decimals at most (the most any of our currencies has); each currency's own exponent is checked
# when the amount becomes minor units (to_minor: 10.5 JPY is refused, never rounded).
MONEY: dict[str, Any] = {"max_digits": 11, "decimal_places": 2}


def to_minor(amount: Decimal | None, currency: str) -> int | None:
    """Currency units typed by a person to minor units with the currency's ISO 4217 exponent (exact)."""
    return None if amount is None else money_to_minor(amount, currency)


def to_major(minor: int | None, currency: str) -> Decimal | None:
    return None if minor is None else money_to_major(minor, currency)


def _minor_or_error(form: forms.Form, field: str, currency: str) -> int | None:
    """The field's amount in minor units, or None with the reason on the field (too many decimals)."""
    try:
        return to_minor(form.cleaned_data.get(field), currency)
    except ValueError as error:
        form.add_error(field, str(error))
        return None


def _country_currency(data: dict) -> str | None:
    """The currency of the country the pin (or else the address) is in; None when neither is known yet."""
    try:
        if data.get("latitude") is not None and data.get("longitude") is not None:
            return currency_for_country(reverse_place(data["latitude"], data["longitude"]).country_code)
        if data.get("address"):
            return currency_for_country(geocode_place(data["address"]).country_code)
    except DomainError:
        return None
    return None


class ListingForm(forms.Form):
    title = forms.CharField(label=_("Title"), max_length=120)
    description = forms.CharField(
        label=_("Description"), max_length=5000, required=False, widget=forms.Textarea(attrs={"rows": 5})
    )
    text_language = forms.ChoiceField(
        label=_("Written in"),
        choices=settings.LANGUAGES,
        required=False,
        help_text=_("The language of the title and description: guests who read another are told which it is."),
    )
    address = forms.CharField(
        label=_("Address"),
        max_length=255,
        help_text=_("A street address or a place name; then drag the pin to the exact spot."),
    )
    latitude = forms.FloatField(required=False, widget=forms.HiddenInput)
    longitude = forms.FloatField(required=False, widget=forms.HiddenInput)
    currency = forms.ChoiceField(
        label=_("Currency"),
        choices=[("", _("The listing's country's currency")), *((code, code) for code in CURRENCIES)],
        required=False,
        help_text=_("Guests are charged in this currency; searchers also see an approximate price in theirs."),
        error_messages=CURRENCY_CHOICE_ERRORS,
    )
    price = forms.DecimalField(**MONEY, min_value=Decimal("0.01"), label=_("Price"))
    fee = forms.DecimalField(**MONEY, min_value=Decimal("0"), initial=0, required=False, label=_("Fee per booking"))
    min_units = forms.IntegerField(min_value=1, initial=1, label=_("Minimum"))
    max_units = forms.IntegerField(min_value=1, initial=30, label=_("Maximum"))
    advance_notice_hours = forms.IntegerField(
        min_value=0,
        max_value=24 * 365,
        initial=0,
        label=_("Advance notice (hours)"),
        help_text=_("How long before the start a booking must be made; 0 takes last-minute bookings."),
    )
    capacity = forms.IntegerField(label=_("Capacity"), min_value=1, max_value=100, initial=2)
    instant_book = forms.BooleanField(
        required=False,
        label=_("Instant book (no approval needed)"),
        help_text=_(
            "A booking is confirmed and paid at once. Without it, you have 24 hours to accept or decline "
            "each request, and the guest's card is only held meanwhile."
        ),
    )
    verified_guests_only = forms.BooleanField(
        required=False,
        label=_("Verified guests only"),
        help_text=_("Only people whose identity document or driving licence Sharing checked can ask to book."),
    )
    booking_horizon_days = forms.IntegerField(
        min_value=horizon.MIN_BOOKING_HORIZON_DAYS,
        max_value=horizon.MAX_BOOKING_HORIZON_DAYS,
        initial=horizon.DEFAULT_BOOKING_HORIZON_DAYS,
        required=False,
        label=_("Guests may book up to (days ahead)"),
        help_text=_("Your calendar is open this many days ahead; 365 is a year."),
    )
    cancellation_policy = forms.ChoiceField(
        label=_("Cancellation policy"),
        choices=CancellationPolicy.choices,
        initial=CancellationPolicy.MODERATE,
        help_text=_(
            "What a guest gets back when they cancel: each policy is explained just below. Guests see it, "
            "with the dates for their stay, before they book."
        ),
    )

    def __init__(self, *args: Any, kind: str, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["text_language"].initial = author_language()
        room = kind == ListingKind.ROOM
        guest_fee, host_fee = settings.GUEST_SERVICE_FEE_BPS / 100, settings.HOST_SERVICE_FEE_BPS / 100
        fees = {"guest_fee": f"{guest_fee:g}", "host_fee": f"{host_fee:g}"}
        if room:
            self.fields["price"].label = _("Price per night")
            self.fields["min_units"].label = _("Minimum nights")
            self.fields["max_units"].label = _("Maximum nights")
            self.fields["fee"].label = _("Cleaning fee")
            self.fields["price"].help_text = (
                gettext(
                    "What you ask per night. Guests also pay Sharing's service fee (%(guest_fee)s %% of the price and "
                    "fee); Sharing keeps %(host_fee)s %% of the price and fee from your payout."
                )
                % fees
            )
            self.fields["min_units"].help_text = _("The shortest booking you take, in nights.")
        else:
            self.fields["price"].label = _("Price per hour")
            self.fields["min_units"].label = _("Minimum hours")
            self.fields["max_units"].label = _("Maximum hours")
            self.fields["fee"].label = _("Booking fee")
            self.fields["price"].help_text = (
                gettext(
                    "What you ask per hour. Guests also pay Sharing's service fee (%(guest_fee)s %% of the price and "
                    "fee); Sharing keeps %(host_fee)s %% of the price and fee from your payout."
                )
                % fees
            )
            self.fields["min_units"].help_text = _("The shortest booking you take, in hours.")
        self.fields["fee"].help_text = _(
            "Charged once per booking on top of the price; refunded with the rest when a cancellation is free."
        )
        self.fields["capacity"].label = {"room": _("Guests"), "car": _("Seats"), "driver": _("Passengers")}[kind]

    def clean(self) -> dict[str, Any]:
        super().clean()
        data = self.cleaned_data
        low, high = data.get("min_units"), data.get("max_units")
        if low and high and high < low:
            self.add_error("max_units", gettext("The maximum cannot be shorter than the minimum."))
        if data.get("latitude") is not None and not -90 <= data["latitude"] <= 90:
            self.add_error("address", gettext("The pin's latitude must be between -90 and 90."))
        if data.get("longitude") is not None and not -180 <= data["longitude"] <= 180:
            self.add_error("address", gettext("The pin's longitude must be between -180 and 180."))
        if not self.errors and not data.get("currency"):
            data["currency"] = _country_currency(data)
            if data["currency"] is None:
                self.add_error("currency", gettext("Choose a currency: we could not tell the listing's country yet."))
        if data.get("currency"):
            self.minor = {name: _minor_or_error(self, name, data["currency"]) for name in ("price", "fee")}
        return data

    def service_fields(self) -> dict:
        data = self.cleaned_data
        fields = {name: data[name] for name in ("title", "description", "address", "latitude", "longitude")}
        fields.update(
            currency=data["currency"],
            unit_price=self.minor["price"],
            fee_amount=self.minor["fee"] or 0,
            min_units=data["min_units"],
            max_units=data["max_units"],
            advance_notice_hours=data["advance_notice_hours"],
            capacity=data["capacity"],
            instant_book=data["instant_book"],
            verified_guests_only=data["verified_guests_only"],
            cancellation_policy=data["cancellation_policy"],
        )
        if data.get("booking_horizon_days") is not None:
            fields["booking_horizon_days"] = data["booking_horizon_days"]
        if data.get("text_language"):
            fields["text_language"] = data["text_language"]
        return fields

    @staticmethod
    def initial_for(listing: Listing) -> dict:
        initial = {name: getattr(listing, name) for name in ListingForm.base_fields if hasattr(listing, name)}
        initial.update(
            price=to_major(listing.unit_price, listing.currency), fee=to_major(listing.fee_amount, listing.currency)
        )
        return initial


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("widget", MultipleFileInput(attrs={"accept": "image/*"}))
        super().__init__(*args, **kwargs)

    def clean(self, data, initial=None):
        if isinstance(data, list | tuple):
            return [super(MultipleFileField, self).clean(item, initial) for item in data]
        return [super().clean(data, initial)] if data else []


class PhotosForm(forms.Form):
    photos = MultipleFileField(
        label=_("Photos"), required=False, help_text=_("Up to 10 photos; the first one is the cover.")
    )


class BlockForm(forms.Form):
    """Days the owner blocks, first to last inclusive, in the listing's own time zone, from today to its horizon."""

    first_day = forms.DateField(label=_("First day"), widget=forms.DateInput(attrs={"type": "date"}))
    last_day = forms.DateField(label=_("Last day"), widget=forms.DateInput(attrs={"type": "date"}))
    note = forms.CharField(label=_("Note"), max_length=140, required=False)

    def __init__(self, *args: Any, listing: Listing, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.listing = listing
        # The date pickers offer only what the horizon allows; the server checks it anyway.
        today = horizon.today_at(listing.time_zone)
        last = horizon.last_day(time_zone=listing.time_zone, horizon_days=listing.booking_horizon_days)
        for name in ("first_day", "last_day"):
            self.fields[name].widget.attrs.update(min=today.isoformat(), max=last.isoformat())

    def clean(self) -> dict[str, Any]:
        super().clean()
        data = self.cleaned_data
        first, last = data.get("first_day"), data.get("last_day")
        if first and last and last < first:
            self.add_error("last_day", "The last day cannot be before the first day.")
        elif first and last:
            try:
                horizon.check_days(
                    time_zone=self.listing.time_zone,
                    horizon_days=self.listing.booking_horizon_days,
                    first=first,
                    last=last,
                )
            except DomainError as error:
                self.add_error(error.field, error.message)
        return data

    def period(self, time_zone: str) -> tuple[datetime, datetime]:
        zone = ZoneInfo(time_zone)
        start = datetime.combine(self.cleaned_data["first_day"], time.min, tzinfo=zone)
        end = datetime.combine(self.cleaned_data["last_day"] + timedelta(days=1), time.min, tzinfo=zone)
        return start, end


class LocalDateTimeInput(forms.DateTimeInput):
    """A datetime-local input that shows what was typed elsewhere (a date alone from the home page's
    search, "2026-12-21 10:00" from a shared link) in the one form the browser accepts: "2026-12-21T10:00"."""

    input_type = "datetime-local"

    def __init__(self) -> None:
        super().__init__(format="%Y-%m-%dT%H:%M")

    def format_value(self, value: Any) -> str | None:
        if isinstance(value, str) and value:
            text = value.strip().replace(" ", "T")
            return text + "T00:00" if len(text) == 10 else text[:16]
        return super().format_value(value)


class SearchForm(forms.Form):
    """The search box and filters; every field is in the URL so that a search can be shared."""

    q = forms.CharField(required=False, max_length=200, label=_("Where"))
    lat = forms.FloatField(required=False, min_value=-90, max_value=90, widget=forms.HiddenInput)
    lng = forms.FloatField(required=False, min_value=-180, max_value=180, widget=forms.HiddenInput)
    radius = forms.FloatField(
        required=False, min_value=0.1, max_value=MAX_RADIUS_KM, initial=DEFAULT_RADIUS_KM, label=_("Within (km)")
    )
    kind = forms.ChoiceField(required=False, choices=[("", _("Anything")), *ListingKind.choices], label=_("Kind"))
    start = forms.DateTimeField(required=False, widget=LocalDateTimeInput())
    end = forms.DateTimeField(required=False, widget=LocalDateTimeInput())
    guests = forms.IntegerField(required=False, min_value=1, max_value=100, label=_("Guests / seats"))
    min_price = forms.DecimalField(required=False, min_value=0, **MONEY, label=_("Min price (a night or an hour)"))
    max_price = forms.DecimalField(required=False, min_value=0, **MONEY, label=_("Max price (a night or an hour)"))
    currency = forms.ChoiceField(
        required=False,
        choices=[("", _("My currency")), *((code, code) for code in CURRENCIES)],
        label=_("Prices in"),
        error_messages=CURRENCY_CHOICE_ERRORS,
    )
    instant = forms.BooleanField(required=False, label=_("Instant book only"))
    sort = forms.ChoiceField(
        required=False,
        choices=[
            (SortOrder.DISTANCE, _("Nearest")),
            (SortOrder.PRICE, _("Cheapest")),
            (SortOrder.RATING, _("Best rated")),
        ],
        label=_("Sort"),
    )
    page = forms.IntegerField(required=False, min_value=1, widget=forms.HiddenInput)
    # The map's visible rectangle ("Search this area"): its edges in degrees; west > east across the antimeridian.
    south = forms.FloatField(required=False, widget=forms.HiddenInput)
    west = forms.FloatField(required=False, widget=forms.HiddenInput)
    north = forms.FloatField(required=False, widget=forms.HiddenInput)
    east = forms.FloatField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args: Any, default_currency: str = DEFAULT_CURRENCY, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # The searcher's currency when the form names none (their browser's region, listings.prices).
        self.default_currency = default_currency

    @property
    def searcher_currency(self) -> str:
        """The currency the searcher reads (and types) prices in."""
        return (getattr(self, "cleaned_data", None) or {}).get("currency") or self.default_currency

    def clean(self) -> dict[str, Any]:
        super().clean()
        data = self.cleaned_data
        try:
            data["bounds"] = bounds_from(data.get("south"), data.get("west"), data.get("north"), data.get("east"))
        except DomainError as error:
            data["bounds"] = None
            self.add_error(None, error.message)
        if data["bounds"] is not None:
            # An area search is centred on its rectangle (the time zone of its dates is the centre's).
            data["lat"], data["lng"] = data["bounds"].centre
        if (data.get("start") is None) != (data.get("end") is None) and not self.errors:
            self.add_error(
                "end" if data.get("start") else "start", gettext("Give both a start and an end, or neither.")
            )
        if data.get("start") and data.get("end") and data["end"] <= data["start"]:
            self.add_error("end", gettext("The end must be after the start."))
        try:
            horizon.check_search_dates(start=data.get("start"), end=data.get("end"))
        except DomainError as error:
            self.add_error(error.field, error.message)
        currency = data.get("currency") or self.default_currency
        self.minor = {name: _minor_or_error(self, name, currency) for name in ("min_price", "max_price")}
        return data

    def criteria(self) -> tuple[dict[str, Any] | None, str]:
        """What a valid form searches for, as `SearchQuery`'s filter fields, and the place name shown.

        The place is the pin when there is one, else the typed name geocoded server-side; the dates
        typed are wall-clock times at that place. None when the form names no place yet. One reading
        of the search form for the search page and for a search saved from it.
        """
        data = self.cleaned_data
        if data.get("lat") is not None and data.get("lng") is not None:
            place = reverse_place(data["lat"], data["lng"])
            latitude, longitude, label = data["lat"], data["lng"], data.get("q") or place.city
        elif data.get("q"):
            place = geocode_place(data["q"])
            latitude, longitude, label = place.latitude, place.longitude, place.label
        else:
            return None, ""
        zone = ZoneInfo(place.time_zone)

        def local(value: datetime | None) -> datetime | None:
            return value.replace(tzinfo=zone) if value else None

        bounds: Bounds | None = data.get("bounds")
        fields = {
            "latitude": latitude,
            "longitude": longitude,
            # An area saved as a search is the circle that holds it, as far as a circle search reaches.
            "radius_km": min(MAX_RADIUS_KM, bounds.circle()[2]) if bounds else data.get("radius") or DEFAULT_RADIUS_KM,
            "kind": data.get("kind") or None,
            "start": local(data.get("start")),
            "end": local(data.get("end")),
            "guests": data.get("guests"),
            "min_price": self.minor["min_price"],
            "max_price": self.minor["max_price"],
            "instant_book": bool(data.get("instant")),
        }
        return fields, label
