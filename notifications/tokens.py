"""Signed one-click unsubscribe tokens: who, which kind, which channel; valid without logging in."""

from __future__ import annotations

from dataclasses import dataclass

from django.conf import settings
from django.core import signing

_SALT = "notifications.unsubscribe"


@dataclass(frozen=True)
class Unsubscribe:
    user_id: int
    kind: str
    channel: str


def make_unsubscribe_token(*, user_id: int, kind: str, channel: str) -> str:
    return signing.dumps({"u": user_id, "k": kind, "c": channel}, salt=_SALT, compress=True)


def read_unsubscribe_token(token: str) -> Unsubscribe | None:
    """What a token unsubscribes from, or None when it is forged, damaged or older than its validity."""
    try:
        data = signing.loads(token, salt=_SALT, max_age=settings.UNSUBSCRIBE_TOKEN_MAX_AGE_DAYS * 86400)
    except signing.BadSignature:
        return None
    if not isinstance(data, dict) or not isinstance(data.get("u"), int):
        return None
    return Unsubscribe(user_id=data["u"], kind=str(data.get("k", "")), channel=str(data.get("c", "")))
