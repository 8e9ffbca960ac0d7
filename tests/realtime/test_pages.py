"""Notification and conversation pages, and the bell script on every page of a logged-in person."""

from __future__ import annotations

import pytest
from django.db import transaction
from django.urls import reverse

from realtime import notify, services
from realtime.models import Message, Notification, ThreadParticipant
from tests.conftest import make_user

pytestmark = pytest.mark.django_db


def test_bell_script_is_on_every_page_for_logged_in_people_only(client, user):
    assert "realtime/notifications.js" not in client.get(reverse("home")).content.decode()
    client.force_login(user)
    for url in (reverse("home"), reverse("realtime:inbox"), reverse("accounts:profile", kwargs={"user_id": user.pk})):
        page = client.get(url).content.decode()
        assert 'src="/static/realtime/notifications.js"' in page
        assert 'id="notifications-bell"' in page


def test_static_script_is_served_by_the_app(client, user):
    from django.contrib.staticfiles import finders

    assert finders.find("realtime/notifications.js")
    assert finders.find("realtime/realtime.css")


def test_notifications_page_lists_mine_and_marks_all_read(client, user, other_user):
    with transaction.atomic():
        notify([user], "booking.requested", {"title": "Bob asked to book your room", "url": "/bookings/3/"})
        notify([other_user], "booking.requested", {"title": "Not for Alice"})
    client.force_login(user)
    page = client.get(reverse("realtime:notifications")).content.decode()
    assert "Bob asked to book your room" in page
    assert 'href="/bookings/3/"' in page
    assert "Not for Alice" not in page
    assert client.post(reverse("realtime:mark_all_read")).status_code == 302
    assert Notification.objects.get(recipient=user).read_at is not None
    assert Notification.objects.get(recipient=other_user).read_at is None


def test_notification_links_only_lead_inside_the_site(client, user):
    notify([user], "x.y", {"title": "Phish", "url": "https://evil.example/"})
    notify([user], "x.y", {"title": "Phish 2", "url": "//evil.example/"})
    client.force_login(user)
    assert "evil.example" not in client.get(reverse("realtime:notifications")).content.decode()


def test_pages_need_a_log_in(client):
    for url in (reverse("realtime:notifications"), reverse("realtime:inbox"), "/messages/1/"):
        response = client.get(url)
        assert response.status_code == 302
        assert "/accounts/login/" in response["Location"]


def _thread(user, other_user):
    return services.ensure_thread(key="booking:3", title="Room, 1-2 June", participants=[user, other_user])


def test_participant_sees_escaped_messages_and_can_write(client, user, other_user):
    thread = _thread(user, other_user)
    services.post_message(thread=thread, sender=other_user, body="<script>alert(1)</script> hi")
    client.force_login(user)
    page = client.get(thread.get_absolute_url()).content.decode()
    assert page.count("&lt;script&gt;alert(1)&lt;/script&gt; hi") == 1
    assert 'class="messages"' not in page  # chat messages are not shown as the site's flash messages
    assert "<script>alert(1)" not in page
    # Opening the page is reading it.
    assert ThreadParticipant.objects.get(thread=thread, user=user).last_read_message_id == Message.objects.get().pk
    response = client.post(thread.get_absolute_url(), {"body": "See you at 6"})
    assert response.status_code == 302
    assert Message.objects.filter(sender=user, body="See you at 6").exists()
    assert "✓ Sent" in client.get(thread.get_absolute_url()).content.decode()
    client.force_login(other_user)
    client.get(thread.get_absolute_url())
    client.force_login(user)
    assert "Seen by Bob Guest" in client.get(thread.get_absolute_url()).content.decode()


def test_inbox_lists_my_threads_with_unread_counts(client, user, other_user):
    thread = _thread(user, other_user)
    services.post_message(thread=thread, sender=other_user, body="hello")
    services.ensure_thread(key="booking:4", title="Someone else's", participants=[other_user, make_user()])
    client.force_login(user)
    page = client.get(reverse("realtime:inbox")).content.decode()
    assert "Room, 1-2 June" in page
    assert "1 new" in page
    assert "Someone else" not in page


def test_empty_message_from_the_form_is_refused_with_a_message(client, user, other_user):
    thread = _thread(user, other_user)
    client.force_login(user)
    response = client.post(thread.get_absolute_url(), {"body": "   "})
    assert response.status_code == 400
    assert "Write a message first." in response.content.decode()
    assert not Message.objects.exists()


def test_strangers_get_404_on_the_thread_page_and_cannot_post(client, user, other_user):
    thread = _thread(user, other_user)
    services.post_message(thread=thread, sender=user, body="private words")
    client.force_login(make_user())
    page = client.get(thread.get_absolute_url())
    assert page.status_code == 404
    assert "private words" not in page.content.decode()
    assert client.post(thread.get_absolute_url(), {"body": "let me in"}).status_code == 404
    assert Message.objects.count() == 1
