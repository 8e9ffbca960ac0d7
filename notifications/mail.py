"""The email of a delivery: subject, plain text and HTML from the kind's templates, with its one action as a button.

Templates: `notifications/email/<kind>.txt` and `.html` when the kind has its own, else
`notifications/email/default.*`; both extend a layout with the button. Links are absolute
(settings.SITE_URL + the notification's path). The Message-ID is the delivery's, so a
receiving server sees a retry of the same email as the same message. Each email is written in
its recipient's language (`User.language`, else LANGUAGE_CODE) where a translation exists.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import translation

from notifications.models import Delivery
from realtime.kinds import get_kind
from realtime.models import Notification
from realtime.wording import render_words


def absolute(path: str) -> str:
    """A path on this site as a link that works from a mailbox."""
    return settings.SITE_URL.rstrip("/") + (path if path.startswith("/") else "/" + path)


def _templates(kind: str, extension: str) -> list[str]:
    return [f"notifications/email/{kind}.{extension}", f"notifications/email/default.{extension}"]


def unsubscribe_url(delivery: Delivery) -> str:
    """The one-click link that turns off this kind by email for the recipient (optional kinds only)."""
    from notifications.tokens import make_unsubscribe_token

    token = make_unsubscribe_token(user_id=delivery.recipient_id, kind=delivery.kind, channel=delivery.channel)
    return absolute(reverse("notifications:unsubscribe", kwargs={"token": token}))


def language_of(person: object) -> str:
    """The language to write to this person in: theirs if the site knows it, else the site's."""
    chosen = getattr(person, "language", "") or ""
    return chosen if chosen in dict(settings.LANGUAGES) else settings.LANGUAGE_CODE


def build_email(delivery: Delivery, notifications: list[Notification]) -> EmailMultiAlternatives:
    """The message for one delivery; `notifications` are what it tells (several for a batch of messages)."""
    language = language_of(delivery.recipient)
    # The worker serves many people in turn: the language is set for this email only, then restored.
    with translation.override(language):
        message = _build_email(delivery, notifications)
    message.extra_headers["Content-Language"] = language
    return message


def _build_email(delivery: Delivery, notifications: list[Notification]) -> EmailMultiAlternatives:
    kind = get_kind(delivery.kind)
    first = notifications[0]
    person = delivery.recipient
    optional = kind.optional
    context = {
        "person": person,
        "name": getattr(person, "public_name", "") or "there",
        "kind": kind,
        "notification": first,
        "notifications": notifications,
        "payload": first.payload,
        "title": first.text,
        "message": render_words(first.payload.get("message_words"), first.payload.get("message", "")),
        "action": kind.action,
        "action_url": absolute(first.url or reverse("realtime:notifications")),
        "settings_url": absolute(reverse("notifications:settings")),
        "unsubscribe_url": unsubscribe_url(delivery) if optional else "",
        "site_url": settings.SITE_URL,
    }
    subject = " ".join(render_to_string(_templates(kind.name, "subject"), context).split())[:200]
    text = render_to_string(_templates(kind.name, "txt"), context)
    html = render_to_string(_templates(kind.name, "html"), context)
    domain = urlsplit(settings.SITE_URL).hostname or "sharing.local"
    headers = {
        "Message-ID": f"<delivery-{delivery.pk}@{domain}>",
        "Auto-Submitted": "auto-generated",
        "X-Sharing-Kind": kind.name,
    }
    if optional:
        # RFC 8058: a mail client's "unsubscribe" button POSTs to this link without any session.
        headers["List-Unsubscribe"] = f"<{context['unsubscribe_url']}>"
        headers["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"
    message = EmailMultiAlternatives(subject=subject, body=text, to=[person.email], headers=headers)
    message.attach_alternative(html, "text/html")
    return message
