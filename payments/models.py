"""Money records: the double-entry ledger, guest payments, host payouts and Stripe's webhook events.

Amounts are integers in minor units (cents) with an ISO currency code; no float is
ever used for money. Ledger rows are append-only: nobody edits a money record, a
mistake is corrected by a new transaction.

Size: the app's money records and their constraints read in one place (ledger, payments, payouts, money
operations); each model is small, and their names for the admin (translated) put it over. Stripe's webhook
events and the mismatches reconciliation finds are in stripe_records.py.
"""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.db.models.functions import Length, Upper
from django.db.models.lookups import Exact
from django.utils.translation import gettext_lazy as _

# Stripe's own records live beside (stripe_records.py); imported here so Django finds them with the app's models.
from payments.stripe_records import StripeEvent, StripeMismatch  # noqa: F401
from realtime.wording import render_words

# Ledger accounts. Sign convention: an entry's amount is what flows INTO the account,
# so a transaction's entries sum to zero. Money from outside (guest_funding) goes
# negative; holding accounts (escrow, host_payable:<host id>) and the sinks
# (platform_fees, refunds_paid, payouts_paid) can never go below zero.
GUEST_FUNDING = "guest_funding"
ESCROW = "escrow"
PLATFORM_FEES = "platform_fees"
REFUNDS_PAID = "refunds_paid"
PAYOUTS_PAID = "payouts_paid"
HOST_PAYABLE_PREFIX = "host_payable:"
# Chargebacks (payments.chargebacks): Sharing's own money covers what the card holder's bank
# withdraws (chargeback_cover goes negative, like guest_funding); the bank holds the disputed
# amount until its ruling (chargebacks_held), then keeps it (chargebacks_lost) or gives it back;
# Stripe's dispute fee is a cost (dispute_fees).
CHARGEBACK_COVER = "chargeback_cover"
CHARGEBACKS_HELD = "chargebacks_held"
CHARGEBACKS_LOST = "chargebacks_lost"
DISPUTE_FEES = "dispute_fees"
# Promo codes and credit (README "Promo codes and referral credit"): what Sharing-funded promotions
# (`promotions`) and the guests' credit (`credits`) pay into a booking's escrow beside the card. Both are
# Sharing's own money, so they go negative like guest_funding, and never above zero (more given back
# than spent). Host-funded promotions lower the price itself: the host's payout is smaller, no money moves.
PROMOTIONS = "promotions"
CREDITS = "credits"
# Taxes collected with the guest's payment (the taxes app), one account per tax and jurisdiction:
# "tax:vat:FR", "tax:occupancy:FR:Paris". Filled from escrow when it is released, never negative;
# Sharing remits them (the monthly report per jurisdiction reads these accounts).
TAX_PREFIX = "tax:"
# VAT on Sharing's host fee, by the host's country ("tax:host_vat:DE"): out of the host's share.
HOST_VAT_PREFIX = "tax:host_vat:"
FIXED_ACCOUNTS = (
    GUEST_FUNDING,
    ESCROW,
    PLATFORM_FEES,
    REFUNDS_PAID,
    PAYOUTS_PAID,
    CHARGEBACK_COVER,
    CHARGEBACKS_HELD,
    CHARGEBACKS_LOST,
    DISPUTE_FEES,
    PROMOTIONS,
    CREDITS,
)
NEVER_POSITIVE_ACCOUNTS = (GUEST_FUNDING, CHARGEBACK_COVER, PROMOTIONS, CREDITS)
NEVER_NEGATIVE_ACCOUNTS = (
    ESCROW,
    PLATFORM_FEES,
    REFUNDS_PAID,
    PAYOUTS_PAID,
    CHARGEBACKS_HELD,
    CHARGEBACKS_LOST,
    DISPUTE_FEES,
)


def host_payable(host_id: int) -> str:
    """The account holding what is owed to one host and not yet transferred."""
    return f"{HOST_PAYABLE_PREFIX}{int(host_id)}"


class AppendOnlyQuerySet(models.QuerySet):
    def update(self, **kwargs):
        raise TypeError("Ledger records are append-only: post a correcting transaction instead.")

    def delete(self):
        raise TypeError("Ledger records are append-only: post a correcting transaction instead.")


class LedgerTransaction(models.Model):
    """One money movement: entries that sum to zero per currency, for one reference ("booking:12")."""

    reference = models.CharField(
        _("reference"), max_length=64, db_index=True, help_text=_('What the money is for, e.g. "booking:12".')
    )
    description = models.CharField(_("description"), max_length=200)  # English; people read `text`
    # The description's message id and values (realtime.wording), read in each reader's language; NULL on
    # rows written before it was kept (they read as their English description).
    description_words = models.JSONField(_("description words"), null=True, blank=True, default=None)
    payment = models.ForeignKey(
        "payments.Payment", verbose_name=_("payment"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(_("created at"))

    objects = AppendOnlyQuerySet.as_manager()

    class Meta:
        verbose_name = _("ledger transaction")
        verbose_name_plural = _("ledger transactions")
        ordering = ["created_at", "pk"]
        constraints = [models.CheckConstraint(condition=~Q(reference=""), name="ledger_tx_reference_required")]

    def __str__(self) -> str:
        return f"#{self.pk} {self.reference}: {self.description}"

    def save(self, *args, **kwargs):
        if self.pk is not None and not kwargs.get("force_insert"):
            raise TypeError("Ledger transactions are append-only.")
        super().save(*args, **kwargs)

    @property
    def text(self) -> str:
        """The description in the active language when its words were kept, else as stored."""
        return render_words(self.description_words, self.description)


class LedgerEntry(models.Model):
    """One line of a transaction: a signed amount flowing into one account."""

    transaction = models.ForeignKey(
        LedgerTransaction, verbose_name=_("transaction"), on_delete=models.PROTECT, related_name="entries"
    )
    account = models.CharField(_("account"), max_length=64, db_index=True)
    amount = models.BigIntegerField(_("amount"), help_text=_("Minor units; positive flows into the account."))
    currency = models.CharField(_("currency"), max_length=3)

    objects = AppendOnlyQuerySet.as_manager()

    class Meta:
        verbose_name = _("ledger entry")
        verbose_name_plural = _("ledger entries")
        ordering = ["pk"]
        constraints = [
            models.CheckConstraint(condition=~Q(amount=0), name="ledger_entry_amount_nonzero"),
            models.CheckConstraint(
                condition=Q(account__in=FIXED_ACCOUNTS)
                | Q(account__startswith=HOST_PAYABLE_PREFIX)
                | Q(account__startswith=TAX_PREFIX),
                name="ledger_entry_known_account",
            ),
            # Three upper-case letters, without REGEXP (which SQLite only knows per connection).
            models.CheckConstraint(condition=Exact(Length("currency"), 3), name="ledger_entry_currency_length"),
            models.CheckConstraint(
                condition=Exact(Upper("currency"), F("currency")), name="ledger_entry_currency_upper"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.account} {self.amount:+d} {self.currency}"

    def save(self, *args, **kwargs):
        if self.pk is not None and not kwargs.get("force_insert"):
            raise TypeError("Ledger entries are append-only.")
        super().save(*args, **kwargs)


class Payment(models.Model):
    """A guest's card payment for one thing (a booking), held in escrow between capture and payout."""

    class Status(models.TextChoices):
        PENDING = "pending", _("Being authorised")
        REQUIRES_ACTION = "requires_action", _("Waiting for card authentication")
        AUTHORIZED = "authorized", _("Authorised (not charged yet)")
        # A far-ahead booking: the card is saved (Customer + SetupIntent), nothing is held or charged;
        # an off-session charge (MoneyOperation "charge") takes the amount later.
        CARD_SAVED = "card_saved", _("Card saved, charge scheduled")
        CAPTURED = "captured", _("Charged, held by Sharing")
        CANCELED = "canceled", _("Authorisation released")
        FAILED = "failed", _("Failed")

    class Chargeback(models.TextChoices):
        NONE = "", _("No chargeback")
        OPEN = "open", _("Chargeback open at the guest's bank")
        WON = "won", _("Chargeback won: the bank gave the money back")
        LOST = "lost", _("Chargeback lost: the card holder keeps the money")

    # Idempotency keys derive from this, not from the id: SQLite can hand a rolled-back
    # id out again, and Stripe would then replay the first attempt's answer.
    uid = models.UUIDField(_("uid"), default=uuid.uuid4, unique=True, editable=False)
    payer = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("payer"), on_delete=models.PROTECT, related_name="payments"
    )
    reference = models.CharField(
        _("reference"), max_length=64, db_index=True, help_text=_('What it pays for, e.g. "booking:12".')
    )
    amount = models.BigIntegerField(_("amount"), help_text=_("Authorised amount in minor units."))
    currency = models.CharField(_("currency"), max_length=3)
    status = models.CharField(_("status"), max_length=20, choices=Status.choices, default=Status.PENDING)
    stripe_payment_intent_id = models.CharField(
        _("Stripe payment intent id"), max_length=255, blank=True, db_index=True
    )
    # The captured charge: payouts name it as their transfer's source_transaction, so they can
    # go out while its funds are still pending on the platform (Stripe: separate charges and transfers).
    stripe_charge_id = models.CharField(_("Stripe charge id"), max_length=255, blank=True)
    client_secret = models.CharField(
        _("client secret"), max_length=255, blank=True, help_text=_("For Stripe.js to finish 3-D Secure.")
    )
    # A card saved for a later off-session charge (payments.services.saved_cards).
    stripe_customer_id = models.CharField(_("Stripe customer id"), max_length=255, blank=True)
    stripe_payment_method_id = models.CharField(_("Stripe payment method id"), max_length=255, blank=True)
    stripe_setup_intent_id = models.CharField(_("Stripe setup intent id"), max_length=255, blank=True)
    captured_amount = models.BigIntegerField(_("captured amount"), default=0)
    refunded_amount = models.BigIntegerField(_("refunded amount"), default=0)
    host_payout_amount = models.BigIntegerField(
        _("host payout amount"), default=0, help_text=_("Moved from escrow to the host (net of reversals).")
    )
    platform_fee_amount = models.BigIntegerField(
        _("platform fee amount"), default=0, help_text=_("Moved from escrow to Sharing's fees.")
    )
    subsidy_amount = models.BigIntegerField(
        _("subsidy amount"),
        default=0,
        help_text=_("Paid into escrow beside the card: Sharing's promotion and the guest's credit."),
    )
    subsidy_returned = models.BigIntegerField(
        _("subsidy returned"),
        default=0,
        help_text=_("Of the subsidy, given back by refunds (to the promotion and the credit)."),
    )
    failure_message = models.CharField(_("failure message"), max_length=300, blank=True)
    frozen = models.BooleanField(_("frozen"), default=False, help_text=_("A dispute or chargeback holds the payout."))
    frozen_reason = models.CharField(_("frozen reason"), max_length=200, blank=True)
    stripe_dispute_id = models.CharField(_("Stripe dispute id"), max_length=255, blank=True)
    chargeback_status = models.CharField(
        _("chargeback status"), max_length=10, choices=Chargeback.choices, blank=True, default=""
    )
    chargeback_amount = models.BigIntegerField(
        _("chargeback amount"), default=0, help_text=_("What the guest's bank withdrew (minor units).")
    )
    chargeback_reason = models.CharField(
        _("chargeback reason"), max_length=40, blank=True, help_text=_("Stripe's dispute reason.")
    )
    chargeback_fee = models.BigIntegerField(
        _("chargeback fee"), default=0, help_text=_("Stripe's dispute fee, net of any given back.")
    )
    chargeback_recovered = models.BigIntegerField(
        _("chargeback recovered"),
        default=0,
        help_text=_("Of a lost chargeback: taken from escrow to repay Sharing's cover (payments.chargebacks)."),
    )
    created_at = models.DateTimeField(_("created at"))
    updated_at = models.DateTimeField(_("updated at"))

    class Meta:
        verbose_name = _("payment")
        verbose_name_plural = _("payments")
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.CheckConstraint(condition=Q(amount__gt=0), name="payment_amount_positive"),
            models.CheckConstraint(
                condition=Q(captured_amount__gte=0) & Q(captured_amount__lte=F("amount")),
                name="payment_captured_within_amount",
            ),
            models.CheckConstraint(
                condition=Q(refunded_amount__gte=0) & Q(host_payout_amount__gte=0) & Q(platform_fee_amount__gte=0),
                name="payment_amounts_not_negative",
            ),
            models.CheckConstraint(
                condition=Q(
                    captured_amount__gte=F("refunded_amount")
                    + F("host_payout_amount")
                    + F("platform_fee_amount")
                    + F("chargeback_recovered")
                    - F("subsidy_amount")
                    + F("subsidy_returned")
                ),
                name="payment_escrow_not_negative",
            ),
            models.CheckConstraint(
                condition=Q(subsidy_returned__gte=0) & Q(subsidy_returned__lte=F("subsidy_amount")),
                name="payment_subsidy_returned_within",
            ),
            models.CheckConstraint(
                condition=Q(chargeback_amount__gte=0)
                & Q(chargeback_fee__gte=0)
                & Q(chargeback_recovered__gte=0)
                & Q(chargeback_recovered__lte=F("chargeback_amount")),
                name="payment_chargeback_amounts",
            ),
            models.UniqueConstraint(
                fields=["stripe_payment_intent_id"],
                condition=~Q(stripe_payment_intent_id=""),
                name="payment_unique_payment_intent",
            ),
        ]

    def __str__(self) -> str:
        return f"Payment #{self.pk} {self.reference} {self.amount} {self.currency} ({self.status})"

    @property
    def escrow_amount(self) -> int:
        """What is still held for this payment (the ledger's escrow balance must agree)."""
        return (
            self.captured_amount
            + self.subsidy_amount
            - self.subsidy_returned
            - self.refunded_amount
            - self.host_payout_amount
            - self.platform_fee_amount
            - self.chargeback_recovered
        )

    @property
    def transfer_group(self) -> str:
        return self.reference


class PayoutAccount(models.Model):
    """A host's Stripe Connect Express account and whether it can receive money yet."""

    host = models.OneToOneField(
        settings.AUTH_USER_MODEL, verbose_name=_("host"), on_delete=models.PROTECT, related_name="payout_account"
    )
    stripe_account_id = models.CharField(_("Stripe account id"), max_length=255, unique=True)
    country = models.CharField(
        _("country"), max_length=2, blank=True, help_text=_("The account's country at Stripe (ISO alpha-2).")
    )
    charges_enabled = models.BooleanField(_("charges enabled"), default=False)
    payouts_enabled = models.BooleanField(_("payouts enabled"), default=False)
    details_submitted = models.BooleanField(_("details submitted"), default=False)
    created_at = models.DateTimeField(_("created at"))
    refreshed_at = models.DateTimeField(_("refreshed at"))

    class Meta:
        verbose_name = _("payout account")
        verbose_name_plural = _("payout accounts")

    def __str__(self) -> str:
        return f"{self.host} -> {self.stripe_account_id}"

    @property
    def can_receive_payouts(self) -> bool:
        return self.charges_enabled and self.payouts_enabled


class Payout(models.Model):
    """Money owed to a host for one payment: waits in host_payable until a Stripe transfer sends it."""

    class Status(models.TextChoices):
        WAITING = "waiting", _("Waiting for the host's payout account")
        PAID = "paid", _("Transferred to the host")
        CANCELED = "canceled", _("Taken back before it was sent")

    uid = models.UUIDField(_("uid"), default=uuid.uuid4, unique=True, editable=False)
    payment = models.ForeignKey(Payment, verbose_name=_("payment"), on_delete=models.PROTECT, related_name="payouts")
    host = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("host"), on_delete=models.PROTECT, related_name="payouts"
    )
    amount = models.BigIntegerField(_("amount"))
    currency = models.CharField(_("currency"), max_length=3)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.WAITING)
    reversed_amount = models.BigIntegerField(_("reversed amount"), default=0)
    stripe_transfer_id = models.CharField(_("Stripe transfer id"), max_length=255, blank=True)
    last_error = models.CharField(_("last error"), max_length=300, blank=True)
    attempts = models.PositiveIntegerField(_("attempts"), default=0)
    next_attempt_at = models.DateTimeField(
        _("next attempt at"),
        null=True,
        blank=True,
        help_text=_("After a refused transfer: the scheduler's next try (backoff); empty = now."),
    )
    needs_staff = models.BooleanField(
        _("needs staff"),
        default=False,
        help_text=_("Refused PAYOUT_MAX_ATTEMPTS times: the scheduler stops; staff look at it."),
    )
    created_at = models.DateTimeField(_("created at"))
    paid_at = models.DateTimeField(_("paid at"), null=True, blank=True)

    class Meta:
        verbose_name = _("payout")
        verbose_name_plural = _("payouts")
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.CheckConstraint(condition=Q(amount__gt=0), name="payout_amount_positive"),
            models.CheckConstraint(
                condition=Q(reversed_amount__gte=0) & Q(reversed_amount__lte=F("amount")),
                name="payout_reversed_within_amount",
            ),
            models.CheckConstraint(
                condition=Q(status__in=["waiting", "canceled"], stripe_transfer_id="")
                | Q(status="paid") & ~Q(stripe_transfer_id=""),
                name="payout_paid_has_transfer",
            ),
        ]

    def __str__(self) -> str:
        return f"Payout #{self.pk} {self.amount} {self.currency} to {self.host} ({self.status})"


class MoneyOperation(models.Model):
    """The money outbox: one Stripe operation a booking's transaction decided, sent after it commits.

    Written in the caller's transaction with the amount first decided; `payments.outbox`
    sends it once the transaction has committed (no Stripe call while a row is locked)
    and records Stripe's answer in a second short transaction. The idempotency key
    derives from `uid` alone, so a re-drive after a crash sends the same key and the
    same amount, and Stripe replays its first answer instead of acting twice.
    """

    class Kind(models.TextChoices):
        CAPTURE = "capture", _("Charge the card")
        CANCEL = "cancel", _("Release the authorisation")
        REFUND = "refund", _("Refund the guest")
        CHARGE = "charge", _("Charge the saved card off-session")
        REVERSE = "reverse", _("Take back from a payout sent")
        RELEASE = "release", _("Release the escrow (after the operations before it)")

    class Status(models.TextChoices):
        PENDING = "pending", _("Pending (being sent to Stripe)")
        DONE = "done", _("Done")
        FAILED = "failed", _("Failed: needs staff")
        # An off-session charge the card's bank refused (declined, or authentication required): an
        # answer, not a fault; the booking gives the guest time to pay on-session (bookings.services.schedule).
        REFUSED = "refused", _("Refused by the card's bank")

    uid = models.UUIDField(_("uid"), default=uuid.uuid4, unique=True, editable=False)
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices)
    payment = models.ForeignKey(Payment, verbose_name=_("payment"), on_delete=models.PROTECT, related_name="operations")
    payout = models.ForeignKey(
        "Payout",
        verbose_name=_("payout"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="operations",
        help_text=_("Reversals."),
    )
    host = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("host"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text=_("Releases: whose payout it is."),
    )
    amount = models.BigIntegerField(
        _("amount"), help_text=_("Minor units, as first recorded; a retry sends exactly this.")
    )
    host_keeps = models.BigIntegerField(
        _("host keeps"),
        default=0,
        help_text=_(
            "Refunds: the host's final share (what is taken back from a released payout); releases: the "
            "host's total once released."
        ),
    )
    # Beside the card: capture pays these into escrow, a refund gives them back (no Stripe call for them).
    promotion = models.BigIntegerField(
        _("promotion"), default=0, help_text=_("Sharing's promotion paid in (capture) or back (refund).")
    )
    credit = models.BigIntegerField(
        _("credit"), default=0, help_text=_("The guest's credit paid in (capture) or back (refund).")
    )
    # Releases: the taxes collected out of what escrow holds (ledger account -> amount, "tax:vat:FR").
    taxes = models.JSONField(
        _("taxes"), default=dict, blank=True, help_text=_("Releases: taxes collected, by ledger account.")
    )
    # Refunds: what the tax accounts keep of this booking's taxes in the end; a refund after the release gives
    # the rest back out of them (payments.clawback). Null: the refund leaves the tax accounts alone.
    taxes_keep = models.JSONField(
        _("taxes keep"), null=True, blank=True, help_text=_("Refunds: taxes kept in the end, by account.")
    )
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.PENDING)
    attempts = models.PositiveIntegerField(_("attempts"), default=0)
    next_attempt_at = models.DateTimeField(_("next attempt at"), help_text=_("When the re-driver may send it again."))
    last_error = models.CharField(_("last error"), max_length=300, blank=True)
    stripe_object_id = models.CharField(
        _("Stripe object id"), max_length=255, blank=True, help_text=_("Stripe's refund or intent id.")
    )
    created_at = models.DateTimeField(_("created at"))
    completed_at = models.DateTimeField(_("completed at"), null=True, blank=True)

    class Meta:
        verbose_name = _("money operation")
        verbose_name_plural = _("money operations")
        ordering = ["created_at", "pk"]
        indexes = [models.Index(fields=["status", "next_attempt_at"], name="money_op_due")]
        constraints = [
            models.CheckConstraint(
                condition=Q(amount__gte=0) & Q(host_keeps__gte=0) & Q(promotion__gte=0) & Q(credit__gte=0),
                name="money_op_amounts",
            ),
            # A reversal names the payout it takes back from; a release, the host it pays.
            models.CheckConstraint(
                condition=~Q(kind="reverse") | Q(payout__isnull=False), name="money_op_reverse_payout"
            ),
            models.CheckConstraint(condition=~Q(kind="release") | Q(host__isnull=False), name="money_op_release_host"),
            # A payment is charged once and released once; a second request finds the first row.
            models.UniqueConstraint(
                fields=["payment", "kind"], condition=Q(kind__in=["capture", "cancel", "charge"]), name="money_op_once"
            ),
        ]

    def __str__(self) -> str:
        payment = self.payment
        return f"{self.get_kind_display()} {self.amount} {payment.currency} for {payment.reference} ({self.status})"

    @property
    def idempotency_key(self) -> str:
        return f"sharing:moneyop:{self.uid}:{self.kind}"
