"""Writes of promotions: codes made by staff and hosts, redeemed in a booking's transaction, given back.

Redeeming locks the code's row (PostgreSQL) inside the booking's transaction (SQLite: the
IMMEDIATE transaction serialises writers) and moves the budget counter with a conditional
UPDATE bounded by the `promo_never_over_budget` constraint: fifty guests at the same instant
can never spend more than the budget. Every function here runs in its caller's transaction
when there is one (the booking's), so a refused booking takes its redemption with it.
"""

from __future__ import annotations

import secrets
from datetime import datetime
from decimal import Decimal
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import F, Q, Sum
from django.utils import timezone
from django.utils.translation import gettext_noop

from accounts.models import User
from core.errors import DomainError, NotFound, PermissionDenied
from core.money import checked_currency
from listings.models import Listing, ListingKind
from promotions.models import CreditAccount, CreditMovement, PromoCode, Redemption
from promotions.selectors import PromotionRefused, normalise_code
from promotions.terms import Funder

CODE_CHARACTERS = set("ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-")


def create_code(*, by: User, **terms: Any) -> PromoCode:
    """A new code. Staff make Sharing-funded codes; a host makes codes funded by themselves, for their listings."""
    fields = code_terms(by=by, **terms)
    try:
        with transaction.atomic():
            return PromoCode.objects.create(**fields, created_by=by, created_at=timezone.now())
    except IntegrityError as error:
        raise DomainError(gettext_noop("That code is taken: choose another."), field="code") from error


def code_terms(
    *,
    by: User,
    code: str,
    funded_by: str,
    valid_from: datetime,
    valid_until: datetime,
    percent: Decimal | None = None,
    amount_off: int = 0,
    currency: str = "",
    min_spend: int = 0,
    kinds: list[str] | None = None,
    first_booking_only: bool = False,
    per_person_limit: int = 1,
    budget: int | None = None,
    listing_id: int | None = None,
) -> dict:
    """The checked fields of a new code (no write): a DomainError naming the field that is wrong."""
    text = normalise_code(code)
    # A window typed without a zone is read in the site's (the admin's and the pages' own reading).
    valid_from, valid_until = (
        moment if timezone.is_aware(moment) else timezone.make_aware(moment) for moment in (valid_from, valid_until)
    )
    if not 3 <= len(text) <= 32 or not set(text) <= CODE_CHARACTERS:
        raise DomainError(gettext_noop("A code has 3 to 32 letters, digits or dashes."), field="code")
    if funded_by == Funder.PLATFORM and not by.is_staff:
        raise PermissionDenied(
            gettext_noop("Only Sharing's staff can make codes that Sharing pays for."), field="funded_by"
        )
    if funded_by not in Funder.values:
        raise DomainError(gettext_noop("Say who pays the discount: platform or host."), field="funded_by")
    percent_bps = int((percent or Decimal(0)) * 100)
    if percent is not None and (percent_bps != percent * 100 or not 0 < percent_bps <= 10_000):
        raise DomainError(gettext_noop("A percentage is between 0.01 and 100."), field="percent")
    if (percent_bps > 0) == (amount_off > 0):
        raise DomainError(gettext_noop("Give either a percentage or an amount off, not both."), field="amount_off")
    if amount_off < 0 or min_spend < 0 or (budget is not None and budget <= 0):
        raise DomainError(gettext_noop("Amounts are positive."), field="amount_off")
    if currency:
        currency = checked_currency(currency)
    elif amount_off or min_spend or budget is not None:
        raise DomainError(gettext_noop("An amount, a minimum spend or a budget needs a currency."), field="currency")
    if valid_until <= valid_from:
        raise DomainError(gettext_noop("The code must end after it starts."), field="valid_until")
    kinds = sorted(set(kinds or []))
    if not set(kinds) <= set(ListingKind.values):
        raise DomainError(
            gettext_noop("Kinds are among %(kinds)s."), params={"kinds": ", ".join(ListingKind.values)}, field="kinds"
        )
    if per_person_limit < 1:
        raise DomainError(gettext_noop("Each person may use a code at least once."), field="per_person_limit")
    host = by if funded_by == Funder.HOST else None
    if listing_id is not None:
        listing = Listing.objects.filter(pk=listing_id).first()
        if listing is None or (host is not None and listing.owner_id != host.pk):
            raise NotFound(gettext_noop("No such listing of yours."), field="listing_id")
    return {
        "code": text,
        "funded_by": funded_by,
        "host": host,
        "listing_id": listing_id,
        "percent_bps": percent_bps,
        "amount_off": amount_off,
        "currency": currency,
        "min_spend": min_spend,
        "kinds": ",".join(kinds),
        "first_booking_only": first_booking_only,
        "per_person_limit": per_person_limit,
        "budget": budget,
        "valid_from": valid_from,
        "valid_until": valid_until,
    }


def deactivate_code(*, by: User, code_id: int) -> PromoCode:
    """Stop a code from being used (bookings already made keep their discount). Its host or staff only."""
    with transaction.atomic():
        code = PromoCode.objects.select_for_update().filter(pk=code_id).first()
        if code is None or not (by.is_staff or code.host_id == by.pk):
            raise NotFound(gettext_noop("No such promo code."))
        if code.active:
            code.active = False
            code.save(update_fields=["active"])
        return code


def redeem(*, code_text: str, guest: User, reference: str, amount: int, currency: str, now: datetime) -> Redemption:
    """Use the code for the booking `reference`: the per-person limit is re-checked under the code's lock
    and the budget counter moved by a conditional UPDATE (never above the budget). Caller's transaction."""
    with transaction.atomic():
        code = PromoCode.objects.select_for_update().filter(code=normalise_code(code_text)).first()
        if code is None or not code.active or not code.valid_from <= now < code.valid_until:
            raise PromotionRefused(
                gettext_noop("This promo code is no longer valid."), field="promo_code", code="expired"
            )
        used = Redemption.objects.filter(code=code, guest=guest, status=Redemption.Status.ACTIVE).count()
        if used >= code.per_person_limit:
            raise PromotionRefused(
                gettext_noop("You have already used this promo code."), field="promo_code", code="limit_reached"
            )
        within = Q(budget__isnull=True) | Q(spent__lte=F("budget") - amount)
        if not PromoCode.objects.filter(within, pk=code.pk).update(spent=F("spent") + amount):
            raise PromotionRefused(
                gettext_noop("This promo code has just been used up."), field="promo_code", code="exhausted"
            )
        return Redemption.objects.create(
            code=code, guest=guest, reference=reference, amount=amount, currency=currency, created_at=now
        )


def extend_redemption(*, reference: str, extra: int, now: datetime) -> None:
    """A changed booking's code gives `extra` more (its terms on a dearer stay): taken from the budget by the
    same conditional UPDATE as a redemption (never above it), on the booking's own redemption, so the
    per-person limit still counts the booking once. Caller's transaction; PromotionRefused when too little is left."""
    if extra <= 0:
        return
    with transaction.atomic():
        redemption = Redemption.objects.select_for_update().filter(reference=reference).first()
        if redemption is None or redemption.status != Redemption.Status.ACTIVE:
            raise PromotionRefused(gettext_noop("This booking's promo code is no longer in use."), code="expired")
        PromoCode.objects.select_for_update().filter(pk=redemption.code_id).first()
        within = Q(budget__isnull=True) | Q(spent__lte=F("budget") - extra)
        if not PromoCode.objects.filter(within, pk=redemption.code_id).update(spent=F("spent") + extra):
            raise PromotionRefused(
                gettext_noop("The promo code's budget was used up since this change was asked: ask again."),
                field="promo_code",
                code="exhausted",
            )
        Redemption.objects.filter(pk=redemption.pk).update(amount=F("amount") + extra)


def release(*, reference: str, now: datetime) -> None:
    """The booking did not take place (declined, expired, withdrawn, cancelled before its charge, lapsed): the code
    and the credit come back, less what refunds gave back already (a cheaper change's share). Idempotent."""
    with transaction.atomic():
        redemption = Redemption.objects.select_for_update().filter(reference=reference).first()
        if redemption is not None and redemption.status == Redemption.Status.ACTIVE:
            back = redemption.amount - redemption.returned
            redemption.status = Redemption.Status.RELEASED
            redemption.returned = redemption.amount
            redemption.save(update_fields=["status", "returned"])
            PromoCode.objects.filter(pk=redemption.code_id).update(spent=F("spent") - back)
        for movement in CreditMovement.objects.filter(reason=CreditMovement.Reason.BOOKING, reference=reference):
            # Only what no refund gave back before (a booking change's share, "<reference>:<operation>").
            given_back = CreditMovement.objects.filter(
                account=movement.account, reason=CreditMovement.Reason.REFUND, reference__startswith=f"{reference}:"
            ).aggregate(total=Sum("amount"))["total"]
            back = -movement.amount - (given_back or 0)
            if back > 0:
                _move_credit(
                    user_id=movement.account.user_id,
                    currency=movement.account.currency,
                    amount=back,
                    reason=CreditMovement.Reason.RELEASED,
                    reference=reference,
                    now=now,
                )


def return_refund_share(*, reference: str, promotion: int, credit: int, operation: str, now: datetime) -> None:
    """A refund gave back `promotion` of Sharing's discount and `credit` of the guest's credit (the
    proportional rule in bookings.tenders.refund_tenders): the budget and the credit get them back, once
    per refund `operation`."""
    with transaction.atomic():
        if promotion > 0:
            redemption = Redemption.objects.select_for_update().filter(reference=reference).first()
            if redemption is not None:
                part = min(promotion, redemption.amount - redemption.returned)
                if part > 0:
                    Redemption.objects.filter(pk=redemption.pk).update(returned=F("returned") + part)
                    PromoCode.objects.filter(pk=redemption.code_id).update(spent=F("spent") - part)
        if credit > 0:
            used = CreditMovement.objects.filter(reason=CreditMovement.Reason.BOOKING, reference=reference).first()
            if used is not None:
                _move_credit(
                    user_id=used.account.user_id,
                    currency=used.account.currency,
                    amount=credit,
                    reason=CreditMovement.Reason.REFUND,
                    reference=f"{reference}:{operation}",
                    now=now,
                )


def spend_credit(*, guest: User, currency: str, amount: int, reference: str, now: datetime) -> None:
    """Take `amount` of the guest's credit for the booking `reference` (in its transaction)."""
    if amount > 0:
        _move_credit(
            user_id=guest.pk,
            currency=currency,
            amount=-amount,
            reason=CreditMovement.Reason.BOOKING,
            reference=reference,
            now=now,
        )


def grant_credit(*, user_id: int, currency: str, amount: int, reference: str, now: datetime) -> bool:
    """Give credit once per `reference`; False if it was given before."""
    return _move_credit(
        user_id=user_id,
        currency=currency,
        amount=amount,
        reason=CreditMovement.Reason.REFERRAL,
        reference=reference,
        now=now,
    )


def _move_credit(*, user_id: int, currency: str, amount: int, reason: str, reference: str, now: datetime) -> bool:
    """Change a balance by `amount`, once per (account, reason, reference); refuses to go below zero."""
    with transaction.atomic():
        account, _ = CreditAccount.objects.get_or_create(user_id=user_id, currency=currency)
        account = CreditAccount.objects.select_for_update().get(pk=account.pk)
        if CreditMovement.objects.filter(account=account, reason=reason, reference=reference).exists():
            return False
        if account.balance + amount < 0:
            raise DomainError(
                gettext_noop("Your credit changed while you were booking. Check the price and book again.")
            )
        CreditMovement.objects.create(
            account=account, amount=amount, reason=reason, reference=reference, created_at=now
        )
        CreditAccount.objects.filter(pk=account.pk).update(balance=F("balance") + amount)
        return True


def new_referral_code() -> str:
    return secrets.token_urlsafe(6).replace("-", "x").replace("_", "y").upper()[:8]
