"""People own their data: the archives of "download my data" (built by the worker, fetched by a secret link)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class ExportStatus(models.TextChoices):
    PENDING = "pending", _("Being prepared")
    READY = "ready", _("Ready to download")
    EXPIRED = "expired", _("Expired")


class DataExport(models.Model):
    """One "download my data" archive: a JSON document of everything about the person, for a limited time.

    The archive lives in the database (not in public media storage), is served only to its owner through
    an unguessable token, and is emptied when it expires.
    """

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("user"), on_delete=models.CASCADE, related_name="data_exports"
    )
    token = models.CharField(_("token"), max_length=64, unique=True)
    status = models.CharField(_("status"), max_length=10, choices=ExportStatus.choices, default=ExportStatus.PENDING)
    archive = models.TextField(_("archive"), blank=True)
    created_at = models.DateTimeField(_("created at"), default=timezone.now, editable=False)
    ready_at = models.DateTimeField(_("ready at"), null=True, blank=True)
    expires_at = models.DateTimeField(_("expires at"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.CheckConstraint(condition=Q(status__in=ExportStatus.values), name="data_export_status_known"),
            models.CheckConstraint(
                condition=~Q(status="ready") | (Q(ready_at__isnull=False) & Q(expires_at__isnull=False)),
                name="data_export_ready_has_dates",
            ),
        ]

    def __str__(self) -> str:
        return f"Data export {self.pk} of user {self.user_id} ({self.status})"

    def get_absolute_url(self) -> str:
        return reverse("personaldata:download", kwargs={"token": self.token})
