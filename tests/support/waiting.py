"""Waiting in a test for what another process or thread does: poll until it holds, fail once the time is up."""

from __future__ import annotations

import time
from collections.abc import Callable


def wait_for(condition: Callable[[], object], timeout: float = 60, what: str = "the condition") -> None:
    """Return as soon as `condition()` is true; fail the test if it is still false after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, f"timed out after {timeout:.0f} s waiting for {what}"
        time.sleep(0.1)
