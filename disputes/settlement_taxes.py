"""The taxes a dispute's settlement collects: what the guest paid of each tax, less the refund's share."""

from __future__ import annotations

from bookings.models import Booking
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
