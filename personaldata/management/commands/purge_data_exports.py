"""Empty the "download my data" archives whose link has expired (idempotent; run it daily)."""

from django.core.management.base import BaseCommand

from personaldata.services import purge_expired_exports


class Command(BaseCommand):
    help = __doc__

    def handle(self, *args: object, **options: object) -> None:
        self.stdout.write(f"{purge_expired_exports()} archive(s) emptied")
