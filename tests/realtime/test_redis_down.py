"""Sockets while Redis (the channel layer) is unreachable: closed with 1013 "try again later", never a 500."""

from __future__ import annotations

import socket

import pytest
from channels.layers import channel_layers

from realtime.outage import CLOSE_TRY_AGAIN_LATER
from tests.realtime.helpers import browser_socket, live_db, person

pytestmark = live_db


@pytest.fixture(autouse=True)
def _channel_layer_unreachable(settings):
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    settings.CHANNEL_LAYERS = {
        "default": {
            "BACKEND": "channels_redis.pubsub.RedisPubSubChannelLayer",
            "CONFIG": {"hosts": [f"redis://127.0.0.1:{port}/0"], "prefix": "unreachable"},
        }
    }
    channel_layers.backends.clear()
    yield
    channel_layers.backends.clear()


async def test_handshake_is_accepted_then_closed_with_try_again_later():
    _, key = await person()
    socket_ = browser_socket(key)

    connected, _ = await socket_.connect(timeout=5)

    assert connected
    closing = await socket_.receive_output(timeout=5)
    assert closing == {"type": "websocket.close", "code": CLOSE_TRY_AGAIN_LATER}
    await socket_.wait(timeout=5)


async def test_app_offering_the_subprotocol_gets_it_back_before_the_close():
    _, key = await person()
    socket_ = browser_socket(None, origin=None)
    socket_.scope["subprotocols"] = ["sharing.v1", f"session-token.{key}"]

    connected, subprotocol = await socket_.connect(timeout=5)

    assert (connected, subprotocol) == (True, "sharing.v1")
    assert (await socket_.receive_output(timeout=5))["code"] == CLOSE_TRY_AGAIN_LATER
