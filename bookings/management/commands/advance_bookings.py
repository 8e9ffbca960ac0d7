"""Catch up every due booking transition (expiry, start, completion, payout, stale 3-D Secure checkouts)."""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError

from bookings.services.clock import advance_due_bookings


class Command(BaseCommand):
    help = "Run every time-driven booking transition that is due. Safe to run any time, any number of times."

    def handle(self, *args: object, **options: object) -> None:
        counts = advance_due_bookings()
        line = " ".join(f"{name}={count}" for name, count in counts.items())
        self.stdout.write(line)
        if counts["failed"]:
            # Counted, recorded and retried with backoff (bookings.services.retries); the scheduler
            # records this run as failed rather than done, so an outage shows on its job too.
            raise CommandError(f"{counts['failed']} due transitions failed: {line}")
