"""Receipts, refund receipts, credit notes and hosts' monthly statements: numbered documents that never change.

Each document is numbered in its issuer's series (`NumberSeries`, one counter row per issuer and
series, locked while a number is taken) without gaps: the number and the document are written in
the same transaction, so a rollback gives the number back, and (issuer, series, number) is unique.
Once issued a document is immutable: the model refuses a second save, the queryset refuses
update() and delete(), and a database trigger refuses any UPDATE (migration 0002). A mistake is
corrected by a credit note (`corrects`) that references the original.

What a document says is frozen in `content` (labels, integer amounts in minor units and their
currency); the PDF is rendered from it once, by the worker, into `DocumentFile`.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from bookings.models import Booking
from payments.models import LedgerTransaction


class Kind(models.TextChoices):
    RECEIPT = "receipt", _("Receipt")
    REFUND = "refund", _("Refund receipt")
    CREDIT_NOTE = "credit_note", _("Credit note")
    STATEMENT = "statement", _("Monthly statement")


# The series each kind is numbered in, per issuer: receipts and refunds share one (both are
# receipts of card movements), credit notes and statements have their own.
SERIES = {Kind.RECEIPT: "R", Kind.REFUND: "R", Kind.CREDIT_NOTE: "C", Kind.STATEMENT: "S"}


class ImmutableQuerySet(models.QuerySet):
    def update(self, **kwargs):
        raise TypeError("Issued documents never change: issue a credit note instead.")

    def delete(self):
        raise TypeError("Issued documents are kept: issue a credit note instead.")


class NumberSeries(models.Model):
    """The counter of one issuer's series: the last number given. Locked (select_for_update) to take the next."""

    issuer = models.CharField(_("issuer"), max_length=40)
    series = models.CharField(_("series"), max_length=4)
    last_number = models.PositiveBigIntegerField(_("last number"), default=0)

    class Meta:
        verbose_name = _("number series")
        verbose_name_plural = _("number series")
        constraints = [
            models.UniqueConstraint(fields=["issuer", "series"], name="receipts_one_counter_per_series"),
            models.CheckConstraint(condition=Q(last_number__gte=0), name="receipts_counter_not_negative"),
        ]

    def __str__(self) -> str:
        return f"{self.issuer} {self.series}: last {self.last_number}"


class Document(models.Model):
    """One issued document: who issued it to whom, its number, and what it says (frozen)."""

    issuer = models.CharField(_("issuer"), max_length=40)
    series = models.CharField(_("series"), max_length=4)
    number = models.PositiveBigIntegerField(_("number"))
    kind = models.CharField(_("kind"), max_length=12, choices=Kind.choices)
    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("recipient"), on_delete=models.PROTECT, related_name="documents"
    )
    # What it is a document of: one money movement (receipts, refunds), one host's month (statements)
    # or one correction. Unique, so the same event never makes two documents.
    source = models.CharField(_("source"), max_length=80, unique=True)
    ledger_transaction = models.OneToOneField(
        LedgerTransaction,
        verbose_name=_("ledger transaction"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="receipt",
    )
    booking = models.ForeignKey(
        Booking, verbose_name=_("booking"), on_delete=models.PROTECT, null=True, blank=True, related_name="documents"
    )
    corrects = models.ForeignKey(
        "self", verbose_name=_("corrects"), on_delete=models.PROTECT, null=True, blank=True, related_name="corrections"
    )
    period_start = models.DateField(
        _("period start"), null=True, blank=True, help_text=_("Statements: the first day of the month.")
    )
    currency = models.CharField(
        _("currency"), max_length=3, blank=True, help_text=_("Receipts: the currency of `total`.")
    )
    total = models.BigIntegerField(
        _("total"), default=0, help_text=_("Receipts and credit notes: minor units of `currency`.")
    )
    language = models.CharField(
        _("language"), max_length=10, help_text=_("The recipient's language when issued: amounts read in it.")
    )
    content = models.JSONField(_("content"), help_text=_("What the document says, frozen when issued."))
    issued_at = models.DateTimeField(_("issued at"))

    objects = ImmutableQuerySet.as_manager()

    class Meta:
        verbose_name = _("document")
        verbose_name_plural = _("documents")
        ordering = ["-issued_at", "-pk"]
        constraints = [
            # Gapless per issuer and series: the counter row gives each number once, this refuses a second.
            models.UniqueConstraint(fields=["issuer", "series", "number"], name="receipts_number_once_per_series"),
            models.CheckConstraint(condition=Q(number__gte=1), name="receipts_number_positive"),
            models.CheckConstraint(condition=Q(kind__in=Kind.values), name="receipts_kind_known"),
            models.CheckConstraint(
                condition=Q(kind="credit_note", corrects__isnull=False)
                | ~Q(kind="credit_note") & Q(corrects__isnull=True),
                name="receipts_credit_note_corrects_one",
            ),
            models.CheckConstraint(
                condition=~Q(kind="statement") | Q(period_start__isnull=False), name="receipts_statement_has_month"
            ),
        ]
        indexes = [models.Index(fields=["recipient", "kind", "-issued_at"])]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.display_number}"

    def save(self, *args, **kwargs):
        if self.pk is not None and not kwargs.get("force_insert"):
            raise TypeError("Issued documents never change: issue a credit note instead.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise TypeError("Issued documents are kept: issue a credit note instead.")

    @property
    def display_number(self) -> str:
        """ "R-000042": the series and the number, as printed."""
        return f"{self.series}-{self.number:06d}"


class DocumentFile(models.Model):
    """A document's PDF, rendered once from its frozen content; never rendered again or changed."""

    document = models.OneToOneField(Document, verbose_name=_("document"), on_delete=models.PROTECT, related_name="file")
    pdf = models.BinaryField(_("PDF"))
    sha256 = models.CharField(_("SHA-256"), max_length=64)
    rendered_at = models.DateTimeField(_("rendered at"))

    objects = ImmutableQuerySet.as_manager()

    def __str__(self) -> str:
        return f"PDF of {self.document_id}"

    def save(self, *args, **kwargs):
        if self.pk is not None and not kwargs.get("force_insert"):
            raise TypeError("A document's PDF never changes.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise TypeError("A document's PDF is kept.")
