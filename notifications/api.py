"""JSON API for a person's notification settings (mounted at /api/v1/notification-settings/)."""

from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest
from ninja import Router, Schema, Status

from core.api import session_or_token_auth
from notifications import push, selectors, services

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


class PushKeys(Schema):
    p256dh: str
    auth: str


class PushSubscriptionIn(Schema):
    endpoint: str
    keys: PushKeys


class PushEndpointIn(Schema):
    endpoint: str


class PushKeyOut(Schema):
    enabled: bool
    public_key: str


@router.get("/push/key", response=PushKeyOut, summary="The VAPID public key a device subscribes with")
def push_key(request: HttpRequest):
    return {"enabled": push.push_enabled(), "public_key": settings.WEBPUSH_VAPID_PUBLIC_KEY}


@router.post("/push/subscriptions", response={201: dict}, summary="Turn on push on this device")
def add_push_subscription(request: HttpRequest, data: PushSubscriptionIn):
    push.subscribe(
        user=request.user,
        endpoint=data.endpoint,
        p256dh=data.keys.p256dh,
        auth=data.keys.auth,
        user_agent=request.headers.get("User-Agent", ""),
    )
    return Status(201, {"subscribed": True})


@router.post("/push/unsubscribe", response=dict, summary="Turn off push on this device")
def remove_push_subscription(request: HttpRequest, data: PushEndpointIn):
    return {"removed": push.unsubscribe_device(user=request.user, endpoint=data.endpoint)}
