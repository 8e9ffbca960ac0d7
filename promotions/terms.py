"""What the quote needs to know of a usable promo code: plain data, no database (bookings.pricing reads it)."""

from __future__ import annotations

from dataclasses import dataclass

from django.db import models
from django.utils.translation import gettext_lazy as _


class Funder(models.TextChoices):
    PLATFORM = "platform", _("Sharing (the platform's expense)")
    HOST = "host", _("The host (lowers the host's payout)")


@dataclass(frozen=True)
class PromotionTerms:
    code: str
    funded_by: str
    percent_bps: int = 0
    amount_off: int = 0
