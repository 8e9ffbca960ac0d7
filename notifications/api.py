"""JSON API for a person's notification settings (mounted at /api/v1/notification-settings/)."""

from __future__ import annotations

from django.http import HttpRequest
from ninja import Router, Schema

from core.api import session_or_token_auth
from notifications import selectors, services

router = Router(tags=["notifications"], auth=session_or_token_auth)


class ChannelState(Schema):
    enabled: bool
    can_turn_off: bool


class PreferenceRow(Schema):
    kind: str
    label: str
    required: bool
    channels: dict[str, ChannelState]


class PreferenceIn(Schema):
    kind: str
    channel: str
    enabled: bool


@router.get("/", response=list[PreferenceRow], summary="What reaches me by email and push, per kind")
def list_preferences(request: HttpRequest):
    return selectors.preferences_of(request.user)


@router.put("/", response=list[PreferenceRow], summary='Turn one kind (or "*" for all optional kinds) on or off')
def set_preference(request: HttpRequest, data: PreferenceIn):
    services.set_preference(user=request.user, kind=data.kind, channel=data.channel, enabled=data.enabled)
    return selectors.preferences_of(request.user)
