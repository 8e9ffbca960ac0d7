"""The port through which committed notifications reach people off the site (email, push).

Realtime imports no domain app: settings.NOTIFICATION_DELIVERY_HOOK names the function (by
dotted path) that takes over the notifications whose kind has a channel besides in-app; it is
called with `notification_ids=` and `urgent=`. It is called inside the notifying transaction and
must only enqueue work bound to its commit (`core.tasks.schedule_on_commit`: with the database
task backend the task's row is written in that transaction, so there is no write of its own after
the commit): nothing is sent inside the request, nothing is enqueued for a rollback.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from functools import cache

from django.conf import settings
from django.utils.module_loading import import_string

from realtime.kinds import get_kind
from realtime.models import Notification


@cache
def _hook(path: str) -> Callable[..., None]:
    return import_string(path)


def deliver_off_site(notifications: Iterable[Notification]) -> None:
    """Hand the notifications that may go out by email or push to the delivery hook (enqueued on commit)."""
    path = getattr(settings, "NOTIFICATION_DELIVERY_HOOK", "")
    reaching = [n for n in notifications if len(get_kind(n.kind).channels) > 1]
    if path and reaching:
        # `urgent`: a deadline kind among them, so its delivery goes ahead of a burst of ordinary ones.
        _hook(path)(notification_ids=[n.pk for n in reaching], urgent=any(get_kind(n.kind).urgent for n in reaching))
