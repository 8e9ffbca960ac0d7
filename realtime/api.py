"""JSON API for notifications and conversations (mounted under /api/v1/ by sharing/api.py).

Everything here is about the caller's own notifications and the threads they are in;
somebody else's thread answers 404, as if it did not exist.
"""

from __future__ import annotations

from datetime import datetime

from ninja import Field, Query, Router, Schema, Status

from core.api import ObjectId, session_or_token_auth
from core.requests import ApiRequest
from realtime import selectors, services

notifications_router = Router(tags=["notifications"], auth=session_or_token_auth)
threads_router = Router(tags=["messages"], auth=session_or_token_auth)


class NotificationOut(Schema):
    id: int
    seq: int = Field(description="1, 2, 3... over my own notifications, in the order they were stored")
    kind: str
    text: str
    url: str
    payload: dict
    created_at: datetime
    read: bool


class NotificationPage(Schema):
    items: list[NotificationOut]
    unread: int
    next_after_id: int | None = Field(description="Pass as after_id for the next page; null when this was the last.")


class UnreadOut(Schema):
    unread: int


class MarkReadIn(Schema):
    ids: list[ObjectId] | None = Field(
        None, description="Ids to mark read; leave out to mark all read.", max_length=200
    )


class MarkedOut(Schema):
    marked: int
    unread: int


@notifications_router.get("/", response=NotificationPage, summary="My notifications, oldest first after an id")
def list_notifications(request: ApiRequest, after_id: int = Query(0, ge=0), limit: int = Query(50, ge=1, le=200)):
    items = selectors.notifications_after(request.user, after_id=after_id, limit=limit + 1)
    more = len(items) > limit
    items = items[:limit]
    return {
        "items": [n.as_message() for n in items],
        "unread": selectors.unread_count(request.user),
        "next_after_id": items[-1].pk if more else None,
    }


@notifications_router.get("/recent", response=list[NotificationOut], summary="My newest notifications, newest first")
def recent_notifications(request: ApiRequest, limit: int = Query(10, ge=1, le=50)):
    return [n.as_message() for n in selectors.latest_notifications(request.user, limit=limit)]


@notifications_router.get("/unread-count", response=UnreadOut, summary="How many of my notifications are unread")
def unread_count(request: ApiRequest):
    return {"unread": selectors.unread_count(request.user)}


@notifications_router.post("/read", response=MarkedOut, summary="Mark some (ids) or all of my notifications read")
def mark_read(request: ApiRequest, data: MarkReadIn):
    marked = services.mark_notifications_read(user=request.user, ids=data.ids)
    return {"marked": marked, "unread": selectors.unread_count(request.user)}


@notifications_router.post("/{notification_id}/read", response=MarkedOut, summary="Mark one notification read")
def mark_one_read(request: ApiRequest, notification_id: int):
    marked = services.mark_notifications_read(user=request.user, ids=[notification_id])
    return {"marked": marked, "unread": selectors.unread_count(request.user)}


class ReaderOut(Schema):
    user_id: int
    name: str
    role: str
    last_read_id: int


class ThreadOut(Schema):
    id: int
    key: str
    title: str
    link_url: str
    created_at: datetime
    last_message_at: datetime | None
    unread: int = 0


class ThreadDetailOut(ThreadOut):
    readers: list[ReaderOut]


class MessageOut(Schema):
    id: int
    thread: int
    sender: int
    sender_name: str
    body: str
    text_language: str = Field("", description="The language the message is written in ('' if unknown)")
    created_at: datetime


class MessageIn(Schema):
    body: str = Field(..., description="Plain text, at most 2000 characters.")


class ReadIn(Schema):
    up_to_id: int | None = Field(None, ge=0, description="Last message id read; leave out for all.")


class ReadOut(Schema):
    last_read_id: int


@threads_router.get("/", response=list[ThreadOut], summary="My conversations, most recent first")
def list_threads(request: ApiRequest):
    return list(selectors.inbox(request.user)[:200])


@threads_router.get("/{thread_id}", response=ThreadDetailOut, summary="One of my conversations, with read receipts")
def thread_detail(request: ApiRequest, thread_id: int):
    thread = selectors.thread_for(request.user, thread_id)
    return {
        **{f: getattr(thread, f) for f in ("id", "key", "title", "link_url", "created_at", "last_message_at")},
        "readers": [r.__dict__ for r in selectors.readers(thread)],
    }


@threads_router.get("/{thread_id}/messages", response=list[MessageOut], summary="Messages after an id, oldest first")
def thread_messages(
    request: ApiRequest, thread_id: int, after_id: int = Query(0, ge=0), limit: int = Query(100, ge=1, le=200)
):
    thread = selectors.thread_for(request.user, thread_id)
    return [m.as_message() for m in selectors.thread_messages(thread, after_id=after_id, limit=limit)]


@threads_router.post("/{thread_id}/messages", response={201: MessageOut}, summary="Write in one of my conversations")
def post_message(request: ApiRequest, thread_id: int, data: MessageIn):
    thread = selectors.thread_for(request.user, thread_id)
    message = services.post_message(thread=thread, sender=request.user, body=data.body)
    return Status(201, message.as_message())


@threads_router.post("/{thread_id}/read", response=ReadOut, summary="Tell the others how far I have read")
def mark_thread_read(request: ApiRequest, thread_id: int, data: ReadIn):
    thread = selectors.thread_for(request.user, thread_id)
    return {"last_read_id": services.mark_thread_read(thread=thread, user=request.user, up_to_id=data.up_to_id)}
