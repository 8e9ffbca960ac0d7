"""Reads: what a person has turned off, and what the settings page shows."""

from __future__ import annotations

from collections.abc import Iterable

from django.contrib.auth.base_user import AbstractBaseUser

from notifications.models import ALL_KINDS, Preference
from realtime.kinds import KINDS, OPTIONAL_CHANNELS, Kind, get_kind, optional_kinds


def turned_off(user_ids: Iterable[int], channel: str) -> set[tuple[int, str]]:
    """(user id, kind) pairs turned off on `channel`; kind ALL_KINDS means every optional kind."""
    rows = Preference.objects.filter(user_id__in=list(user_ids), channel=channel, enabled=False)
    return set(rows.values_list("user_id", "kind"))


def wants(off: set[tuple[int, str]], user_id: int, kind: Kind) -> bool:
    """Whether a kind reaches this person on the channel `off` was read for. Required kinds always do."""
    if kind.required:
        return True
    return (user_id, kind.name) not in off and (user_id, ALL_KINDS) not in off


def preferences_of(user: AbstractBaseUser) -> list[dict]:
    """One row per kind with its channels: on/off and whether the person may change it."""
    rows = {(p.kind, p.channel): p.enabled for p in Preference.objects.filter(user=user)}
    table = []
    kinds = optional_kinds() + _required_kinds()
    for kind in kinds:
        channels = {}
        for channel in OPTIONAL_CHANNELS:
            if channel not in kind.channels:
                continue
            if kind.required:
                channels[channel] = {"enabled": True, "can_turn_off": False}
            else:
                enabled = rows.get((kind.name, channel), True) and rows.get((ALL_KINDS, channel), True)
                channels[channel] = {"enabled": enabled, "can_turn_off": True}
        table.append({"kind": kind.name, "label": kind.label, "required": kind.required, "channels": channels})
    return table


def _required_kinds() -> list[Kind]:
    return [kind for kind in KINDS.values() if kind.required and (kind.email or kind.push)]


def is_known_optional(kind_name: str, channel: str) -> bool:
    kind = get_kind(kind_name)
    return kind.optional and channel in kind.channels and channel in OPTIONAL_CHANNELS
