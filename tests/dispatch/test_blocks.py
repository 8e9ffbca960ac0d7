"""A block means no booking requests either way: on-demand jobs are not offered across a block."""

from __future__ import annotations

import pytest

from accounts.safety import block_person
from dispatch.models import Offer
from tests.conftest import make_user
from tests.dispatch.factories import provider, request_driver

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("who_blocks", ["requester", "driver"])
def test_a_driver_and_a_requester_who_blocked_each_other_are_never_matched(settings, who_blocks):
    settings.DISPATCH_WAVE_SIZE = 5
    requester = make_user()
    blocked_driver, other_driver = provider(km=0.5), provider(km=1)
    if who_blocks == "requester":
        block_person(blocker=requester, person_id=blocked_driver.owner_id)
    else:
        block_person(blocker=blocked_driver.owner, person_id=requester.pk)
    ride = request_driver(requester=requester)
    assert set(Offer.objects.filter(request=ride).values_list("listing_id", flat=True)) == {other_driver.pk}
