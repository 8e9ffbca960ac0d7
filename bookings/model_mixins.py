"""Rules shared by a booking and a change's new quote (`Booking`, `BookingChange`), which hold the same money fields."""

from __future__ import annotations

from typing import TYPE_CHECKING


class PaidByTenders:
    """The card's share and the promotions of a total, for models with these integer fields."""

    if TYPE_CHECKING:
        total: int
        host_promotion: int
        platform_promotion: int
        credit: int

    @property
    def charged(self) -> int:
        """What the guest's card pays: the total less Sharing's promotion and the credit."""
        return self.total - self.platform_promotion - self.credit

    @property
    def promotion(self) -> int:
        """The whole discount: the host's and Sharing's."""
        return self.host_promotion + self.platform_promotion
