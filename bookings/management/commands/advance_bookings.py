"""Catch up every due booking transition (expiry, start, completion, payout, stale 3-D Secure checkouts)."""

from __future__ import annotations

from django.core.management.base import BaseCommand

from bookings.services.clock import advance_due_bookings


class Command(BaseCommand):
    help = "Run every time-driven booking transition that is due. Safe to run any time, any number of times."

    def handle(self, *args: object, **options: object) -> None:
        counts = advance_due_bookings()
        self.stdout.write(" ".join(f"{name}={count}" for name, count in counts.items()))
