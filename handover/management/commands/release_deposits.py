"""Renew car deposit holds about to lapse, release those whose claim window closed, charge returns still due.

Safe to run repeatedly and side by side (each deposit is claimed by a conditional update or a row
lock; each charge and each hold is made once per reference by the money port).
"""

from django.core.management.base import BaseCommand

from handover.deposits import release_due_deposits
from handover.renewals import renew_due_holds
from handover.services import collect_due_extra_charges


class Command(BaseCommand):
    help = "Renew car deposit holds about to lapse; release those whose claim window closed; charge returns due."

    def handle(self, *args, **options) -> None:
        renewed = renew_due_holds()
        released = release_due_deposits()
        charged = collect_due_extra_charges()
        self.stdout.write(f"renewed={len(renewed)} released={len(released)} extras_charged={charged}")
