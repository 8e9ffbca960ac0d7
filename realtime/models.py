"""Stored notifications: every event that concerns a person, kept so nobody misses one while offline."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone


class Notification(models.Model):
    # The auto-increment id is the order clients replay in after a reconnect.
    recipient = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications")
    kind = models.CharField(max_length=60, help_text="e.g. booking.requested, payment.captured, message.new")
    payload = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    read_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["id"]
        indexes = [
            models.Index(fields=["recipient", "id"]),
            models.Index(fields=["recipient"], condition=Q(read_at__isnull=True), name="notification_unread_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.kind} for user {self.recipient_id}"

    def as_message(self) -> dict:
        """The JSON shape sent over the WebSocket and returned by the API."""
        return {
            "id": self.pk,
            "kind": self.kind,
            "payload": self.payload,
            "created_at": self.created_at.isoformat(),
            "read": self.read_at is not None,
        }
