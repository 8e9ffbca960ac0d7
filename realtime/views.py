"""Pages: all my notifications, my conversations, and one conversation."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from core.pages import refusal_pages, refusals
from core.requests import SignedInRequest
from realtime import selectors, services
from realtime.forms import MessageForm

PAGE_SIZE = 50


@login_required
def notifications(request: SignedInRequest) -> HttpResponse:
    before = request.GET.get("before")
    before_id = int(before) if before and before.isdigit() else None
    items = selectors.latest_notifications(request.user, limit=PAGE_SIZE + 1, before_id=before_id)
    context = {
        "notifications": items[:PAGE_SIZE],
        "older_than": items[PAGE_SIZE - 1].pk if len(items) > PAGE_SIZE else None,
        "unread": selectors.unread_count(request.user),
    }
    return render(request, "realtime/notifications.html", context)


@login_required
@require_POST
def mark_all_read(request: SignedInRequest) -> HttpResponse:
    services.mark_notifications_read(user=request.user, ids=None)
    return redirect("realtime:notifications")


@login_required
def inbox(request: SignedInRequest) -> HttpResponse:
    return render(request, "realtime/inbox.html", {"threads": selectors.inbox(request.user)[:200]})


@login_required
@refusal_pages
def thread(request: SignedInRequest, thread_id: int) -> HttpResponse:
    conversation = selectors.thread_for(request.user, thread_id)
    form = MessageForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        with refusals(form=form) as refused:
            services.post_message(thread=conversation, sender=request.user, body=form.cleaned_data["body"])
        if not refused:
            return redirect(conversation.get_absolute_url())
    # Not "messages": base.html shows that context variable as flash messages.
    thread_messages = selectors.recent_messages(conversation)
    if thread_messages and request.method == "GET":
        # Opening the page is reading it: the other side sees the receipt.
        services.mark_thread_read(thread=conversation, user=request.user)
    readers = selectors.readers(conversation)
    others = [r for r in readers if r.user_id != request.user.pk]
    mine = [m.pk for m in thread_messages if m.sender_id == request.user.pk]
    seen_by = [r.name for r in others if mine and r.last_read_id >= mine[-1]]
    context = {
        "thread": conversation,
        "thread_messages": thread_messages,
        "form": form,
        "others": others,
        "receipt": (f"✓✓ Seen by {', '.join(seen_by)}" if seen_by else "✓ Sent") if mine else "",
    }
    return render(request, "realtime/thread.html", context, status=400 if form.errors else 200)
