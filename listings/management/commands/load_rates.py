"""manage.py load_rates [PATH_OR_URL]: load the ECB's reference rates (default: the snapshot shipped with Sharing)."""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError

from core.rates import SNAPSHOT, RateFileError
from listings.prices import load_rates

ECB_DAILY = "https://www.ecb.europa.eu/stats/eurofxref/eurofxref-daily.xml"


class Command(BaseCommand):
    help = "Load a day of exchange rates from an ECB reference-rate file (a path or URL) and reprice search."

    def add_arguments(self, parser):
        parser.add_argument("source", nargs="?", help=f"A path or URL (the ECB's: {ECB_DAILY}).")
        parser.add_argument(
            "--snapshot", action="store_true", help="Load the dated snapshot shipped with Sharing (works offline)."
        )
        parser.add_argument(
            "--accept-old", action="store_true", help="Load a file more than a week old (staff are still warned)."
        )

    def handle(self, *args, **options):
        if options["snapshot"] == bool(options["source"]):
            raise CommandError(f"Give a path or URL (e.g. {ECB_DAILY}), or --snapshot.")
        source = str(SNAPSHOT) if options["snapshot"] else options["source"]
        try:
            loaded = load_rates(source=source, accept_old=options["accept_old"] or options["snapshot"])
        except RateFileError as error:
            raise CommandError(f"{error.message} Nothing was changed.") from None
        rates = loaded.rates
        self.stdout.write(f"Loaded {len(rates.per_euro) - 1} rates of {rates.day} from {source}.")
        if loaded.latest:
            self.stdout.write(f"Search now uses them: {loaded.listings_repriced} listings repriced.")
        else:
            self.stdout.write("Newer rates are already loaded: search keeps using them.")
