"""`manage.py retry_stripe_events`: process again the webhook events that failed, finish lost chargebacks' recovery,
then send waiting payouts."""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError

from payments import chargebacks, webhooks
from payments.services import host_payouts


class Command(BaseCommand):
    help = "Retry failed Stripe webhook events and send payouts that were waiting."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--limit", type=int, default=100)
        parser.add_argument("--no-payouts", action="store_true", help="only events, not waiting payouts")

    def handle(self, *args: object, limit: int, no_payouts: bool, **options: object) -> None:
        events = webhooks.retry_failed_events(limit=limit)
        failed = [event for event in events if event.status != event.Status.PROCESSED]
        self.stdout.write(f"events retried={len(events)} still_failing={len(failed)}")
        recovered, recovery_failed = chargebacks.recover_lost_chargebacks()
        self.stdout.write(f"lost chargebacks re-driven={len(recovered)} failed={recovery_failed}")
        refused: list = []
        if not no_payouts:
            sent = host_payouts.retry_waiting_payouts(refused=refused)
            self.stdout.write(f"payouts sent={len(sent)} refused={len(refused)}")
        if failed or recovery_failed or refused:
            # Counted above and retried later with backoff; the scheduler records this run as failed.
            raise CommandError(
                f"still failing: events={len(failed)} chargeback recoveries={recovery_failed} payouts={len(refused)}"
            )
