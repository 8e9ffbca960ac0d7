"""The dispute desk refunds a booking paid partly with a promotion or credit by tender.

The rule is bookings.tenders.refund_tenders_of_rest (the one cancellations use): the card's share goes back
to the card through the money outbox, the credit's to the guest's credit, Sharing's promotion's to its
code's budget (and its ledger account), and a host-funded code's budget gets its share of the discount.
Every end-to-end test runs through the Stripe harness and ends with `ledger_check` (conftest).
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.conf import settings
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from bookings import pricing
from bookings.models import Booking
from bookings.selectors import booking_quote
from bookings.services.answers import accept_booking
from bookings.services.cancellations import cancel_by_host
from bookings.services.clock import release_payout, start_booking
from bookings.tenders import Tenders, refund_tenders, refund_tenders_of_rest
from disputes import services
from disputes.models import AdminDecision
from payments.clawback import refund_by_tender
from payments.errors import PaymentStateError
from payments.ledger import escrow_balance
from payments.models import MoneyOperation
from payments.selectors import tenders_left
from promotions.models import PromoCode, Redemption
from promotions.selectors import credit_balance
from promotions.services import grant_credit
from tests.bookings.factories import NOW
from tests.conftest import make_user
from tests.disputes.helpers import open_as_guest, payment_of, support_user
from tests.listings.factories import make_listing
from tests.payments.helpers import host_with_payout_account
from tests.promotions.factories import book_room, make_code

pytestmark = pytest.mark.django_db  # the desk's conftest checks the ledger after every test, these included
CREDIT = 3_000
# The pure properties run under the package's autouse fixtures (harness, ledger check): they hold no state.
PURE = [HealthCheck.function_scoped_fixture]


def promoted_booking(*, funded_by: str = "platform", credit: int = CREDIT) -> tuple[Booking, PromoCode]:
    """A confirmed room paid by card, a 10 % code (Sharing's or the host's) and `credit`, captured into escrow."""
    host = host_with_payout_account(settings.STRIPE_API_BASE)
    listing = make_listing(owner=host)
    code = make_code(by=host if funded_by == "host" else None, funded_by=funded_by, percent=10)
    guest = make_user()
    if credit:
        grant_credit(user_id=guest.pk, currency="EUR", amount=credit, reference=f"gift:{guest.pk}", now=NOW)
    booking = book_room(listing=listing, guest=guest, promo_code=code.code, use_credit=bool(credit))
    booking = accept_booking(host=host, booking_id=booking.pk, now=NOW)
    assert payment_of(booking).captured_amount == booking.charged
    return booking, code


def resolve(booking: Booking, refund: int, payout: int):
    dispute = open_as_guest(booking)
    return services.resolve_dispute(
        staff=support_user(),
        dispute_id=dispute.pk,
        guest_refund=refund,
        host_payout=payout,
        reason="Half the stay was without heating.",
        now=booking.start + timedelta(hours=3),
    )


def spent(code: PromoCode) -> int:
    code.refresh_from_db()
    return code.spent


def test_a_desk_refund_goes_back_by_tender_card_credit_and_sharings_promotion():
    booking, code = promoted_booking()
    refund = booking.total // 2
    expected = refund_tenders(booking_quote(booking), refund)
    assert expected.card and expected.promotion and expected.credit

    resolve(booking, refund, booking.host_payout // 2)

    payment = payment_of(booking)
    assert payment.refunded_amount == expected.card  # only the card's share reached Stripe
    assert payment.subsidy_returned == expected.promotion + expected.credit
    assert spent(code) == booking.platform_promotion - expected.promotion
    assert credit_balance(user=booking.guest, currency="EUR") == expected.credit
    refund_row = MoneyOperation.objects.get(payment=payment, kind=MoneyOperation.Kind.REFUND)
    assert (refund_row.amount, refund_row.promotion, refund_row.credit) == (
        expected.card,
        expected.promotion,
        expected.credit,
    )
    assert escrow_balance(reference=f"booking:{booking.pk}", currency="EUR") == 0
    details = AdminDecision.objects.get(action=AdminDecision.Action.RESOLVE_DISPUTE).details
    assert details["refund_by_tender"] == {
        "card": expected.card,
        "promotion": expected.promotion,
        "credit": expected.credit,
        "host_promotion": 0,
    }


def test_refunding_everything_gives_each_tender_back_exactly_what_it_paid():
    booking, code = promoted_booking()

    resolve(booking, booking.total, 0)

    payment = payment_of(booking)
    assert payment.refunded_amount == booking.charged
    assert payment.subsidy_returned == booking.platform_promotion + CREDIT
    assert spent(code) == 0
    assert credit_balance(user=booking.guest, currency="EUR") == CREDIT
    assert tenders_left(payment) == Tenders(card=0, promotion=0, credit=0, host_promotion=0)


def test_a_host_funded_codes_budget_gets_its_share_and_the_card_all_the_money():
    booking, code = promoted_booking(funded_by="host", credit=0)
    refund = booking.total // 4
    assert booking.host_promotion > 0 and booking.charged == booking.total

    resolve(booking, refund, booking.host_payout // 2)

    payment = payment_of(booking)
    assert payment.refunded_amount == refund and payment.subsidy_returned == 0
    share = pricing.share(refund, booking.host_promotion, booking.total)
    assert spent(code) == booking.host_promotion - share
    assert Redemption.objects.get(reference=f"booking:{booking.pk}").returned == share


def test_a_refund_after_the_payout_was_released_takes_back_from_the_host_then_goes_back_by_tender():
    booking, code = promoted_booking()
    start_booking(booking_id=booking.pk, now=booking.start)
    booking.refresh_from_db()
    release_payout(booking_id=booking.pk, now=booking.payout_release_at)
    assert payment_of(booking).payouts.exists()
    refund = booking.total - booking.host_payout // 2 - 100

    resolve(booking, refund, booking.host_payout // 2)

    payment = payment_of(booking)
    expected = refund_tenders(booking_quote(booking), refund)
    assert payment.refunded_amount == expected.card
    assert payment.host_payout_amount == booking.host_payout // 2
    assert spent(code) == booking.platform_promotion - expected.promotion
    assert credit_balance(user=booking.guest, currency="EUR") == expected.credit


def test_a_refund_of_more_than_is_left_of_the_tenders_is_refused_with_a_message():
    booking, _ = promoted_booking()
    payment = payment_of(booking)

    with pytest.raises(PaymentStateError) as refused:
        refund_by_tender(payment=payment, refund=booking.total + 1)
    assert "not given back yet" in refused.value.message
    assert not MoneyOperation.objects.filter(kind=MoneyOperation.Kind.REFUND).exists()


def test_a_host_cancelling_gives_a_host_funded_code_its_budget_back_by_the_same_rule():
    booking, code = promoted_booking(funded_by="host", credit=0)

    cancel_by_host(host=booking.listing.owner, booking_id=booking.pk, now=NOW + timedelta(hours=1))

    assert spent(code) == 0
    assert payment_of(booking).refunded_amount == booking.total


# --- The rule itself: a property over any tenders and any sequence of refunds ---------------------------------


@st.composite
def left_and_refunds(draw):
    card = draw(st.integers(0, 2_000_000))
    promotion = draw(st.integers(0, 500_000))
    credit = draw(st.integers(0, 500_000))
    host_promotion = draw(st.integers(0, 500_000))
    paid = Tenders(card=card, promotion=promotion, credit=credit, host_promotion=host_promotion)
    refunds = draw(st.lists(st.integers(0, paid.total), max_size=4))
    return paid, refunds


@given(case=left_and_refunds())
@hypothesis_settings(max_examples=500, deadline=None, suppress_health_check=PURE)
def test_the_parts_always_add_up_to_the_refund_and_never_exceed_what_each_tender_paid(case):
    paid, refunds = case
    left = paid
    for wanted in refunds:
        refund = min(wanted, left.total)  # the desk can never hand out more than is left
        back = refund_tenders_of_rest(left, refund)
        assert back.card + back.promotion + back.credit == refund
        assert min(back.card, back.promotion, back.credit, back.host_promotion) >= 0
        assert back.card <= left.card and back.promotion <= left.promotion and back.credit <= left.credit
        assert back.host_promotion <= left.host_promotion
        left = Tenders(
            card=left.card - back.card,
            promotion=left.promotion - back.promotion,
            credit=left.credit - back.credit,
            host_promotion=left.host_promotion - back.host_promotion,
        )
    # Whatever the sequence, refunding the rest leaves nothing of any tender.
    rest = refund_tenders_of_rest(left, left.total)
    assert (rest.card, rest.promotion, rest.credit, rest.host_promotion) == (
        left.card,
        left.promotion,
        left.credit,
        left.host_promotion,
    )


@given(case=left_and_refunds())
@hypothesis_settings(max_examples=200, deadline=None, suppress_health_check=PURE)
def test_a_refund_larger_than_what_is_left_is_a_bug_never_a_silent_cap(case):
    paid, _ = case
    with pytest.raises(ValueError):
        refund_tenders_of_rest(paid, paid.total + 1)
