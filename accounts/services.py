"""Writes to people's accounts."""

from __future__ import annotations

from django.db import transaction
from django.utils.translation import gettext_noop

from accounts.forms import ProfileForm
from accounts.models import User
from core.errors import PermissionDenied


def update_profile(*, actor: User, profile_owner: User, form: ProfileForm) -> User:
    """Save a validated profile form; only the owner may change their profile."""
    if actor.pk != profile_owner.pk:
        raise PermissionDenied(gettext_noop("You can only edit your own profile."))
    with transaction.atomic():
        user = form.save()
    return user
