"""`manage.py redrive_money`: send again the money operations left pending (a crash, a timeout, an outage)."""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError

from payments.outbox import redrive_money_operations


class Command(BaseCommand):
    help = "Send pending money operations (capture, release, refund) and waiting payouts to Stripe again."

    def handle(self, *args: object, **options: object) -> None:
        counts = redrive_money_operations()
        line = " ".join(f"{name}={count}" for name, count in counts.items())
        self.stdout.write(line)
        if counts["pending"] or counts["failed"] or counts["payouts_refused"]:
            # An outage (or a refusal) on this run: the scheduler records the job as failed, not as done.
            raise CommandError(f"some money operations did not go through: {line}")
