"""Page load on the demo data (issue 24): how long the home, search and listing pages take to load.

Two measures, against one uvicorn process (the Procfile's server) with production settings (DEBUG off,
compressed static files collected first) on a fresh database holding `seed_demo`'s listings:

- request: the whole HTTP request of the search and listing pages (body read to the end), with a bare
  Django view (/healthz: no database, no template) as the reference for what the stack itself costs;
- load: the full load (navigation timing, loadEventEnd) of the home, search and listing pages in
  headless Chromium on a phone viewport, each in a fresh browser context (a cold cache, as a first
  visit); map tiles (OpenStreetMap, not this site) are refused at once, as offline.

Target (issue 24): p95 of each full load < 1 s on this machine.

    .venv/bin/python bench/page_load.py [--loads 20] [--requests 50]
"""

from __future__ import annotations

import argparse
import os
import secrets
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

from scratch_db import scratch_database

ROOT = Path(__file__).resolve().parent.parent
CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking"]
PHONE = {"viewport": {"width": 390, "height": 844}, "is_mobile": True, "has_touch": True}


def p95(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]


def free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def fetch(url: str) -> float:
    """Milliseconds for one whole request: connect, send, read the body to its end."""
    started = time.perf_counter()
    with urllib.request.urlopen(url, timeout=30) as response:
        response.read()
        assert response.status == 200, url
    return (time.perf_counter() - started) * 1000


def prepare(folder: Path) -> str:
    """Database with the demo data, collected static files; returns the path of a demo room's page."""
    import django
    from django.core.management import call_command

    django.setup()
    from listings.models import Listing, ListingKind

    call_command("migrate", verbosity=0)
    call_command("seed_demo", stdout=open(os.devnull, "w"))  # noqa: SIM115
    call_command("collectstatic", "--noinput", verbosity=0)
    room = Listing.objects.filter(kind=ListingKind.ROOM, city="Paris").order_by("pk").first()
    assert room is not None, "seed_demo made no room in Paris"
    return room.get_absolute_url()


def serve(port: int) -> subprocess.Popen:
    command = [sys.executable, "-m", "uvicorn", "sharing.asgi:application", "--port", str(port)]
    command += ["--lifespan", "off", "--no-access-log", "--log-level", "warning"]
    process = subprocess.Popen(command, cwd=ROOT, env=os.environ.copy())
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            fetch(f"http://127.0.0.1:{port}/healthz")
            return process
        except OSError:
            time.sleep(0.2)
    process.kill()
    raise RuntimeError("uvicorn did not start")


def full_loads(base: str, pages: dict[str, str], loads: int) -> dict[str, tuple[list[float], int]]:
    """Per page: the load times (ms, fresh context each) and the bytes the last load transferred."""
    import re

    from playwright.sync_api import sync_playwright

    found: dict[str, tuple[list[float], int]] = {}
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        for name, path in pages.items():
            times, transferred = [], 0
            for _ in range(loads):
                context = browser.new_context(**PHONE)
                context.route(re.compile(r"^https?://[a-z.]*tile\.openstreetmap\.org/"), lambda route: route.abort())
                page = context.new_page()
                page.goto(base + path, wait_until="load")
                timing = page.evaluate(
                    "() => { const n = performance.getEntriesByType('navigation')[0];"
                    " const r = performance.getEntriesByType('resource');"
                    " return [n.loadEventEnd, n.transferSize + r.reduce((s, e) => s + e.transferSize, 0)]; }"
                )
                times.append(float(timing[0]))
                transferred = int(timing[1])
                context.close()
            found[name] = (times, transferred)
        browser.close()
    return found


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--loads", type=int, default=20, help="full loads per page in Chromium")
    parser.add_argument("--requests", type=int, default=50, help="whole requests per page")
    options = parser.parse_args()

    sys.path.insert(0, str(ROOT))
    _, cleanup = scratch_database("sqlite", "", prefix="bench-page-load", conn_max_age=0)
    folder = Path(tempfile.mkdtemp(prefix="bench-page-load-files-"))
    os.environ.update(
        DEBUG="false",
        SECRET_KEY=secrets.token_urlsafe(50),
        SECURE_SSL_REDIRECT="false",
        STATIC_COMPRESSED="true",
        STATIC_ROOT=str(folder / "static"),
        MEDIA_ROOT=str(folder / "media"),
        SERVE_MEDIA="true",
        LOG_FORMAT="text",
    )
    process = None
    try:
        listing = prepare(folder)
        port = free_port()
        process = serve(port)
        base = f"http://127.0.0.1:{port}"
        search = "/listings/search/?q=Paris"
        for path in (search, listing, "/"):  # warm up: the gazetteer loads on the first look-up
            fetch(base + path)

        for name, path in (("bare_view", "/healthz"), ("search", search), ("listing", listing)):
            times = [fetch(base + path) for _ in range(options.requests)]
            print(
                f"kind=request page={name} n={len(times)} p50_ms={statistics.median(times):.1f}"
                f" p95_ms={p95(times):.1f}",
                flush=True,
            )
        pages = {"home": "/", "search": search, "listing": listing}
        for name, (times, transferred) in full_loads(base, pages, options.loads).items():
            print(
                f"kind=load page={name} n={len(times)} p50_ms={statistics.median(times):.1f}"
                f" p95_ms={p95(times):.1f} transferred_kb={transferred / 1024:.0f}",
                flush=True,
            )
    finally:
        if process is not None:
            process.terminate()
            process.wait(timeout=20)
        cleanup()
        shutil.rmtree(folder, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
