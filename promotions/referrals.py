"""Referral links: each person has a code (/invite/<code>/); signing up through it records who invited them,
and once the new person's first booking is completed both get credit, exactly once.

Exactly once: the reward is claimed by a conditional UPDATE of the referral row (`rewarded_at`
still empty), and each credit movement is unique per (account, reason, reference), so a
completion told twice (a task run twice, a booking completed again after a dispute), or by two
workers at once, grants nothing the second time.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext_noop

from accounts.models import User
from core.errors import Conflict, DomainError
from core.money import currency_exponent
from core.rates import convert, current_rates
from promotions.models import Referral, ReferralCode
from promotions.services import grant_credit, new_referral_code

# A person who signed up without the link may still name who invited them, for this long.
CLAIM_WINDOW = timedelta(days=7)


def referral_code_for(user: User) -> str:
    """The person's invitation code, made on first use."""
    existing = ReferralCode.objects.filter(user=user).values_list("code", flat=True).first()
    if existing:
        return existing
    for _ in range(5):
        try:
            with transaction.atomic():
                return ReferralCode.objects.create(user=user, code=new_referral_code()).code
        except IntegrityError:
            existing = ReferralCode.objects.filter(user=user).values_list("code", flat=True).first()
            if existing:
                return existing
    raise Conflict(gettext_noop("Could not make an invitation code just now. Try again."))


def record_referral(*, referred: User, code: str, now: datetime | None = None) -> Referral:
    """`referred` signed up through `code`'s link (or names it soon after signing up)."""
    now = now or timezone.now()
    owner = ReferralCode.objects.filter(code=code.strip().upper()).select_related("user").first()
    if owner is None:
        raise DomainError(gettext_noop("We do not know this invitation code."), field="code", code="unknown")
    if owner.user_id == referred.pk:
        raise DomainError(gettext_noop("You cannot invite yourself."), field="code", code="own_code")
    if now - referred.date_joined > CLAIM_WINDOW:
        raise DomainError(gettext_noop("Invitations count within 7 days of signing up."), field="code", code="too_late")
    try:
        with transaction.atomic():
            return Referral.objects.create(referrer=owner.user, referred=referred, created_at=now)
    except IntegrityError as error:
        raise Conflict(gettext_noop("Someone already invited you."), field="code", code="already_referred") from error


def referral_credit(currency: str) -> int:
    """The reward in `currency`: settings.REFERRAL_CREDIT_EUR converted at today's rates, rounded to whole units."""
    amount = convert(settings.REFERRAL_CREDIT_EUR, "EUR", currency, current_rates())
    unit = 10 ** currency_exponent(currency)
    return max(unit, (amount + unit // 2) // unit * unit)


def booking_completed(*, guest_id: int, reference: str, currency: str, now: datetime) -> bool:
    """The guest's booking `reference` was completed: if it is the first of someone invited, both get credit.

    Runs in the completing transaction; True when the reward was granted now, False when it was
    granted before (or nobody invited the guest).
    """
    with transaction.atomic():
        claimed = Referral.objects.filter(referred_id=guest_id, rewarded_at__isnull=True).update(
            rewarded_at=now, rewarded_reference=reference
        )
        if not claimed:
            return False
        referral = Referral.objects.get(referred_id=guest_id)
        amount = referral_credit(currency)
        key = f"referral:{referral.pk}"
        grant_credit(user_id=referral.referrer_id, currency=currency, amount=amount, reference=key, now=now)
        grant_credit(user_id=guest_id, currency=currency, amount=amount, reference=key, now=now)
        return True
