"""Delete verification photos decided VERIFICATION_DOCUMENT_RETENTION_DAYS ago or more (safe to run repeatedly)."""

from django.core.management.base import BaseCommand

from accounts.verifications import purge_decided_documents


class Command(BaseCommand):
    help = "Delete the photos of licences and identity documents decided VERIFICATION_DOCUMENT_RETENTION_DAYS ago."

    def handle(self, *args, **options) -> None:
        self.stdout.write(f"purged={purge_decided_documents()}")
