"""Headless Chromium from Debian's package, driven by Playwright (whose own browser download does not work here)."""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from playwright.sync_api import Browser, expect, sync_playwright

CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
# How long a page action may wait before the test fails as hung. A guard, not a speed target: on a
# loaded 2-core machine a first page load (static files, the gazetteer) has taken more than 10 s.
PAGE_TIMEOUT_MS = 30_000
# Playwright's assertions (expect) retry for 5 s by default: the same guard, for every browser test.
expect.set_options(timeout=PAGE_TIMEOUT_MS)


@contextmanager
def open_chromium() -> Iterator[Browser]:
    """A headless Chromium for the duration of the block.

    Playwright's sync API runs an event loop in this thread while it is open; the
    ORM calls tests make between browser steps are still synchronous, so Django's
    async guard is lifted for exactly this block (never for child processes:
    tests.support.servers removes the variable from their environment).
    """
    if not Path(CHROMIUM).exists():
        pytest.fail(f"Chromium not found at {CHROMIUM}: `make test` installs Debian's chromium package.")
    previous = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    try:
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
            try:
                yield browser
            finally:
                browser.close()
    finally:
        if previous is None:
            os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
        else:
            os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = previous
