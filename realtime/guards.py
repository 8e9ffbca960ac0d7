"""The domain's say on who may write to whom, without realtime importing a domain app.

`settings.REALTIME_MESSAGE_GUARD` names a callable (e.g. the accounts app's block check) that raises a
DomainError to refuse a message; realtime calls it for every message, after checking membership, with the
thread's participants and their roles as the caller read them ({user id: role}).
"""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth.base_user import AbstractBaseUser
from django.utils.module_loading import import_string

from realtime.models import ThreadParticipant


def check_message_allowed(*, roles: dict[int, str], sender: AbstractBaseUser) -> None:
    path = getattr(settings, "REALTIME_MESSAGE_GUARD", "")
    if not path:
        return
    import_string(path)(
        sender=sender, participant_ids=list(roles), staff_present=ThreadParticipant.Role.STAFF in roles.values()
    )
