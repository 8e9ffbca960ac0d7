"""Reads about people."""

from __future__ import annotations

from allauth.account.models import EmailAddress
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext, gettext_noop

from accounts.models import User
from core.errors import PermissionDenied


def has_verified_email(user: User) -> bool:
    """True when the person confirmed the email address they log in with."""
    if not user.is_authenticated:
        return False
    return EmailAddress.objects.filter(user=user, email__iexact=user.email, verified=True).exists()


# `doing` is marked with gettext_noop by the caller and translated here, with the message.
SUSPENDED_MESSAGE = gettext_noop(
    "Your account is suspended, so you cannot %(doing)s. Write to support if you think this is a mistake."
)


def ensure_not_suspended(user: User, *, doing: str) -> None:
    """Refuse what a suspended person tries to do, with a message that says why."""
    if getattr(user, "is_suspended", False):
        raise PermissionDenied(SUSPENDED_MESSAGE, params={"doing": gettext(doing)}, code="suspended")


def public_profile(user_id: int) -> User:
    """A person's public profile; inactive accounts are not shown."""
    return get_object_or_404(User, pk=user_id, is_active=True)
