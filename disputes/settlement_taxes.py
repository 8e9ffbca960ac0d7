"""The taxes a dispute's settlement collects (what the guest paid of each tax, less the refund's share), and
after an earlier release the refund's share of the taxes collected that goes back out of the tax accounts."""

from __future__ import annotations

from bookings.models import Booking
from payments.models import Payment
from payments.services.host_payouts import taxes_collected
from taxes.rules import share_back


# Taxes in a settlement (proportional): each tax the guest paid gives back the share the refund is of the
# booking's total (`taxes.rules.share_back`, half up); the rest is collected when the release closes the
# escrow (at most what is left beside the host's share). Taxes already collected at an earlier release
# stay collected: the settlement then moves only the host's share and Sharing's fee.
def taxes_kept_by_settlement(booking: Booking, *, refund: int, released: bool) -> dict[str, int]:
    if released:
        return {}
    kept = {}
    for account, paid in booking.taxes_kept().items():
        part = paid - share_back(paid, refund, booking.total)
        if part > 0:
            kept[account] = part
    return kept


# After a release (the taxes were collected then), a settlement's refund takes its share of each tax back out
# of the tax accounts (`share_back` of what each collected, the refund being that share of the total), before
# anything of Sharing's fee: at most `fee_back` in all, what the plan moves back from Sharing's side. When the
# plan needs more than Sharing's own fees on the booking, the rest comes from the taxes too (in the accounts'
# order): Sharing's fees on other bookings never pay it.
def taxes_back_by_settlement(booking: Booking, payment: Payment, *, refund: int, fee_back: int) -> dict[str, int]:
    if payment.platform_fee_amount <= 0 or refund <= 0 or fee_back <= 0:
        return {}
    collected = dict(sorted(taxes_collected(payment).items()))
    back, room = {}, fee_back
    for account, paid in collected.items():
        part = max(0, min(share_back(paid, min(refund, booking.total), booking.total), room))
        back[account] = part
        room -= part
    beyond_fees = fee_back - (payment.platform_fee_amount - sum(collected.values())) - sum(back.values())
    for account, paid in collected.items():
        more = max(0, min(paid - back[account], beyond_fees))
        back[account] += more
        beyond_fees -= more
    return {account: part for account, part in back.items() if part}
