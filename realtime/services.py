"""Writes of the realtime app: notifications, their read state, and conversation threads.

Everything that reaches a socket is sent with `transaction.on_commit`, so a rolled-back
domain operation never tells anybody anything. The hooks are `robust`: if the channel
layer (Redis) is down, the error is logged and the committed operation still succeeds;
the stored notifications reach people when their sockets resume.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.contrib.auth import get_user_model
from django.contrib.auth.base_user import AbstractBaseUser
from django.db import connection, transaction
from django.db.models import Max
from django.utils import timezone

from core.errors import DomainError, PermissionDenied
from realtime.delivery import deliver_off_site
from realtime.models import Message, Notification, Thread, ThreadParticipant

# Any constant will do: it only has to be the same in every process that calls notify().
_NOTIFY_LOCK_KEY = 0x5348_4E54  # "SHNT"


def user_group(user_id: int) -> str:
    """The channel-layer group that holds every open socket of one person."""
    return f"user.{user_id}"


def _group_send(group_messages: list[tuple[str, dict[str, Any]]]) -> None:
    channel_layer = get_channel_layer()
    if channel_layer is None:
        return
    send = async_to_sync(channel_layer.group_send)
    for group, message in group_messages:
        send(group, message)


# --- Notifications ------------------------------------------------------------------


def notify(recipients: Iterable[AbstractBaseUser], kind: str, payload: dict[str, Any]) -> list[Notification]:
    """Store one notification per recipient and push each over the channel layer once committed.

    Call it inside the domain transaction: if that transaction rolls back, the
    rows vanish and nothing is sent; if it commits, every recipient has a stored
    notification even when no socket of theirs is open.

    Ids are handed out in commit order (SQLite's IMMEDIATE transactions serialise
    writers; on PostgreSQL a transaction-scoped advisory lock does it), so a client
    that has seen id N and asks for "everything after N" can never skip one that
    committed late. Call notify() last in the domain transaction: the lock is held
    until commit.
    """
    unique = {user.pk: user for user in recipients if user is not None}
    # No savepoint of its own inside the caller's transaction (nobody undoes just the notifications):
    # two statements fewer on the hot paths (an on-demand request notifies a whole wave of providers).
    with transaction.atomic(savepoint=False):
        if unique and connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_advisory_xact_lock(%s)", [_NOTIFY_LOCK_KEY])
        previous = dict(
            Notification.objects.filter(recipient_id__in=unique)
            .values("recipient_id")
            .annotate(last=Max("id"))
            .values_list("recipient_id", "last")
        )
        # One INSERT for all of them; both databases return the new ids in order (SQLite >= 3.35: RETURNING).
        notifications = Notification.objects.bulk_create(
            [Notification(recipient_id=user_id, kind=kind, payload=payload) for user_id in unique]
        )
        for notification in notifications:
            # The recipient's previous id lets a socket see at once whether it missed one.
            notification.previous_id = previous.get(notification.recipient_id) or 0
        transaction.on_commit(lambda: _push(notifications), robust=True)
        # Email and push: the delivery hook only enqueues work for the task worker.
        transaction.on_commit(lambda: deliver_off_site(notifications), robust=True)
    return notifications


def _push(notifications: list[Notification]) -> None:
    _group_send(
        [
            (
                user_group(n.recipient_id),
                {"type": "notification.push", "message": n.as_message(), "previous_id": n.previous_id},
            )
            for n in notifications
        ]
    )


def mark_notifications_read(*, user: AbstractBaseUser, ids: Iterable[int] | None = None) -> int:
    """Mark some (`ids`) or all (`ids=None`) of the person's own unread notifications read; returns how many.

    Ids that are not theirs are ignored, never an error that would tell them the id exists.
    """
    with transaction.atomic():
        unread = Notification.objects.filter(recipient=user, read_at__isnull=True)
        id_list = None
        if ids is not None:
            id_list = sorted({int(i) for i in ids})
            unread = unread.filter(id__in=id_list)
        changed = list(unread.values_list("id", flat=True))
        if changed:
            Notification.objects.filter(id__in=changed).update(read_at=timezone.now())
        remaining = Notification.objects.filter(recipient=user, read_at__isnull=True).count()
        # Every open tab of this person updates its bell.
        event = {"type": "notification.read", "ids": changed if id_list is not None else None, "unread": remaining}
        transaction.on_commit(lambda: _group_send([(user_group(user.pk), event)]), robust=True)
    return len(changed)


# --- Conversations ------------------------------------------------------------------


def ensure_thread(*, key: str, title: str, link_url: str = "", participants: Iterable[AbstractBaseUser]) -> Thread:
    """The thread named `key`, created on first call; later calls add missing participants.

    Idempotent, so domain code can call it every time a booking or a question needs one.
    """
    if not key or len(key) > Thread._meta.get_field("key").max_length:
        raise DomainError("A conversation needs a short key.", field="key")
    with transaction.atomic():
        thread, _ = Thread.objects.get_or_create(key=key, defaults={"title": title[:200], "link_url": link_url[:300]})
        existing = set(ThreadParticipant.objects.filter(thread=thread).values_list("user_id", flat=True))
        missing = {user.pk for user in participants if user is not None} - existing
        ThreadParticipant.objects.bulk_create(
            [ThreadParticipant(thread=thread, user_id=user_id) for user_id in sorted(missing)],
            ignore_conflicts=True,
        )
    return thread


def grant_thread_access(*, thread: Thread, user: AbstractBaseUser) -> ThreadParticipant:
    """Let a staff member read and write a thread, e.g. to settle a dispute about its booking."""
    if not user.is_staff:
        raise PermissionDenied("Only staff can be given access to someone else's conversation.")
    with transaction.atomic():
        membership, _ = ThreadParticipant.objects.get_or_create(
            thread=thread, user=user, defaults={"role": ThreadParticipant.Role.STAFF}
        )
    return membership


def _participant_ids(thread: Thread) -> list[int]:
    return list(ThreadParticipant.objects.filter(thread=thread).order_by("user_id").values_list("user_id", flat=True))


def _thread_event(user_ids: list[int], event: dict[str, Any]) -> None:
    _group_send([(user_group(user_id), {"type": "thread.event", "event": event}) for user_id in user_ids])


def post_message(*, thread: Thread, sender: AbstractBaseUser, body: str) -> Message:
    """Add a message to a thread the sender is in; the others get it live and as a notification."""
    if getattr(sender, "is_suspended", False):
        raise PermissionDenied(
            "Your account is suspended, so you cannot send messages. Write to support if you think this is a mistake.",
            code="suspended",
        )
    text = (body or "").replace("\r\n", "\n").strip()
    if not text:
        raise DomainError("Write a message first.", field="body")
    if len(text) > Message.MAX_LENGTH:
        raise DomainError(
            f"Messages can be at most {Message.MAX_LENGTH} characters; this one has {len(text)}.", field="body"
        )
    with transaction.atomic():
        membership = (
            ThreadParticipant.objects.select_for_update().filter(thread=thread, user_id=sender.pk).first()
            if sender.is_authenticated
            else None
        )
        if membership is None:
            raise PermissionDenied("You are not part of this conversation.")
        message = Message.objects.create(thread=thread, sender_id=sender.pk, body=text)
        message.sender = sender
        Thread.objects.filter(pk=thread.pk).update(last_message_at=message.created_at)
        # Writing a message means having read everything before it.
        membership.last_read_message_id = message.pk
        membership.save(update_fields=["last_read_message_id"])
        participant_ids = _participant_ids(thread)
        others = [user_id for user_id in participant_ids if user_id != sender.pk]
        recipients = list(get_user_model().objects.filter(pk__in=others))
        notify(
            recipients,
            "message.new",
            {
                "title": f"{getattr(sender, 'public_name', 'Someone')} wrote: {text[:80]}",
                "thread_id": thread.pk,
                "thread_title": thread.title,
                "message_id": message.pk,
                "sender_name": getattr(sender, "public_name", ""),
                "excerpt": text[:140],
                "url": thread.get_absolute_url(),
            },
        )
        event = {"type": "message", "thread": thread.pk, "message": message.as_message()}
        transaction.on_commit(lambda: _thread_event(participant_ids, event), robust=True)
    return message


def mark_thread_read(*, thread: Thread, user: AbstractBaseUser, up_to_id: int | None = None) -> int:
    """Record that `user` has read the thread up to `up_to_id` (default: its last message); returns that id.

    The other participants see the read receipt live; the person's own "new message"
    notifications for this thread are marked read as well.
    """
    with transaction.atomic():
        membership = (
            ThreadParticipant.objects.select_for_update().filter(thread=thread, user_id=user.pk).first()
            if user.is_authenticated
            else None
        )
        if membership is None:
            raise PermissionDenied("You are not part of this conversation.")
        latest = Message.objects.filter(thread=thread).aggregate(last=Max("id"))["last"] or 0
        target = latest if up_to_id is None else min(int(up_to_id), latest)
        if target <= membership.last_read_message_id:
            return membership.last_read_message_id
        membership.last_read_message_id = target
        membership.save(update_fields=["last_read_message_id"])
        covered = Notification.objects.filter(
            recipient_id=user.pk,
            kind="message.new",
            read_at__isnull=True,
            payload__thread_id=thread.pk,
            payload__message_id__lte=target,
        ).values_list("id", flat=True)
        covered_ids = list(covered)
        if covered_ids:
            mark_notifications_read(user=user, ids=covered_ids)
        participant_ids = _participant_ids(thread)
        event = {"type": "read", "thread": thread.pk, "user": user.pk, "last_read_id": target}
        transaction.on_commit(lambda: _thread_event(participant_ids, event), robust=True)
    return target
