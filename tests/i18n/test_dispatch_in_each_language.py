"""The on-demand pages read in each language: the request form and its fare estimate, the provider's page with a
live offer, the request page while looking and once a provider is on the way; the page script's words come from
the JavaScript catalogue.

As in test_more_pages_in_each_language: each page in English shows the listed words, and no translation does.
"""

from __future__ import annotations

import json
import re
from datetime import timedelta
from pathlib import Path
from unittest import mock

import pytest
from django.conf import settings
from django.utils import translation

from accounts.models import User
from core.errors import Conflict, DomainError
from dispatch.services.acceptance import accept_offer
from listings.models import ListingKind
from realtime.models import Notification
from tests.conftest import make_user
from tests.dispatch.factories import HERE, NOW, provider, request_driver
from tests.i18n.test_more_pages_in_each_language import LANGUAGES

pytestmark = pytest.mark.django_db

SCRIPT = Path(settings.BASE_DIR) / "dispatch" / "static" / "dispatch" / "dispatch.js"
SCRIPT_WORDS = [
    "Find me a driver now",
    "Find me a driver for that time",
    "Looking up the address…",
    "Finding you…",
    "Location refused: click the map or type your position.",
    "(from the live position)",
    "A driver for %(hours)s h",
    "%(km)s km away",
    "New rider: no reviews yet",
]


@pytest.fixture(autouse=True)
def _frozen_clock():
    with mock.patch("django.utils.timezone.now", return_value=NOW):
        yield


def _no_english_left(client, address: str, english_words: list[str], **query) -> None:
    english = client.get(address, query, HTTP_ACCEPT_LANGUAGE="en")
    assert english.status_code == 200, english.status_code
    english_page = english.content.decode()
    for words in english_words:
        assert words in english_page, ("en", words)  # the words are the page's, so their absence means something
    for language in LANGUAGES:
        page = client.get(address, query, HTTP_ACCEPT_LANGUAGE=language).content.decode()
        assert page != english_page
        for words in english_words:
            assert words not in page, (language, words)


def test_the_request_form_and_its_estimate_are_in_each_language(client):
    provider(km=1)
    client.force_login(make_user())
    english_words = ["A driver now or later today", "You do not browse", "For how many hours", "Type an address"]
    english_words += ["Find it<", "Use my location", "tap the map", "Set where you are to see the fare"]
    english_words += ["Find me a driver now", "Providers available right now", "Take jobs on demand", ">Now<"]
    _no_english_left(client, "/dispatch/", english_words)
    where = {"kind": "driver", "latitude": HERE[0], "longitude": HERE[1], "hours": 2, "when": "now"}
    _no_english_left(client, "/dispatch/estimate/", ["Estimated fare", "near you", "your card is held for"], **where)


def test_the_providers_page_with_a_live_offer_is_in_each_language(client):
    listing = provider(km=2)
    request_driver()
    client.force_login(listing.owner)
    english_words = ["Jobs on demand", "Available now", "Go offline", ">Offers<", "A driver for 2 h", "Pickup area"]
    english_words += ["near Paris", "km away", ">Fare<", ">Rider<", "New rider: no reviews yet", "once you accept"]
    english_words += ["s left to answer", ">Accept<", ">Pass<"]
    _no_english_left(client, "/dispatch/provider/", english_words)


def test_the_request_page_is_in_each_language_while_looking_and_once_assigned(client):
    listing = provider(km=4)
    job = request_driver()
    client.force_login(job.requester)
    address = f"/dispatch/requests/{job.pk}/"
    english_words = ["Your request: a driver for 2 hours", "Looking for a provider near you", "Your card is held for"]
    _no_english_left(client, address, [*english_words, "while we look", ">Cancel<"])
    accept_offer(provider=listing.owner, request_id=job.pk, now=NOW)
    english_words = ["is on the way", "Arrives in about", "from the distance when the job was accepted"]
    english_words += ["Message ", "The booking<", "Messages go through Sharing", "Live positions are shared"]
    _no_english_left(client, address, english_words)
    client.force_login(listing.owner)
    _no_english_left(client, address, ["Your job: a driver for 2 hours", "is waiting for you", "to the pickup"])


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_page_scripts_words_are_in_the_javascript_catalogue(client, language):
    script = SCRIPT.read_text()
    body = client.get("/jsi18n/", HTTP_ACCEPT_LANGUAGE=language).content.decode()
    catalogue = json.loads(re.search(r"const newcatalog = (\{.*?\});\n", body, re.S).group(1))
    for words in SCRIPT_WORDS:
        assert f'gettext("{words}")' in script, words  # the script asks the catalogue for them
        assert catalogue.get(words) not in (None, "", words), (language, words)


def test_the_stored_offer_notice_reads_in_each_providers_language(client):
    """One notice is stored for the wave; the bell and the push line read it in each provider's own language,
    the pickup ("in 2 h, 12:00") written as when the wave went out."""
    japanese = provider(km=1)
    german = provider(km=2)
    User.objects.filter(pk=japanese.owner_id).update(language="ja")
    User.objects.filter(pk=german.owner_id).update(language="de")
    job = request_driver(hours=2, when=NOW + timedelta(hours=2))

    def line(listing, language: str) -> str:
        notice = Notification.objects.get(recipient=listing.owner, kind="dispatch.offer", payload__request=job.pk)
        with translation.override(language):
            return notice.text

    assert line(japanese, "en") == "Someone near you needs a driver in 2 h, 12:00."
    assert line(japanese, "ja") == "近くの方が2時間後、12:00にドライバーを必要としています。"
    assert line(german, "de") == "Jemand in Ihrer Nähe braucht in 2 Std., um 12:00 einen Fahrer."
    for language in LANGUAGES:
        assert "Someone near you" not in line(german, language)
    client.force_login(japanese.owner)  # the bell's page, in the profile's language
    assert "近くの方が2時間後、12:00にドライバーを必要としています。" in client.get("/notifications/").content.decode()


def test_an_offer_notice_for_a_car_now_reads_in_the_providers_language():
    car = provider(km=1, kind=ListingKind.CAR)
    request_driver(kind=ListingKind.CAR)
    notice = Notification.objects.get(recipient=car.owner, kind="dispatch.offer")
    assert notice.payload["message"] == "Someone near you needs a car now."
    with translation.override("fr"):
        assert notice.text == "Quelqu\u2019un près de chez vous a besoin d\u2019une voiture maintenant."


def test_on_demand_refusals_read_in_the_askers_language():
    with translation.override("ja"), pytest.raises(Conflict) as nobody:
        request_driver()
    assert nobody.value.message == "現在、近くに対応できるドライバーがいません。数分後にもう一度お試しください。"
    assert nobody.value.code == "no_providers"
    with translation.override("de"), pytest.raises(DomainError) as far:
        request_driver(when=NOW + timedelta(hours=12))
    assert far.value.message.startswith("Sie können höchstens 6 Stunden im Voraus anfragen.")


def test_the_assigned_notice_reads_in_the_requesters_language():
    listing = provider(km=1)
    job = request_driver()
    accept_offer(provider=listing.owner, request_id=job.pk, now=NOW)
    notice = Notification.objects.get(recipient=job.requester, kind="dispatch.assigned")
    with translation.override("de"):
        assert notice.text.endswith(f"{listing.owner.public_name} ist unterwegs.")
