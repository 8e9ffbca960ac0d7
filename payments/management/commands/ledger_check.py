"""`manage.py ledger_check`: verify every ledger invariant; exits 1 listing each offending row.

The invariants' codes (`[escrow-matches-payments]`) are the same in every language; their words are in the
language given with `--language` (default LANGUAGE_CODE), for the staff member reading them.
"""

from __future__ import annotations

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import translation
from django.utils.translation import gettext, ngettext

from payments.ledger import check_ledger


class Command(BaseCommand):
    help = "Check that the money ledger balances and agrees with payments and payouts."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--language", default=settings.LANGUAGE_CODE, help="Language of the report, e.g. de.")

    def handle(self, *args: object, **options: object) -> None:
        with translation.override(str(options["language"])):
            problems = check_ledger()
            if problems:
                for problem in problems:
                    self.stderr.write(str(problem))
                count = len(problems)
                raise CommandError(
                    ngettext(
                        "Ledger check failed: %(count)s problem.", "Ledger check failed: %(count)s problems.", count
                    )
                    % {"count": count},
                    returncode=1,
                )
            self.stdout.write(self.style.SUCCESS(gettext("Ledger OK: every invariant holds.")))
