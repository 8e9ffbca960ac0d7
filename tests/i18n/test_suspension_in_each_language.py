"""The desk's suspension page reads in the staff member's language: the page before and after a suspension,
its form (label, help, a refusal) and what the desk is told once the person is suspended or let back in."""

from __future__ import annotations

from unittest import mock

import pytest
from django.urls import reverse

from tests.bookings.factories import NOW
from tests.conftest import make_user
from tests.disputes.helpers import paid_booking, support_user
from tests.i18n.test_desk_in_each_language import _no_english_left

pytestmark = pytest.mark.django_db

BEFORE = [
    "Suspend Hanna",
    "They will not be able to list, book",
    "cancelled with a full refund to the guest",
    "Reason",
    "Shown to the person and kept in the desk's decision log.",
    ">Back<",
]
AFTER = [
    "Lift the suspension of Hanna",
    "Suspended since",
    "Their listings stay paused until they resume them.",
    "Lift the suspension<",
]


@pytest.fixture(autouse=True)
def _frozen_clock():
    with mock.patch("django.utils.timezone.now", return_value=NOW):
        yield


def test_the_suspension_page_is_in_each_language_with_no_english_left(client):
    person = make_user(display_name="Hanna")
    url = reverse("disputes:suspension", kwargs={"user_id": person.pk})
    client.force_login(support_user())

    def page(language: str) -> str:
        response = client.get(url, HTTP_ACCEPT_LANGUAGE=language)
        assert response.status_code == 200
        return response.content.decode()

    _no_english_left(page, BEFORE)
    assert "Hannaさんの利用を停止" in page("ja")
    person.is_suspended, person.suspended_at, person.suspension_reason = True, NOW, "No-shows."
    person.save()
    _no_english_left(page, AFTER)
    assert "Sperre von Hanna aufheben" in page("de")


def test_the_desk_is_told_in_its_language_what_the_suspension_did(client):
    booking = paid_booking()
    host = booking.listing.owner
    url = reverse("disputes:suspension", kwargs={"user_id": host.pk})
    client.force_login(support_user())

    refused = client.post(url, {"reason": ""}, HTTP_ACCEPT_LANGUAGE="ja").content.decode()
    assert "このフィールドは必須です" in refused  # Django's own, beside our label
    done = client.post(url, {"reason": "No-shows."}, HTTP_ACCEPT_LANGUAGE="ja", follow=True).content.decode()
    summary = "さんの利用を停止しました\uff1aリスティング1件を一時停止、今後の予約1件を全額返金で終了。"
    assert f"{host.public_name}{summary}" in done
    back = client.post(url, {"reason": "Appeal accepted."}, HTTP_ACCEPT_LANGUAGE="de", follow=True).content.decode()
    assert f"{host.public_name} kann Sharing wieder nutzen." in back
