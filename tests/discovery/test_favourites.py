"""Favourites: the heart (htmx and plain form), named lists, sharing by link read-only, and privacy."""

from __future__ import annotations

import pytest
from django.urls import reverse

from discovery.models import Favourite, FavouriteList
from tests.conftest import make_user
from tests.listings.factories import make_listing

pytestmark = pytest.mark.django_db


def _heart(client, listing, **extra):
    return client.post(reverse("discovery:heart", kwargs={"listing_id": listing.pk}), {"next": "/"}, **extra)


def test_the_heart_saves_a_listing_to_my_first_list_and_again_takes_it_out(client, user):
    listing = make_listing()
    client.force_login(user)
    assert _heart(client, listing).status_code == 302
    (saved,) = Favourite.objects.filter(favourite_list__owner=user)
    assert (saved.listing, saved.favourite_list.name) == (listing, "Favourites")
    _heart(client, listing)
    assert not Favourite.objects.exists()


def test_the_heart_over_htmx_answers_with_the_pressed_button(client, user):
    listing = make_listing()
    client.force_login(user)
    response = _heart(client, listing, HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    assert 'aria-pressed="true"' in response.content.decode()


def test_search_results_and_the_listing_page_show_the_heart(client, user):
    listing = make_listing(title="Loft by the river")
    client.force_login(user)
    heart_url = reverse("discovery:heart", kwargs={"listing_id": listing.pk})
    assert heart_url in client.get(listing.get_absolute_url()).content.decode()
    search = client.get(reverse("listings:search"), {"lat": listing.latitude, "lng": listing.longitude})
    assert heart_url in search.content.decode()


def test_favouriting_a_paused_listing_is_refused_with_a_clear_message(client, user):
    paused = make_listing(status="paused")
    client.force_login(user)
    response = _heart(client, paused)
    assert response.status_code == 404
    assert "paused by its host or removed" in response.content.decode()
    api = client.put(f"/api/v1/saved/favourites/{paused.pk}")
    assert api.status_code == 404
    assert "cannot be saved" in api.json()["detail"]
    assert not Favourite.objects.exists()


def test_favouriting_a_deleted_listing_is_refused(client, user):
    gone = make_listing(status="deleted")
    client.force_login(user)
    assert client.put(f"/api/v1/saved/favourites/{gone.pk}").status_code == 404
    assert not Favourite.objects.exists()


def test_i_create_a_list_and_save_a_listing_in_it_from_the_listing_page(client, user):
    listing = make_listing()
    client.force_login(user)
    response = client.post(reverse("discovery:add", kwargs={"listing_id": listing.pk}), {"new_name": "Lisbon in May"})
    assert response.status_code == 302
    chosen = FavouriteList.objects.get(owner=user, name="Lisbon in May")
    assert list(chosen.items.values_list("listing", flat=True)) == [listing.pk]
    assert not chosen.shared


def test_a_list_is_private_by_default(client, user):
    chosen = FavouriteList.objects.create(owner=user, name="Lisbon in May")
    client.force_login(make_user())
    assert client.get(reverse("discovery:list", kwargs={"list_id": chosen.pk})).status_code == 404
    assert client.get(f"/api/v1/saved/lists/{chosen.pk}").status_code == 404
    # The share link does not work until sharing is turned on.
    client.logout()
    assert client.get(chosen.get_share_url()).status_code == 404
    assert client.get(f"/api/v1/saved/shared/{chosen.share_token}").status_code == 404


def test_another_person_cannot_change_my_list(client, user):
    listing = make_listing()
    chosen = FavouriteList.objects.create(owner=user, name="Mine")
    Favourite.objects.create(favourite_list=chosen, listing=listing)
    client.force_login(make_user())
    page = reverse("discovery:list", kwargs={"list_id": chosen.pk})
    for action in ({"action": "rename", "name": "Pwned"}, {"action": "share"}, {"action": "delete"}):
        assert client.post(page, action).status_code == 404
    assert client.patch(f"/api/v1/saved/lists/{chosen.pk}", {"shared": True}, "application/json").status_code == 404
    assert client.delete(f"/api/v1/saved/lists/{chosen.pk}/listings/{listing.pk}").status_code == 404
    assert client.put(f"/api/v1/saved/lists/{chosen.pk}/listings/{make_listing().pk}").status_code == 404
    chosen.refresh_from_db()
    assert (chosen.name, chosen.shared, chosen.items.count()) == ("Mine", False, 1)


def test_the_share_link_shows_only_that_list_read_only(client, user):
    shown, hidden = make_listing(title="Tiled flat in Alfama"), make_listing(title="Secret cabin")
    paused = make_listing(title="Paused studio")
    shared = FavouriteList.objects.create(owner=user, name="Lisbon in May")
    other = FavouriteList.objects.create(owner=user, name="Private")
    Favourite.objects.create(favourite_list=shared, listing=shown)
    Favourite.objects.create(favourite_list=other, listing=hidden)
    Favourite.objects.create(favourite_list=shared, listing=paused)
    paused.status = "paused"
    paused.save()
    client.force_login(user)
    response = client.patch(f"/api/v1/saved/lists/{shared.pk}", {"shared": True}, "application/json")
    link = response.json()["share_url"]
    assert link.endswith(f"/saved/shared/{FavouriteList.objects.get(pk=shared.pk).share_token}/")
    client.logout()
    page = client.get(link).content.decode()
    assert "Tiled flat in Alfama" in page
    assert "Secret cabin" not in page and "Paused studio" not in page and "Private" not in page
    assert 'name="action"' not in page  # no form to change the list
    token = link.rstrip("/").rsplit("/", 1)[1]
    body = client.get(f"/api/v1/saved/shared/{token}").json()
    assert [item["title"] for item in body["listings"]] == ["Tiled flat in Alfama"]
    # A visitor with the link cannot change it through the page either.
    assert (
        client.post(reverse("discovery:list", kwargs={"list_id": shared.pk}), {"action": "delete"}).status_code == 302
    )
    assert FavouriteList.objects.filter(pk=shared.pk).exists()


def test_turning_sharing_off_and_on_again_kills_the_old_link(client, user):
    chosen = FavouriteList.objects.create(owner=user, name="Lisbon in May", shared=True)
    old = chosen.get_share_url()
    client.force_login(user)
    page = reverse("discovery:list", kwargs={"list_id": chosen.pk})
    client.post(page, {"action": "unshare"})
    client.post(page, {"action": "share"})
    client.logout()
    assert client.get(old).status_code == 404
    chosen.refresh_from_db()
    assert client.get(chosen.get_share_url()).status_code == 200


def test_the_api_manages_lists_and_hearts(client, user):
    listing = make_listing()
    client.force_login(user)
    created = client.post("/api/v1/saved/lists", {"name": "Lisbon in May"}, "application/json")
    assert created.status_code == 201
    list_id = created.json()["id"]
    assert client.put(f"/api/v1/saved/lists/{list_id}/listings/{listing.pk}").json()["listings"][0]["id"] == listing.pk
    assert client.get("/api/v1/saved/favourites").json() == {"listing_ids": [listing.pk]}
    assert client.delete(f"/api/v1/saved/favourites/{listing.pk}").json() == {"listing_ids": []}
    assert client.delete(f"/api/v1/saved/lists/{list_id}").status_code == 204
    assert not FavouriteList.objects.exists()


def test_two_lists_of_mine_cannot_share_a_name(client, user):
    client.force_login(user)
    client.post("/api/v1/saved/lists", {"name": "Lisbon"}, "application/json")
    again = client.post("/api/v1/saved/lists", {"name": " Lisbon "}, "application/json")
    assert again.status_code == 409
    assert FavouriteList.objects.count() == 1
