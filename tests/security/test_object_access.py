"""Object-level authorisation: every page, API operation and admin route, tried by every kind of stranger.

The second user, an anonymous visitor and a suspended person each try every method on
every object-bearing route against A's or G's object (tests/security/matrix.py). They
get 403/404 (a log-in redirect or 401 when anonymous), and no row of any domain table
changes. For GETs the rightful person is let in, which proves the URL names the object.
"""

from __future__ import annotations

import json
import re

import pytest
from django.conf import settings
from django.shortcuts import resolve_url
from django.urls import reverse

from tests.security.conftest import STRANGERS, client_for
from tests.security.matrix import ATTEMPTS, GET, SELF_SCOPED, Attempt, Own, attempt_id
from tests.security.routes import page_routes
from tests.security.world import World

pytestmark = pytest.mark.django_db


def _send(client, method: str, path: str, data: dict | None, *, api: bool):
    if method == GET:
        return client.get(path)
    has_file = any(hasattr(value, "read") for value in (data or {}).values())
    if api and not has_file:
        return client.generic(method, path, json.dumps(data or {}), content_type="application/json")
    return client.post(path, data or {})


def _refused(response, actor: str, attempt: Attempt) -> bool:
    status = response.status_code
    if attempt.ignored and status in (200, 204):
        return True
    if attempt.suspension_first and actor == "suspended" and status == 302:
        return any("suspended" in str(message) for message in response.wsgi_request._messages)
    if actor != "anonymous":
        return status in (403, 404)
    if attempt.is_api:
        return status in (401, 404)
    login = status == 302 and response["Location"].startswith(resolve_url(settings.LOGIN_URL))
    return login or status in (403, 404)


@pytest.mark.parametrize("actor", STRANGERS)
@pytest.mark.parametrize("attempt", ATTEMPTS, ids=attempt_id)
def test_strangers_cannot_touch_someone_elses_object(in_world: World, attempt: Attempt, actor: str):
    client = client_for(in_world, actor)
    path = attempt.path(in_world)
    data = attempt.data(in_world) if attempt.data else None
    response = _send(client, attempt.method, path, data, api=attempt.is_api)

    assert _refused(response, actor, attempt), (
        f"{actor} {attempt.method} {path} answered {response.status_code}: {response.content[:300]!r}"
    )
    changed = in_world.changed()
    assert not changed, f"{actor} {attempt.method} {path} changed rows: {changed}"
    body = response.content.decode(errors="replace")
    leaked = [secret for secret in in_world.private_strings() if secret in body]
    assert not leaked, f"{actor} {attempt.method} {path} shows {leaked}"


@pytest.mark.parametrize("attempt", [a for a in ATTEMPTS if a.rightful], ids=lambda a: f"{a.id}[{a.rightful}]")
def test_the_rightful_person_gets_in(in_world: World, attempt: Attempt):
    # Without this, a matrix entry with a wrong id would be "refused" for everybody and prove nothing.
    response = client_for(in_world, attempt.rightful).get(attempt.path(in_world))
    assert response.status_code == 200, f"{attempt.rightful} GET {attempt.path(in_world)}: {response.status_code}"


def test_every_object_route_is_tried_by_its_rightful_person_or_refused_for_all():
    # Each object-bearing page or API route has at least one GET with a rightful person, or is write-only.
    routes_with_get = {a.route for a in ATTEMPTS if a.method == GET}
    without_control = sorted(a.route for a in ATTEMPTS if a.method == GET and not a.rightful)
    assert routes_with_get, "no GET attempts"
    # The few GETs without a positive control are on things nobody may open that way (a paused listing's
    # booking form, someone else's checkout or bank step, an unpublished review's report page; the return from
    # the bank after paying a refused scheduled charge, which redirects even its guest when nothing waits).
    assert set(without_control) <= {
        "bookings:book",
        "bookings:quote",
        "bookings:checkout_complete",
        "bookings:pay_complete",
        "dispatch:authenticated",
        "reviews:report",
    }


# --- Routes that act on the person asking ----------------------------------------------------------------


@pytest.mark.parametrize("actor", ["second_user", "suspended"])
@pytest.mark.parametrize("own", [o for o in SELF_SCOPED if o.method == GET], ids=lambda o: o.id)
def test_strangers_see_none_of_the_owners_things_on_their_own_pages(in_world: World, own: Own, actor: str):
    response = client_for(in_world, actor).get(own.path(in_world))
    assert response.status_code in (200, 302), f"{actor} GET {own.path(in_world)}: {response.status_code}"
    body = response.content.decode(errors="replace")
    leaked = [s for s in [*in_world.private_strings(), in_world.listing.title] if s in body]
    assert not leaked, f"{actor} sees {leaked} on {own.path(in_world)}"


@pytest.mark.parametrize("own", SELF_SCOPED, ids=lambda o: o.id)
def test_visitors_are_sent_to_log_in_from_personal_routes(in_world: World, own: Own):
    client = client_for(in_world, "anonymous")
    if own.method == GET:
        response = client.get(own.path(in_world))
    else:
        response = client.generic(own.method, own.path(in_world), "{}", content_type="application/json")
    if own.is_api:
        assert response.status_code == 401
    else:
        assert response.status_code == 302 and response["Location"].startswith(resolve_url(settings.LOGIN_URL))
    assert not in_world.changed()


def test_marking_all_read_as_someone_else_leaves_the_owners_notifications_unread(in_world: World):
    unread = in_world.host.notifications.filter(read_at__isnull=True).count()
    assert unread
    client_for(in_world, "second_user").post(reverse("realtime:mark_all_read"))
    client_for(in_world, "second_user").post("/api/v1/notifications/read", "{}", content_type="application/json")
    assert in_world.host.notifications.filter(read_at__isnull=True).count() == unread


# --- The admin ------------------------------------------------------------------------------------------


def _admin_paths() -> list[str]:
    """A concrete URL for every admin pattern (ids are "1": the guard runs before any object is read)."""
    paths = []
    for route in page_routes():
        if not route.pattern.startswith("admin/") or "(?P<url>" in route.pattern:
            continue  # the catch-all is a 404 for any URL nothing else matched
        if route.name in ("admin:login", "admin:logout"):
            continue
        if "(?P<app_label>" in route.pattern:
            paths.append("/admin/accounts/")
        else:
            paths.append("/" + re.sub(r"<[^>]+>", "1", route.pattern))
    return paths


@pytest.mark.parametrize("actor", STRANGERS)
def test_every_admin_route_sends_non_staff_to_the_admin_log_in(in_world: World, actor: str):
    client = client_for(in_world, actor)
    paths = _admin_paths()
    assert len(paths) > 50
    wrong = {}
    for path in paths:
        # Every admin view sits behind the same guard; POST is tried where the view writes.
        writes = path.endswith(("add/", "change/", "delete/", "password/", "resolve/", "request-evidence/"))
        for method in ("get", "post") if writes else ("get",):
            response = getattr(client, method)(path)
            login = response.status_code == 302 and response["Location"].startswith(reverse("admin:login"))
            if not login:
                wrong[f"{method.upper()} {path}"] = response.status_code
    assert not wrong, f"{actor} was not sent to the admin log-in: {wrong}"
    assert not in_world.changed()


# --- The guard's own guards -----------------------------------------------------------------------------


def test_each_attempt_starts_from_the_world_as_built(in_world: World):
    assert not in_world.changed()


def test_the_snapshot_sees_a_changed_row(in_world: World):
    # "Nothing changed" would pass vacuously if the snapshot missed writes.
    in_world.listing.__class__.objects.filter(pk=in_world.listing.pk).update(title="Changed")
    assert "listings.Listing" in in_world.changed()
