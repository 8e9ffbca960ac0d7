"""Reads of promotions: is a code usable for this booking (and if not, why), a person's credit and codes."""

from __future__ import annotations

from datetime import datetime

from django.db.models import QuerySet
from django.utils.formats import date_format
from django.utils.translation import gettext, gettext_noop, ngettext_lazy

from accounts.models import User
from core.errors import DomainError
from core.money import format_money
from promotions.models import CreditAccount, PromoCode, Redemption, ReferralCode
from promotions.terms import Funder, PromotionTerms


class PromotionRefused(DomainError):
    """A promo code that cannot be used here; `code` names the reason for the API."""


def normalise_code(text: str) -> str:
    return "".join(str(text or "").split()).upper()


def usable_code(
    *,
    text: str,
    guest: User,
    listing_id: int,
    listing_kind: str,
    host_id: int,
    currency: str,
    spend: int,
    first_booking: bool,
    now: datetime,
) -> PromoCode:
    """The code if `guest` may use it on this listing for a total of `spend`; a PromotionRefused saying why.

    The budget is checked against the discount itself by `check_budget` once the quote knows it.
    """
    code = PromoCode.objects.filter(code=normalise_code(text)).first()
    field = "promo_code"
    if code is None:
        raise PromotionRefused(
            gettext_noop("We do not know this promo code. Check how it is spelt."), field=field, code="unknown"
        )
    if not code.active:
        raise PromotionRefused(gettext_noop("This promo code is no longer valid."), field=field, code="expired")
    if now >= code.valid_until:
        raise PromotionRefused(gettext_noop("This promo code has expired."), field=field, code="expired")
    if now < code.valid_from:
        raise PromotionRefused(
            gettext_noop("This promo code is valid from %(date)s."),
            params={"date": date_format(code.valid_from, "DATE_FORMAT")},
            field=field,
            code="not_yet_valid",
        )
    if code.budget is not None and code.spent >= code.budget:
        raise PromotionRefused(gettext_noop("This promo code has been used up."), field=field, code="exhausted")
    if code.kind_list and listing_kind not in code.kind_list:
        raise PromotionRefused(
            gettext_noop("This promo code is for %(kinds)s only."),
            params={"kinds": _kinds_in_words(code.kind_list)},
            field=field,
            code="wrong_kind",
        )
    if (code.listing_id is not None and code.listing_id != listing_id) or (
        code.funded_by == Funder.HOST and code.host_id != host_id
    ):
        raise PromotionRefused(
            gettext_noop("This promo code is for another host's listings."), field=field, code="wrong_listing"
        )
    if code.currency and code.currency != currency:
        raise PromotionRefused(
            gettext_noop("This promo code is for prices in %(code_currency)s; this listing is priced in %(currency)s."),
            params={"code_currency": code.currency, "currency": currency},
            field=field,
            code="wrong_currency",
        )
    if spend < code.min_spend:
        raise PromotionRefused(
            gettext_noop("This promo code needs a total of at least %(minimum)s."),
            params={"minimum": format_money(code.min_spend, code.currency)},
            field=field,
            code="below_minimum",
        )
    if code.first_booking_only and not first_booking:
        raise PromotionRefused(
            gettext_noop("This promo code is for a first booking only."), field=field, code="not_first_booking"
        )
    used = Redemption.objects.filter(code=code, guest=guest, status=Redemption.Status.ACTIVE).count()
    if used >= code.per_person_limit:
        raise PromotionRefused(
            ngettext_lazy(
                "You have already used this promo code (once per person).",
                "You have already used this promo code (%(count)d times per person).",
                "count",
            ),
            params={"count": code.per_person_limit},
            field=field,
            code="limit_reached",
        )
    return code


def check_budget(code: PromoCode, amount: int) -> None:
    """Refuse a discount the code's remaining budget cannot cover (checked again, locked, at redemption)."""
    if code.budget is not None and code.spent + amount > code.budget:
        raise PromotionRefused(gettext_noop("This promo code has been used up."), field="promo_code", code="exhausted")


def terms_of(code: PromoCode) -> PromotionTerms:
    return PromotionTerms(
        code=code.code, funded_by=code.funded_by, percent_bps=code.percent_bps, amount_off=code.amount_off
    )


def code_in_use(text: str) -> PromoCode | None:
    """The code a booking was made with, whatever became of it since (its terms never change)."""
    return PromoCode.objects.filter(code=normalise_code(text)).first()


def budget_left(code: PromoCode) -> int | None:
    """What the code may still give (None: no budget)."""
    return None if code.budget is None else max(0, code.budget - code.spent)


def credit_balance(*, user: User, currency: str) -> int:
    account = CreditAccount.objects.filter(user=user, currency=currency).first()
    return account.balance if account is not None else 0


def credit_accounts(*, user: User) -> QuerySet[CreditAccount]:
    return CreditAccount.objects.filter(user=user, balance__gt=0).order_by("currency")


def codes_of_host(*, host: User) -> QuerySet[PromoCode]:
    return PromoCode.objects.filter(host=host).select_related("listing").order_by("-created_at", "-pk")


def referral_code_of(user: User) -> str | None:
    return ReferralCode.objects.filter(user=user).values_list("code", flat=True).first()


def host_promotion_left(*, reference: str) -> int:
    """What a host-funded code's discount on the booking `reference` still draws on the code's budget."""
    redemption = Redemption.objects.filter(reference=reference, code__funded_by=Funder.HOST).first()
    return redemption.amount - redemption.returned if redemption is not None else 0


# The kinds a promo code is for, as plural nouns ("rooms and cars") in the asker's language.
KIND_NOUNS = {"room": gettext_noop("rooms"), "car": gettext_noop("cars"), "driver": gettext_noop("drivers")}


def _kinds_in_words(kinds: list[str]) -> str:
    nouns = [gettext(KIND_NOUNS[kind]) if kind in KIND_NOUNS else kind for kind in kinds]
    if len(nouns) == 1:
        return nouns[0]
    return gettext("%(some)s and %(last)s") % {"some": ", ".join(nouns[:-1]), "last": nouns[-1]}
