"""CSRF: every route Django serves refuses a logged-in browser's POST without the token, and writes nothing.

The routes come from the resolver (routes.py), so a new form is checked the day it is
added. The only exceptions are listed with their reason: they do not authenticate by
cookie, so a forged cross-site request carries nothing to abuse.
"""

from __future__ import annotations

import json
import re

import pytest
from django.urls import NoReverseMatch, reverse

from tests.security.conftest import client_for
from tests.security.matrix import ATTEMPTS, POST, SELF_SCOPED
from tests.security.routes import page_routes
from tests.security.world import World

pytestmark = pytest.mark.django_db

NO_COOKIE_AUTH = {
    "payments:stripe_webhook": "Stripe's server posts it; the signature (STRIPE_WEBHOOK_SECRET) is the check",
    "headless:app:": "allauth's app API authenticates by X-Session-Token only, never by cookie",
    "<unnamed> media/": "static files, no POST handling",
    "notifications:unsubscribe": "RFC 8058: mail clients POST it with no session or token; the signed URL is the check",
    "notifications:email_tracking_webhook": "the email provider posts it; its basic auth (and signature) is the check",
}

# Routes whose URL needs an object: the matrix's first attempt on them names it; these name the rest.
EXTRA_KWARGS = {
    "accounts:profile": lambda w: {"user_id": w.host.pk},
    "reviews:profile": lambda w: {"user_id": w.host.pk},
    "account_confirm_email": lambda w: {"key": "abc"},
    "account_reset_password_from_key": lambda w: {"uidb36": "1", "key": "abc"},
}


def _kwargs_for(name: str, pattern: str, world: World) -> dict:
    for attempt in ATTEMPTS:
        if attempt.route == name:
            return attempt.kwargs(world)
    for own in SELF_SCOPED:
        if own.route == name:
            return own.kwargs(world)
    if name in EXTRA_KWARGS:
        return EXTRA_KWARGS[name](world)
    # The CSRF check runs before the view, so any value of the right type will do.
    samples = {"int": 1, "uuid": "00000000-0000-0000-0000-000000000001"}
    return {key: samples.get(kind, "x") for kind, key in re.findall(r"<(?:(\w+):)?(\w+)>", pattern)}


def _exempt(name: str) -> bool:
    return any(name.startswith(prefix) for prefix in NO_COOKIE_AUTH)


FORM_ROUTES = sorted(
    (route.name, route.pattern)
    for route in page_routes()
    if not route.name.startswith(("admin:", "<unnamed> admin/")) and not _exempt(route.name)
)


@pytest.mark.parametrize(("name", "pattern"), FORM_ROUTES, ids=[name for name, _ in FORM_ROUTES])
def test_a_post_without_the_csrf_token_is_refused(in_world: World, name: str, pattern: str):
    try:
        path = reverse(name, kwargs=_kwargs_for(name, pattern, in_world))
    except NoReverseMatch:  # pragma: no cover - a route this table cannot build is a failure to fix here
        pytest.fail(f"add kwargs for {name} to EXTRA_KWARGS in {__file__}")
    browser = client_for(in_world, "host", enforce_csrf_checks=True)

    response = browser.post(path, {"title": "forged", "reason": "forged", "body": "forged"})

    assert response.status_code == 403, f"POST {path} without a CSRF token answered {response.status_code}"
    assert b"CSRF" in response.content
    assert not in_world.changed()


def test_the_admin_refuses_posts_without_the_csrf_token(in_world: World):
    browser = client_for(in_world, "staff", enforce_csrf_checks=True)
    for path in ("/admin/login/", "/admin/logout/", f"/admin/disputes/dispute/{in_world.dispute.pk}/resolve/"):
        response = browser.post(path, {"confirm": "1", "guest_refund": "1", "host_payout": "0", "reason": "forged"})
        assert response.status_code == 403, path
    assert not in_world.changed()


API_WRITES = [a for a in ATTEMPTS if a.is_api and a.method != "GET"] + [
    o for o in SELF_SCOPED if o.is_api and o.method != "GET"
]


@pytest.mark.parametrize("attempt", API_WRITES, ids=lambda a: a.id)
def test_the_api_with_the_session_cookie_needs_the_csrf_token(in_world: World, attempt):
    # The site's own pages call the API with the cookie; without the token, a forged request is refused.
    browser = client_for(in_world, "host", enforce_csrf_checks=True)
    method = getattr(attempt, "method", POST)
    response = browser.generic(method, attempt.path(in_world), json.dumps({}), content_type="application/json")
    assert response.status_code == 403, f"{method} {attempt.path(in_world)}: {response.status_code}"
    assert b"CSRF" in response.content
    assert not in_world.changed()


def test_the_exemptions_name_routes_that_exist():
    names = {route.name for route in page_routes()}
    for prefix in NO_COOKIE_AUTH:
        assert any(name.startswith(prefix) for name in names), prefix
