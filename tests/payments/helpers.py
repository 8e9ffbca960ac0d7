"""Small builders shared by the payment tests."""

from __future__ import annotations

from accounts.models import User
from payments.models import Payment, PayoutAccount
from payments.services import guest_payments, payout_accounts
from tests.conftest import make_user
from tests.payments.fixtures import card, onboard


def captured_payment(amount: int = 11_200, *, reference: str = "booking:1", payer: User | None = None) -> Payment:
    payment = guest_payments.authorize_payment(
        payer=payer or make_user(), amount=amount, currency="EUR", reference=reference, payment_method=card()
    )
    return guest_payments.capture_payment(payment=payment)


def host_with_payout_account(base: str, *, onboarded: bool = True, country: str = "FR") -> User:
    """A host in `country` whose Connect account exists (created through the real onboarding start), maybe finished."""
    host = make_user(display_name="Hannah Host", country=country)
    payout_accounts.start_payout_onboarding(
        host=host, refresh_url="http://testserver/r", return_url="http://testserver/ok"
    )
    if onboarded:
        account = PayoutAccount.objects.get(host=host)
        onboard(base, account.stripe_account_id)
        payout_accounts.refresh_payout_account(stripe_account_id=account.stripe_account_id)
    return host
