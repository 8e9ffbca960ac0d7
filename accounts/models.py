"""People on Sharing: one user model for hosts, guests and staff, with the public profile."""

from __future__ import annotations

from typing import ClassVar

from django.contrib.auth.models import AbstractBaseUser, BaseUserManager, PermissionsMixin
from django.db import models
from django.db.models import F, Q
from django.db.models.functions import Lower
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from core.private_files import private_storage


class UserManager(BaseUserManager["User"]):
    use_in_migrations = True

    def _create_user(self, email: str, password: str | None, **extra: object) -> User:
        if not email:
            raise ValueError("An email address is required.")
        user = self.model(email=self.normalize_email(email).lower(), **extra)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_user(self, email: str, password: str | None = None, **extra: object) -> User:
        extra.setdefault("is_staff", False)
        extra.setdefault("is_superuser", False)
        return self._create_user(email, password, **extra)

    def create_superuser(self, email: str, password: str | None = None, **extra: object) -> User:
        extra["is_staff"] = True
        extra["is_superuser"] = True
        return self._create_user(email, password, **extra)


def avatar_upload_to(user: User, filename: str) -> str:
    return f"avatars/{user.pk}/{timezone.now():%Y%m%d%H%M%S}.jpg"


class User(AbstractBaseUser, PermissionsMixin):
    """A person: logs in by email; the profile fields are what others see."""

    email = models.EmailField(_("email address"), unique=True)
    display_name = models.CharField(_("display name"), max_length=60, blank=True)
    avatar = models.ImageField(_("avatar"), upload_to=avatar_upload_to, blank=True)
    bio = models.TextField(_("bio"), max_length=1000, blank=True)
    languages = models.CharField(
        _("languages"), max_length=200, blank=True, help_text=_("Languages you speak, separated by commas.")
    )
    city = models.CharField(_("city"), max_length=100, blank=True)
    # Where the person lives and banks (ISO 3166 alpha-2): a host's payout account is opened there.
    country = models.CharField(_("country"), max_length=2, blank=True, help_text=_("Two-letter country code, e.g. FR."))
    # The language we write to this person in (emails, notifications/mail.py); blank: the site's default.
    language = models.CharField(_("language of our emails"), max_length=10, blank=True)
    is_active = models.BooleanField(_("is active"), default=True)
    # Set by staff from the admin desk (disputes.suspensions): a suspended person
    # can still log in and read, but cannot list, book or write to anyone.
    is_suspended = models.BooleanField(_("is suspended"), default=False)
    suspended_at = models.DateTimeField(_("suspended at"), null=True, blank=True)
    suspension_reason = models.TextField(_("suspension reason"), max_length=2000, blank=True)
    is_staff = models.BooleanField(_("is staff"), default=False)
    date_joined = models.DateTimeField(_("date joined"), default=timezone.now)

    objects = UserManager()

    USERNAME_FIELD = "email"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS: ClassVar[list[str]] = []

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")
        constraints = [
            # Emails are stored lower-cased; the index makes case variants collide too.
            models.UniqueConstraint(Lower("email"), name="accounts_user_email_ci_unique"),
        ]

    def __str__(self) -> str:
        return self.public_name

    @property
    def public_name(self) -> str:
        """What strangers see: the display name, else a neutral "Member <id>" (never any part of the email)."""
        return self.display_name or f"Member {self.pk}"

    @property
    def language_list(self) -> list[str]:
        return [lang.strip() for lang in self.languages.split(",") if lang.strip()]

    def get_absolute_url(self) -> str:
        return reverse("accounts:profile", kwargs={"user_id": self.pk})


class Block(models.Model):
    """`blocker` does not want to hear from `blocked`: no messages and no booking requests, either way.

    Bookings made before the block go on as agreed (the money and the stay are already promised).
    """

    blocker = models.ForeignKey(User, verbose_name=_("blocker"), on_delete=models.CASCADE, related_name="blocks_made")
    blocked = models.ForeignKey(
        User, verbose_name=_("blocked"), on_delete=models.CASCADE, related_name="blocks_received"
    )
    created_at = models.DateTimeField(_("created at"), default=timezone.now, editable=False)

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(fields=["blocker", "blocked"], name="block_once_per_pair"),
            models.CheckConstraint(condition=~Q(blocker=F("blocked")), name="block_not_oneself"),
        ]

    def __str__(self) -> str:
        return f"{self.blocker} blocked {self.blocked}"


class ReportDecision(models.TextChoices):
    ACTION = "action", _("Action taken")
    DISMISS = "dismiss", _("No action needed")


class PersonReport(models.Model):
    """Someone reported a person, or one of their messages; staff decide on the admin desk.

    `context` is a snapshot taken when the report is made (the message and the ones before it, the
    conversation's title): staff judge what was reported even if the thread changes later.
    """

    reporter = models.ForeignKey(
        User, verbose_name=_("reporter"), on_delete=models.CASCADE, related_name="person_reports_made"
    )
    person = models.ForeignKey(
        User, verbose_name=_("person"), on_delete=models.CASCADE, related_name="person_reports_received"
    )
    message = models.ForeignKey(
        "realtime.Message",
        verbose_name=_("message"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="reports",
    )
    reason = models.TextField(_("reason"), max_length=1000)
    context = models.TextField(_("context"), blank=True)
    created_at = models.DateTimeField(_("created at"), default=timezone.now, editable=False)
    decision = models.CharField(_("decision"), max_length=10, choices=ReportDecision.choices, blank=True)
    decision_reason = models.TextField(_("decision reason"), max_length=1000, blank=True)
    decided_by = models.ForeignKey(
        User, verbose_name=_("decided by"), on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)

    class Meta:
        verbose_name = _("person report")
        verbose_name_plural = _("person reports")
        ordering = ["-created_at"]
        constraints = [
            # One open report per person (and per message): a second one says nothing new to staff.
            models.UniqueConstraint(
                fields=["reporter", "person"],
                condition=Q(message__isnull=True, decision=""),
                name="person_report_once_while_open",
            ),
            models.UniqueConstraint(
                fields=["reporter", "message"], condition=Q(message__isnull=False), name="message_report_once"
            ),
            models.CheckConstraint(condition=~Q(reporter=F("person")), name="person_report_not_oneself"),
            models.CheckConstraint(
                condition=Q(decision="") | Q(decision__in=ReportDecision.values), name="person_report_decision_known"
            ),
        ]

    def __str__(self) -> str:
        return f"Report on {self.person} by {self.reporter}"


class VerificationKind(models.TextChoices):
    LICENCE = "licence", _("Driving licence")
    IDENTITY = "identity", _("Identity document")


class VerificationStatus(models.TextChoices):
    PENDING = "pending", _("Waiting for review")
    VERIFIED = "verified", _("Verified")
    REFUSED = "refused", _("Refused")


class DocumentPart(models.TextChoices):
    DOCUMENT = "document", _("Document")
    SELFIE = "selfie", _("Selfie")


def verification_upload_to(verification: Verification, filename: str) -> str:
    return f"verifications/{verification.user_id}/{verification.kind}-{timezone.now():%Y%m%d%H%M%S%f}-{filename}"


# Migration 0006 names the driving licences' first upload path by this name.
licence_upload_to = verification_upload_to


class Verification(models.Model):
    """A document a person sent to prove who they are: a driving licence or an identity document, with a selfie.

    Staff with the "review verifications" permission verify it or refuse it with a reason (accounts.verifications).
    The photos live in private storage and are shown to those staff only, each view logged (DocumentView);
    they are deleted a set number of days after the decision, which stays on record. `birth_date` is the one
    the person gave and the reviewer checked against the document (cars may ask for a minimum age).
    """

    user = models.ForeignKey(
        "accounts.User", verbose_name=_("user"), on_delete=models.CASCADE, related_name="verifications"
    )
    kind = models.CharField(_("kind"), max_length=10, choices=VerificationKind.choices)
    # Blank once deleted after the decision (or for accounts created verified by tools).
    document = models.ImageField(_("document"), upload_to=verification_upload_to, storage=private_storage, blank=True)
    selfie = models.ImageField(_("selfie"), upload_to=verification_upload_to, storage=private_storage, blank=True)
    birth_date = models.DateField(_("birth date"), null=True, blank=True)
    status = models.CharField(
        _("status"), max_length=10, choices=VerificationStatus.choices, default=VerificationStatus.PENDING
    )
    refusal_reason = models.CharField(_("refusal reason"), max_length=500, blank=True)
    submitted_at = models.DateTimeField(_("submitted at"), default=timezone.now)
    decided_by = models.ForeignKey(
        "accounts.User",
        verbose_name=_("decided by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)

    class Meta:
        verbose_name = _("verification")
        verbose_name_plural = _("verifications")
        permissions = [("review_verification", "Can view and decide identity documents and driving licences")]
        indexes = [models.Index(fields=["status", "submitted_at"], name="verification_queue")]
        constraints = [
            models.UniqueConstraint(fields=["user", "kind"], name="verification_once_per_kind"),
            models.CheckConstraint(condition=Q(kind__in=VerificationKind.values), name="verification_kind_known"),
            models.CheckConstraint(condition=Q(status__in=VerificationStatus.values), name="verification_status_known"),
            models.CheckConstraint(
                condition=~Q(status="refused") | ~Q(refusal_reason=""), name="verification_refusal_has_reason"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} of {self.user_id} ({self.status})"


class DocumentView(models.Model):
    """One look by a member of staff at one photo of a verification: the record of who saw whose papers, when."""

    verification = models.ForeignKey(
        Verification, verbose_name=_("verification"), on_delete=models.CASCADE, related_name="views"
    )
    part = models.CharField(_("part"), max_length=10, choices=DocumentPart.choices)
    staff = models.ForeignKey("accounts.User", verbose_name=_("staff"), on_delete=models.PROTECT, related_name="+")
    viewed_at = models.DateTimeField(_("viewed at"), default=timezone.now)

    class Meta:
        verbose_name = _("document view")
        verbose_name_plural = _("document views")
        ordering = ["-viewed_at"]
        constraints = [
            models.CheckConstraint(condition=Q(part__in=DocumentPart.values), name="document_view_part_known")
        ]

    def __str__(self) -> str:
        return f"{self.staff_id} saw the {self.part} of verification {self.verification_id}"
