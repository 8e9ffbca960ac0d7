"""What a search API request is spared (issue 17): cards written again, planner settings sent around statements."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from listings import cards
from listings.models import Listing
from listings.search import statements
from tests.conftest import make_user
from tests.listings.factories import make_listing

pytestmark = pytest.mark.django_db

PARIS = {"lat": 48.8556, "lng": 2.3601}


def test_a_second_search_reuses_the_written_cards_and_an_edited_listing_is_written_afresh():
    host = make_user()
    first = make_listing(owner=host, title="Before")
    make_listing(owner=host, latitude=48.8601, longitude=2.3499)
    cards._card_json.cache_clear()
    client = Client()
    before = client.get("/api/v1/listings/search", PARIS).json()
    assert cards._card_json.cache_info().misses == 2
    assert client.get("/api/v1/listings/search", PARIS).json() == before
    assert cards._card_json.cache_info().hits == 2
    Listing.objects.filter(pk=first.pk).update(title="After", rating_count=1, rating_sum=5)
    after = client.get("/api/v1/listings/search", PARIS).json()
    (edited,) = [card for card in after["results"] if card["id"] == first.pk]
    assert (edited["title"], edited["rating_count"], edited["rating_sum"]) == ("After", 1, 5)
    assert cards._card_json.cache_info().misses == 3


@pytest.mark.postgres_only
def test_nearest_first_sends_no_planner_settings_the_session_starts_with():
    make_listing(owner=make_user())
    Client().get("/api/v1/listings/search", PARIS)  # prepared on this connection
    with CaptureQueriesContext(connection) as captured:
        assert Client().get("/api/v1/listings/search", PARIS).status_code == 200
    executed = [query["sql"] for query in captured.captured_queries if "EXECUTE search_" in query["sql"]]
    assert executed and not [sql for sql in executed if "plan_cache_mode" in sql], executed
    with connection.cursor() as cursor:
        cursor.execute("SELECT current_setting('plan_cache_mode')")
        assert cursor.fetchone() == ("force_generic_plan",)


def test_planner_settings_the_session_did_not_start_with_are_still_set_for_the_statement():
    planner = (("enable_sort", "off"), ("plan_cache_mode", "force_generic_plan"))
    started = "-c jit=off -c plan_cache_mode=force_generic_plan"
    assert statements._not_in_session(planner, started) == {"enable_sort": "off"}
    assert statements._not_in_session(planner, "-c jit=off") == dict(planner)
    assert statements._not_in_session(planner, "-c plan_cache_mode=auto") == dict(planner)
    assert statements._not_in_session(planner, "") == dict(planner)
