"""`{% money_trail "booking:12" %}`: the ledger lines of one reference, for the booking and admin pages."""

from django import template
from django.utils.translation import gettext, gettext_noop

from payments import selectors
from payments.models import TAX_PREFIX

register = template.Library()

# Marked for makemessages and left English here: each row reads in the reader's language (`account_name`).
ACCOUNT_NAMES = {
    "guest_funding": gettext_noop("Guest's card"),
    "escrow": gettext_noop("Held by Sharing"),
    "platform_fees": gettext_noop("Sharing's fees"),
    "refunds_paid": gettext_noop("Refunded to the guest"),
    "payouts_paid": gettext_noop("Sent to the host"),
}


def account_name(account: str) -> str:
    """A ledger account as a person reads it: the tax accounts are taxes, the hosts' accounts what they are owed."""
    if account.startswith(TAX_PREFIX):
        return gettext("Taxes collected")
    return gettext(ACCOUNT_NAMES.get(account, gettext_noop("Owed to the host")))


@register.inclusion_tag("payments/_money_trail.html")
def money_trail(reference: str) -> dict:
    entries = list(selectors.money_trail(reference))
    rows = [
        {
            "when": entry.transaction.created_at,
            "what": entry.transaction.text,  # in the reader's language when its words were kept
            "account": account_name(entry.account),
            "amount": entry.amount,
            "currency": entry.currency,
        }
        for entry in entries
    ]
    return {"rows": rows}
