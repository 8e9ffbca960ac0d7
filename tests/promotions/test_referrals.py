"""Referral links: sign-up through a link records the referrer; both get credit once, after the first completion."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import transaction
from django.urls import reverse

from accounts.models import User
from bookings.models import BookingStatus
from bookings.services.clock import complete_booking, start_booking
from bookings.services.disputes import clear_dispute, mark_disputed
from promotions import referrals
from promotions.models import CreditAccount, CreditMovement, Referral
from promotions.selectors import credit_balance
from tests.bookings.factories import CHECK_OUT, NOW
from tests.conftest import PASSWORD, make_user
from tests.promotions.factories import book_room
from tests.support.threads import run_concurrently

AFTER = NOW + timedelta(days=90)  # after the factories' stay


def invited_pair():
    referrer = make_user(display_name="Ines Inviter")
    newcomer = make_user(display_name="Nico Newcomer")
    referrals.record_referral(referred=newcomer, code=referrals.referral_code_for(referrer), now=newcomer.date_joined)
    return referrer, newcomer


def completed_stay(guest):
    booking = book_room(guest=guest, instant_book=True)
    start_booking(booking_id=booking.pk, now=booking.start)
    return complete_booking(booking_id=booking.pk, now=booking.end)


@pytest.mark.django_db
def test_signing_up_through_an_invitation_link_records_who_invited(client):
    referrer = make_user()
    code = referrals.referral_code_for(referrer)

    landing = client.get(reverse("promotions:invitation", kwargs={"code": code}))
    assert landing.status_code == 302 and landing["Location"] == reverse("account_signup")
    client.post(
        reverse("account_signup"),
        {"email": "nina@example.com", "password1": PASSWORD, "password2": PASSWORD, "display_name": "Nina"},
    )

    newcomer = User.objects.get(email="nina@example.com")
    assert Referral.objects.get(referred=newcomer).referrer == referrer


@pytest.mark.django_db
def test_a_sign_up_without_the_link_records_nobody(client):
    client.post(
        reverse("account_signup"),
        {"email": "nina@example.com", "password1": PASSWORD, "password2": PASSWORD, "display_name": "Nina"},
    )
    assert not Referral.objects.exists()


@pytest.mark.django_db
def test_both_get_credit_after_the_first_completed_booking_exactly_once():
    referrer, newcomer = invited_pair()
    assert credit_balance(user=referrer, currency="EUR") == 0

    booking = completed_stay(newcomer)

    assert booking.status == BookingStatus.COMPLETED
    assert credit_balance(user=referrer, currency="EUR") == 1000
    assert credit_balance(user=newcomer, currency="EUR") == 1000
    # The completion told again (a task run twice, the sweep catching up): nothing more.
    complete_booking(booking_id=booking.pk, now=booking.end)
    assert (
        referrals.booking_completed(guest_id=newcomer.pk, reference=f"booking:{booking.pk}", currency="EUR", now=AFTER)
        is False
    )
    # Completed again after a dispute was cleared: the booking-ended event comes a second time.
    mark_disputed(booking_id=booking.pk, now=booking.end)
    clear_dispute(booking_id=booking.pk, now=booking.end)
    assert credit_balance(user=referrer, currency="EUR") == 1000
    assert CreditMovement.objects.filter(reason=CreditMovement.Reason.REFERRAL).count() == 2


@pytest.mark.django_db
def test_a_second_completed_booking_earns_nothing_more():
    referrer, newcomer = invited_pair()
    completed_stay(newcomer)
    completed_stay(newcomer)
    assert credit_balance(user=referrer, currency="EUR") == 1000


@pytest.mark.django_db
def test_a_booking_that_is_not_completed_earns_nothing():
    referrer, newcomer = invited_pair()
    book_room(guest=newcomer, instant_book=True)
    assert not CreditAccount.objects.filter(user=referrer).exists()


@pytest.mark.django_db(transaction=True)
def test_the_completion_told_twice_at_the_same_instant_grants_once():
    referrer, newcomer = invited_pair()

    def tell():
        with transaction.atomic():
            return referrals.booking_completed(guest_id=newcomer.pk, reference="booking:1", currency="EUR", now=AFTER)

    results, errors = run_concurrently([tell for _ in range(8)])

    assert not errors, errors[:2]
    assert sorted(results) == [False] * 7 + [True]
    assert credit_balance(user=referrer, currency="EUR") == 1000
    assert credit_balance(user=newcomer, currency="EUR") == 1000


@pytest.mark.django_db
def test_the_reward_is_in_the_bookings_currency_in_whole_units():
    assert referrals.referral_credit("EUR") == 1000
    yen = referrals.referral_credit("JPY")
    assert yen > 1000 and yen % 1 == 0  # about 1,600 JPY at the shipped rates


@pytest.mark.django_db
def test_own_or_unknown_codes_are_refused_with_a_reason():
    person = make_user()
    with pytest.raises(Exception, match="cannot invite yourself"):
        referrals.record_referral(referred=person, code=referrals.referral_code_for(person))
    with pytest.raises(Exception, match="do not know"):
        referrals.record_referral(referred=person, code="NOPE")


@pytest.mark.django_db
def test_credit_pays_part_of_the_next_booking_and_comes_back_with_a_refund():
    from bookings.services.cancellations import cancel_by_host

    referrer, newcomer = invited_pair()
    completed_stay(newcomer)
    booking = book_room(
        guest=referrer,
        use_credit=True,
        instant_book=True,
        check_in=CHECK_OUT + timedelta(days=30),
        check_out=CHECK_OUT + timedelta(days=32),
    )

    assert booking.credit == 1000 and booking.charged == booking.total - 1000
    assert credit_balance(user=referrer, currency="EUR") == 0

    cancel_by_host(host=booking.listing.owner, booking_id=booking.pk, now=NOW)

    assert credit_balance(user=referrer, currency="EUR") == 1000


@pytest.mark.django_db
def test_my_data_download_holds_my_credit_and_who_invited_me():
    import json

    from personaldata.archive import build_archive

    referrer, newcomer = invited_pair()
    completed_stay(newcomer)
    archive = json.loads(build_archive(newcomer))

    assert [row["amount"] for row in archive["credit_movements"]] == [1000]
    assert len(archive["invited_by"]) == 1 and "referrer_id" not in archive["invited_by"][0]
    assert json.loads(build_archive(referrer))["people_invited"] == 1
