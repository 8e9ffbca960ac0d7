"""The admin's desk: who can reach it, the resolve form's preview and confirm steps, and what it shows."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from django.urls import reverse
from django.utils import dateformat, timezone

from disputes import services
from disputes.models import AdminDecision, Dispute, DisputeStatus
from payments.models import LedgerEntry, LedgerTransaction, Payment
from tests.conftest import make_user
from tests.disputes.helpers import open_as_guest, paid_booking, payment_of, support_user

pytestmark = pytest.mark.django_db


def resolve_url(dispute: Dispute) -> str:
    return reverse("admin:disputes_dispute_resolve", args=[dispute.pk])


def change_url(dispute: Dispute) -> str:
    return reverse("admin:disputes_dispute_change", args=[dispute.pk])


def units(minor: int) -> str:
    """Minor units of EUR as typed on the desk (in euros)."""
    return str(Decimal(minor).scaleb(-2))


def assert_untouched(dispute: Dispute, booking) -> None:
    dispute.refresh_from_db()
    assert dispute.status == DisputeStatus.OPEN
    payment = payment_of(booking)
    assert (payment.refunded_amount, payment.host_payout_amount, payment.frozen) == (0, 0, True)
    assert not AdminDecision.objects.exists()


def test_parties_and_other_users_cannot_reach_the_desk_or_the_resolve_action(client):
    booking = paid_booking()
    dispute = open_as_guest(booking)
    form = {"guest_refund": "10", "host_payout": "0", "reason": "Mine now.", "confirm": "1"}
    for person in (booking.guest, booking.listing.owner, make_user()):
        client.force_login(person)
        for url in (reverse("admin:disputes_dispute_changelist"), change_url(dispute), resolve_url(dispute)):
            response = client.get(url)
            assert response.status_code == 302 and "/admin/login/" in response["Location"]
        response = client.post(resolve_url(dispute), form)
        assert response.status_code == 302 and "/admin/login/" in response["Location"]
    assert_untouched(dispute, booking)


def test_staff_outside_the_support_group_get_403_on_the_resolve_action(client):
    booking = paid_booking()
    dispute = open_as_guest(booking)
    client.force_login(make_user(is_staff=True))
    assert client.get(resolve_url(dispute)).status_code == 403
    response = client.post(resolve_url(dispute), {"guest_refund": 1, "host_payout": 0, "reason": "x", "confirm": "1"})
    assert response.status_code == 403
    assert client.get(reverse("admin:disputes_dispute_changelist")).status_code == 403
    assert_untouched(dispute, booking)


def test_support_sees_the_booking_money_trail_thread_and_history_on_the_dispute_page(client):
    booking = paid_booking()
    dispute = open_as_guest(booking)
    client.force_login(support_user())
    assert client.get(reverse("admin:disputes_dispute_changelist")).status_code == 200
    page = client.get(change_url(dispute)).content.decode()
    assert f"Booking #{booking.pk}" in page
    assert "Money trail" in page and "captured into escrow" in page
    assert "Dispute thread" in page
    assert "The parties&#x27; history" in page or "The parties' history" in page
    assert resolve_url(dispute) in page


def test_support_previews_who_gets_what_then_confirms_and_the_money_moves(client):
    booking = paid_booking()
    dispute = open_as_guest(booking)
    client.force_login(support_user())
    assert client.get(resolve_url(dispute)).status_code == 200
    form = {"guest_refund": "50", "host_payout": "70", "reason": "Half the stay was fine."}
    preview = client.post(resolve_url(dispute), form)
    assert preview.status_code == 200
    text = preview.content.decode()
    assert "€50.00" in text and "€70.00" in text
    platform = booking.total - 12_000
    assert f"€{platform // 100}.{platform % 100:02d}" in text
    assert 'name="confirm"' in text
    dispute.refresh_from_db()
    assert dispute.status == DisputeStatus.OPEN  # a preview moves nothing
    assert payment_of(booking).refunded_amount == 0

    done = client.post(resolve_url(dispute), {**form, "confirm": "1"})
    assert done.status_code == 302
    dispute.refresh_from_db()
    assert dispute.status == DisputeStatus.RESOLVED
    assert payment_of(booking).refunded_amount == 5_000
    page = client.get(change_url(dispute)).content.decode()
    assert "Resolved a dispute" in page and "Half the stay was fine." in page  # the decision is on the object


def test_the_resolve_form_refuses_more_than_is_held_with_a_message(client):
    booking = paid_booking()
    dispute = open_as_guest(booking)
    client.force_login(support_user())
    form = {"guest_refund": units(booking.total), "host_payout": "0.01", "reason": "Everything.", "confirm": "1"}
    response = client.post(resolve_url(dispute), form)
    assert response.status_code == 400
    assert "can be at most" in response.content.decode()
    negative = client.post(resolve_url(dispute), {**form, "guest_refund": -5})
    assert negative.status_code == 400
    assert_untouched(dispute, booking)


def test_the_desk_takes_amounts_in_the_currency_not_in_cents(client):
    booking = paid_booking()
    dispute = open_as_guest(booking)
    client.force_login(support_user())
    form = client.get(resolve_url(dispute)).content.decode()
    assert "Refund to the guest (EUR)" in form and "The host keeps in total (EUR)" in form
    assert "not cents" in form
    done = client.post(
        resolve_url(dispute), {"guest_refund": "50", "host_payout": "30.5", "reason": "Split."} | {"confirm": "1"}
    )
    assert done.status_code == 302
    payment = payment_of(booking)
    assert (payment.refunded_amount, payment.host_payout_amount) == (5_000, 3_050)


@pytest.mark.parametrize("typed", ["12.345", "0.001"])
def test_the_desk_refuses_more_decimals_than_the_currency_has(client, typed):
    booking = paid_booking()
    dispute = open_as_guest(booking)
    client.force_login(support_user())
    response = client.post(
        resolve_url(dispute), {"guest_refund": typed, "host_payout": "0", "reason": "Split.", "confirm": "1"}
    )
    assert response.status_code == 400
    assert "EUR has 2 decimals: type at most 2 digits after the point." in response.content.decode()
    assert_untouched(dispute, booking)


def test_the_preview_warns_loudly_when_sharing_would_keep_more_than_its_fees(client):
    booking = paid_booking()
    dispute = open_as_guest(booking)
    client.force_login(support_user())
    preview = client.post(resolve_url(dispute), {"guest_refund": "50", "host_payout": "30", "reason": "Split."})
    text = preview.content.decode()
    keeps = booking.total - 8_000
    assert 'role="alert"' in text
    assert f"Sharing would keep €{units(keeps)}" in text
    assert "more than Sharing&#x27;s fees on this booking" in text or "more than Sharing's fees on this booking" in text
    assert_untouched(dispute, booking)


def test_the_preview_has_no_warning_when_the_parties_get_everything(client):
    booking = paid_booking()
    dispute = open_as_guest(booking)
    client.force_login(support_user())
    form = {"guest_refund": units(booking.total - 1_000), "host_payout": "10", "reason": "Split."}
    text = client.post(resolve_url(dispute), form).content.decode()
    assert 'name="confirm"' in text
    assert "Sharing would keep" not in text


def test_support_cannot_add_or_change_ledger_or_payment_records(client):
    booking = paid_booking()
    open_as_guest(booking)
    client.force_login(support_user())
    entry = LedgerEntry.objects.first()
    tx = LedgerTransaction.objects.first()
    payment = Payment.objects.first()
    for model, obj in (("ledgerentry", entry), ("ledgertransaction", tx), ("payment", payment)):
        assert client.get(reverse(f"admin:payments_{model}_add")).status_code == 403
        assert client.get(reverse(f"admin:payments_{model}_change", args=[obj.pk])).status_code == 403
        assert client.post(reverse(f"admin:payments_{model}_change", args=[obj.pk]), {}).status_code == 403
    assert client.get(reverse("admin:auth_group_changelist")).status_code == 403


def test_the_bulk_action_records_a_look_and_moves_no_money(client):
    booking = paid_booking()
    dispute = open_as_guest(booking)
    entries = LedgerEntry.objects.count()
    client.force_login(support_user())
    response = client.post(
        reverse("admin:disputes_dispute_changelist"),
        {"action": "mark_reviewed", "_selected_action": [dispute.pk]},
    )
    assert response.status_code == 302
    dispute.refresh_from_db()
    assert dispute.last_staff_action_at is not None
    assert AdminDecision.objects.get().action == AdminDecision.Action.REVIEW_DISPUTE
    assert LedgerEntry.objects.count() == entries
    assert payment_of(booking).frozen


def test_a_dispute_untouched_for_72_hours_is_flagged_on_the_desk(client):
    from disputes.selectors import stale_disputes

    booking = paid_booking()
    dispute = open_as_guest(booking)
    later = dispute.created_at + timedelta(hours=72)
    assert list(stale_disputes(now=later - timedelta(minutes=1))) == []
    assert list(stale_disputes(now=later)) == [dispute]
    # Seen from the real clock: the dispute was opened 73 hours ago and nobody acted since.
    Dispute.objects.filter(pk=dispute.pk).update(created_at=timezone.now() - timedelta(hours=73))
    client.force_login(support_user())
    listing = client.get(reverse("admin:disputes_dispute_changelist") + "?flagged=stale").content.decode()
    page = client.get(change_url(dispute)).content.decode()
    assert "untouched 72 h" in listing
    assert "for 72 hours" in page
    # Any staff action clears the flag.
    services.mark_reviewed(staff=support_user(), dispute_id=dispute.pk, reason="Reading it.")
    assert list(stale_disputes()) == []


def test_a_stale_dispute_read_by_the_selector_still_answers_is_stale():
    from disputes.selectors import stale_disputes

    dispute = open_as_guest(paid_booking())
    later = dispute.created_at + timedelta(hours=72)
    [stale] = stale_disputes(now=later)
    # The selector's annotation must not shadow the model's untouched_since() that is_stale() calls.
    assert stale.untouched_since() == dispute.created_at
    assert stale.is_stale(now=later)


def test_support_can_ask_for_evidence_from_the_desk(client):
    booking = paid_booking()
    dispute = open_as_guest(booking)
    client.force_login(support_user())
    url = reverse("admin:disputes_dispute_request_evidence", args=[dispute.pk])
    assert client.get(url).status_code == 200
    response = client.post(url, {"message": "A photo of the heater.", "deadline": "2030-01-01 12:00"})
    assert response.status_code == 302
    dispute.refresh_from_db()
    assert dispute.status == DisputeStatus.AWAITING_EVIDENCE
    assert "A photo of the heater." in client.get(change_url(dispute)).content.decode()


def test_the_support_group_has_desk_and_moderation_rights_and_nothing_on_money_or_settings():
    from django.contrib.auth.models import Group

    permissions = set(Group.objects.get(name="support").permissions.values_list("content_type__app_label", "codename"))
    assert {("disputes", "change_dispute"), ("reviews", "change_reviewreport")} <= permissions
    assert not {label for label, _ in permissions} & {"payments", "auth", "sites"}
    # In accounts, only the queue of reports on people (accounts.safety): nothing on users themselves.
    assert {codename for label, codename in permissions if label == "accounts"} == {
        "view_personreport",
        "change_personreport",
    }
    user = support_user()
    assert user.has_perm("disputes.change_dispute")
    assert not user.has_perm("payments.change_ledgerentry")
    assert not user.has_perm("payments.view_payment")


def test_the_desk_search_and_filters_answer_for_any_input(client):
    booking = paid_booking()
    open_as_guest(booking)
    client.force_login(support_user())
    url = reverse("admin:disputes_dispute_changelist")
    for query in (
        {"q": booking.guest.email},
        {"q": "99999999999999999999999"},
        {"age": "24h"},
        {"age": "7d+"},
        {"amount": "100-500"},
        {"category": "damage", "status": "open"},
    ):
        assert client.get(url, query).status_code == 200, query
    assert str(booking.pk) in client.get(url, {"q": booking.guest.email}).content.decode()


def test_the_age_and_amount_filters_pick_the_right_disputes(client):
    booking = paid_booking()
    dispute = open_as_guest(booking)
    Dispute.objects.filter(pk=dispute.pk).update(created_at=timezone.now() - timedelta(days=2))
    client.force_login(support_user())
    url = reverse("admin:disputes_dispute_changelist")

    def count(**query) -> int:
        return client.get(url, query).context["cl"].result_count

    assert count(age="1-3d") == 1 and count(age="24h") == 0 and count(age="7d+") == 0
    bucket = "lt100" if booking.total < 10_000 else "100-500" if booking.total < 50_000 else "500+"
    others = {"lt100", "100-500", "500+"} - {bucket}
    assert count(amount=bucket) == 1
    assert all(count(amount=other) == 0 for other in others)


def test_the_desk_shows_the_booking_dates_in_the_listings_zone_and_names_it(client):
    booking = paid_booking()
    dispute = open_as_guest(booking)
    client.force_login(support_user())
    page = client.get(change_url(dispute)).content.decode()
    local = booking.start.astimezone(ZoneInfo(booking.time_zone))
    assert f"{dateformat.format(local, 'j M Y H:i')} to " in page
    assert f"({booking.time_zone} time)" in page
