"""The notifications and threads API under /api/v1/: only ever the caller's own."""

from __future__ import annotations

import pytest
from django.db import transaction

from realtime import notify, services
from realtime.models import Message, Notification
from tests.conftest import make_user
from tests.realtime.helpers import session_key_for

pytestmark = pytest.mark.django_db


def notifications_for(user, count):
    ids = []
    for number in range(count):
        with transaction.atomic():
            ids.extend(
                n.pk for n in notify([user], "booking.requested", {"number": number, "title": f"Request {number}"})
            )
    return ids


@pytest.fixture
def api(client, user):
    """The mobile client: allauth app session token in X-Session-Token, no cookie."""
    client.defaults["HTTP_X_SESSION_TOKEN"] = session_key_for(user)
    return client


def test_anonymous_gets_401_with_a_message(client):
    response = client.get("/api/v1/notifications/")
    assert response.status_code == 401
    assert "Log in" in response.json()["detail"]


def test_invalid_token_gets_401(client):
    response = client.get("/api/v1/notifications/unread-count", HTTP_X_SESSION_TOKEN="nope")
    assert response.status_code == 401


def test_list_is_paginated_by_after_id_and_holds_only_my_own(api, user, other_user):
    mine = notifications_for(user, 5)
    notifications_for(other_user, 3)
    first = api.get("/api/v1/notifications/", {"limit": 2}).json()
    assert [n["id"] for n in first["items"]] == mine[:2]
    assert first["unread"] == 5
    assert first["next_after_id"] == mine[1]
    rest = api.get("/api/v1/notifications/", {"after_id": first["next_after_id"], "limit": 10}).json()
    assert [n["id"] for n in rest["items"]] == mine[2:]
    assert rest["next_after_id"] is None
    assert rest["items"][0]["text"] == "Request 2"
    # Numbered over my own notifications only, whatever the other person got in between.
    assert [n["seq"] for n in first["items"] + rest["items"]] == [1, 2, 3, 4, 5]


def test_recent_lists_newest_first(api, user):
    ids = notifications_for(user, 3)
    assert [n["id"] for n in api.get("/api/v1/notifications/recent", {"limit": 2}).json()] == ids[::-1][:2]


def test_bad_paging_input_is_a_422_not_a_500(api):
    response = api.get("/api/v1/notifications/", {"limit": 5000})
    assert response.status_code == 422
    assert response.json()["field"] == "limit"


def test_mark_one_read_and_then_all(api, user, other_user):
    ids = notifications_for(user, 3)
    [foreign] = notifications_for(other_user, 1)
    assert api.post(f"/api/v1/notifications/{ids[0]}/read").json() == {"marked": 1, "unread": 2}
    assert api.post(f"/api/v1/notifications/{foreign}/read").json() == {"marked": 0, "unread": 2}
    assert Notification.objects.get(pk=foreign).read_at is None
    assert api.get("/api/v1/notifications/unread-count").json() == {"unread": 2}
    response = api.post("/api/v1/notifications/read", {}, content_type="application/json")
    assert response.json() == {"marked": 2, "unread": 0}
    assert Notification.objects.get(pk=foreign).read_at is None


def test_browser_session_works_and_needs_csrf_on_writes(user):
    from django.test import Client

    browser = Client(enforce_csrf_checks=True)
    browser.force_login(user)
    notifications_for(user, 1)
    assert browser.get("/api/v1/notifications/unread-count").json() == {"unread": 1}
    refused = browser.post("/api/v1/notifications/read", {}, content_type="application/json")
    assert refused.status_code in (401, 403)
    assert Notification.objects.filter(read_at=None).count() == 1


def _thread(user, other_user):
    return services.ensure_thread(key="booking:7", title="Car, Saturday", participants=[user, other_user])


def test_participants_read_and_write_a_thread(api, user, other_user):
    thread = _thread(user, other_user)
    created = api.post(
        f"/api/v1/threads/{thread.pk}/messages", {"body": "Hello <host>"}, content_type="application/json"
    )
    assert created.status_code == 201
    assert created.json()["body"] == "Hello <host>"
    assert [m["id"] for m in api.get(f"/api/v1/threads/{thread.pk}/messages").json()] == [created.json()["id"]]
    assert [t["id"] for t in api.get("/api/v1/threads/").json()] == [thread.pk]
    detail = api.get(f"/api/v1/threads/{thread.pk}").json()
    assert {r["user_id"] for r in detail["readers"]} == {user.pk, other_user.pk}
    assert Notification.objects.get(recipient=other_user).kind == "message.new"


def test_strangers_get_404_on_every_thread_endpoint(client, user, other_user):
    thread = _thread(user, other_user)
    services.post_message(thread=thread, sender=user, body="private")
    stranger = make_user()
    client.defaults["HTTP_X_SESSION_TOKEN"] = session_key_for(stranger)
    for method, path, body in [
        ("get", f"/api/v1/threads/{thread.pk}", None),
        ("get", f"/api/v1/threads/{thread.pk}/messages", None),
        ("post", f"/api/v1/threads/{thread.pk}/messages", {"body": "let me in"}),
        ("post", f"/api/v1/threads/{thread.pk}/read", {}),
    ]:
        response = (
            getattr(client, method)(path, body, content_type="application/json")
            if body is not None
            else client.get(path)
        )
        assert response.status_code == 404, path
        assert "not yours" in response.json()["detail"]
    assert client.get("/api/v1/threads/").json() == []
    assert Message.objects.count() == 1


def test_too_long_message_is_a_400_with_the_field(api, user, other_user):
    thread = _thread(user, other_user)
    response = api.post(f"/api/v1/threads/{thread.pk}/messages", {"body": "x" * 2001}, content_type="application/json")
    assert response.status_code == 400
    assert response.json()["field"] == "body"
    assert "2000" in response.json()["detail"]
    assert not Message.objects.exists()


def test_read_receipt_through_the_api(api, user, other_user):
    thread = _thread(user, other_user)
    message = services.post_message(thread=thread, sender=other_user, body="Keys are under the mat")
    assert api.post(f"/api/v1/threads/{thread.pk}/read", {}, content_type="application/json").json() == {
        "last_read_id": message.pk
    }
    assert Notification.objects.get(recipient=user).read_at is not None
