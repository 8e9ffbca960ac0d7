"""Reads of the realtime app: a person's notifications and the conversations they are part of."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Count, F, OuterRef, Q, QuerySet, Subquery

from core.errors import NotFound
from core.requests import User
from realtime.models import Message, Notification, Thread, ThreadParticipant

MAX_PAGE = 200


def notifications_after(user: User, *, after_id: int = 0, limit: int = 50) -> list[Notification]:
    """The person's notifications with an id above `after_id`, oldest first: the replay and the API page."""
    limit = max(1, min(int(limit), MAX_PAGE))
    return list(Notification.objects.filter(recipient_id=user.pk, id__gt=max(0, int(after_id))).order_by("id")[:limit])


def latest_notifications(user: User, *, limit: int = 20, before_id: int | None = None) -> list[Notification]:
    """The newest notifications first, for the bell's list and the notifications page."""
    queryset = Notification.objects.filter(recipient_id=user.pk)
    if before_id is not None:
        queryset = queryset.filter(id__lt=before_id)
    return list(queryset.order_by("-id")[: max(1, min(int(limit), MAX_PAGE))])


def unread_count(user: User) -> int:
    return Notification.objects.filter(recipient_id=user.pk, read_at__isnull=True).count()


def notification_cursor(user: User, *, at_most_id: int | None = None) -> tuple[int, int]:
    """(id, seq) of the person's newest notification (with an id up to `at_most_id`), (0, 0) if none."""
    queryset = Notification.objects.filter(recipient_id=user.pk)
    if at_most_id is not None:
        queryset = queryset.filter(id__lte=at_most_id)
    return queryset.order_by("-id").values_list("id", "seq").first() or (0, 0)


def thread_for(user: User, thread_id: int) -> Thread:
    """The thread if `user` is in it; otherwise NotFound, so strangers cannot even learn that it exists."""
    if not user.is_authenticated:
        raise NotFound("That conversation does not exist or is not yours.")
    thread = Thread.objects.filter(pk=thread_id, memberships__user_id=user.pk).first()
    if thread is None:
        raise NotFound("That conversation does not exist or is not yours.")
    return thread


def thread_id_by_key(user: User, key: str) -> int | None:
    """The id of the thread named `key` if `user` takes part in it (domain pages link to it by key)."""
    if not user.is_authenticated:
        return None
    return Thread.objects.filter(key=key, memberships__user_id=user.pk).values_list("pk", flat=True).first()


def inbox(user: User) -> QuerySet[Thread]:
    """The person's threads, most recently active first, each with `unread` (messages from others not yet read)."""
    my_last_read = ThreadParticipant.objects.filter(thread=OuterRef("pk"), user_id=user.pk).values(
        "last_read_message_id"
    )[:1]
    return (
        Thread.objects.filter(memberships__user_id=user.pk)
        .annotate(my_last_read=Subquery(my_last_read))
        .annotate(
            unread=Count(
                "messages",
                filter=Q(messages__id__gt=F("my_last_read")) & ~Q(messages__sender_id=user.pk),
                distinct=True,
            )
        )
        .order_by(F("last_message_at").desc(nulls_last=True), "-id")
    )


def thread_messages(thread: Thread, *, after_id: int = 0, limit: int = 100) -> list[Message]:
    limit = max(1, min(int(limit), MAX_PAGE))
    return list(
        Message.objects.filter(thread=thread, id__gt=max(0, int(after_id)))
        .select_related("sender")
        .order_by("id")[:limit]
    )


def recent_messages(thread: Thread, *, limit: int = 100) -> list[Message]:
    """The last `limit` messages, oldest first, for the thread page."""
    newest = list(Message.objects.filter(thread=thread).select_related("sender").order_by("-id")[:limit])
    return newest[::-1]


@dataclass(frozen=True)
class Reader:
    user_id: int
    name: str
    role: str
    last_read_id: int


def readers(thread: Thread) -> list[Reader]:
    """Each participant and how far they have read: the read receipts."""
    return [
        Reader(m.user_id, m.user.public_name, m.role, m.last_read_message_id)
        for m in ThreadParticipant.objects.filter(thread=thread).select_related("user").order_by("user_id")
    ]
