"""Catch-up sweep of receipts and statements (run by the scheduler): see receipts.services.issue_due_documents."""

from __future__ import annotations

from django.core.management.base import BaseCommand

from receipts.services import issue_due_documents


class Command(BaseCommand):
    help = "Issue receipts whose task was lost, render PDFs not rendered yet, and last month's host statements."

    def handle(self, *args, **options):
        counts = issue_due_documents()
        self.stdout.write(" ".join(f"{name}={count}" for name, count in counts.items()))
