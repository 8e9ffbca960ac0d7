"""SQL-looking input is just text: searches answer normally, forms and the API store it verbatim, no 500,
and every table is still there afterwards."""

from __future__ import annotations

import json

import pytest
from django.db import connection
from django.urls import reverse

from accounts.models import User
from listings.models import Listing
from realtime.models import Message
from tests.listings.helpers import FORM_COMMON, FORM_DETAILS
from tests.security.conftest import client_for
from tests.security.world import World

pytestmark = pytest.mark.django_db

INJECTIONS = [
    "'; DROP TABLE listings_listing; --",
    '" OR 1=1 --',
    "1) UNION SELECT email, password FROM accounts_user --",
]
SEARCH_FIELDS = ["q", "kind", "sort", "min_price", "max_price", "guests", "start", "lat", "radius", "page"]


@pytest.fixture
def tables_survive(in_world: World):
    tables = set(connection.introspection.table_names())
    listings = Listing.objects.count()
    yield
    assert set(connection.introspection.table_names()) == tables
    assert Listing.objects.count() == listings


@pytest.mark.usefixtures("tables_survive")
@pytest.mark.parametrize("text", INJECTIONS)
def test_search_parameters_are_just_text(in_world: World, text: str):
    anonymous = client_for(in_world, "anonymous")
    # Every parameter at once (refused as a bad search), then the free-text one alone (searched for).
    for params in ({name: text for name in SEARCH_FIELDS}, {"q": text}, {"q": "Paris", "sort": text, "kind": text}):
        page = anonymous.get(reverse("listings:search"), params)
        fragment = anonymous.get(reverse("listings:search"), params, HTTP_HX_REQUEST="true")
        api = anonymous.get("/api/v1/listings/search", params)
        assert page.status_code in (200, 400), (params, page.status_code)
        assert fragment.status_code in (200, 400), (params, fragment.status_code)
        assert api.status_code in (200, 400, 422), (params, api.status_code)


@pytest.mark.usefixtures("tables_survive")
@pytest.mark.parametrize("text", INJECTIONS)
def test_forms_store_sql_looking_text_verbatim(in_world: World, text: str):
    host = client_for(in_world, "host")
    edit = reverse("listings:edit", kwargs={"listing_id": in_world.listing.pk})
    response = host.post(edit, {**FORM_COMMON, **FORM_DETAILS["room"], "title": text, "description": text})
    assert response.status_code == 302, response.content[:500]
    listing = Listing.objects.get(pk=in_world.listing.pk)
    assert (listing.title, listing.description) == (text, text)

    profile = reverse("accounts:profile_edit", kwargs={"user_id": in_world.host.pk})
    response = host.post(profile, {"display_name": text[:60], "bio": text, "languages": "", "city": text})
    assert response.status_code == 302
    person = User.objects.get(pk=in_world.host.pk)
    assert (person.display_name, person.bio, person.city) == (text[:60], text, text)

    thread = reverse("realtime:thread", kwargs={"thread_id": in_world.thread.pk})
    assert host.post(thread, {"body": text}).status_code == 302
    assert Message.objects.filter(thread=in_world.thread).latest("pk").body == text

    login = client_for(in_world, "anonymous").post(reverse("account_login"), {"login": text, "password": text})
    assert login.status_code == 200


@pytest.mark.usefixtures("tables_survive")
@pytest.mark.parametrize("text", INJECTIONS)
def test_the_api_stores_sql_looking_text_verbatim(in_world: World, text: str):
    host = client_for(in_world, "host")
    patched = host.patch(
        f"/api/v1/listings/{in_world.listing.pk}", json.dumps({"title": text}), content_type="application/json"
    )
    assert patched.status_code == 200 and patched.json()["title"] == text
    posted = host.post(
        f"/api/v1/threads/{in_world.thread.pk}/messages", json.dumps({"body": text}), content_type="application/json"
    )
    assert posted.status_code == 201 and posted.json()["body"] == text
    assert Listing.objects.get(pk=in_world.listing.pk).title == text


@pytest.mark.usefixtures("tables_survive")
@pytest.mark.parametrize("text", ["1 OR 1=1", "1;DROP TABLE bookings_booking", "1'--"])
def test_sql_in_an_id_is_a_404_or_422(in_world: World, text: str):
    host = client_for(in_world, "host")
    for path in (f"/api/v1/bookings/{text}", f"/api/v1/listings/{text}", f"/bookings/{text}/"):
        assert host.get(path).status_code in (404, 422), path
