"""Writes of the realtime app: notifications, their read state, and conversation threads.

Everything that reaches a socket is sent with `transaction.on_commit`, so a rolled-back
domain operation never tells anybody anything. The hooks are `robust`: if the channel
layer (Redis) is down, the error is logged and the committed operation still succeeds;
the stored notifications reach people when their sockets resume.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import connection, transaction
from django.db.models import F, Max, Value
from django.db.models.functions import Greatest
from django.utils import timezone, translation

from core.errors import DomainError, PermissionDenied
from core.requests import User
from core.text_language import author_language
from realtime.delivery import deliver_off_site
from realtime.guards import check_message_allowed
from realtime.live import send_to_groups
from realtime.models import (
    THREAD_KEY_MAX_LENGTH,
    Message,
    Notification,
    NotificationSequence,
    Thread,
    ThreadParticipant,
)


def user_group(user_id: int) -> str:
    """The channel-layer group that holds every open socket of one person."""
    return f"user.{user_id}"


# --- Notifications ------------------------------------------------------------------


def notify(recipients: Iterable[User], kind: str, payload: dict[str, Any]) -> list[Notification]:
    """Store one notification per recipient and push each over the channel layer once committed.

    Call it inside the domain transaction: if that transaction rolls back, the
    rows vanish and nothing is sent; if it commits, every recipient has a stored
    notification even when no socket of theirs is open.

    Each recipient's notifications are numbered 1, 2, 3... (`seq`) under a lock on that
    person's `NotificationSequence` row, held until commit: notifications to the same
    person commit in order, and their ids too (the id is drawn by the INSERT, after the
    lock), so a client that has seen id N and asks for "everything of mine after N" can
    never skip one that committed late. Notifications to different people do not wait
    for each other. Call notify() last in the domain transaction: the lock is held until
    commit.
    """
    unique = {user.pk: user for user in recipients if user is not None}
    # No savepoint of its own inside the caller's transaction (nobody undoes just the notifications):
    # two statements fewer on the hot paths (an on-demand request notifies a whole wave of providers).
    with transaction.atomic(savepoint=False):
        seqs = _next_seqs(sorted(unique))
        # One INSERT for all of them; both databases return the new ids in order (SQLite >= 3.35: RETURNING).
        notifications = Notification.objects.bulk_create(
            [Notification(recipient_id=user_id, seq=seqs[user_id], kind=kind, payload=payload) for user_id in unique]
        )
        # The recipients' languages as the caller loaded them (a field left deferred is read at push time):
        # the push reads the line in each one's language without one more query per notification.
        languages = {pk: user.__dict__["language"] for pk, user in unique.items() if "language" in user.__dict__}
        transaction.on_commit(lambda: _push(notifications, languages), robust=True)
        # Email and push: the delivery hook only enqueues work for the task worker, bound to this
        # transaction (core.tasks.schedule_on_commit), so a rollback enqueues nothing.
        deliver_off_site(notifications)
    return notifications


def _next_seqs(user_ids: list[int]) -> dict[int, int]:
    """Take the next seq of each person, locking their sequence row until commit: {user id: seq}.

    One upsert for all of them. The rows are locked in the order of `user_ids` (sorted by
    the caller), so two notify() calls with overlapping recipients cannot deadlock. On
    SQLite the write lock of the IMMEDIATE transaction already serialises this.
    """
    if not user_ids:
        return {}
    table = connection.ops.quote_name(NotificationSequence._meta.db_table)
    values = ", ".join(["(%s, 1)"] * len(user_ids))
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {table} (user_id, last_seq) VALUES {values} "  # noqa: S608 (table name from the model)
            f"ON CONFLICT (user_id) DO UPDATE SET last_seq = {table}.last_seq + 1 "
            "RETURNING user_id, last_seq",
            user_ids,
        )
        return dict(cursor.fetchall())


def _push(notifications: list[Notification], languages: dict[int, str]) -> None:
    # Each recipient reads the line in their own language, not in the language of whoever caused it.
    missing = {n.recipient_id for n in notifications} - languages.keys()
    if missing:
        languages = {
            **languages,
            **dict(get_user_model().objects.filter(pk__in=missing).values_list("pk", "language")),
        }
    known = dict(settings.LANGUAGES)
    messages = []
    for n in notifications:
        language = languages.get(n.recipient_id) or ""
        with translation.override(language if language in known else settings.LANGUAGE_CODE):
            messages.append((user_group(n.recipient_id), {"type": "notification.push", "message": n.as_message()}))
    send_to_groups(messages)


def mark_notifications_read(*, user: User, ids: Iterable[int] | None = None) -> int:
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
        transaction.on_commit(lambda: send_to_groups([(user_group(user.pk), event)]), robust=True)
    return len(changed)


# --- Conversations ------------------------------------------------------------------


def ensure_thread(*, key: str, title: str, link_url: str = "", participants: Iterable[User]) -> Thread:
    """The thread named `key`, created on first call; later calls add missing participants.

    Idempotent, so domain code can call it every time a booking or a question needs one.
    """
    if not key or len(key) > THREAD_KEY_MAX_LENGTH:
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


def grant_thread_access(*, thread: Thread, user: User) -> ThreadParticipant:
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
    send_to_groups([(user_group(user_id), {"type": "thread.event", "event": event}) for user_id in user_ids])


def post_message(*, thread: Thread, sender: User, body: str) -> Message:
    """Add a message to a thread the sender is in; the others get it live and as a notification.

    Everything it only reads (who is in the thread, the guard's checks) comes before the transaction,
    and the transaction writes the rows that other writers share last: the recipients' notification
    sequences (notify) and then the thread's own row, which every message of the thread updates. Its
    lock is held for that one statement and the commit, not across the rest of the message's work:
    when it was taken mid-way, the other writers of a busy thread queued behind each statement's round
    trip (bench/slow_stripe.py on PostgreSQL: the slowest writes spent most of their time in lock waits).
    """
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
    # Memberships are only ever added (ensure_thread, grant_thread_access), so reading them without a lock
    # cannot let in someone who is no longer a participant.
    roles = dict(ThreadParticipant.objects.filter(thread=thread).order_by("user_id").values_list("user_id", "role"))
    if not sender.is_authenticated or sender.pk not in roles:
        raise PermissionDenied("You are not part of this conversation.")
    check_message_allowed(roles=roles, sender=sender)
    participant_ids = list(roles)
    recipients = list(get_user_model().objects.filter(pk__in=[pk for pk in participant_ids if pk != sender.pk]))
    with transaction.atomic():
        message = Message.objects.create(
            thread=thread, sender_id=sender.pk, body=text, text_language=author_language(sender)
        )
        message.sender = sender
        # Writing a message means having read everything before it; never backwards, since the sender may
        # have read a later message (mark_thread_read) in the meantime.
        ThreadParticipant.objects.filter(thread=thread, user_id=sender.pk).update(
            last_read_message_id=Greatest(F("last_read_message_id"), Value(message.pk))
        )
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
        Thread.objects.filter(pk=thread.pk).update(last_message_at=message.created_at)
        event = {"type": "message", "thread": thread.pk, "message": message.as_message()}
        transaction.on_commit(lambda: _thread_event(participant_ids, event), robust=True)
    return message


def mark_thread_read(*, thread: Thread, user: User, up_to_id: int | None = None) -> int:
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
