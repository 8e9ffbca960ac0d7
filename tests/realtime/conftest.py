"""Realtime test setup: sockets run database work in Channels' worker thread, whose connection is closed here."""

from __future__ import annotations

import pytest
from channels.db import database_sync_to_async
from django.db import connections


@pytest.fixture(autouse=True)
async def _close_worker_thread_connections():
    yield
    # Otherwise PostgreSQL refuses to drop the test database at the end ("being accessed by other users").
    await database_sync_to_async(connections.close_all)()
