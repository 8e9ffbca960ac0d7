"""What a view may assume about its request, written as types that mypy checks.

`User` is settings.AUTH_USER_MODEL (accounts.User) as django-stubs resolves it, so an app below
accounts in the layers (core, realtime) can name a person without importing accounts. At run
time it is AbstractBaseUser, which is all an annotation needs.

A view behind `login_required`, or an API operation behind `session_or_token_auth`, takes a
`SignedInRequest` / `ApiRequest`: its user is a signed-in person, never AnonymousUser. A view
that anyone may open keeps `HttpRequest` (or `HtmxRequest`), and what it calls must accept an
anonymous viewer.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.http import HttpRequest

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser
    from django.contrib.auth.models import _User as User
    from django_htmx.middleware import HtmxDetails
else:
    from django.contrib.auth.base_user import AbstractBaseUser as User

__all__ = ["ApiRequest", "HtmxRequest", "PublicApiRequest", "SignedInRequest", "User"]


class HtmxRequest(HttpRequest):
    """Any request, with django-htmx's `request.htmx` (set by HtmxMiddleware)."""

    htmx: HtmxDetails


class SignedInRequest(HtmxRequest):
    """A page request behind `login_required`: `request.user` is the signed-in person."""

    user: User


class PublicApiRequest(HttpRequest):
    """An API request to an operation that also lets anyone in: `request.auth` is the person or AnonymousUser."""

    auth: User | AnonymousUser


class ApiRequest(SignedInRequest):
    """An API request behind `session_or_token_auth`: ninja's `request.auth` is that same person."""

    auth: User
