"""Slow Stripe benchmark: 30 hosts accept at once while Stripe takes 400 ms per call and others post messages.

    python bench/slow_stripe.py --db sqlite
    python bench/slow_stripe.py --db postgres [--admin-url postgres://postgres@127.0.0.1:5432/postgres]

A localstripe harness runs behind a latency-injecting HTTP proxy (`--latency-ms`, default
400, per call). `--hosts` hosts (default 30) each have one request on their own car,
made and authorised beforehand, straight to the harness (not timed). Then all of them
accept at the same instant through the real `accept_booking` service (the capture goes
to Stripe through the proxy, after the booking's commit), while `--writers` threads of another
process (as another web worker would be) post conversation messages at `--rate` per second in
total until every accept is done.
Prints one line:
    db=sqlite accepts=30 failed_accepts=0 locked=0 write_p50_ms=... write_p99_ms=... captured=30
`locked` counts "database is locked" errors on either side; `captured` the payments whose
charge is recorded once the run ends (the outbox's after-commit sends);
`stripe_calls_in_transaction` the Stripe calls made while a transaction was open (must be 0);
`reference_write_*` the same writers timed alone for `--reference-seconds` just before the accepts
start, in the same run (what the machine's load alone costs a message). The issue's target:
no lock error, no failed accept, message p99 < 100 ms. The database is created for the run
and removed afterwards.
"""

from __future__ import annotations

import argparse
import multiprocessing
import os
import socket
import statistics
import sys
import threading
import time
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from booking_race import start_localstripe
from scratch_db import scratch_database

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

FORWARDED_HEADERS = ("Authorization", "Idempotency-Key", "Content-Type", "Stripe-Version", "Stripe-Account")


def serve_slow_proxy(target: str, latency: float, port: int) -> None:
    """An HTTP proxy to `target` that waits `latency` seconds before forwarding each call (its own process,
    so its threads never compete for the measured process's interpreter lock)."""
    import requests

    session = requests.Session()

    class Handler(BaseHTTPRequestHandler):
        def _forward(self) -> None:
            time.sleep(latency)
            body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
            headers = {name: self.headers[name] for name in FORWARDED_HEADERS if self.headers.get(name)}
            answer = session.request(self.command, target + self.path, data=body, headers=headers, timeout=30)
            self.send_response(answer.status_code)
            for name in ("Content-Type", "Idempotent-Replayed", "Request-Id"):
                if name in answer.headers:
                    self.send_header(name, answer.headers[name])
            self.send_header("Content-Length", str(len(answer.content)))
            self.end_headers()
            self.wfile.write(answer.content)

        do_GET = do_POST = do_DELETE = _forward

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", port), Handler)
    server.daemon_threads = True
    server.serve_forever()


def start_slow_proxy(target: str, latency: float) -> tuple[multiprocessing.Process, str]:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    process = multiprocessing.get_context("fork").Process(
        target=serve_slow_proxy, args=(target, latency, port), daemon=True
    )
    process.start()
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                break
        except OSError:
            time.sleep(0.05)
    return process, f"http://127.0.0.1:{port}"


def percentile(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def write_messages(thread_id: int, talker_ids: list[int], writers: int, rate: float, go, stop, answers) -> None:
    """In a forked process: `writers` threads post messages at `rate` per second in all, from `go` to `stop`;
    sends back (write times in ms, "database is locked" count, first errors)."""
    from django.db import OperationalError, connection

    from accounts.models import User
    from realtime.models import Thread
    from realtime.services import post_message

    thread = Thread.objects.get(pk=thread_id)
    talkers = list(User.objects.filter(pk__in=talker_ids).order_by("pk"))
    lock = threading.Lock()
    write_ms: list[tuple[float, float]] = []  # (when it began, system-wide monotonic clock; ms)
    failures = {"locked": 0}
    errors: list[str] = []
    ready = threading.Barrier(writers + 1)

    def write(index: int) -> None:
        interval = writers / rate
        try:
            User.objects.filter(pk=talkers[0].pk).exists()  # this thread's connection is open before the clock
            ready.wait()
            go.wait()
            next_at = time.monotonic()
            while not stop.is_set():
                began = time.perf_counter()
                began_at = time.monotonic()
                try:
                    post_message(thread=thread, sender=talkers[index % 2], body=f"message {index}")
                except Exception as error:
                    with lock:
                        failures["locked"] += int(isinstance(error, OperationalError) and "locked" in str(error))
                        if len(errors) < 5:
                            errors.append(f"{type(error).__name__}: {error}")
                else:
                    with lock:
                        write_ms.append((began_at, (time.perf_counter() - began) * 1000))
                        if os.environ.get("BENCH_TRACE"):
                            print(f"# {began_at:.2f} {write_ms[-1][1]:.0f}", file=sys.stderr)
                next_at += interval
                time.sleep(max(0.0, next_at - time.monotonic()))
        finally:
            connection.close()

    workers = [threading.Thread(target=write, args=(i,)) for i in range(writers)]
    for worker in workers:
        worker.start()
    ready.wait()
    answers.send("ready")
    for worker in workers:
        worker.join()
    answers.send((write_ms, failures["locked"], errors))


def run(
    *, db: str, hosts: int, writers: int, rate: float, harness: str, proxy: str, reference_seconds: float = 3.0
) -> str:
    from allauth.account.models import EmailAddress
    from django.conf import settings
    from django.db import OperationalError, connection, connections
    from django.utils import timezone

    from accounts.models import User, Verification, VerificationKind, VerificationStatus
    from bookings.money import booking_reference
    from bookings.services.answers import accept_booking
    from bookings.services.checkout import request_booking
    from listings.models import CarDetails, Listing, ListingKind
    from payments import gateway
    from payments.models import Payment
    from realtime.services import ensure_thread

    lock = threading.Lock()
    now = timezone.now()
    start = (now + timedelta(days=10)).replace(minute=0, second=0, microsecond=0)
    settings.STRIPE_API_BASE = harness  # setup goes straight to the harness, untimed
    bookings = []
    for i in range(hosts):
        host = User.objects.create_user(email=f"host-{i}@bench.test", password=None)
        guest = User.objects.create_user(email=f"guest-{i}@bench.test", password=None)
        EmailAddress.objects.create(user=guest, email=guest.email, verified=True, primary=True)
        # Renting a car needs a driving licence staff verified (accounts.verifications).
        Verification.objects.create(user=guest, kind=VerificationKind.LICENCE, status=VerificationStatus.VERIFIED)
        listing = Listing.objects.create(
            owner=host,
            kind=ListingKind.CAR,
            title=f"Bench car {i}",
            address="Bench street",
            latitude=48.85,
            longitude=2.35,
            time_zone="Europe/Paris",
            unit_price=1500,
            min_units=1,
            max_units=48,
            capacity=4,
        )
        CarDetails.objects.create(
            listing=listing,
            make="Renault",
            model="Clio",
            year=2021,
            transmission="manual",
            fuel="petrol",
            day_price=6000,
        )
        card = gateway.client().v1.payment_methods.create(
            params={
                "type": "card",
                "card": {"number": "4242424242424242", "exp_month": 12, "exp_year": 2034, "cvc": "123"},
            }
        )
        booking = request_booking(
            guest=guest,
            listing_id=listing.pk,
            start=start,
            end=start + timedelta(hours=3),
            guests=1,
            payment_method=card.id,
            now=now,
        )
        bookings.append(booking)
    talkers = [User.objects.create_user(email=f"talker-{i}@bench.test", password=None) for i in range(2)]
    thread = ensure_thread(key="bench:slow-stripe", title="Bench", participants=talkers)
    settings.STRIPE_API_BASE = proxy  # from here on every Stripe call takes the injected latency
    # Counts Stripe calls made while this thread's connection had a transaction open (must stay 0).
    in_transaction = {"calls": 0}
    real_call = gateway._call

    def watched_call(*args, **kwargs):
        if connection.in_atomic_block:
            with lock:
                in_transaction["calls"] += 1
        return real_call(*args, **kwargs)

    gateway._call = watched_call

    results = {"failed_accepts": 0, "locked": 0}
    errors: list[str] = []
    barrier = threading.Barrier(hosts + 1)

    def count_error(error: BaseException, key: str | None) -> None:
        with lock:
            if isinstance(error, OperationalError) and "locked" in str(error):
                results["locked"] += 1
            if key:
                results[key] += 1
            if len(errors) < 5:
                errors.append(f"{type(error).__name__}: {error}")

    def accept(booking) -> None:
        try:
            User.objects.filter(pk=booking.guest_id).exists()
            barrier.wait()
            accept_booking(host=booking.listing.owner, booking_id=booking.pk, now=now)
        except Exception as error:  # counted, then shown
            count_error(error, "failed_accepts")
        finally:
            connection.close()

    # The message writers are another process, as another web worker would be: in this one they would
    # wait for the interpreter lock behind the 30 accepting threads, and measure that instead of the database.
    connections.close_all()
    context = multiprocessing.get_context("fork")
    go, stop = context.Event(), context.Event()
    answers, child_end = context.Pipe(duplex=False)
    writer_process = context.Process(
        target=write_messages, args=(thread.pk, [talker.pk for talker in talkers], writers, rate, go, stop, child_end)
    )
    writer_process.start()
    answers.recv()  # the writers' connections are open
    accept_threads = [threading.Thread(target=accept, args=(booking,)) for booking in bookings]
    for worker in accept_threads:
        worker.start()
    # The reference, timed in the same run on the same loaded machine: the writers alone for a while,
    # then the 30 accepts start while they go on writing.
    go.set()
    time.sleep(reference_seconds)
    accepts_began = time.monotonic()
    barrier.wait()
    for worker in accept_threads:
        worker.join()
    stop.set()
    timed_writes, write_locked, write_errors = answers.recv()
    reference_ms = [ms for began, ms in timed_writes if began < accepts_began]
    write_ms = [ms for began, ms in timed_writes if began >= accepts_began]
    writer_process.join()
    results["locked"] += write_locked
    for error in errors + write_errors:
        print(f"# {error}", file=sys.stderr)
    references = [booking_reference(booking.pk) for booking in bookings]
    captured = Payment.objects.filter(reference__in=references, status=Payment.Status.CAPTURED).count()
    return (
        f"db={db} accepts={hosts - results['failed_accepts']} failed_accepts={results['failed_accepts']}"
        f" locked={results['locked']} write_p50_ms={statistics.median(write_ms) if write_ms else float('nan'):.1f}"
        f" write_p99_ms={percentile(write_ms, 0.99):.1f} writes={len(write_ms)} captured={captured}"
        f" stripe_calls_in_transaction={in_transaction['calls']}"
        f" reference_write_p50_ms={statistics.median(reference_ms) if reference_ms else float('nan'):.1f}"
        f" reference_write_p99_ms={percentile(reference_ms, 0.99):.1f} reference_writes={len(reference_ms)}"
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--db", choices=["sqlite", "postgres"], default="sqlite")
    parser.add_argument("--admin-url", default="postgres://postgres@127.0.0.1:5432/postgres")
    parser.add_argument("--hosts", type=int, default=30)
    parser.add_argument("--writers", type=int, default=4)
    parser.add_argument("--rate", type=float, default=20.0, help="messages per second, all writers together")
    parser.add_argument("--latency-ms", type=float, default=400.0)
    parser.add_argument("--reference-seconds", type=float, default=3.0, help="writers alone before the accepts")
    args = parser.parse_args()

    _, cleanup = scratch_database(args.db, args.admin_url, prefix="slow-stripe", conn_max_age=0)
    harness_process = start_localstripe()
    harness = os.environ["STRIPE_API_BASE"]
    proxy_process, proxy = start_slow_proxy(harness, args.latency_ms / 1000)
    try:
        import django
        from django.core.management import call_command

        os.chdir(ROOT)
        django.setup()
        call_command("migrate", verbosity=0)
        line = run(
            db=args.db,
            hosts=args.hosts,
            writers=args.writers,
            rate=args.rate,
            harness=harness,
            proxy=proxy,
            reference_seconds=args.reference_seconds,
        )
        print(line)
    finally:
        proxy_process.terminate()
        harness_process.terminate()
        cleanup()
    return 0


if __name__ == "__main__":
    sys.exit(main())
