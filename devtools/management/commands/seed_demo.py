"""Loads the demo data that `make demo` serves: hosts, guests, an admin, a few hundred listings, and a few
drivers and cars switched "available now" near Paris's centre for the on-demand page.

Idempotent: running it again updates the same people instead of adding more, and switches the
on-demand providers on again (they go offline after DISPATCH_SILENCE_SECONDS without a heartbeat,
like any provider whose page is closed).
"""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

from allauth.account.models import EmailAddress
from django.conf import settings
from django.core.management.base import BaseCommand
from django.db import transaction
from django.utils import timezone

from accounts.models import User, Verification, VerificationKind, VerificationStatus
from core.errors import DomainError
from devtools.demo import (
    ON_DEMAND_LISTINGS,
    refresh_old_pictures,
    seed_listings,
    seed_on_demand_listings,
    seed_taxes,
)
from devtools.demo_stays import seed_stays
from dispatch.inputs import Position
from dispatch.services.availability import go_available
from listings.models import Listing
from promotions.models import PromoCode
from promotions.services import create_code
from promotions.terms import Funder

DEMO_PASSWORD = "sharing-demo-2026"

DEMO_PEOPLE = [
    # email, display name, city, bio, staff
    ("admin@sharing.test", "Ada Admin", "Paris", "Settles disputes on the admin desk.", True),
    ("host.paris@sharing.test", "Camille Martin", "Paris", "Spare room near the canal, and a car I rarely use.", False),
    ("host.berlin@sharing.test", "Jonas Weber", "Berlin", "Driver by the hour, Kreuzberg and around.", False),
    ("host.newyork@sharing.test", "Maya Johnson", "New York City", "Brooklyn brownstone room, weekends.", False),
    ("guest.one@sharing.test", "Lucas Silva", "Lisbon", "Travelling for work.", False),
    ("guest.two@sharing.test", "Emma Brown", "London", "Weekend trips with friends.", False),
    # On demand (devtools.demo.ON_DEMAND_LISTINGS): one driving service or car each.
    ("driver.lea@sharing.test", "Léa Dubois", "Paris", "Drives by the hour around the Marais.", False),
    ("driver.omar@sharing.test", "Omar Haddad", "Paris", "Airport runs and evenings out.", False),
    ("driver.nina@sharing.test", "Nina Rossi", "Paris", "Chauffeur, quiet and on time.", False),
    ("car.theo@sharing.test", "Théo Laurent", "Paris", "My Zoe is free most afternoons.", False),
    ("car.ines@sharing.test", "Inès Moreau", "Paris", "Small hybrid, easy to park.", False),
]
ON_DEMAND_EMAILS = {email for _, email, *_ in ON_DEMAND_LISTINGS}


DEMO_PROMO_CODE = "WELCOME10"


class Command(BaseCommand):
    help = "Create (or refresh) the demo people and listings."

    @transaction.atomic
    def handle(self, *args: object, **options: object) -> None:
        people = []
        for email, name, city, bio, staff in DEMO_PEOPLE:
            user, _ = User.objects.update_or_create(
                email=email,
                defaults={"display_name": name, "city": city, "bio": bio, "is_staff": staff, "is_superuser": staff},
            )
            user.set_password(DEMO_PASSWORD)
            user.save(update_fields=["password"])
            EmailAddress.objects.update_or_create(user=user, email=email, defaults={"verified": True, "primary": True})
            # Demo people rent cars and drive on demand: their driving licences count as checked.
            Verification.objects.update_or_create(
                user=user, kind=VerificationKind.LICENCE, defaults={"status": VerificationStatus.VERIFIED}
            )
            people.append(user)

        hosts = [user for user in people if user.email.startswith("host.")]
        taxes = seed_taxes()
        if taxes:
            self.stdout.write(f"Taxes: {taxes} rates added (VAT on Sharing's fee, tourist taxes per city).")
        listings = seed_listings(hosts)
        self.stdout.write(f"Listings: {len(listings)} new ({Listing.objects.filter(owner__in=hosts).count()} in all).")
        stays = seed_stays(listings)
        if stays:
            self.stdout.write(f"Past stays: {stays}, paid and reviewed by both sides (every rating has its review).")
        refreshed = refresh_old_pictures()
        if refreshed:
            self.stdout.write(f"Pictures: {refreshed} listings got drawn pictures instead of a plain colour.")
        self._switch_on_demand_on({user.email: user for user in people if user.email in ON_DEMAND_EMAILS})
        admin = next((user for user in people if user.is_staff), None)
        if admin is not None and not PromoCode.objects.filter(code=DEMO_PROMO_CODE).exists():
            # A code Sharing pays for, to try in the live quote: 10 % off a first booking, 1,000.00 EUR in all.
            create_code(
                by=admin,
                code=DEMO_PROMO_CODE,
                funded_by=Funder.PLATFORM,
                percent=Decimal(10),
                currency="EUR",
                budget=100_000,
                first_booking_only=True,
                valid_from=timezone.now(),
                valid_until=timezone.now() + timedelta(days=365),
            )
            self.stdout.write(f"Promo code: {DEMO_PROMO_CODE} (10 % off a first booking priced in EUR).")
        self.stdout.write(self.style.SUCCESS("Demo data is ready. Log in with any of these (password for all):"))
        for user in people:
            role = "admin" if user.is_staff else "host" if "host" in user.email else "guest"
            role = "on demand" if user.email in ON_DEMAND_EMAILS else role
            self.stdout.write(f"  {role:9} {user.email:28} {DEMO_PASSWORD}")

    def _switch_on_demand_on(self, providers: dict[str, User]) -> None:
        """Switch "available now" on where each on-demand listing is based, heard from now."""
        available = 0
        for listing in seed_on_demand_listings(providers):
            try:
                go_available(
                    provider=listing.owner,
                    listing_id=listing.pk,
                    position=Position(listing.latitude, listing.longitude),
                )
            except DomainError as refused:
                # A demo user paused it, say: leave it as they chose.
                self.stdout.write(f"  {listing.title}: not switched on ({refused.message})")
            else:
                available += 1
        self.stdout.write(
            f"On demand: {available} drivers and cars available near Paris's centre for"
            f" {settings.DISPATCH_SILENCE_SECONDS} s (DISPATCH_SILENCE_SECONDS): run seed_demo again to switch"
            " them back on, or keep /dispatch/provider/ open as one of them."
        )
