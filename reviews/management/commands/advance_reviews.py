"""Catch up every due review step: "you can write a review" announcements, reminders, window closings."""

from __future__ import annotations

from django.core.management.base import BaseCommand

from reviews.services import advance_reviews


class Command(BaseCommand):
    help = "Announce, remind and publish reviews that are due. Safe to run any time, any number of times."

    def handle(self, *args: object, **options: object) -> None:
        counts = advance_reviews()
        self.stdout.write(" ".join(f"{name}={count}" for name, count in counts.items()))
