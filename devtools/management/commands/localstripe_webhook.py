"""`manage.py localstripe_webhook --url U`: register the site's webhook endpoint with the local harness.

`make demo` runs it after starting `devtools.localstripe_server`; it waits (up to
--wait seconds) for the harness to answer, then registers the endpoint with the
webhook secret from the settings, so the harness signs what it posts to the site.
"""

from __future__ import annotations

import time

import requests
from django.conf import settings
from django.core.management.base import BaseCommand, CommandError


class Command(BaseCommand):
    help = "Register this site's Stripe webhook endpoint with the localstripe harness at STRIPE_API_BASE."

    def add_arguments(self, parser) -> None:
        parser.add_argument(
            "--url", required=True, help="the site's webhook URL, e.g. http://127.0.0.1:8000/payments/stripe/webhook/"
        )
        parser.add_argument("--wait", type=int, default=20, help="seconds to wait for the harness")

    def handle(self, *args: object, url: str, wait: int, **options: object) -> None:
        base = settings.STRIPE_API_BASE.rstrip("/")
        if not base:
            raise CommandError("STRIPE_API_BASE is empty: the site talks to Stripe itself, there is no harness.")
        deadline = time.monotonic() + wait
        while True:
            try:
                if requests.get(f"{base}/_config/health", timeout=1).ok:
                    break
            except requests.RequestException:
                pass
            if time.monotonic() > deadline:
                raise CommandError(f"The localstripe harness at {base} did not answer within {wait} s.")
            time.sleep(0.2)
        response = requests.post(
            f"{base}/_config/webhooks/sharing",
            data={"url": url, "secret": settings.STRIPE_WEBHOOK_SECRET},
            timeout=5,
        )
        if not response.ok:
            raise CommandError(f"The harness refused the webhook registration ({response.status_code}).")
        self.stdout.write(f"localstripe at {base} posts every event to {url}")
