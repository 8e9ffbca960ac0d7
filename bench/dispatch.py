"""On-demand dispatch benchmark: time from "I need a driver now" to the first offer delivered to a provider.

    python bench/dispatch.py --providers 10000 --db sqlite
    python bench/dispatch.py --providers 10000 --db postgres [--admin-url postgres://postgres@127.0.0.1:5432/postgres]

Builds N available driving services in one city (a disk of 10 km around central Paris,
denser towards the middle) in a throwaway database, then makes `--requests` requests
from random points within 5 km of the centre through the real `dispatch.services.requests.request_now`
(nearest-first search over the H3 cell index, quotes, the request row, the offers, the
stored notifications, the tasks for the next wave and the expiry) and times each one
until the first offer arrives on a provider's dispatch group of the channel layer (the
in-memory layer: one process, so the clock is shared). The card hold is a no-op stand-in
for the money port: a Stripe round trip is the bank's time, not dispatch's. Prints
`providers=N p50_ms=.. p95_ms=..` (target: p95 under 50 ms at 10,000 providers), and a
comment line with the CPU time the process spent over the same span and the load average:
on a shared machine the wall clock mostly measures the wait for a free core.
"""

from __future__ import annotations

import argparse
import asyncio
import math
import os
import random
import sys
import time
from pathlib import Path

from scratch_db import scratch_database

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

CENTRE = (48.8566, 2.3522)


class NoCardMoney:
    """Stands in for the money port (settings.BOOKING_MONEY) during the benchmark: every hold succeeds at once."""

    def __init__(self) -> None:
        self.next_id = 0

    def authorise(self, *, payer, amount, currency, reference, payment_method):
        from bookings.money import Authorisation

        self.next_id += 1
        return Authorisation(payment_id=self.next_id, status="authorized")

    def abandon(self, *, payment_id: int) -> None:
        return None


def quiet_in_memory_layer():
    """The in-memory channel layer without its walk over every group membership on each send and receive.

    The stock InMemoryChannelLayer expires group memberships by walking all groups on every
    group_send and receive; with one group per provider that walk is O(providers) (~3-7 ms at
    10,000, on the event loop, inside the measured span) and it is the test layer's own cost:
    production's Redis layer has no such walk. Memberships never come near their expiry (a day)
    during a run, so skipping the walk changes nothing else; expired messages are still dropped.
    """
    from channels.layers import InMemoryChannelLayer

    class QuietInMemoryChannelLayer(InMemoryChannelLayer):
        def _clean_expired(self) -> None:
            now = time.time()
            for channel, queue in list(self.channels.items()):
                while not queue.empty() and queue._queue[0][0] < now:
                    queue.get_nowait()
                    self._remove_from_groups(channel)
                    if queue.empty():
                        self.channels.pop(channel, None)

    return QuietInMemoryChannelLayer()


def setup_database(kind: str, admin_url: str):
    os.environ["BOOKING_MONEY"] = "__main__.NoCardMoney"
    os.environ["DISPATCH_SILENCE_SECONDS"] = "86400"
    _, cleanup = scratch_database(kind, admin_url, prefix="bench-dispatch", conn_max_age=600)
    return cleanup


def point_near(rng: random.Random, km: float) -> tuple[float, float]:
    """A random point within `km` of the centre, denser in the middle (radius ~ uniform, not area-uniform)."""
    distance = km * rng.random() ** 0.75
    bearing = rng.uniform(0, 2 * math.pi)
    lat = CENTRE[0] + distance * math.cos(bearing) / 111.32
    lng = CENTRE[1] + distance * math.sin(bearing) / (111.32 * math.cos(math.radians(CENTRE[0])))
    return lat, lng


def build(n: int, requests: int, rng: random.Random):
    from allauth.account.models import EmailAddress
    from django.utils import timezone

    from accounts.models import User
    from dispatch.models import Availability
    from listings import geo
    from listings.models import DriverDetails, Listing, ListingKind

    now = timezone.now()
    providers = User.objects.bulk_create(
        [User(email=f"driver{i}@bench.example", password="!") for i in range(n)], batch_size=2000
    )
    listings = []
    points = [point_near(rng, 10.0) for _ in range(n)]
    for owner, (lat, lng) in zip(providers, points, strict=True):
        fine, mid, coarse = geo.cells_for(lat, lng)
        listings.append(
            Listing(
                owner=owner,
                kind=ListingKind.DRIVER,
                title="Driver",
                address="Paris",
                city="Paris",
                latitude=lat,
                longitude=lng,
                time_zone="Europe/Paris",
                unit_price=rng.choice([1500, 1800, 2200]),
                max_units=12,
                cell_fine=fine,
                cell_mid=mid,
                cell_coarse=coarse,
            )
        )
    listings = Listing.objects.bulk_create(listings, batch_size=2000)
    DriverDetails.objects.bulk_create(
        [DriverDetails(listing=listing, service_radius_km=15) for listing in listings], batch_size=2000
    )
    Availability.objects.bulk_create(
        [
            Availability(
                listing=listing,
                provider_id=listing.owner_id,
                kind=ListingKind.DRIVER,
                is_available=True,
                latitude=listing.latitude,
                longitude=listing.longitude,
                cell=listing.cell_mid,
                cell_coarse=geo.coverage_cell_of(listing.latitude, listing.longitude),
                reach_km=15,
                last_seen=now,
            )
            for listing in listings
        ],
        batch_size=2000,
    )
    requesters = User.objects.bulk_create(
        [User(email=f"rider{i}@bench.example", password="!") for i in range(requests)], batch_size=2000
    )
    EmailAddress.objects.bulk_create(
        [EmailAddress(user=u, email=u.email, primary=True, verified=True) for u in requesters], batch_size=2000
    )
    return providers, requesters


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--providers", type=int, default=10_000)
    parser.add_argument("--requests", type=int, default=200)
    parser.add_argument("--db", choices=["sqlite", "postgres"], default="sqlite")
    parser.add_argument("--admin-url", default="postgres://postgres@127.0.0.1:5432/postgres")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--profile", action="store_true", help="print where the request time goes (cProfile)")
    parser.add_argument(
        "--stock-layer",
        action="store_true",
        help="use Channels' stock in-memory layer, whose per-call walk over every provider's group is in the figure",
    )
    options = parser.parse_args()
    rng = random.Random(options.seed)
    cleanup = setup_database(options.db, options.admin_url)
    try:
        import django

        django.setup()
        import numpy as np
        from asgiref.sync import sync_to_async
        from channels.layers import get_channel_layer
        from django.core.management import call_command

        from dispatch.inputs import Need, Position
        from dispatch.models import Offer
        from dispatch.services.common import LIVE_TOPIC
        from dispatch.services.requests import cancel_request, request_now
        from dispatch.services.waves import wave_size
        from realtime.live import person_group

        call_command("migrate", verbosity=0)
        started = time.monotonic()
        providers, requesters = build(options.providers, options.requests, rng)
        print(f"# built {options.providers} available providers in {time.monotonic() - started:.1f} s", flush=True)

        if not options.stock_layer:
            from channels.layers import DEFAULT_CHANNEL_LAYER, channel_layers

            channel_layers.set(DEFAULT_CHANNEL_LAYER, quiet_in_memory_layer())
        layer = get_channel_layer()

        def cancel(requester, request) -> int:
            sent = Offer.objects.filter(request=request).count()
            cancel_request(requester=requester, request_id=request.pk)
            return sent

        async def first_message(channel: str) -> tuple[dict, float, float]:
            message = await layer.receive(channel)
            return message, time.perf_counter(), time.process_time()

        async def run_requests() -> list[float]:
            # As in the server: the service runs in Django's sync thread (sync_to_async, as a view would under
            # daphne), its after-commit pushes hop back onto this event loop, and the provider's socket side
            # (here: one channel in every provider's group) receives on the loop.
            channel = await layer.new_channel()
            for provider in providers:
                await layer.group_add(person_group(LIVE_TOPIC, provider.pk), channel)
            ask = sync_to_async(request_now)
            timings = []
            for index, requester in enumerate(requesters):
                lat, lng = point_near(rng, 5.0)
                # Listening before asking: the offer is stamped when it lands, even while the service's
                # remaining after-commit work (the queue's rows, the stored notifications' push) goes on.
                arrival = asyncio.ensure_future(first_message(channel))
                c0 = time.process_time()
                t0 = time.perf_counter()
                need = Need(kind="driver", position=Position(lat, lng), hours=2)
                request = await ask(requester=requester, need=need, payment_method="pm_bench")
                first, landed, cpu_landed = await arrival
                elapsed = landed - t0
                cpu = cpu_landed - c0
                assert first["event"]["type"] == "offer", first
                sent = await sync_to_async(cancel)(requester, request)
                for _ in range(2 * sent - 1):  # the rest of the wave, then the withdrawals
                    await layer.receive(channel)
                if index >= 3:  # the first few warm the caches and the connection
                    timings.append(elapsed * 1000)
                    cpu_times.append(cpu * 1000)
            return timings

        cpu_times: list[float] = []
        profiler = None
        if options.profile:
            import cProfile

            profiler = cProfile.Profile()
            profiler.enable()
        timings = asyncio.run(run_requests())
        if profiler is not None:
            import pstats

            profiler.disable()
            pstats.Stats(profiler, stream=sys.stderr).sort_stats("cumulative").print_stats(40)
        p50, p95 = np.percentile(timings, [50, 95])
        print(f"# db={options.db} requests={len(timings)} (after 3 warm-up) first wave={wave_size(0)} offers")
        cpu50, cpu95 = np.percentile(cpu_times, [50, 95])
        # CPU time of this process over the same span: what the request costs without the wait for a busy core.
        layer_name = "stock in-memory" if options.stock_layer else "in-memory without the group walk"
        print(
            f"# cpu_p50_ms={cpu50:.2f} cpu_p95_ms={cpu95:.2f} load_average={os.getloadavg()[0]:.1f}"
            f" channel_layer={layer_name!r}"
        )
        print(f"providers={options.providers} p50_ms={p50:.2f} p95_ms={p95:.2f}", flush=True)
    finally:
        cleanup()
    return 0


if __name__ == "__main__":
    sys.exit(main())
