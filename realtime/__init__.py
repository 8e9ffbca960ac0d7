"""Notifications and conversations: events reach people live over WebSockets and are stored."""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from core.requests import User
    from realtime.models import Notification


def notify(recipients: Iterable[User], kind: str, payload: dict[str, Any]) -> list[Notification]:
    """Shortcut for `realtime.services.notify`, imported lazily because app packages load before models."""
    from realtime.services import notify as _notify

    return _notify(recipients, kind, payload)
