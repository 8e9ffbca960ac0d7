"""The offline geocoder: place names and addresses to coordinates and time zones, and back."""

import pytest

from listings.geocoding import AddressNotFound, OfflineGeocoder, geocode_place, reverse_place


@pytest.mark.parametrize(
    ("text", "city", "country", "zone"),
    [
        ("Paris", "Paris", "FR", "Europe/Paris"),
        ("Berlin, Germany", "Berlin", "DE", "Europe/Berlin"),
        ("10 Rue de Rivoli, Paris", "Paris", "FR", "Europe/Paris"),
        ("75001 Paris, France", "Paris", "FR", "Europe/Paris"),
        ("New York", "New York City", "US", "America/New_York"),
    ],
)
def test_known_places_resolve_with_their_time_zone(text, city, country, zone):
    place = geocode_place(text)
    assert (place.city, place.country_code, place.time_zone) == (city, country, zone)


def test_the_country_narrows_a_city_name():
    assert geocode_place("Paris, United States").country_code == "US"


def test_an_unknown_place_gets_a_clear_message():
    with pytest.raises(AddressNotFound, match="We could not find “Qwxzyville”") as caught:
        geocode_place("Qwxzyville")
    assert caught.value.field == "address"


def test_reverse_geocoding_finds_the_nearest_city():
    place = reverse_place(52.52, 13.40)
    assert (place.country_code, place.time_zone) == ("DE", "Europe/Berlin")
    assert (place.latitude, place.longitude) == (52.52, 13.40)


def test_the_geocoder_follows_geopys_interface():
    location = OfflineGeocoder().geocode("Tokyo")
    assert abs(location.latitude - 35.69) < 0.1
    assert OfflineGeocoder().geocode("Qwxzyville") is None
