"""Two staff members confirming resolutions at once, or a party opening twice at once: it happens once.

Real connections per thread; the booking and dispute row locks (IMMEDIATE transactions on SQLite) serialise them.
"""

from __future__ import annotations

import pytest

from core.errors import Conflict
from disputes import services
from disputes.models import AdminDecision, Dispute, DisputeStatus
from payments.models import Payout
from tests.disputes.helpers import open_as_guest, paid_booking, payment_of, support_user
from tests.payments.test_concurrency import run_concurrently

pytestmark = pytest.mark.django_db(transaction=True)


def test_concurrent_resolutions_move_the_money_once():
    booking = paid_booking()
    dispute = open_as_guest(booking)
    staff = support_user()
    results, errors = run_concurrently(
        lambda: services.resolve_dispute(
            staff=staff, dispute_id=dispute.pk, guest_refund=2_000, host_payout=3_000, reason="Split."
        ),
        times=4,
    )
    assert len(results) == 1
    assert len(errors) == 3 and all(isinstance(error, Conflict) for error in errors)
    payment = payment_of(booking)
    assert (payment.refunded_amount, payment.host_payout_amount, payment.escrow_amount) == (2_000, 3_000, 0)
    assert Payout.objects.count() == 1
    assert AdminDecision.objects.count() == 1
    assert Dispute.objects.get().status == DisputeStatus.RESOLVED


def test_both_parties_opening_at_once_make_one_dispute():
    booking = paid_booking()
    people = iter([booking.guest, booking.listing.owner])
    opener = {}

    def open_one():
        import threading

        person = opener.setdefault(threading.get_ident(), next(people))
        return services.open_dispute(user=person, booking_id=booking.pk, category="other", description="Mine.")

    results, errors = run_concurrently(open_one, times=2)
    assert len(results) == 1
    assert len(errors) == 1 and isinstance(errors[0], Conflict)
    assert Dispute.objects.count() == 1
