"""Release car deposits whose claim window closed, and charge extra kilometres whose task was lost.

Safe to run repeatedly and side by side (each deposit is claimed by a conditional update; each
charge is made once per booking by the money port).
"""

from django.core.management.base import BaseCommand

from handover.deposits import release_due_deposits
from handover.services import collect_due_extra_charges


class Command(BaseCommand):
    help = "Release car deposit holds whose claim window has closed; charge extra kilometres still due."

    def handle(self, *args, **options) -> None:
        released = release_due_deposits()
        charged = collect_due_extra_charges()
        self.stdout.write(f"released={len(released)} extras_charged={charged}")
