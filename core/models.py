"""Exchange rates by day (the European Central Bank's reference rates) and each attempt to load them.

Search compares prices across currencies with these; the guest is always charged in the listing's
own currency, so a rate never moves money.
"""

from __future__ import annotations

from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class ExchangeRate(models.Model):
    """How many units of `currency` one euro bought on `day` (the ECB's reference rate)."""

    day = models.DateField(_("day"))
    currency = models.CharField(_("currency"), max_length=3)
    per_euro = models.DecimalField(_("per euro"), max_digits=20, decimal_places=8)
    loaded_at = models.DateTimeField(_("loaded at"), default=timezone.now)

    class Meta:
        verbose_name = _("exchange rate")
        verbose_name_plural = _("exchange rates")
        constraints = [
            models.UniqueConstraint(fields=["day", "currency"], name="exchange_rate_one_per_day"),
            models.CheckConstraint(condition=Q(per_euro__gt=0), name="exchange_rate_positive"),
        ]
        indexes = [models.Index(fields=["-day"], name="exchange_rate_latest_day")]

    def __str__(self) -> str:
        return f"1 EUR = {self.per_euro} {self.currency} on {self.day}"


class RateLoad(models.Model):
    """One attempt to load a rate file, kept so that staff see when (and why) the last one was refused."""

    attempted_at = models.DateTimeField(_("attempted at"), default=timezone.now)
    source = models.CharField(_("source"), max_length=500)
    day = models.DateField(
        _("day"), null=True, blank=True, help_text=_("The day the file gives rates for, when it says.")
    )
    accepted = models.BooleanField(_("accepted"))
    message = models.TextField(_("message"))

    class Meta:
        verbose_name = _("rate load")
        verbose_name_plural = _("rate loads")
        indexes = [models.Index(fields=["-attempted_at"], name="rate_load_latest")]

    def __str__(self) -> str:
        return f"{'Loaded' if self.accepted else 'Refused'} {self.source} at {self.attempted_at:%Y-%m-%d %H:%M}"
