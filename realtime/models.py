"""Stored notifications: every event that concerns a person, kept so nobody misses one while offline."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from core.text_language import text_language_field
from realtime.wording import notification_title

THREAD_KEY_MAX_LENGTH = 120


class Notification(models.Model):
    # Clients replay by id after a reconnect. `seq` numbers one person's notifications 1, 2, 3...
    # in commit order (see realtime.services.notify); their ids are in the same order, so
    # "everything of mine after id N" is exact without ordering anyone else's notifications.
    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("recipient"), on_delete=models.CASCADE, related_name="notifications"
    )
    seq = models.PositiveBigIntegerField(_("seq"), help_text=_("1, 2, 3... per recipient, in commit order"))
    kind = models.CharField(
        _("kind"), max_length=60, help_text=_("e.g. booking.requested, payment.captured, message.new")
    )
    payload = models.JSONField(_("payload"), default=dict, blank=True)
    created_at = models.DateTimeField(_("created at"), default=timezone.now, editable=False)
    read_at = models.DateTimeField(_("read at"), null=True, blank=True)
    # Not stored: `services.notify` sets it on the rows it creates, for the push (see `_push`).
    previous_id: int

    class Meta:
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")
        ordering = ["id"]
        indexes = [
            models.Index(fields=["recipient", "id"]),
            models.Index(fields=["recipient"], condition=Q(read_at__isnull=True), name="notification_unread_idx"),
        ]
        constraints = [
            models.UniqueConstraint(fields=["recipient", "seq"], name="realtime_notification_one_seq_per_recipient"),
            models.CheckConstraint(condition=Q(seq__gte=1), name="realtime_notification_seq_from_one"),
        ]

    def __str__(self) -> str:
        return f"{self.kind} for user {self.recipient_id}"

    @property
    def text(self) -> str:
        """One line for a person: the payload's `title` when the sender gave one, else the kind in words."""
        title = notification_title(self.payload)  # in the reader's language when the sender kept its words
        return title if title else self.kind.replace(".", " ").replace("_", " ").capitalize()

    @property
    def url(self) -> str:
        """Where the notification leads (payload `url`), only ever a path on this site."""
        url = self.payload.get("url") if isinstance(self.payload, dict) else None
        return url if isinstance(url, str) and url.startswith("/") and not url.startswith("//") else ""

    def as_message(self) -> dict:
        """The JSON shape sent over the WebSocket and returned by the API."""
        return {
            "id": self.pk,
            "seq": self.seq,
            "kind": self.kind,
            "text": self.text,
            "url": self.url,
            "payload": self.payload,
            "created_at": self.created_at.isoformat(),
            "read": self.read_at is not None,
        }


class NotificationSequence(models.Model):
    """How many notifications one person has had: the row `notify` locks to number the next one.

    Locking this row (not a lock for the whole platform) is what orders one person's
    notifications; notifications to different people commit side by side.
    """

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, verbose_name=_("user"), on_delete=models.CASCADE, primary_key=True, related_name="+"
    )
    last_seq = models.PositiveBigIntegerField(_("last seq"), default=0)

    def __str__(self) -> str:
        return f"user {self.user_id} at notification {self.last_seq}"


class Thread(models.Model):
    """A conversation between the people of one booking or one pre-booking question.

    `key` names what the thread is about ("booking:12", "listing:5:user:9") without a
    foreign key, because realtime imports no domain app; the domain app that calls
    `ensure_thread` chooses the key, the title and the link back to its page.
    """

    key = models.CharField(_("key"), max_length=THREAD_KEY_MAX_LENGTH, unique=True)
    title = models.CharField(_("title"), max_length=200)
    link_url = models.CharField(_("link URL"), max_length=300, blank=True)
    created_at = models.DateTimeField(_("created at"), default=timezone.now, editable=False)
    last_message_at = models.DateTimeField(_("last message at"), null=True, blank=True)
    participants = models.ManyToManyField(
        settings.AUTH_USER_MODEL,
        verbose_name=_("participants"),
        through="ThreadParticipant",
        related_name="message_threads",
    )

    class Meta:
        verbose_name = _("conversation")
        verbose_name_plural = _("conversations")
        ordering = ["-last_message_at", "-id"]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        from django.urls import reverse

        return reverse("realtime:thread", kwargs={"thread_id": self.pk})


class ThreadParticipant(models.Model):
    """Who may read a thread, and how far they have read (the read receipt)."""

    class Role(models.TextChoices):
        PARTY = "party", _("Party")
        # Staff given access to settle a dispute: they can read and write, and are listed as such.
        STAFF = "staff", _("Staff")

    thread = models.ForeignKey(Thread, verbose_name=_("thread"), on_delete=models.CASCADE, related_name="memberships")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("user"), on_delete=models.CASCADE, related_name="thread_memberships"
    )
    role = models.CharField(_("role"), max_length=10, choices=Role.choices, default=Role.PARTY)
    last_read_message_id = models.BigIntegerField(_("last read message id"), default=0)
    joined_at = models.DateTimeField(_("joined at"), default=timezone.now, editable=False)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["thread", "user"], name="realtime_one_membership_per_thread")]
        indexes = [models.Index(fields=["user", "thread"])]

    def __str__(self) -> str:
        return f"user {self.user_id} in thread {self.thread_id}"


class Message(models.Model):
    """One message in a thread, stored as plain text (escaped wherever it is shown)."""

    MAX_LENGTH = 2000

    thread = models.ForeignKey(Thread, verbose_name=_("thread"), on_delete=models.CASCADE, related_name="messages")
    sender = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("sender"), on_delete=models.CASCADE, related_name="sent_messages"
    )
    body = models.TextField(_("body"), max_length=MAX_LENGTH)
    text_language = text_language_field()
    created_at = models.DateTimeField(_("created at"), default=timezone.now, editable=False)

    class Meta:
        verbose_name = _("message")
        verbose_name_plural = _("messages")
        ordering = ["id"]
        indexes = [models.Index(fields=["thread", "id"])]
        constraints = [
            models.CheckConstraint(condition=~Q(body=""), name="realtime_message_body_not_empty"),
        ]

    def __str__(self) -> str:
        return f"message {self.pk} in thread {self.thread_id}"

    def as_message(self) -> dict:
        """The JSON shape sent over the WebSocket and returned by the API (body is plain text)."""
        return {
            "id": self.pk,
            "thread": self.thread_id,
            "sender": self.sender_id,
            "sender_name": getattr(self.sender, "public_name", str(self.sender_id)),
            "body": self.body,
            "text_language": self.text_language,
            "created_at": self.created_at.isoformat(),
        }
