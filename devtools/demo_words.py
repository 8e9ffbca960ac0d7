"""The words of the demo listings: titles, descriptions and street addresses in each city's language.

Offline and deterministic (every choice comes from the caller's seeded `random.Random`). The
neighbourhood named in a title is the one nearest to the listing's pin, and its address is a real
street of that neighbourhood with a made-up number: the pin stays where demo.py put it.
"""

from __future__ import annotations

import random
from dataclasses import dataclass

from devtools.demo_city_words import CARS, WORDS, CityWords, Hood

__all__ = ["CARS", "WORDS", "Hood"]
ORDINALS_EN = {1: "first", 2: "second", 3: "third", 4: "fourth", 5: "fifth", 6: "sixth"}


def nearest_hood(city: str, latitude: float, longitude: float) -> Hood:
    return min(WORDS[city].hoods, key=lambda h: (h.latitude - latitude) ** 2 + (h.longitude - longitude) ** 2)


def address(rng: random.Random, city: str, hood: Hood) -> str:
    """A street of the neighbourhood, a made-up number, written as people there write addresses."""
    street, number = rng.choice(hood.streets), rng.randint(1, 140)
    if city == "Paris":
        return f"{number} {street}, {hood.area}"
    if city == "Berlin":
        return f"{street} {number}, {hood.area}"
    if city == "Tokyo":
        return f"東京都{hood.area}{street}{rng.randint(1, 4)}丁目{rng.randint(1, 30)}-{rng.randint(1, 20)}"
    return f"{number * 3} {street}, {hood.area}"


def car_name(city: str, make: str, model: str) -> str:
    return f"{make} {model}" if city != "Tokyo" else f"{make}{model}"


@dataclass(frozen=True)
class ListingWords:
    title: str
    description: str
    address: str
    languages: str = ""  # a driver's spoken languages


def room_words(rng: random.Random, city: str, hood: Hood) -> ListingWords:
    words = WORDS[city]
    floor = rng.randint(1, 6)
    slots = {"at": hood.at, "size": rng.randint(9, 24), "floor": floor, "floor_en": ORDINALS_EN[floor]}
    lines = [rng.choice(group).format(**slots) for group in words.room_lines]
    return ListingWords(rng.choice(words.rooms).format(at=hood.at), _joined(words, lines), address(rng, city, hood))


def car_words(rng: random.Random, city: str, hood: Hood, car: str, year: int) -> ListingWords:
    words = WORDS[city]
    slots = {"car": car, "at": hood.at, "year": year}
    lines = [rng.choice(group).format(**slots) for group in words.car_lines]
    title = rng.choice(words.cars).format(**slots)
    return ListingWords(title, _joined(words, lines), address(rng, city, hood))


def driver_words(rng: random.Random, city: str, hood: Hood) -> ListingWords:
    words = WORDS[city]
    languages = words.join.join(rng.choice(words.spoken))
    slots = {"at": hood.at, "hood": hood.name, "languages": languages}
    lines = [rng.choice(group).format(**slots) for group in words.driver_lines]
    title = rng.choice(words.drivers).format(**slots)
    return ListingWords(title, _joined(words, lines), address(rng, city, hood), languages)


def _joined(words: CityWords, lines: list[str]) -> str:
    return ("" if words.language == "ja" else " ").join(line.strip() for line in lines)
