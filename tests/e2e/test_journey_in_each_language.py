"""Issue 22's Must show in a real Chromium: the guest's and the host's main path read in each shipped language.

For each language (English first, as the control) a guest and a host whose phones and profiles are set to it:
1. the guest logs in, searches from the home page, opens the room and requests two nights with a test card;
2. the host reads the request in their notifications and on the reservations page, and accepts it;
3. the guest reads the acceptance in their notifications and on the booking page.

Every page's visible text (`document.body.innerText`) is searched for common English words: a translated page
shows none, and the English run must find them on every page (or the check would prove nothing). German money
reads `1.234,50 €` and Japanese `¥12,000`. Screenshots: test-artifacts/<test>[<language>]/, one per page.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect

from accounts.models import User
from bookings.models import Booking, BookingStatus
from listings.models import Listing
from payments.models import Payment
from tests.conftest import PASSWORD
from tests.e2e.conftest import Journey
from tests.e2e.people import open_page, person
from tests.e2e.test_journey_host_lists_guest_books import fill_card
from tests.listings.factories import make_listing

# Words and phrases of the site's English that no translated page may show (matched as whole words,
# ignoring case). None of them is also a word of Spanish, French or German ("total", "notifications",
# "message", "menu", "service", "date" are, so they are left out); names (Sharing, Paris) are not words here.
ENGLISH = (
    "the", "and", "with", "your", "you", "for", "from", "this", "that", "not", "are", "will", "has", "have",
    "here", "when", "where", "what", "who", "how", "about", "only", "now", "ago", "hours", "days",
    "night", "nights", "per night", "guest", "guests", "host", "booking", "bookings", "book", "request",
    "requested", "request to book", "reserve", "confirmed", "accept", "decline", "withdraw", "cancel",
    "cancellation", "cleaning fee", "service fee", "Sharing's", "payout", "deposit", "held", "charged", "card",
    "search", "filters", "map", "listing", "listings", "rooms", "cars", "drivers", "reviews", "instant book",
    "trips", "saved", "reservations", "log in", "log out", "sign up", "sign in", "password", "email",
    "settings", "messages", "mark all", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun",
)  # fmt: skip
ENGLISH_WORD = re.compile(r"\b(" + "|".join(re.escape(word) for word in ENGLISH) + r")\b", re.IGNORECASE)
# The English control must find at least this many different words on each page.
ENGLISH_ON_EVERY_PAGE = 5


@dataclass(frozen=True)
class Reader:
    """A language's phones and profiles, and the room its guest books (in the room's own currency)."""

    language: str
    locale: str  # the phone's, sent as Accept-Language
    title: str  # what the host wrote: in the reader's language, so it is not English on the page
    search: str
    per_night: str  # the room's price as the reader must read it, formatted by hand


# A euro room at €617.25 a night (two nights: €1,234.50) and a yen room at ¥12,000, each titled in the reader's words.
READERS = {
    reader.language: reader
    for reader in (
        Reader("en", "en-US", "Bright room by the canal", "Paris", "€617.25"),
        Reader("es", "es-ES", "Habitación luminosa junto al canal", "Paris", "617,25\xa0€"),
        Reader("fr", "fr-FR", "Chambre lumineuse au bord du canal", "Paris", "617,25\xa0€"),
        Reader("de", "de-DE", "Helles Zimmer am Kanal", "Paris", "617,25\xa0€"),
        Reader("ja", "ja-JP", "渋谷の静かな和室", "Tokyo", "¥12,000"),
        Reader("zh-hans", "zh-CN", "运河边的明亮房间", "Paris", "€617.25"),
    )
}
PARIS = {"city": "Paris", "address": "10 Rue de Rivoli, Paris", "latitude": 48.8556, "longitude": 2.3601}
TOKYO = {
    "city": "Tokyo",
    "address": "Shibuya, Tokyo",
    "latitude": 35.6595,
    "longitude": 139.7005,
    "country_code": "JP",
    "time_zone": "Asia/Tokyo",
}
GERMAN_MONEY = re.compile(r"\b\d{1,3}(\.\d{3})*,\d{2}\xa0€")
ENGLISH_EURO = re.compile(r"€\d")  # "€1,234.50": the English order, on a German page


@dataclass
class Reading:
    """One person's phone in the journey: each page it shows is photographed and read for English."""

    journey: Journey
    english: dict[str, list[str]] = field(default_factory=dict)

    @property
    def page(self) -> Page:
        return self.journey.page

    def read(self, step: str) -> str:
        self.page.wait_for_load_state("load")
        picture = self.journey.snap(step)
        text = self.page.evaluate("document.body.innerText")
        picture.with_suffix(".txt").write_text(text)  # what the check read, beside what a person sees
        self.english[f"{self.journey.label} {step}"] = sorted({found.lower() for found in ENGLISH_WORD.findall(text)})
        return text


def stay_ahead(time_zone: str) -> tuple[date, date]:
    """A Monday two weeks or more from today where the room is, and the Wednesday after."""
    today = timezone.now().astimezone(ZoneInfo(time_zone)).date()
    monday = today + timedelta(weeks=2) + timedelta(days=(7 - today.weekday()) % 7)
    return monday, monday + timedelta(days=2)


def world(reader: Reader) -> tuple[User, User, Listing]:
    """The host, the guest and the room, all in the reader's language."""
    code = reader.language
    host = person(f"host.{code}@example.com", display_name="Hana", language=code, country="FR")
    guest = person(f"guest.{code}@example.com", display_name="Camille", language=code, country="FR")
    if code == "ja":
        room = make_listing(
            owner=host, title=reader.title, currency="JPY", unit_price=12_000, fee_amount=3_000, **TOKYO
        )
    else:
        room = make_listing(owner=host, title=reader.title, unit_price=61_725, fee_amount=2_000, **PARIS)
    room.description = reader.title
    room.save(update_fields=["description"])
    return host, guest, room


def log_in(reading: Reading, live_url: str, email: str, then: str, *, step: str = "") -> None:
    """The log-in form by its fields, not its (translated) labels; `step` reads the form page first."""
    page = reading.page
    open_page(page, live_url, f"/accounts/login/?next={then}")
    if step:
        reading.read(step)
    page.locator("#id_login").fill(email)
    page.locator("#id_password").fill(PASSWORD)
    page.locator("main form button[type=submit]").first.click()
    expect(page, f"log-in: {email} was not let in").to_have_url(live_url + then)


@pytest.mark.parametrize("language", list(READERS))
def test_search_book_answer_and_notify_in_the_readers_language(live_url, browser_of, ledger_checked, language):
    reader = READERS[language]
    host_user, guest_user, room = world(reader)
    guest = Reading(browser_of(f"{language} guest", locale=reader.locale))
    host = Reading(browser_of(f"{language} host", locale=reader.locale))
    check_in, check_out = stay_ahead(room.time_zone)

    # 1. The guest: log in (the page in the phone's language), search, the room, the quote, the request.
    log_in(guest, live_url, guest_user.email, "/", step="log-in")
    guest.read("home")
    page = guest.page
    page.locator("#home-q").fill(reader.search)
    page.locator("#home-start").fill(check_in.isoformat())
    page.locator("#home-end").fill(check_out.isoformat())
    page.locator("#home-guests").fill("1")
    page.locator("form.home-search button[type=submit]").click()
    result = page.locator("#results .result")
    # The server geocodes the place; its first look-up loads the gazetteer (seconds on a busy machine).
    expect(result, "search: the room is not found").to_have_count(1, timeout=30_000)
    expect(result.locator(".price strong"), "search: the price per night").to_have_text(reader.per_night)
    guest.read("search-results")

    result.locator("h3 a").click()
    expect(page.locator("h1"), "search: the room's page did not open").to_contain_text(reader.title)
    expect(page.locator("#reserve-amount"), "listing page: the stay was not priced").not_to_have_text(reader.per_night)
    listing_text = guest.read("listing")
    page.locator("#reserve-button").click()
    expect(page.locator("#quote table.quote"), "book page: the live quote did not appear").to_be_visible()
    fill_card(page, "book page")
    book_text = guest.read("book")
    page.locator("main form[hx-get] > button[type=submit]").click()
    expect(page.locator("h1 .booking-status.status-requested"), "book page: the request was not sent").to_be_visible()
    requested_text = guest.read("request-sent")
    booking = Booking.objects.get(listing=room)
    assert booking.status == BookingStatus.REQUESTED

    # 2. The host: the notification, the reservations page, the booking page; the answer.
    log_in(host, live_url, host_user.email, "/notifications/")
    expect(host.page.locator("#notifications-page .rt-item"), "host: no notification of the request").to_have_count(1)
    host.read("notification-of-the-request")
    open_page(host.page, live_url, "/bookings/reservations/")
    expect(host.page.locator("main"), "reservations: the request is not listed").to_contain_text(reader.title)
    host.read("reservations")
    open_page(host.page, live_url, booking.get_absolute_url())
    host.read("request")
    host.page.locator(f"form[action$='/{booking.pk}/accept/'] button").click()
    expect(host.page.locator("h1 .booking-status.status-confirmed"), "host: not confirmed after Accept").to_be_visible()
    host.read("accepted")
    assert Payment.objects.get(payer=guest_user).status == Payment.Status.CAPTURED

    # 3. The guest: the notification of the answer, and the booking confirmed.
    open_page(page, live_url, "/notifications/")
    expect(page.locator("#notifications-page .rt-item"), "guest: no notification of the answer").to_have_count(1)
    guest.read("notification-of-the-answer")
    open_page(page, live_url, booking.get_absolute_url())
    expect(page.locator("h1 .booking-status.status-confirmed"), "guest: the booking is not confirmed").to_be_visible()
    confirmed_text = guest.read("confirmed")

    money_pages = {"listing": listing_text, "book": book_text, "request": requested_text, "confirmed": confirmed_text}
    if language == "de":
        for name, text in money_pages.items():
            assert GERMAN_MONEY.search(text), f"{name}: no amount written as German money (1.234,50 €)"
            assert not ENGLISH_EURO.search(text), f"{name}: an amount in the English order (€1,234.50)"
        assert "1.234,50\xa0€" in book_text, "book page: two nights at 617,25 € are not 1.234,50 €"
    if language == "ja":
        for name, text in money_pages.items():
            assert re.search(r"¥\d{1,3}(,\d{3})+", text), f"{name}: no amount in yen (¥12,000)"
            assert not re.search(r"¥[\d,]+\.\d", text), f"{name}: a yen amount with decimals"
        assert "¥24,000" in book_text, "book page: two nights at ¥12,000 are not ¥24,000"

    pages = {**guest.english, **host.english}
    assert len(pages) == 12
    if language == "en":
        bare = {name: words for name, words in pages.items() if len(words) < ENGLISH_ON_EVERY_PAGE}
        assert not bare, f"the English control found too few English words, so the check proves nothing: {bare}"
    else:
        english = {name: words for name, words in pages.items() if words}
        assert not english, f"English on {language} pages:\n" + "\n".join(f"{k}: {v}" for k, v in english.items())
