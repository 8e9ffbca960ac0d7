"""Catch up what lost tasks missed: expire due requests, live or stuck at the bank's check (releasing their
holds), and switch silent providers off."""

from __future__ import annotations

from django.core.management.base import BaseCommand
from django.utils import timezone

from dispatch.models import OPEN_STATES, DispatchRequest, RequestState
from dispatch.services.availability import switch_off_silent
from dispatch.services.requests import expire_request


class Command(BaseCommand):
    help = "Expire on-demand requests past their timeout and switch off providers gone silent. Safe to re-run."

    def handle(self, *args: object, **options: object) -> None:
        now = timezone.now()
        due = DispatchRequest.objects.filter(state__in=OPEN_STATES, expires_at__lte=now).values_list("pk", flat=True)
        expired = sum(expire_request(request_id=pk, now=now).state == RequestState.EXPIRED for pk in due)
        silent = switch_off_silent(now=now)
        self.stdout.write(f"expired={expired} switched_off={silent}")
