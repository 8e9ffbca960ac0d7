"""`manage.py ledger_check`: verify every ledger invariant; exits 1 listing each offending row."""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError

from payments.ledger import check_ledger


class Command(BaseCommand):
    help = "Check that the money ledger balances and agrees with payments and payouts."

    def handle(self, *args: object, **options: object) -> None:
        problems = check_ledger()
        if problems:
            for problem in problems:
                self.stderr.write(str(problem))
            raise CommandError(f"Ledger check failed: {len(problems)} problem(s).", returncode=1)
        self.stdout.write(self.style.SUCCESS("Ledger OK: every invariant holds."))
