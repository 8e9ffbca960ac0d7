"""The site as a person on a phone first sees it: home page, menu, log-in."""

from django.core.cache import cache
from playwright.sync_api import expect

from tests.conftest import PASSWORD, make_user


def test_a_verified_person_logs_in_from_the_home_page_on_a_phone(live_url, journey):
    make_user("walker@example.com", display_name="Wanda Walker")
    cache.clear()
    page = journey.page

    page.goto(live_url + "/")
    expect(page.get_by_role("heading", name="Use what your neighbours aren't using.")).to_be_visible()
    journey.snap("home")

    page.locator("label.nav-toggle-label").click()  # the phone layout folds the menu
    page.get_by_role("link", name="Log in", exact=True).click()
    expect(page).to_have_url(live_url + "/accounts/login/")
    page.get_by_label("Email").fill("walker@example.com")
    page.get_by_label("Password").fill(PASSWORD)
    journey.snap("login-filled")
    page.get_by_role("button", name="Sign In").click()

    expect(page).to_have_url(live_url + "/")
    page.locator("label.nav-toggle-label").click()
    expect(page.get_by_role("link", name="Wanda Walker")).to_be_visible()
    assert journey.snap("logged-in").exists()


def test_a_wrong_password_is_explained_in_the_page(live_url, journey):
    make_user("walker2@example.com")
    page = journey.page

    page.goto(live_url + "/accounts/login/")
    page.get_by_label("Email").fill("walker2@example.com")
    page.get_by_label("Password").fill("not-my-password")
    page.get_by_role("button", name="Sign In").click()

    expect(page.get_by_text("The email address and/or password you specified are not correct.")).to_be_visible()
    journey.snap("wrong-password")
