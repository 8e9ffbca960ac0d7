"""bench/open_loop.py, which bench/stack_load.py's capacity runs use: open-loop arrivals and the rate search."""

from __future__ import annotations

import asyncio
import sys
from pathlib import Path

import pytest
from aiohttp import web
from django.conf import settings

sys.path.insert(0, str(Path(settings.BASE_DIR) / "bench"))

from open_loop import Step, find_capacity, open_loop


def fake_server(capacity: float, *, p95_at_capacity: float = 40.0):
    """A measure whose p95 grows with the rate and crosses 50 ms a little above `capacity`."""
    asked: list[float] = []

    async def measure(rate: float) -> Step:
        asked.append(rate)
        p95 = p95_at_capacity * (rate / capacity) ** 3
        return Step(rate, sent=int(rate), p50_ms=p95 / 3, p95_ms=p95, errors=0, seconds=1)

    return measure, asked


@pytest.mark.parametrize("capacity", [7.0, 137.0, 900.0])
async def test_the_capacity_found_keeps_the_target_and_is_within_a_tenth_of_the_true_one(capacity):
    measure, asked = fake_server(capacity)
    true_limit = capacity * (50 / 40) ** (1 / 3)  # where p95 reaches 50 ms
    rate, best = await find_capacity(measure, p95_target_ms=50, start=20)
    assert best is not None and best.rate == rate and best.p95_ms < 50
    assert 0.9 * true_limit <= rate < true_limit
    assert len(asked) <= 16  # a handful of steps (each missed one measured twice), not a sweep


async def test_a_step_with_an_error_is_not_kept_whatever_its_latency():
    async def measure(rate: float) -> Step:
        return Step(rate, sent=10, p50_ms=1, p95_ms=2, errors=1 if rate > 30 else 0, seconds=1)

    rate, _ = await find_capacity(measure, p95_target_ms=50, start=20)
    assert 27 <= rate <= 30


async def test_no_rate_keeps_the_target_gives_zero():
    async def measure(rate: float) -> Step:
        return Step(rate, sent=10, p50_ms=80, p95_ms=90, errors=0, seconds=1)

    assert await find_capacity(measure, p95_target_ms=50, start=20) == (0.0, None)


@pytest.fixture
async def one_at_a_time_server():
    """An HTTP server answering one request at a time, each in 20 ms: 50 a second at most; /fail answers 500."""
    lock = asyncio.Lock()

    async def slow(request: web.Request) -> web.Response:
        async with lock:
            await asyncio.sleep(0.02)
        return web.Response(text="ok", status=500 if request.path == "/fail" else 200)

    app = web.Application()
    app.router.add_get("/{tail:.*}", slow)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
    yield f"http://127.0.0.1:{port}"
    await runner.cleanup()


async def test_open_loop_sends_at_the_rate_and_counts_the_queue_a_slow_server_builds(one_at_a_time_server):
    below = await open_loop(one_at_a_time_server, lambda rng: ("GET", "/", None), 15, 2)
    assert 15 <= below.sent <= 45 and below.errors == 0
    assert 20 <= below.p50_ms < 200
    # Above what the server can answer, requests keep arriving on their clock and wait in its queue:
    # the p95 counts from when each was due (a closed-loop client would still see ~20 ms).
    above = await open_loop(one_at_a_time_server, lambda rng: ("GET", "/", None), 100, 2)
    assert above.sent >= 150
    assert above.p95_ms > 500


async def test_open_loop_counts_error_answers(one_at_a_time_server):
    got = await open_loop(one_at_a_time_server, lambda rng: ("GET", "/fail", None), 10, 1)
    assert got.sent >= 3 and got.errors == got.sent
    assert not got.keeps(50)


async def test_a_missed_step_is_measured_again_and_counts_only_if_missed_twice():
    misses = iter([True, False])  # the first step at 40/s is spoiled by someone else's burst, its retry is not

    async def measure(rate: float) -> Step:
        spoiled = rate == 40 and next(misses)
        p95 = 200 if spoiled or rate > 100 else 10
        return Step(rate, sent=10, p50_ms=5, p95_ms=p95, errors=0, seconds=1)

    rate, _ = await find_capacity(measure, p95_target_ms=50, start=20)
    assert 90 <= rate <= 100
