"""A burst of notifications delivered by email: how fast the workers drain it, and whether deadline mails go first.

    .venv/bin/python bench/email_burst.py --notifications 10000 --workers 2

It makes its own database (a temporary SQLite file, or with --db postgres a PostgreSQL
database it creates and drops), starts a local SMTP sink (aiosmtpd) and `--workers` task
workers (`manage.py db_worker`), then commits `--notifications` notifications through
`realtime.notify` in a burst (transactions of --per-commit), one in `--deadline-every` of them a
deadline kind (booking.requested), the others an ordinary one (review.can_write), spread over
--people recipients. It waits until the sink has accepted every mail and prints one line:

    notifications=... mails=... seconds=... mails_per_s=... duplicates=0 deadline_delay_max_s=...

`seconds` runs from the first commit to the last mail accepted; `duplicates` counts mails whose
Message-ID (one per delivery) the sink saw before; `deadline_delay_max_s` is the longest time from
a deadline notification's commit to its mail's acceptance. Details go to stderr.
"""

from __future__ import annotations

import argparse
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from collections import Counter
from email import message_from_bytes
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(BASE_DIR))

from bench.scratch_db import scratch_database  # noqa: E402

DEADLINE_KIND = "booking.requested"
ORDINARY_KIND = "review.can_write"


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Sink:
    """The SMTP server: remembers when each mail (by Message-ID) was accepted, and its notification id."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.accepted: list[tuple[str, str, float]] = []

    async def handle_DATA(self, server, session, envelope) -> str:
        message = message_from_bytes(envelope.original_content)
        with self.lock:
            self.accepted.append((message["Message-ID"], message["X-Sharing-Kind"], time.time()))
        return "250 OK"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--notifications", type=int, default=10_000)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--people", type=int, default=500)
    parser.add_argument("--per-commit", type=int, default=100)
    parser.add_argument("--deadline-every", type=int, default=100, help="one deadline notification in this many")
    parser.add_argument("--db", choices=["sqlite", "postgres"], default="sqlite")
    parser.add_argument("--admin-url", default="postgres://postgres@127.0.0.1:5432/postgres")
    parser.add_argument("--timeout", type=float, default=1200)
    args = parser.parse_args()

    from aiosmtpd.controller import Controller

    sink = Sink()
    controller = Controller(sink, hostname="127.0.0.1", port=free_port())
    controller.start()
    name, cleanup = scratch_database(args.db, args.admin_url, prefix="email-burst", conn_max_age=60)
    os.environ.update(
        {
            "EMAIL_HOST": "127.0.0.1",
            "EMAIL_PORT": str(controller.port),
            "EMAIL_USE_TLS": "false",
            "SITE_URL": "http://127.0.0.1:8000",
            "LOG_LEVEL": "WARNING",
        }
    )
    workers: list[subprocess.Popen] = []
    try:
        import django

        django.setup()
        from django.contrib.auth import get_user_model
        from django.core.management import call_command
        from django.db import transaction

        from realtime import notify

        call_command("migrate", verbosity=0, interactive=False)
        User = get_user_model()
        User.objects.bulk_create(
            [User(email=f"burst{i}@example.com", password="!unusable") for i in range(args.people)]
        )
        people = list(User.objects.order_by("pk"))
        log(f"database {name}: {len(people)} people; starting {args.workers} workers")
        for number in range(args.workers):
            command = [sys.executable, "manage.py", "db_worker", "--interval", "0.05", "--no-startup-delay"]
            command += ["--no-reload", "--worker-id", f"burst-{number}"]
            workers.append(
                subprocess.Popen(command, cwd=BASE_DIR, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            )
        time.sleep(2)  # the workers are up and polling

        committed_at: dict[int, float] = {}  # deadline notification id -> commit time
        started = time.time()
        for first in range(0, args.notifications, args.per_commit):
            ids = []
            with transaction.atomic():
                for seq in range(first, min(first + args.per_commit, args.notifications)):
                    kind = DEADLINE_KIND if seq % args.deadline_every == args.deadline_every - 1 else ORDINARY_KIND
                    person = people[seq % len(people)]
                    [note] = notify([person], kind, {"title": f"Burst {seq}", "url": "/notifications/"})
                    if kind == DEADLINE_KIND:
                        ids.append(note.pk)
            now = time.time()
            committed_at.update(dict.fromkeys(ids, now))
        burst_s = time.time() - started
        log(f"burst committed in {burst_s:.1f} s ({args.notifications / burst_s:.0f} notifications/s)")

        deadline = time.monotonic() + args.timeout
        while time.monotonic() < deadline:
            with sink.lock:
                count = len(sink.accepted)
            if count >= args.notifications:
                break
            time.sleep(0.5)
        time.sleep(1)  # a duplicate would arrive right behind
        with sink.lock:
            accepted = list(sink.accepted)

        from notifications.models import Delivery

        by_id = {f"<delivery-{pk}@127.0.0.1>": nid for pk, nid in Delivery.objects.values_list("pk", "notification_id")}
        seen = Counter(message_id for message_id, _, _ in accepted)
        duplicates = sum(n - 1 for n in seen.values())
        first_accept: dict[str, float] = {}
        for message_id, _, at in accepted:
            first_accept.setdefault(message_id, at)
        delays = [
            first_accept[message_id] - committed_at[by_id[message_id]]
            for message_id in first_accept
            if by_id.get(message_id) in committed_at
        ]
        mails = len(first_accept)
        seconds = (max(at for _, _, at in accepted) - started) if accepted else float("nan")
        statuses = dict(Counter(Delivery.objects.values_list("status", flat=True)))
        log(f"deliveries by status: {statuses}; deadline mails seen: {len(delays)} of {len(committed_at)}")
        print(
            f"notifications={args.notifications} mails={mails} seconds={seconds:.1f} "
            f"mails_per_s={mails / seconds:.1f} duplicates={duplicates} "
            f"deadline_delay_max_s={max(delays) if delays else float('nan'):.1f}",
            flush=True,
        )
        return 0 if mails == args.notifications and duplicates == 0 else 1
    finally:
        for worker in workers:
            worker.send_signal(signal.SIGTERM)
        for worker in workers:
            try:
                worker.wait(timeout=20)
            except subprocess.TimeoutExpired:
                worker.kill()
        controller.stop()
        cleanup()


if __name__ == "__main__":
    sys.exit(main())
