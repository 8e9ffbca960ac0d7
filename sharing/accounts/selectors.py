"""Reads about people."""

from __future__ import annotations

from allauth.account.models import EmailAddress
from django.shortcuts import get_object_or_404

from sharing.accounts.models import User


def has_verified_email(user: User) -> bool:
    """True when the person confirmed the email address they log in with."""
    if not user.is_authenticated:
        return False
    return EmailAddress.objects.filter(user=user, email__iexact=user.email, verified=True).exists()


def public_profile(user_id: int) -> User:
    """A person's public profile; inactive accounts are not shown."""
    return get_object_or_404(User, pk=user_id, is_active=True)
