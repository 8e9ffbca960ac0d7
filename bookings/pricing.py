"""Quotes and refunds: pure functions over integers in minor units, no database, no floats.

Everything here is deterministic so that the page shows, the booking freezes and
the payments issue later moves exactly the same amounts.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, replace
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from django.utils.translation import gettext_noop

from core import money
from core.errors import DomainError
from listings.models import CancellationPolicy, ListingKind
from promotions.terms import Funder, PromotionTerms
from taxes.rules import percent_of, share_back

BPS = 10_000  # basis points in a whole
HALF_HOUR = timedelta(minutes=30)
HOUR = timedelta(hours=1)
DAY = timedelta(days=1)
WEEKLY_NIGHTS = 7
MONTHLY_NIGHTS = 28


# Rounding rule (the only one): a share part/whole of an amount is rounded half
# up to the nearest minor unit, e.g. 12 % of 1,050 cents = 126 cents, and 3 % of
# 50 cents = 1.5 -> 2 cents. Amounts and parts are never negative, so "half up"
# and "half away from zero" agree. Percentages are basis points: share(x, bps, 10000).
def share(amount: int, part: int, whole: int) -> int:
    if amount < 0 or part < 0 or whole <= 0:
        raise ValueError("share() takes a non-negative amount and part and a positive whole")
    return (2 * amount * part + whole) // (2 * whole)


def apply_bps(amount: int, bps: int) -> int:
    """`bps` basis points of `amount`, rounded by `share`'s rule."""
    return share(amount, bps, BPS)


@dataclass(frozen=True)
class Quote:
    """The frozen price of a booking; total = units_amount + fee + guest_service_fee.

    A promotion funded by the host lowers the units' price (`host_promotion`, part of
    `units_amount`, so fees, payout and refunds follow it). One funded by Sharing
    (`platform_promotion`) and the guest's credit (`credit`) pay part of the total instead
    of the card: the card is charged `charged` = total - platform_promotion - credit.
    Taxes (`apply_taxes`, applied last) are their own lines inside the total: VAT on Sharing's
    guest service fee (`vat`, by `vat_country`'s rate in milli-percent `vat_rate`) and the city's
    occupancy tax on the nights (`occupancy_tax`, for `occupancy_place`, "FR:Paris"). VAT on Sharing's
    host service fee (`host_vat`, by the host's country) is not a line of the total: it comes out of
    `host_payout` (so host_payout = units_amount + fee - host_service_fee - host_vat).
    """

    currency: str
    units: int
    unit_price: int
    subtotal: int
    discount: int
    fee: int
    guest_service_fee: int
    total: int
    host_service_fee: int
    host_payout: int
    promo_code: str = ""
    host_promotion: int = 0
    platform_promotion: int = 0
    credit: int = 0
    vat: int = 0
    vat_country: str = ""
    vat_rate: int = 0
    occupancy_tax: int = 0
    occupancy_place: str = ""
    host_vat: int = 0
    host_vat_country: str = ""
    host_vat_rate: int = 0

    @property
    def taxes(self) -> int:
        """The tax lines the guest sees in the total (VAT on the host's fee is the host's side)."""
        return self.vat + self.occupancy_tax

    @property
    def before_taxes(self) -> int:
        """The total without its tax lines: what the cancellation policies divide."""
        return self.total - self.taxes

    @property
    def units_amount(self) -> int:
        """What the units cost after the discounts (the "unit subtotal" of the policies)."""
        return self.subtotal - self.discount - self.host_promotion

    @property
    def promotion(self) -> int:
        """The promo code's discount, whoever funds it."""
        return self.host_promotion + self.platform_promotion

    @property
    def charged(self) -> int:
        """What the guest's card pays."""
        return self.total - self.platform_promotion - self.credit

    def as_dict(self) -> dict[str, int | str]:
        return asdict(self)


@dataclass(frozen=True)
class Settlement:
    """How the guest's total is split when a booking ends early: refund + host_payout + platform_fee +
    vat + occupancy_tax + host_vat always sum to the total. `vat`, `occupancy_tax` and `host_vat` are the
    taxes kept (collected for the tax authorities); the refund includes the taxes given back
    (`tax_refund_shares`); `host_vat` is the VAT on the host fee kept, out of the host's share."""

    refund: int
    host_payout: int
    platform_fee: int
    vat: int = 0
    occupancy_tax: int = 0
    host_vat: int = 0

    @property
    def taxes(self) -> int:
        return self.vat + self.occupancy_tax + self.host_vat


# --- Periods ----------------------------------------------------------------------


def room_period(*, time_zone: str, check_in: date, check_out: date, check_in_time: time, check_out_time: time):
    """Local check-in and check-out dates -> aware datetimes at the listing's local check-in/out times."""
    tz = ZoneInfo(time_zone)
    return datetime.combine(check_in, check_in_time, tzinfo=tz), datetime.combine(check_out, check_out_time, tzinfo=tz)


def nights_between(*, time_zone: str, start: datetime, end: datetime) -> int:
    """Nights of a stay: local calendar days between check-in and check-out, whatever DST does."""
    tz = ZoneInfo(time_zone)
    return (end.astimezone(tz).date() - start.astimezone(tz).date()).days


def billed_units(*, kind: str, time_zone: str, start: datetime, end: datetime) -> int:
    """Nights (rooms), whole hours (cars) or half hours (driving services) in [start, end).

    Raises a DomainError when the period is not a whole number of the kind's step.
    """
    if end <= start:
        raise DomainError(gettext_noop("The end must be after the start."), field="end")
    if kind == ListingKind.ROOM:
        nights = nights_between(time_zone=time_zone, start=start, end=end)
        if nights < 1:
            raise DomainError(gettext_noop("Check-out must be at least one day after check-in."), field="end")
        return nights
    step = HOUR if kind == ListingKind.CAR else HALF_HOUR
    if (end - start) % step:
        raise DomainError(
            gettext_noop("Book in whole hours.") if kind == ListingKind.CAR else gettext_noop("Book in half hours."),
            field="end",
        )
    return (end - start) // step


# --- Quotes -----------------------------------------------------------------------


def units_subtotal(*, kind: str, units: int, unit_price: int, day_price: int | None = None) -> int:
    """Price of the units before discount, by the kind's rule.

    Cars: whole days at the day price plus the remaining hours at the hour price,
    the remaining hours never costing more than one day. Driving services: half
    hours at half the hourly price (the odd cent rounded once over the total).
    """
    if kind == ListingKind.ROOM:
        return units * unit_price
    if kind == ListingKind.CAR:
        days, hours = divmod(units, 24)
        day = day_price if day_price is not None else 24 * unit_price
        return days * day + min(hours * unit_price, day)
    return share(units * unit_price, 1, 2)


def room_discount_bps(*, nights: int, weekly_bps: int, monthly_bps: int) -> int:
    """The best discount the stay qualifies for: monthly from 28 nights, weekly from 7."""
    best = 0
    if nights >= WEEKLY_NIGHTS:
        best = max(best, weekly_bps)
    if nights >= MONTHLY_NIGHTS:
        best = max(best, monthly_bps)
    return min(best, BPS)


def make_quote(
    *,
    kind: str,
    currency: str,
    units: int,
    unit_price: int,
    fee: int,
    guest_fee_bps: int,
    host_fee_bps: int,
    day_price: int | None = None,
    weekly_bps: int = 0,
    monthly_bps: int = 0,
) -> Quote:
    """The full quote. Both service fees are taken on (units after discount + fee)."""
    subtotal = units_subtotal(kind=kind, units=units, unit_price=unit_price, day_price=day_price)
    discount = 0
    if kind == ListingKind.ROOM:
        discount = apply_bps(subtotal, room_discount_bps(nights=units, weekly_bps=weekly_bps, monthly_bps=monthly_bps))
    return _priced(
        currency=currency,
        units=units,
        unit_price=unit_price,
        subtotal=subtotal,
        discount=discount,
        fee=fee,
        guest_fee_bps=guest_fee_bps,
        host_fee_bps=host_fee_bps,
    )


def _priced(
    *,
    currency: str,
    units: int,
    unit_price: int,
    subtotal: int,
    discount: int,
    fee: int,
    guest_fee_bps: int,
    host_fee_bps: int,
    host_promotion: int = 0,
    promo_code: str = "",
) -> Quote:
    base = subtotal - discount - host_promotion + fee
    guest_service_fee = apply_bps(base, guest_fee_bps)
    host_service_fee = apply_bps(base, host_fee_bps)
    return Quote(
        currency=currency,
        units=units,
        unit_price=unit_price,
        subtotal=subtotal,
        discount=discount,
        fee=fee,
        guest_service_fee=guest_service_fee,
        total=base + guest_service_fee,
        host_service_fee=host_service_fee,
        host_payout=base - host_service_fee,
        promo_code=promo_code,
        host_promotion=host_promotion,
    )


# --- Promotions and credit ------------------------------------------------------------


def minimum_charge(currency: str) -> int:
    """The least a card is charged after promotions and credit: Stripe's smallest charge in the currency
    (core.money.MINIMUM_CHARGE: 0.50 EUR, ¥50, 1,000 KRW...); a booking is never free of a card payment."""
    return money.minimum_charge(currency)


def check_minimum_charge(quote: Quote) -> None:
    """A DomainError when the whole quote is under the least a card can be charged in its currency."""
    floor = minimum_charge(quote.currency)
    if quote.total < floor:
        raise DomainError(
            gettext_noop(
                "This comes to %(total)s, under the least a card can be charged in %(currency)s (%(least)s): "
                "book a longer stay."
            ),
            params={
                "total": money.format_money(quote.total, quote.currency),
                "currency": quote.currency,
                "least": money.format_money(floor, quote.currency),
            },
            field="end",
            code="below_minimum_charge",
        )


def promotion_amount(terms: PromotionTerms, *, units_amount: int) -> int:
    """A code's discount on the units' price after the long-stay discount (never on fees):
    a percentage by `apply_bps`'s rounding, or the fixed amount."""
    if terms.percent_bps:
        return apply_bps(units_amount, terms.percent_bps)
    return terms.amount_off


def apply_promotion(
    quote: Quote,
    *,
    terms: PromotionTerms | None,
    credit_available: int,
    guest_fee_bps: int,
    host_fee_bps: int,
) -> Quote:
    """The quote with a promo code and the guest's credit applied.

    Host-funded: the units' price is lowered (fees, the host's payout and any refund follow),
    at most down to `minimum_charge`. Sharing-funded, then credit: they pay part of the total,
    so the card is charged at least `minimum_charge`. Credit is used up to what is left.
    """
    floor = minimum_charge(quote.currency)
    units_amount = quote.subtotal - quote.discount
    host_promotion = platform_promotion = 0
    if terms is not None and terms.funded_by == Funder.HOST:
        host_promotion = max(0, min(promotion_amount(terms, units_amount=units_amount), units_amount - floor))
    priced = _priced(
        currency=quote.currency,
        units=quote.units,
        unit_price=quote.unit_price,
        subtotal=quote.subtotal,
        discount=quote.discount,
        fee=quote.fee,
        guest_fee_bps=guest_fee_bps,
        host_fee_bps=host_fee_bps,
        host_promotion=host_promotion,
        promo_code=terms.code if terms is not None else "",
    )
    if terms is not None and terms.funded_by == Funder.PLATFORM:
        platform_promotion = max(0, min(promotion_amount(terms, units_amount=units_amount), priced.total - floor))
    credit = max(0, min(credit_available, priced.total - platform_promotion - floor))
    return replace(priced, platform_promotion=platform_promotion, credit=credit)


# --- Taxes ------------------------------------------------------------------------


def host_vat_kept(quote: Quote, *, host_service_fee: int) -> int:
    """VAT on the host fee Sharing still takes when its host fee becomes `host_service_fee` (a late
    cancellation lowers it): the frozen rate on the fee kept, half up (`taxes.rules`), never more than
    was frozen. It comes out of the host's share, like the fee."""
    return min(quote.host_vat, percent_of(max(host_service_fee, 0), quote.host_vat_rate))


# Refund rule for taxes: VAT follows Sharing's guest service fee (given back only when the fee is, in a
# full refund); the occupancy tax follows the host's side (nights and cleaning fee): what of it is
# refunded gives back `share_back(occupancy_tax, refunded, units_amount + fee)`, half up. So what is
# kept is always the tax on what the guest keeps paying for, and kept + given back = the tax.
def tax_refund_shares(quote: Quote, *, host_side_refunded: int) -> tuple[int, int]:
    """(VAT given back, occupancy tax given back) when `host_side_refunded` of the units and fee is refunded."""
    host_side = quote.units_amount + quote.fee
    return 0, share_back(quote.occupancy_tax, min(max(host_side_refunded, 0), host_side), host_side)


# --- Refunds ----------------------------------------------------------------------


def full_refund(quote: Quote) -> Settlement:
    """Host cancels, request declined, expired or withdrawn: everything back to the guest, taxes included."""
    return Settlement(refund=quote.total, host_payout=0, platform_fee=0)


def _split(quote: Quote, *, refund: int, host_fee_bps: int) -> Settlement:
    """Keep the guest service fee for the platform; the host gets the rest, less the host service fee.

    `refund` is counted before taxes; the taxes' shares (`tax_refund_shares`) are added to it."""
    if refund >= quote.before_taxes:
        return full_refund(quote)
    host_gross = quote.before_taxes - refund - quote.guest_service_fee
    host_service_fee = apply_bps(host_gross, host_fee_bps)
    host_vat = host_vat_kept(quote, host_service_fee=host_service_fee)
    vat_back, occupancy_back = tax_refund_shares(quote, host_side_refunded=quote.units_amount + quote.fee - host_gross)
    return Settlement(
        refund=refund + vat_back + occupancy_back,
        host_payout=host_gross - host_service_fee - host_vat,
        platform_fee=quote.guest_service_fee + host_service_fee,
        vat=quote.vat - vat_back,
        occupancy_tax=quote.occupancy_tax - occupancy_back,
        host_vat=host_vat,
    )


def unit_starts(*, kind: str, time_zone: str, start: datetime, units: int) -> list[datetime]:
    """When each billed unit begins: each night at the local check-in time, else every hour / half hour."""
    if kind == ListingKind.ROOM:
        tz = ZoneInfo(time_zone)
        local = start.astimezone(tz)
        return [datetime.combine(local.date() + timedelta(days=i), local.timetz()) for i in range(units)]
    step = HOUR if kind == ListingKind.CAR else HALF_HOUR
    return [start + i * step for i in range(units)]


def guest_cancellation(
    *,
    quote: Quote,
    policy: str,
    kind: str,
    time_zone: str,
    start: datetime,
    booked_at: datetime,
    cancelled_at: datetime,
    host_fee_bps: int,
) -> Settlement:
    """What the guest gets back when they cancel at `cancelled_at`, by the frozen policy.

    flexible: >= 24 h before start, everything. Later, before start: the first unit
      and the guest service fee are kept, the rest refunded. After start: the units
      not yet begun are refunded except the next one; fees are kept.
    moderate: >= 5 days before start, everything; later: 50 % of the unit subtotal.
    strict: within 48 h of booking and >= 14 days before start, everything;
      >= 7 days before start: 50 % of the unit subtotal; later: nothing.
    A unit's share of the unit subtotal is units_amount x k / units (share()'s rounding).
    """
    before_start = start - cancelled_at
    amount = quote.units_amount
    if policy == CancellationPolicy.FLEXIBLE:
        if before_start >= timedelta(hours=24):
            return full_refund(quote)
        if cancelled_at <= start:
            kept = share(amount, 1, quote.units)
            return _split(quote, refund=quote.before_taxes - quote.guest_service_fee - kept, host_fee_bps=host_fee_bps)
        starts = unit_starts(kind=kind, time_zone=time_zone, start=start, units=quote.units)
        begun = sum(1 for unit_start in starts if unit_start < cancelled_at)
        kept_units = min(quote.units, begun + 1)
        return _split(quote, refund=amount - share(amount, kept_units, quote.units), host_fee_bps=host_fee_bps)
    if policy == CancellationPolicy.MODERATE:
        if before_start >= timedelta(days=5):
            return full_refund(quote)
        return _split(quote, refund=apply_bps(amount, 5000), host_fee_bps=host_fee_bps)
    if policy == CancellationPolicy.STRICT:
        if cancelled_at - booked_at <= timedelta(hours=48) and before_start >= timedelta(days=14):
            return full_refund(quote)
        if before_start >= timedelta(days=7):
            return _split(quote, refund=apply_bps(amount, 5000), host_fee_bps=host_fee_bps)
        return _split(quote, refund=0, host_fee_bps=host_fee_bps)
    raise ValueError(f"unknown cancellation policy {policy!r}")


def cancellation_windows(
    *, quote: Quote, policy: str, kind: str, time_zone: str, start: datetime, booked_at: datetime
) -> list[tuple[datetime, int]]:
    """The policy as dated steps for one booking: (until, refund) means "cancel before `until`, get `refund` back".

    The steps end at the start; read from `guest_cancellation` itself just before each edge, so the dates
    shown before booking can never promise more than a cancellation would pay. Steps already past at
    `booked_at` are left out; neighbouring steps with the same refund are one.
    """
    edges = {
        CancellationPolicy.FLEXIBLE: [start - timedelta(hours=24)],
        CancellationPolicy.MODERATE: [start - timedelta(days=5)],
        CancellationPolicy.STRICT: [
            min(booked_at + timedelta(hours=48), start - timedelta(days=14)),
            start - timedelta(days=7),
        ],
    }[CancellationPolicy(policy)] + [start]
    windows: list[tuple[datetime, int]] = []
    for edge in sorted(edge for edge in edges if edge > booked_at):
        refund = guest_cancellation(
            quote=quote,
            policy=policy,
            kind=kind,
            time_zone=time_zone,
            start=start,
            booked_at=booked_at,
            cancelled_at=edge - timedelta(seconds=1),
            host_fee_bps=0,  # the guest's refund does not depend on the host's fee
        ).refund
        if windows and windows[-1][1] == refund:
            windows[-1] = (edge, refund)
        else:
            windows.append((edge, refund))
    return windows
