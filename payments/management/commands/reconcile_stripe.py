"""`manage.py reconcile_stripe`: compare our payments, refunds and transfers with Stripe's; list what differs."""

from __future__ import annotations

from django.core.management.base import BaseCommand

from payments.reconcile import reconcile_stripe


class Command(BaseCommand):
    help = "Compare recorded payments, captures, refunds and transfers with Stripe; mismatches go to the staff queue."

    def handle(self, *args: object, **options: object) -> None:
        outcome = reconcile_stripe()
        for mismatch in outcome.open:
            self.stdout.write(f"mismatch {mismatch.key}: ours {mismatch.ours}; Stripe {mismatch.stripe}")
        self.stdout.write(
            f"checked={outcome.checked} open={len(outcome.open)} new={outcome.new} resolved={outcome.resolved}"
        )
