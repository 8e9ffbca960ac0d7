"""Loads the demo data that `make demo` serves: hosts, guests, an admin, and a few hundred listings.

Idempotent: running it again updates the same people instead of adding more.
"""

from __future__ import annotations

from allauth.account.models import EmailAddress
from django.core.management.base import BaseCommand
from django.db import transaction

from listings.demo import seed_listings
from listings.models import Listing
from sharing.accounts.models import User

DEMO_PASSWORD = "sharing-demo-2026"

DEMO_PEOPLE = [
    # email, display name, city, bio, staff
    ("admin@sharing.test", "Ada Admin", "Paris", "Settles disputes on the admin desk.", True),
    ("host.paris@sharing.test", "Camille Martin", "Paris", "Spare room near the canal, and a car I rarely use.", False),
    ("host.berlin@sharing.test", "Jonas Weber", "Berlin", "Driver by the hour, Kreuzberg and around.", False),
    ("host.newyork@sharing.test", "Maya Johnson", "New York City", "Brooklyn brownstone room, weekends.", False),
    ("guest.one@sharing.test", "Lucas Silva", "Lisbon", "Travelling for work.", False),
    ("guest.two@sharing.test", "Emma Brown", "London", "Weekend trips with friends.", False),
]


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
            people.append(user)

        hosts = [user for user in people if user.email.startswith("host.")]
        created = seed_listings(hosts)
        self.stdout.write(f"Listings: {created} created ({Listing.objects.filter(owner__in=hosts).count()} in all).")
        self.stdout.write(self.style.SUCCESS("Demo data is ready. Log in with any of these (password for all):"))
        for user in people:
            role = "admin" if user.is_staff else ("host" if "host" in user.email else "guest")
            self.stdout.write(f"  {role:6} {user.email:28} {DEMO_PASSWORD}")
