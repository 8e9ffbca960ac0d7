"""`{% money_trail "booking:12" %}`: the ledger lines of one reference, for the booking and admin pages."""

from django import template

from payments import selectors

register = template.Library()

ACCOUNT_NAMES = {
    "guest_funding": "Guest's card",
    "escrow": "Held by Sharing",
    "platform_fees": "Sharing's fees",
    "refunds_paid": "Refunded to the guest",
    "payouts_paid": "Sent to the host",
}


@register.inclusion_tag("payments/_money_trail.html")
def money_trail(reference: str) -> dict:
    entries = list(selectors.money_trail(reference))
    rows = [
        {
            "when": entry.transaction.created_at,
            "what": entry.transaction.description,
            "account": ACCOUNT_NAMES.get(entry.account, "Owed to the host"),
            "amount": entry.amount,
            "currency": entry.currency,
        }
        for entry in entries
    ]
    return {"rows": rows}
