"""Sign-up through an invitation link (/invite/<code>/ keeps the code in the session) records the referrer."""

from __future__ import annotations

import logging

from allauth.account.signals import user_signed_up
from django.dispatch import receiver

from core.errors import DomainError

logger = logging.getLogger(__name__)
SESSION_KEY = "referral_code"


@receiver(user_signed_up)
def record_invitation(sender, request, user, **kwargs) -> None:
    from promotions.referrals import record_referral

    code = request.session.pop(SESSION_KEY, None) if request is not None and hasattr(request, "session") else None
    if not code:
        return
    try:
        record_referral(referred=user, code=code)
    except DomainError as error:  # a stale or own link never stops a sign-up
        logger.info("invitation %s not recorded for user %s: %s", code, user.pk, error.message)
