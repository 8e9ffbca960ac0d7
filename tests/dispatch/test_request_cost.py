"""What a request costs the database does not grow with the providers it quotes and offers (issues 16/17/19).

The estimate quotes up to ten providers with their taxes (the listing's country and city, the host's
country) and the first wave offers several of them and stores their notifications, all on the request's
hot path and mostly inside its write transaction: a field read back per candidate, or the rider's rating
read per offer, makes every request dearer by a query per provider.
"""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from dispatch.models import Offer
from dispatch.services.requests import cancel_request
from realtime.models import Notification
from tests.conftest import make_user
from tests.dispatch.factories import provider, request_driver

pytestmark = pytest.mark.django_db


def queries_of_a_request() -> tuple[int, int]:
    """(SQL statements of one request, providers it offered); the request is cancelled afterwards."""
    requester = make_user()
    with CaptureQueriesContext(connection) as captured:
        request = request_driver(requester=requester)
    offered = Offer.objects.filter(request=request).count()
    cancel_request(requester=requester, request_id=request.pk)
    return len(captured.captured_queries), offered


def test_a_request_costs_the_same_queries_for_one_provider_nearby_as_for_five(settings):
    settings.DISPATCH_WAVE_SIZE = 5
    provider(km=1, owner=make_user(country="FR"))
    queries_of_a_request()  # warms what is read once per process
    alone, offered_alone = queries_of_a_request()
    # One city's providers: their hosts' countries (or, unsaid, their listings') are the same few.
    for km, country in [(1.5, "FR"), (2, "FR"), (2.5, ""), (3, "FR")]:
        provider(km=km, owner=make_user(country=country))
    five, offered_five = queries_of_a_request()
    assert (offered_alone, offered_five) == (1, 5)
    assert Notification.objects.filter(kind="dispatch.offer").count() == 1 + 1 + 5
    assert five == alone
