"""Hosts' payout accounts (Stripe Connect Express): onboarding, and re-reading what Stripe says they can do.

The account is opened in the host's country (their profile's; else where their listings are;
else asked on the payout page), never in one country for everyone: Stripe refuses transfers
to accounts across disallowed borders and pays each account only in its settlement currencies
(`payments.settlement`). So a listing must be priced in a currency the host's account can
receive: `check_listing_currency` (named in settings.LISTING_CURRENCY_CHECK, called by listings
when a listing is saved) refuses any other with a message, before anyone can book it.
"""

from __future__ import annotations

from collections import Counter

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_noop

from accounts.models import User
from core.errors import DomainError, NotFound
from listings.models import Listing, ListingStatus
from payments import gateway
from payments.gateway import idempotency_key
from payments.models import PayoutAccount
from payments.services import host_payouts
from payments.settlement import SETTLEMENT_CURRENCIES, can_receive


def payout_country(host: User) -> str:
    """Where the host's payout account is (or will be): its own country once opened, else the profile's,
    else the country most of their listings are in; "" when none is known (the payout page asks)."""
    account = PayoutAccount.objects.filter(host_id=host.pk).exclude(country="").first()
    if account is not None:
        return account.country
    if host.country:
        return host.country.upper()
    countries = Counter(
        Listing.objects.filter(owner_id=host.pk)
        .exclude(status=ListingStatus.DELETED)
        .exclude(country_code="")
        .values_list("country_code", flat=True)
    )
    return countries.most_common(1)[0][0].upper() if countries else ""


def _currencies_text(country: str) -> str:
    return ", ".join(sorted(SETTLEMENT_CURRENCIES.get(country, ())))


def check_listing_currency(*, owner: User, currency: str) -> None:
    """Refuse a listing price in a currency the host's payout account cannot receive (no-op while the
    host's country is unknown: their payout setup then checks their listings)."""
    country = PayoutAccount.objects.filter(host_id=owner.pk).exclude(country="").values_list("country", flat=True)
    known = next(iter(country), "") or owner.country.upper()
    if known and not can_receive(known, currency):
        accepted = _currencies_text(known)
        said = (
            gettext_noop(
                "Your payouts go to a bank account in %(country)s, which Stripe can pay only in %(currencies)s: "
                "price this listing in one of those, or change your country in your profile before setting up "
                "payouts."
            )
            if accepted
            else gettext_noop(
                "Your payouts go to a bank account in %(country)s, which Stripe cannot pay in any currency we "
                "handle: price this listing in another currency, or change your country in your profile before "
                "setting up payouts."
            )
        )
        raise DomainError(
            said, params={"country": known, "currencies": accepted}, field="currency", code="currency_not_receivable"
        )


def _onboarding_country(host: User, country: str) -> str:
    country = (country or payout_country(host)).strip().upper()
    if not country:
        raise DomainError(
            gettext_noop("Choose the country of the bank account your payouts should go to."), field="country"
        )
    if country not in SETTLEMENT_CURRENCIES:
        raise DomainError(
            gettext_noop(
                "Stripe cannot open payout accounts in %(country)s for us: choose another country where you have "
                "a bank account."
            ),
            params={"country": country},
            field="country",
        )
    refused = sorted(
        {
            f"{title} ({currency})"
            for title, currency in Listing.objects.filter(owner_id=host.pk)
            .exclude(status=ListingStatus.DELETED)
            .values_list("title", "currency")
            if not can_receive(country, currency)
        }
    )
    if refused:
        raise DomainError(
            gettext_noop(
                "A payout account in %(country)s can be paid only in %(currencies)s, but these listings are priced "
                "otherwise: %(listings)s. Change their currency, or choose another country."
            ),
            params={"country": country, "currencies": _currencies_text(country), "listings": "; ".join(refused)},
            field="country",
        )
    return country


def start_payout_onboarding(*, host: User, refresh_url: str, return_url: str, country: str = "") -> str:
    """The URL where the host sets up payouts; creates their connected account on first use, in their country."""
    account = PayoutAccount.objects.filter(host_id=host.pk).first()
    if account is None:
        country = _onboarding_country(host, country)
        if not host.country:
            with transaction.atomic():
                # The profile keeps the country the account was opened in (listings check against it).
                User.objects.filter(pk=host.pk, country="").update(country=country)
            host.country = country
        stripe_account = gateway.create_connected_account(
            email=host.email,
            country=country,
            idempotency_key=idempotency_key("host", host.pk, "connect-account"),
            metadata={"host": str(host.pk)},
        )
        now = timezone.now()
        with transaction.atomic():
            # The idempotency key makes a concurrent second attempt get the same Stripe account.
            account, _ = PayoutAccount.objects.get_or_create(
                host=host,
                defaults={
                    "stripe_account_id": stripe_account.id,
                    "country": str(stripe_account.country or country).upper(),
                    "created_at": now,
                    "refreshed_at": now,
                },
            )
    link = gateway.create_account_link(
        account_id=account.stripe_account_id, refresh_url=refresh_url, return_url=return_url
    )
    return link.url


def refresh_payout_account(*, stripe_account_id: str) -> PayoutAccount:
    """Re-read the connected account's flags from Stripe; when it can receive money, send what waits."""
    remote = gateway.retrieve_account(stripe_account_id)
    with transaction.atomic():
        account = PayoutAccount.objects.select_for_update().filter(stripe_account_id=stripe_account_id).first()
        if account is None:
            raise NotFound(gettext_noop("No host has this payout account."))
        account.charges_enabled = bool(remote.charges_enabled)
        account.payouts_enabled = bool(remote.payouts_enabled)
        account.details_submitted = bool(remote.details_submitted)
        account.refreshed_at = timezone.now()
        account.save(update_fields=["charges_enabled", "payouts_enabled", "details_submitted", "refreshed_at"])
    if account.can_receive_payouts:
        host_payouts.retry_waiting_payouts(host=account.host)
    return account
