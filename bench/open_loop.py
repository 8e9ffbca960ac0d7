"""Open-loop load at a fixed rate, and the highest rate that keeps a latency target (bench/stack_load.py).

Closed-loop clients (each sends its next request when the last one is answered) measure a saturated
server: with 16 of them, every request waits behind ~15 others and the p95 is the queue's length, not
the server's speed. Here requests arrive on their own clock, as independent people's do: Poisson
arrivals at `rate` a second (a fixed seed), each sent on its own connection from a pool, whether or
not the earlier ones were answered. A request's latency counts from the moment it was due, not from
when the client got round to sending it, so a client or server that falls behind shows in the p95
(no "coordinated omission").

`find_capacity` steps the rate up (doubling from `start`, then bisecting between the last rate that
kept the target and the first that did not) and returns the highest rate at which p95 < the target
with 0 errors: the issue's "highest rate that stays error-free" at its latency target.
"""

from __future__ import annotations

import asyncio
import random
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

import aiohttp

# (method, path, JSON body or None) for one request, from a random generator.
RequestFor = Callable[[random.Random], tuple[str, str, dict | None]]


@dataclass
class Step:
    rate: float  # asked, per second
    sent: int
    p50_ms: float
    p95_ms: float
    errors: int
    seconds: float

    def keeps(self, p95_target_ms: float) -> bool:
        return self.sent > 0 and self.errors == 0 and self.p95_ms < p95_target_ms


def percentile(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


async def open_loop(
    base: str,
    request_for: RequestFor,
    rate: float,
    seconds: float,
    *,
    headers: dict[str, str] | None = None,
    timeout: float = 5.0,
    seed: int = 1,
) -> Step:
    """Send Poisson arrivals at `rate`/s for `seconds`; every request answered 2xx/3xx within `timeout` or an error."""
    rng = random.Random(seed)
    latencies: list[float] = []
    errors = 0
    connector = aiohttp.TCPConnector(limit=0, force_close=False)
    client_timeout = aiohttp.ClientTimeout(total=timeout)
    async with aiohttp.ClientSession(base, connector=connector, timeout=client_timeout, headers=headers) as session:

        async def one(due: float, method: str, path: str, body: dict | None) -> None:
            nonlocal errors
            try:
                async with session.request(method, path, json=body) as response:
                    await response.read()
                    ok = response.status < 400
            except (aiohttp.ClientError, TimeoutError, OSError):
                ok = False
            if ok:
                latencies.append(time.perf_counter() - due)
            else:
                errors += 1

        tasks = []
        started = time.perf_counter()
        due = started
        while True:
            due += rng.expovariate(rate)
            if due - started >= seconds:
                break
            delay = due - time.perf_counter()
            if delay > 0:
                await asyncio.sleep(delay)
            tasks.append(asyncio.create_task(one(due, *request_for(rng))))
        await asyncio.gather(*tasks)
    ms = [value * 1000 for value in latencies]
    return Step(rate, len(tasks), percentile(ms, 0.5), percentile(ms, 0.95), errors, seconds)


async def find_capacity(
    measure: Callable[[float], Awaitable[Step]],
    *,
    p95_target_ms: float,
    start: float = 20.0,
    max_rate: float = 4000.0,
    precision: float = 0.1,
    floor: float = 1.0,
    retries: int = 1,
    report: Callable[[Step, bool], None] | None = None,
) -> tuple[float, Step | None]:
    """The highest rate (per second) whose step kept p95 < target with 0 errors, and that step (0, None if none did).

    Doubles from `start` while the target holds (down from `start` by halves while it does not, to
    `floor`), then bisects between the last rate kept and the first missed until they are within
    `precision` of each other (0.1: 10 %). A missed step is measured again (`retries` times) and counts
    as missed only if every attempt missed: on a machine shared with other work, a few seconds of
    someone else's burst would otherwise end the search at a rate the server does keep. Every
    attempt is reported.
    """

    async def step(rate: float) -> tuple[bool, Step]:
        for _attempt in range(1 + retries):
            got = await measure(rate)
            kept = got.keeps(p95_target_ms)
            if report:
                report(got, kept)
            if kept:
                break
        return kept, got

    best: Step | None = None
    rate = start
    kept, got = await step(rate)
    if kept:
        best = got
        while kept and rate < max_rate:
            rate = min(rate * 2, max_rate)
            kept, got = await step(rate)
            if kept:
                best = got
        if kept:  # the ceiling asked for held
            return rate, best
        low, high = rate / 2, rate
    else:
        high = rate
        while not kept and rate / 2 >= floor:
            rate /= 2
            kept, got = await step(rate)
            if kept:
                best = got
            else:
                high = rate
        if not kept:
            return 0.0, None
        low = rate
    while high - low > precision * low:
        middle = round((low + high) / 2, 1)
        kept, got = await step(middle)
        if kept:
            low, best = middle, got
        else:
            high = middle
    return low, best
