"""Live events (realtime.live): sent to a person's sockets on one topic once committed, never on a rollback."""

from __future__ import annotations

import logging

import pytest
from django.db import transaction

from realtime import live


class RecordingLayer:
    def __init__(self) -> None:
        self.sent: list[tuple[str, dict]] = []

    async def group_send(self, group: str, message: dict) -> None:
        self.sent.append((group, message))


class BrokenLayer:
    async def group_send(self, group: str, message: dict) -> None:
        raise ConnectionError("Redis is down")


@pytest.fixture
def layer(monkeypatch) -> RecordingLayer:
    recording = RecordingLayer()
    monkeypatch.setattr(live, "get_channel_layer", lambda: recording)
    return recording


@pytest.mark.django_db(transaction=True)
def test_live_events_reach_each_persons_group_on_the_topic_only_once_committed(layer):
    with transaction.atomic():
        live.send_live_on_commit("dispatch", [(7, {"type": "offer", "offer": 1}), (8, {"type": "offer", "offer": 2})])
        assert layer.sent == []
    assert layer.sent == [
        ("dispatch.user.7", {"type": "live.event", "event": {"type": "offer", "offer": 1}}),
        ("dispatch.user.8", {"type": "live.event", "event": {"type": "offer", "offer": 2}}),
    ]


@pytest.mark.django_db(transaction=True)
def test_a_rolled_back_operation_sends_no_live_event(layer):
    with pytest.raises(RuntimeError), transaction.atomic():
        live.send_live_on_commit("dispatch", [(7, {"type": "offer"})])
        raise RuntimeError("the operation failed")
    assert layer.sent == []


@pytest.mark.django_db(transaction=True)
def test_a_channel_layer_outage_does_not_fail_the_committed_operation(monkeypatch, caplog):
    monkeypatch.setattr(live, "get_channel_layer", lambda: BrokenLayer())
    with caplog.at_level(logging.ERROR), transaction.atomic():
        live.send_live_on_commit("dispatch", [(7, {"type": "offer"})])
    assert "Redis is down" in caplog.text


def test_an_event_sent_now_needs_no_transaction_and_nothing_to_send_sends_nothing(layer):
    live.send_live("dispatch", [(7, {"type": "location", "lat": 1.0})])
    live.send_live("dispatch", [])
    assert layer.sent == [("dispatch.user.7", {"type": "live.event", "event": {"type": "location", "lat": 1.0}})]
