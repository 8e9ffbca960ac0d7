"""The languages Sharing speaks (settings.LANGUAGES) and a person's choice among them."""

from __future__ import annotations

from django.conf import settings
from django.db import transaction

from accounts.models import User


def supported_language(code: object) -> str:
    """The code if Sharing is translated into it (any case), else ""."""
    text = str(code or "").strip().lower()
    return text if text in dict(settings.LANGUAGES) else ""


def choose_language(*, person: User, language: str) -> None:
    """Keep the language the person picked with the switcher on their profile (pages, emails, push)."""
    chosen = supported_language(language)
    if not chosen:
        return
    with transaction.atomic():
        User.objects.filter(pk=person.pk).update(language=chosen)
    person.language = chosen
