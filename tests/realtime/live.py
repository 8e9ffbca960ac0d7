"""Calling a real server as the mobile app does, for the end-to-end socket tests.

The servers themselves come from tests.support.servers (daphne on the test database).
"""

from __future__ import annotations

import json
import urllib.request


def post_json(port: int, path: str, body: dict, token: str) -> tuple[int, dict]:
    """An API call as the mobile app makes it (blocking; run it in a thread from async code)."""
    request = urllib.request.Request(
        f"http://127.0.0.1:{port}{path}",
        data=json.dumps(body).encode(),
        headers={"Content-Type": "application/json", "X-Session-Token": token},
        method="POST",
    )
    with urllib.request.urlopen(request, timeout=30) as response:
        return response.status, json.loads(response.read())
