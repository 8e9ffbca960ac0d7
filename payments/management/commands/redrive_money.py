"""`manage.py redrive_money`: send again the money operations left pending (a crash, a timeout, an outage)."""

from __future__ import annotations

from django.core.management.base import BaseCommand

from payments.outbox import redrive_money_operations


class Command(BaseCommand):
    help = "Send pending money operations (capture, release, refund) and waiting payouts to Stripe again."

    def handle(self, *args: object, **options: object) -> None:
        counts = redrive_money_operations()
        self.stdout.write(" ".join(f"{name}={count}" for name, count in counts.items()))
