"""Send email and push deliveries that are due but whose task was lost (downtime, a queue outage)."""

from __future__ import annotations

from django.core.management.base import BaseCommand

from notifications.services import send_due


class Command(BaseCommand):
    help = "Send due email and push deliveries whose task was lost; safe beside running workers."

    def handle(self, *args: object, **options: object) -> None:
        counts = send_due()
        self.stdout.write(" ".join(f"{status}={count}" for status, count in sorted(counts.items())) or "nothing due")
