"""Open a dispute for every chargeback (a frozen payment with a Stripe dispute id) that has none yet."""

from django.core.management.base import BaseCommand

from disputes.chargebacks import open_chargeback_disputes


class Command(BaseCommand):
    help = "Open a dispute for each chargeback reported by Stripe that has none yet (safe to run repeatedly)."

    def handle(self, *args, **options) -> None:
        opened = open_chargeback_disputes()
        self.stdout.write(f"opened={len(opened)}")
