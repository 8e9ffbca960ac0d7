"""Booking race benchmark: many concurrent bookings of one listing, in a throwaway database.

    python bench/booking_race.py --attempts 200 --db sqlite
    python bench/booking_race.py --attempts 200 --db postgres [--admin-url postgres://postgres@127.0.0.1:5432/postgres]

Two rounds, each with `--attempts` attempts spread over `--threads` threads, each
thread with its own database connection, through the real `request_booking`
service on an instant-book car:
  same-slot: every attempt overlaps every other one; exactly one may be confirmed.
  spread:    random periods (2-24 h) over a 180-day horizon; most are confirmed.
Each round prints `attempts=... confirmed=... overlaps=...` and bookings per
second; `overlaps` counts overlapping slot-holding pairs afterwards and must be 0.
The database is created for the run and removed afterwards (a temp file for
SQLite, a `sharing_bench_<pid>` database for PostgreSQL). Every attempt pays with a
test card (authorise, then capture or release) through a localstripe harness started
for the run, as bookings do in production.
"""

from __future__ import annotations

import argparse
import os
import random
import socket
import subprocess
import sys
import threading
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from scratch_db import scratch_database

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def setup_database(kind: str, admin_url: str) -> tuple[str, object]:
    """Point the settings at a fresh database; return its name and a cleanup function."""
    return scratch_database(kind, admin_url, prefix="bench", conn_max_age=0)


def start_localstripe() -> subprocess.Popen:
    """The payments harness on a free port; STRIPE_API_BASE points at it (before django.setup)."""
    import requests

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    process = subprocess.Popen(
        [sys.executable, "-m", "devtools.localstripe_server", "--port", str(port), "--quiet"],
        cwd=ROOT,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        stdout=subprocess.DEVNULL,
    )
    os.environ["STRIPE_API_BASE"] = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        try:
            if requests.get(f"http://127.0.0.1:{port}/_config/health", timeout=0.5).ok:
                return process
        except requests.ConnectionError:
            time.sleep(0.05)
    process.kill()
    raise RuntimeError("localstripe harness did not start")


def run_round(*, label: str, attempts: int, threads: int, periods: list[tuple[datetime, datetime]]) -> bool:
    from allauth.account.models import EmailAddress
    from django.db import connection

    from accounts.models import User, Verification, VerificationKind, VerificationStatus
    from bookings import selectors
    from bookings.models import HOLDING_STATUSES, Booking
    from bookings.services.checkout import request_booking
    from core.errors import Conflict
    from listings.models import BusyPeriod, CarDetails, Listing, ListingKind

    host = User.objects.create_user(email=f"host-{label}@bench.test", password=None)
    listing = Listing.objects.create(
        owner=host,
        kind=ListingKind.CAR,
        title=f"Bench car ({label})",
        address="Bench street",
        latitude=48.85,
        longitude=2.35,
        time_zone="Europe/Paris",
        unit_price=1500,
        min_units=1,
        max_units=24 * 40,
        capacity=4,
        instant_book=True,
    )
    CarDetails.objects.create(
        listing=listing, make="Renault", model="Clio", year=2021, transmission="manual", fuel="petrol", day_price=6000
    )
    guests = []
    for i in range(attempts):
        guest = User.objects.create_user(email=f"guest-{label}-{i}@bench.test", password=None)
        EmailAddress.objects.create(user=guest, email=guest.email, verified=True, primary=True)
        # Renting a car needs a driving licence staff verified (accounts.verifications).
        Verification.objects.create(user=guest, kind=VerificationKind.LICENCE, status=VerificationStatus.VERIFIED)
        guests.append(guest)

    from payments import gateway

    # The guests' cards, as Stripe.js would create them in their browsers (not timed).
    cards = [
        gateway.client()
        .v1.payment_methods.create(
            params={
                "type": "card",
                "card": {"number": "4242424242424242", "exp_month": 12, "exp_year": 2034, "cvc": "123"},
            }
        )
        .id
        for _ in range(attempts)
    ]
    now = min(start for start, _ in periods) - timedelta(days=1)
    queue = list(enumerate(periods))
    lock = threading.Lock()
    outcome = {"confirmed": 0, "taken": 0, "errors": 0}
    first_errors: list[str] = []

    def worker() -> None:
        try:
            while True:
                with lock:
                    if not queue:
                        return
                    i, (start, end) = queue.pop()
                try:
                    request_booking(
                        guest=guests[i],
                        listing_id=listing.pk,
                        start=start,
                        end=end,
                        guests=1,
                        payment_method=cards[i],
                        now=now,
                    )
                    key = "confirmed"
                except Conflict:
                    key = "taken"
                except Exception as error:  # counted and shown: the bench reports, it does not hide
                    key = "errors"
                    with lock:
                        first_errors.append(repr(error))
                with lock:
                    outcome[key] += 1
        finally:
            connection.close()

    pool = [threading.Thread(target=worker) for _ in range(threads)]
    began = time.perf_counter()
    for thread in pool:
        thread.start()
    for thread in pool:
        thread.join()
    elapsed = time.perf_counter() - began

    overlaps = selectors.overlapping_holding_pairs(listing_id=listing.pk)
    holding = Booking.objects.filter(listing=listing, status__in=HOLDING_STATUSES).count()
    calendar = BusyPeriod.objects.filter(listing=listing).count()
    print(
        f"round={label} attempts={attempts} confirmed={outcome['confirmed']} dates_taken={outcome['taken']} "
        f"errors={outcome['errors']} overlaps={overlaps} seconds={elapsed:.2f} "
        f"attempts_per_second={attempts / elapsed:.1f} bookings_per_second={outcome['confirmed'] / elapsed:.1f}"
    )
    for line in first_errors[:3]:
        print(f"  error: {line}")
    consistent = holding == outcome["confirmed"] == calendar and overlaps == 0 and outcome["errors"] == 0
    if label == "same-slot":
        consistent = consistent and outcome["confirmed"] == 1
    return consistent


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--attempts", type=int, default=200)
    parser.add_argument("--db", choices=["postgres", "sqlite"], default="sqlite")
    parser.add_argument("--threads", type=int, default=16)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--admin-url", default="postgres://postgres@127.0.0.1:5432/postgres")
    args = parser.parse_args()

    name, cleanup = setup_database(args.db, args.admin_url)
    harness = start_localstripe()
    try:
        import django

        django.setup()
        from django.core.management import call_command
        from django.db import connections

        call_command("migrate", verbosity=0)
        print(f"db={args.db} database={name} threads={args.threads}")
        rng = random.Random(args.seed)
        base = datetime(2030, 3, 4, 8, 0, tzinfo=UTC)
        same_slot = [
            (base + timedelta(hours=i % 24), base + timedelta(hours=i % 24 + 30)) for i in range(args.attempts)
        ]
        spread = []
        for _ in range(args.attempts):
            start = base + timedelta(days=60, hours=rng.randrange(180 * 24))
            spread.append((start, start + timedelta(hours=rng.randint(2, 24))))
        ok = run_round(label="same-slot", attempts=args.attempts, threads=args.threads, periods=same_slot)
        ok = run_round(label="spread", attempts=args.attempts, threads=args.threads, periods=spread) and ok
        connections.close_all()
        print("result=consistent" if ok else "result=INCONSISTENT")
        return 0 if ok else 1
    finally:
        harness.terminate()
        harness.wait(timeout=10)
        cleanup()


if __name__ == "__main__":
    sys.exit(main())
