"""Connect accounts in the host's own country, and listings priced only in a currency that account can receive."""

from __future__ import annotations

import pytest
import requests
from django.urls import reverse

from core.errors import DomainError
from listings.models import Listing
from payments import gateway
from payments.models import Payout, PayoutAccount
from payments.services import host_payouts, payout_accounts
from payments.settlement import can_receive
from tests.conftest import make_user
from tests.listings.factories import make_listing
from tests.listings.helpers import FORM_COMMON, FORM_DETAILS
from tests.payments.fixtures import fund_platform
from tests.payments.helpers import captured_payment, host_with_payout_account

pytestmark = pytest.mark.django_db


def start(host, country: str = "") -> PayoutAccount:
    payout_accounts.start_payout_onboarding(
        host=host, refresh_url="http://testserver/r", return_url="http://testserver/ok", country=country
    )
    return PayoutAccount.objects.get(host=host)


def test_the_account_is_opened_in_the_country_of_the_hosts_profile(localstripe):
    account = start(make_user(country="US"))
    remote = gateway.retrieve_account(account.stripe_account_id)
    assert (remote.country, remote.default_currency) == ("US", "usd")
    assert account.country == "US"


def test_without_a_profile_country_the_account_follows_the_hosts_listings(localstripe):
    host = make_user()
    make_listing(owner=host, country_code="JP", currency="JPY", city="Tokyo", time_zone="Asia/Tokyo")
    account = start(host)
    assert gateway.retrieve_account(account.stripe_account_id).country == "JP"
    host.refresh_from_db()
    assert host.country == "JP"  # kept on the profile: later listings are checked against it


def test_the_payout_page_asks_the_country_when_nothing_tells_it(localstripe, client):
    host = make_user()
    client.force_login(host)
    page = client.get(reverse("payments:payout_settings")).content.decode()
    assert 'name="country"' in page
    response = client.post(reverse("payments:payout_settings"), follow=True)
    assert "Choose the country of the bank account your payouts should go to." in response.content.decode()
    assert not PayoutAccount.objects.filter(host=host).exists()

    response = client.post(reverse("payments:payout_settings"), {"country": "CA"})
    assert response.status_code == 302
    assert PayoutAccount.objects.get(host=host).country == "CA"


def test_a_country_whose_account_cannot_receive_the_hosts_listings_is_refused_at_payout_setup(localstripe):
    host = make_user()
    make_listing(owner=host, title="Loft in Lyon")  # EUR
    refusal = r"paid only in USD, but these listings are priced otherwise: Loft in Lyon \(EUR\)"
    with pytest.raises(DomainError, match=refusal):
        start(host, country="US")
    assert not PayoutAccount.objects.filter(host=host).exists()


def test_a_country_stripe_has_no_accounts_in_is_refused(localstripe):
    with pytest.raises(DomainError, match="Stripe cannot open payout accounts in KR"):
        start(make_user(), country="KR")


def test_a_listing_in_a_currency_the_hosts_account_cannot_receive_is_refused_when_saved(client):
    host = make_user(display_name="Uma US", country="US")
    client.force_login(host)
    data = {**FORM_COMMON, **FORM_DETAILS["room"], "currency": "EUR", "price": "90"}
    response = client.post(reverse("listings:create", kwargs={"kind": "room"}), data)
    assert response.status_code == 400  # the form again, with the message on the currency
    text = response.content.decode()
    assert "Your payouts go to a bank account in US, which Stripe can pay only in USD" in text
    assert not Listing.objects.exists()

    ok = client.post(reverse("listings:create", kwargs={"kind": "room"}), {**data, "currency": "USD"})
    assert ok.status_code == 302
    assert Listing.objects.get().currency == "USD"


def test_changing_a_listing_to_a_currency_the_account_cannot_receive_is_refused(localstripe):
    from listings.services import update_listing

    host = make_user(country="CH")
    listing = make_listing(owner=host, currency="CHF")
    accepted = "BGN, CHF, CZK, DKK, EUR, GBP, HUF, NOK, PLN, RON, SEK, USD"
    with pytest.raises(DomainError, match=f"in CH, which Stripe can pay only in {accepted}") as refused:
        update_listing(listing=listing, actor=host, fields={"currency": "JPY"}, details={})
    assert refused.value.field == "currency"
    listing.refresh_from_db()
    assert listing.currency == "CHF"


def test_the_harness_refuses_a_transfer_the_destination_cannot_settle_like_stripe(localstripe, ledger_checked):
    host = host_with_payout_account(localstripe, country="US")
    account = PayoutAccount.objects.get(host=host)
    fund_platform(5_000)
    with pytest.raises(Exception, match="can't be sent to accounts located in US"):
        gateway.client().v1.transfers.create(
            params={"amount": 1_000, "currency": "eur", "destination": account.stripe_account_id}
        )
    # The same EUR payout to that host waits, with Stripe's reason for staff and the host to see.
    payout = host_payouts.release_payout(payment=captured_payment(5_000), host=host, host_amount=4_000)
    assert payout is not None and payout.status == Payout.Status.WAITING
    assert "located in US" in payout.last_error


def test_a_transfer_in_a_currency_the_account_settles_goes_through(localstripe):
    account = start(make_user(country="FR"))
    requests.post(f"{localstripe}/_config/accounts/{account.stripe_account_id}/onboard", timeout=5).raise_for_status()
    fund_platform(2_000)
    transfer = gateway.client().v1.transfers.create(
        params={"amount": 1_000, "currency": "eur", "destination": account.stripe_account_id}
    )
    assert transfer.destination == account.stripe_account_id


def test_the_table_follows_stripes_settlement_rules_for_the_currencies_we_price_in():
    assert can_receive("FR", "USD") and can_receive("GB", "EUR") and can_receive("CA", "USD")
    assert not can_receive("US", "EUR") and not can_receive("JP", "USD")
    assert not can_receive("KR", "KRW") and not can_receive("CN", "CNY")


def test_the_country_set_on_the_profile_page_is_where_the_account_opens(localstripe, client):
    host = make_user()
    client.force_login(host)
    response = client.post(
        reverse("accounts:profile_edit", kwargs={"user_id": host.pk}), {"display_name": "Tomo", "country": "jp"}
    )
    assert response.status_code == 302
    host.refresh_from_db()
    assert host.country == "JP"
    assert gateway.retrieve_account(start(host).stripe_account_id).country == "JP"


def test_a_country_that_is_not_a_two_letter_code_is_refused_on_the_profile(client):
    host = make_user()
    client.force_login(host)
    response = client.post(reverse("accounts:profile_edit", kwargs={"user_id": host.pk}), {"country": "F1"})
    assert "Give the two-letter country code" in response.content.decode()
    host.refresh_from_db()
    assert host.country == ""


def test_a_listing_cannot_be_published_again_in_a_currency_the_hosts_account_cannot_receive(client):
    from accounts.models import User
    from listings.models import ListingStatus

    host = make_user(country="FR")
    listing = make_listing(owner=host, currency="EUR", status=ListingStatus.PAUSED)
    User.objects.filter(pk=host.pk).update(country="US")  # the host moved; their payouts now go to the US
    client.force_login(host)
    page = client.post(reverse("listings:resume", kwargs={"listing_id": listing.pk}), follow=True)
    assert page.status_code == 200  # back on the listing's page, with the reason
    assert "Your payouts go to a bank account in US, which Stripe can pay only in USD" in page.content.decode()
    api = client.post(f"/api/v1/listings/{listing.pk}/status", {"status": "active"}, content_type="application/json")
    assert api.status_code in (400, 409)
    assert api.json()["field"] == "currency"
    listing.refresh_from_db()
    assert listing.status == ListingStatus.PAUSED
