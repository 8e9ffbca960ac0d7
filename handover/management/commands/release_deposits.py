"""Release every car deposit whose claim window closed without a claim (safe to run repeatedly, and side by side)."""

from django.core.management.base import BaseCommand

from handover.deposits import release_due_deposits


class Command(BaseCommand):
    help = "Release car deposit holds whose 48-hour claim window after the return has closed."

    def handle(self, *args, **options) -> None:
        released = release_due_deposits()
        self.stdout.write(f"released={len(released)}")
