"""Which language a page is in: the signed-in person's profile, else the switcher's cookie, else the browser."""

from __future__ import annotations

import pytest
from django.conf import settings

from tests.conftest import make_user

pytestmark = pytest.mark.django_db

SWITCH = "/people/language/"


def title_of(page) -> str:
    text = page.content.decode()
    return text[text.index("<h1>") : text.index("</h1>")]


def test_without_a_choice_the_browsers_language_is_used(client):
    page = client.get("/", HTTP_ACCEPT_LANGUAGE="de-DE,de;q=0.9,en;q=0.5")
    assert page["Content-Language"] == "de"
    assert '<html lang="de">' in page.content.decode()
    assert "Nutzen Sie, was Ihre Nachbarn gerade nicht brauchen." in title_of(page)


def test_the_profiles_language_comes_before_the_browsers(client):
    client.force_login(make_user(language="ja"))
    page = client.get("/", HTTP_ACCEPT_LANGUAGE="de")
    assert page["Content-Language"] == "ja"
    assert "ご近所で使われていないものを活用しよう。" in title_of(page)


def test_a_profile_without_a_language_follows_the_browser(client):
    client.force_login(make_user(language=""))
    assert client.get("/", HTTP_ACCEPT_LANGUAGE="es")["Content-Language"] == "es"


@pytest.mark.parametrize("header", ["xx-nope", "tlh", "", "*", ";;;q=abc"])
def test_an_unknown_browser_language_falls_back_to_english_without_an_error(client, header):
    page = client.get("/", HTTP_ACCEPT_LANGUAGE=header)
    assert page.status_code == 200 and page["Content-Language"] == "en"
    assert "Use what your neighbours aren" in title_of(page)


def test_an_unknown_language_in_the_cookie_or_the_profile_falls_back_to_english(client):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "klingon"
    assert client.get("/")["Content-Language"] == "en"
    client.force_login(make_user(language="xx"))
    assert client.get("/")["Content-Language"] == "en"


def test_the_switcher_is_on_every_page_including_sign_up(client):
    for path in ("/", "/accounts/signup/", "/accounts/login/", "/listings/search/"):
        page = client.get(path).content.decode()
        assert f'action="{SWITCH}"' in page, path
        assert '<option value="zh-hans" lang="zh-hans">简体中文</option>' in page, path


def test_the_switcher_sets_a_visitors_language_and_goes_back(client):
    answer = client.post(SWITCH, {"language": "fr", "next": "/listings/search/"}, HTTP_ACCEPT_LANGUAGE="de")
    assert answer.status_code == 302 and answer["Location"] == "/listings/search/"
    page = client.get("/", HTTP_ACCEPT_LANGUAGE="de")
    assert page["Content-Language"] == "fr"
    assert "Profitez de ce que vos voisins n'utilisent pas." in title_of(page)


def test_the_switcher_keeps_a_signed_in_persons_choice_on_their_profile(client):
    person = make_user(language="de")
    client.force_login(person)
    client.post(SWITCH, {"language": "zh-hans", "next": "/"})
    person.refresh_from_db()
    assert person.language == "zh-hans"
    # Another browser (no cookie) of the same person: the profile decides.
    client.cookies.clear()
    client.force_login(person)
    assert client.get("/", HTTP_ACCEPT_LANGUAGE="en")["Content-Language"] == "zh-hans"


def test_the_switcher_refuses_an_unknown_language_and_changes_nothing(client):
    person = make_user(language="es")
    client.force_login(person)
    answer = client.post(SWITCH, {"language": "klingon", "next": "/"})
    assert answer.status_code == 302
    person.refresh_from_db()
    assert person.language == "es"
    assert settings.LANGUAGE_COOKIE_NAME not in answer.cookies


def test_the_switcher_changes_only_the_askers_profile(client):
    asker, other = make_user(language="en"), make_user(language="de")
    client.force_login(asker)
    client.post(SWITCH, {"language": "ja", "next": f"/people/{other.pk}/", "user": other.pk})
    other.refresh_from_db()
    asker.refresh_from_db()
    assert (asker.language, other.language) == ("ja", "de")


def test_the_switcher_takes_only_posts_and_never_sends_away_from_the_site(client):
    assert client.get(SWITCH).status_code == 405
    answer = client.post(SWITCH, {"language": "fr", "next": "https://evil.example/"})
    assert answer.status_code == 302 and not answer["Location"].startswith("https://evil")
