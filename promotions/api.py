"""Promotions in the JSON API (/api/v1/promotions/): a host's codes, my invitation code and credit.

A host sees and changes only their own codes (anyone else's answer 404). Applying a code is part
of the bookings quote and request (`promo_code`, `use_credit`).
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from ninja import Field, Router, Schema, Status

from core.api import session_or_token_auth
from core.errors import DomainError
from core.money import to_minor
from core.requests import ApiRequest
from promotions import referrals, selectors, services
from promotions.models import PromoCode
from promotions.terms import Funder

router = Router(tags=["promotions"], auth=session_or_token_auth)


class PromoCodeIn(Schema):
    code: str = Field(min_length=3, max_length=32)
    listing_id: int | None = Field(None, description="Only this listing of yours; empty: all your listings")
    percent: Decimal | None = Field(None, gt=0, le=100, description="Percent off (or amount_off)")
    amount_off: Decimal | None = Field(None, gt=0, description="In the currency's units, e.g. 10.50")
    currency: str = Field("", max_length=3, description="Needed with amount_off, min_spend or budget")
    min_spend: Decimal = Field(Decimal(0), ge=0, description="Minimum total, in the currency's units")
    kinds: list[str] = Field(default_factory=list, description="room, car, driver; empty: all")
    first_booking_only: bool = False
    per_person_limit: int = Field(1, ge=1, le=100)
    budget: Decimal | None = Field(None, gt=0, description="Total discount the code may give, currency's units")
    valid_from: datetime
    valid_until: datetime


class PromoCodeOut(Schema):
    id: int
    code: str
    funded_by: str
    listing_id: int | None
    percent_bps: int
    amount_off: int
    currency: str
    min_spend: int
    kinds: list[str]
    first_booking_only: bool
    per_person_limit: int
    budget: int | None
    spent: int
    valid_from: datetime
    valid_until: datetime
    active: bool

    @staticmethod
    def resolve_kinds(obj: PromoCode) -> list[str]:
        return obj.kind_list


class CreditOut(Schema):
    currency: str
    balance: int


class InvitationOut(Schema):
    code: str
    link: str
    credit: list[CreditOut]


class InvitationIn(Schema):
    code: str = Field(min_length=1, max_length=16)


class ReferralOut(Schema):
    referrer_id: int
    created_at: datetime


def _minor(value: Decimal | None, currency: str, field: str) -> int:
    if value is None or value == 0:
        return 0
    if not currency:
        raise DomainError("An amount, a minimum or a budget needs a currency.", field="currency")
    try:
        return to_minor(value, currency.upper())
    except ValueError as error:
        raise DomainError(str(error), field=field) from error


@router.get("/codes", response=list[PromoCodeOut], summary="My promo codes (as a host)")
def my_codes(request: ApiRequest):
    return list(selectors.codes_of_host(host=request.user)[:200])


@router.post("/codes", response={201: PromoCodeOut}, summary="Make a promo code for my listings, funded by me")
def create_code(request: ApiRequest, payload: PromoCodeIn):
    currency = payload.currency.upper()
    code = services.create_code(
        by=request.user,
        code=payload.code,
        funded_by=Funder.HOST,
        listing_id=payload.listing_id,
        percent=payload.percent,
        amount_off=_minor(payload.amount_off, currency, "amount_off"),
        currency=currency,
        min_spend=_minor(payload.min_spend, currency, "min_spend"),
        kinds=payload.kinds,
        first_booking_only=payload.first_booking_only,
        per_person_limit=payload.per_person_limit,
        budget=_minor(payload.budget, currency, "budget") or None,
        valid_from=payload.valid_from,
        valid_until=payload.valid_until,
    )
    return Status(201, code)


@router.post("/codes/{code_id}/deactivate", response=PromoCodeOut, summary="Stop one of my codes")
def deactivate(request: ApiRequest, code_id: int):
    return services.deactivate_code(by=request.user, code_id=code_id)


@router.get("/invitation", response=InvitationOut, summary="My invitation code, link and credit")
def invitation(request: ApiRequest):
    code = referrals.referral_code_for(request.user)
    return {
        "code": code,
        "link": request.build_absolute_uri(f"/promotions/invite/{code}/"),
        "credit": list(selectors.credit_accounts(user=request.user).values("currency", "balance")),
    }


@router.post("/invitation", response={201: ReferralOut}, summary="Say who invited me (within 7 days of signing up)")
def claim_invitation(request: ApiRequest, payload: InvitationIn):
    return Status(201, referrals.record_referral(referred=request.user, code=payload.code))
