"""allauth's own mails (confirm your address, reset your password, security notices) and undeliverable addresses.

The rule, for an address the provider reported as bouncing or complaining (notifications.bounces):
- a mail the person asks for right now (the confirmation of an address, a password reset or log-in code)
  goes out anyway: asking is the strongest sign the address may work again, it is the only way to prove
  it does, and a bounce leaves the person locked out either way. Following its link clears the mark
  (`address_proven`). A signed-in person asking for their own address also reads on the page that it
  bounced before; nobody else does (the reset and sign-up pages never say anything about an address:
  ACCOUNT_PREVENT_ENUMERATION);
- a mail nobody asked for (password changed, address added or removed, "you already have an account")
  is skipped and logged: it would bounce again, or reach someone who asked us to stop; a signed-in owner
  reads that it was not sent.
"""

from __future__ import annotations

import logging
from typing import Any

from allauth.account.adapter import DefaultAccountAdapter
from allauth.account.models import EmailAddress
from allauth.core import context as allauth_context
from django.contrib import messages
from django.http import HttpRequest
from django.urls import reverse
from django.utils import formats, timezone
from django.utils.translation import gettext_lazy

from notifications import bounces
from notifications.models import UndeliverableAddress

logger = logging.getLogger(__name__)

# What the person asked for on the page they are on: these go to an undeliverable address anyway.
ASKED_FOR = {
    "account/email/email_confirmation",
    "account/email/email_confirmation_signup",
    "account/email/password_reset_key",
    "account/email/password_reset_code",
    "account/email/login_code",
}


def _owner_is_asking(request: HttpRequest | None, email: str) -> bool:
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return False
    return EmailAddress.objects.filter(user=user, email__iexact=email).exists()


# The sentences whole, one per reason, so each language words the reason and places the date itself.
SENT_ANYWAY = {
    UndeliverableAddress.Reason.BOUNCED: gettext_lazy(
        "Our earlier email to %(email)s bounced on %(date)s. We sent this one anyway: if it does not arrive within "
        "a few minutes, check the address for typing errors or add another one."
    ),
    UndeliverableAddress.Reason.COMPLAINED: gettext_lazy(
        "Our earlier email to %(email)s was marked as spam on %(date)s. We sent this one anyway: if it does not "
        "arrive within a few minutes, check the address for typing errors or add another one."
    ),
}
NOT_SENT = {
    UndeliverableAddress.Reason.BOUNCED: gettext_lazy(
        "We did not email %(email)s about this: an earlier email bounced on %(date)s. Your notification settings "
        "(%(settings)s) say how to fix it."
    ),
    UndeliverableAddress.Reason.COMPLAINED: gettext_lazy(
        "We did not email %(email)s about this: an earlier email was marked as spam on %(date)s. Your "
        "notification settings (%(settings)s) say how to fix it."
    ),
}


def _told(sentences: dict[str, Any], record: UndeliverableAddress) -> str:
    """The warning in the active language (the asker's page), the date in its format."""
    sentence = sentences.get(record.reason, sentences[UndeliverableAddress.Reason.BOUNCED])
    date = formats.date_format(timezone.localtime(record.occurred_at), "DATE_FORMAT")
    return str(sentence) % {"email": record.email, "date": date, "settings": reverse("notifications:settings")}


class AccountAdapter(DefaultAccountAdapter):
    """settings.ACCOUNT_ADAPTER: allauth's defaults, with the undeliverable-address rule above."""

    def send_mail(self, template_prefix: str, email: str, context: dict[str, Any]) -> None:
        record = bounces.undeliverable_among([email]).get(email.strip().lower())
        if record is None:
            super().send_mail(template_prefix, email, context)
            return
        request = allauth_context.request
        tell_owner = _owner_is_asking(request, email)
        if template_prefix in ASKED_FOR:
            logger.info("%s to %s sent although it %s: the person asked", template_prefix, email, record.reason)
            super().send_mail(template_prefix, email, context)
            if tell_owner and request is not None:
                messages.warning(request, _told(SENT_ANYWAY, record))
            return
        logger.info("%s to %s skipped: %s", template_prefix, email, bounces.skip_reason(record))
        if tell_owner and request is not None:
            messages.info(request, _told(NOT_SENT, record))


def address_proven(*, email: str) -> None:
    """Someone followed a link we mailed to `email`: it receives mail, so email to it resumes."""
    if email and bounces.clear(emails=[email.strip().lower()]):
        logger.info("email to %s resumes: a link mailed to it was followed", email)


def on_email_confirmed(sender: object, request: HttpRequest, email_address: EmailAddress, **kwargs: object) -> None:
    address_proven(email=email_address.email)


def on_password_reset(sender: object, request: HttpRequest, user: Any, **kwargs: object) -> None:
    # The reset link went to the address that was typed, which allauth does not pass on: the mark is cleared
    # only when the account has that one address (with several, the settings page's "try again" does it).
    addresses = list(EmailAddress.objects.filter(user=user).values_list("email", flat=True)[:2])
    if len(addresses) == 1:
        address_proven(email=addresses[0])
