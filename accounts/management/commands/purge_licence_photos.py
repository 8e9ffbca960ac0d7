"""Delete driving licence photos decided more than LICENCE_PHOTO_RETENTION_DAYS ago (safe to run repeatedly)."""

from django.core.management.base import BaseCommand

from accounts.licences import purge_decided_photos


class Command(BaseCommand):
    help = "Delete the photos of driving licences decided more than LICENCE_PHOTO_RETENTION_DAYS days ago."

    def handle(self, *args, **options) -> None:
        self.stdout.write(f"purged={purge_decided_photos()}")
