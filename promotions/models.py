"""Promo codes and their redemptions, referral links and the credit they earn.

Money is integers in minor units. The budget of a code is a counter on the code's own row
(`spent`), moved only by conditional updates and bounded by a database constraint
(`spent <= budget`), so concurrent checkouts can never spend more than the budget.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from listings.models import Listing
from promotions.terms import Funder


class PromoCode(models.Model):
    code = models.CharField(
        _("code"), max_length=32, unique=True, help_text=_("Upper-case letters, digits and dashes.")
    )
    funded_by = models.CharField(_("funded by"), max_length=10, choices=Funder.choices, default=Funder.PLATFORM)
    host = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("host"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="promo_codes",
        help_text=_("Host-funded codes only: valid on this host's listings."),
    )
    listing = models.ForeignKey(
        Listing,
        verbose_name=_("listing"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="promo_codes",
        help_text=_("Only this one."),
    )
    percent_bps = models.PositiveIntegerField(
        _("percent bps"), default=0, help_text=_("Percentage off in basis points (1000 = 10 %).")
    )
    amount_off = models.BigIntegerField(
        _("amount off"), default=0, help_text=_("Or a fixed amount off, minor units of `currency`.")
    )
    currency = models.CharField(
        _("currency"), max_length=3, blank=True, help_text=_("Needed for an amount, a minimum or a budget.")
    )
    min_spend = models.BigIntegerField(
        _("min spend"), default=0, help_text=_("Minimum total before the discount, minor units.")
    )
    kinds = models.CharField(
        _("kinds"), max_length=40, blank=True, help_text=_('Comma-separated: "room,car,driver"; empty: all.')
    )
    first_booking_only = models.BooleanField(_("first booking only"), default=False)
    per_person_limit = models.PositiveIntegerField(_("per person limit"), default=1)
    budget = models.BigIntegerField(
        _("budget"), null=True, blank=True, help_text=_("Total discount it may give; empty: no limit.")
    )
    spent = models.BigIntegerField(_("spent"), default=0, help_text=_("Discount given so far (net of what came back)."))
    valid_from = models.DateTimeField(_("valid from"))
    valid_until = models.DateTimeField(_("valid until"))
    active = models.BooleanField(_("active"), default=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("created by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(_("created at"))

    class Meta:
        verbose_name = _("promo code")
        verbose_name_plural = _("promo codes")
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(percent_bps__gt=0, percent_bps__lte=10_000, amount_off=0)
                | Q(percent_bps=0, amount_off__gt=0),
                name="promo_percent_or_amount",
            ),
            models.CheckConstraint(
                condition=~Q(currency="") | Q(amount_off=0, min_spend=0, budget__isnull=True),
                name="promo_currency_when_amounts",
            ),
            models.CheckConstraint(condition=Q(min_spend__gte=0), name="promo_min_spend_not_negative"),
            models.CheckConstraint(condition=Q(per_person_limit__gte=1), name="promo_per_person_at_least_one"),
            models.CheckConstraint(
                condition=Q(spent__gte=0) & (Q(budget__isnull=True) | Q(spent__lte=F("budget"))),
                name="promo_never_over_budget",
            ),
            models.CheckConstraint(condition=Q(valid_until__gt=F("valid_from")), name="promo_valid_window"),
            models.CheckConstraint(
                condition=Q(funded_by=Funder.HOST, host__isnull=False)
                | Q(funded_by=Funder.PLATFORM, host__isnull=True),
                name="promo_host_funded_has_host",
            ),
        ]

    def __str__(self) -> str:
        return self.code

    @property
    def kind_list(self) -> list[str]:
        return [kind for kind in self.kinds.split(",") if kind]


class Redemption(models.Model):
    """A code used for one booking (`reference` "booking:<id>"); released if the booking never took place."""

    class Status(models.TextChoices):
        ACTIVE = "active", _("Used")
        RELEASED = "released", _("Given back (the booking did not take place)")

    code = models.ForeignKey(PromoCode, verbose_name=_("code"), on_delete=models.PROTECT, related_name="redemptions")
    guest = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("guest"), on_delete=models.PROTECT, related_name="redemptions"
    )
    reference = models.CharField(_("reference"), max_length=64, unique=True)
    amount = models.BigIntegerField(_("amount"))
    returned = models.BigIntegerField(
        _("returned"), default=0, help_text=_("Given back to the budget by refunds or the release.")
    )
    currency = models.CharField(_("currency"), max_length=3)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.ACTIVE)
    created_at = models.DateTimeField(_("created at"))

    class Meta:
        verbose_name = _("redemption")
        verbose_name_plural = _("redemptions")
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["code", "guest", "status"])]
        constraints = [
            models.CheckConstraint(condition=Q(amount__gt=0), name="redemption_amount_positive"),
            models.CheckConstraint(
                condition=Q(returned__gte=0) & Q(returned__lte=F("amount")), name="redemption_returned_within"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.code} for {self.reference}"


class ReferralCode(models.Model):
    """A person's own invitation code: /invite/<code>/ leads to sign-up with it."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, verbose_name=_("user"), on_delete=models.CASCADE, related_name="referral_code"
    )
    code = models.CharField(_("code"), max_length=16, unique=True)

    def __str__(self) -> str:
        return self.code


class Referral(models.Model):
    """Who invited whom; `rewarded_at` is set once, when the new person's first booking is completed."""

    referrer = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("referrer"), on_delete=models.CASCADE, related_name="referrals_made"
    )
    referred = models.OneToOneField(
        settings.AUTH_USER_MODEL, verbose_name=_("referred"), on_delete=models.CASCADE, related_name="referred_by"
    )
    created_at = models.DateTimeField(_("created at"))
    rewarded_at = models.DateTimeField(_("rewarded at"), null=True, blank=True)
    rewarded_reference = models.CharField(
        _("rewarded reference"), max_length=64, blank=True, help_text=_("The completed booking.")
    )

    class Meta:
        verbose_name = _("referral")
        verbose_name_plural = _("referrals")
        constraints = [
            models.CheckConstraint(condition=~Q(referrer=F("referred")), name="referral_not_self"),
        ]

    def __str__(self) -> str:
        return f"{self.referrer_id} invited {self.referred_id}"


class CreditAccount(models.Model):
    """A person's credit in one currency, spent at checkout; the balance can never go below zero."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("user"), on_delete=models.CASCADE, related_name="credit_accounts"
    )
    currency = models.CharField(_("currency"), max_length=3)
    balance = models.BigIntegerField(_("balance"), default=0)

    class Meta:
        verbose_name = _("credit account")
        verbose_name_plural = _("credit accounts")
        constraints = [
            models.UniqueConstraint(fields=["user", "currency"], name="credit_account_once_per_currency"),
            models.CheckConstraint(condition=Q(balance__gte=0), name="credit_balance_not_negative"),
        ]

    def __str__(self) -> str:
        return f"{self.user_id}: {self.balance} {self.currency}"


class CreditMovement(models.Model):
    """One change of a credit balance; (account, reason, reference) is unique, so each happens once."""

    class Reason(models.TextChoices):
        REFERRAL = "referral", _("Referral reward")
        BOOKING = "booking", _("Used for a booking")
        RELEASED = "released", _("Back: the booking did not take place")
        REFUND = "refund", _("Back with a refund")

    account = models.ForeignKey(
        CreditAccount, verbose_name=_("account"), on_delete=models.CASCADE, related_name="movements"
    )
    amount = models.BigIntegerField(_("amount"))
    reason = models.CharField(_("reason"), max_length=10, choices=Reason.choices)
    reference = models.CharField(_("reference"), max_length=80)
    created_at = models.DateTimeField(_("created at"))

    class Meta:
        verbose_name = _("credit movement")
        verbose_name_plural = _("credit movements")
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.CheckConstraint(condition=~Q(amount=0), name="credit_movement_nonzero"),
            models.UniqueConstraint(fields=["account", "reason", "reference"], name="credit_movement_once"),
        ]

    def __str__(self) -> str:
        return f"{self.amount:+d} {self.account.currency} ({self.reason} {self.reference})"
