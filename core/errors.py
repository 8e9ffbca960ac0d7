"""Domain errors: refusals written for the person who caused them.

Services raise these; views turn them into form errors or messages, and the
API into `{"detail": ..., "field": ...}` with the status below. Anything else
escaping a view is a bug.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.utils import translation
from django.utils.functional import Promise
from django.utils.translation import gettext


class DomainError(Exception):
    """An operation the rules do not allow; `message` is shown to the user, in their language.

    A message written as a literal is marked with gettext_noop where it is raised and translated here, in the
    language active when it is raised (the request's: its page or API answer). Values go in `params`, never in
    the text: `Conflict(gettext_noop("%(name)s is taken."), params={"name": name})`; a message that counts is
    an `ngettext_lazy(singular, plural, "count")` with the count in `params`, so each language picks its own
    plural. A translation whose placeholders do not fit its values gives the English, never an error. `code`
    is the same in every language: apps test the code.
    """

    status_code = 400
    # True when the refusal comes from another system not answering (Stripe down): the same call may
    # succeed later, so a background task must fail (and be retried) instead of counting it as done.
    retryable = False

    def __init__(
        self,
        message: str | Promise,
        *,
        field: str | None = None,
        code: str = "invalid",
        params: Mapping[str, Any] | None = None,
    ) -> None:
        message = _in_active_language(message, params)
        super().__init__(message)
        self.message = message
        self.field = field
        self.code = code


def _in_active_language(message: str | Promise, params: Mapping[str, Any] | None) -> str:
    # A lazy message (ngettext_lazy) translates itself when filled; a literal goes through gettext.
    translated: Any = gettext(message) if isinstance(message, str) and message else message
    if not params:
        return str(translated)
    try:
        return str(translated % dict(params))
    except (KeyError, ValueError, TypeError):
        with translation.override(None):
            return str(message % dict(params))


class PermissionDenied(DomainError):
    """The person may not do this to this object (shown as 403)."""

    status_code = 403


class NotFound(DomainError):
    """The object does not exist or is not visible to this person (shown as 404)."""

    status_code = 404


class Conflict(DomainError):
    """Someone else changed the object first (dates just taken, already accepted...)."""

    status_code = 409


class CardRefused(DomainError):
    """The person's card could not be charged or held; the message says why (shown as 402)."""

    status_code = 402


class AuthenticationRequired(DomainError):
    """The card holder's bank wants to confirm the payment (3-D Secure) before it can go on.

    Not a failure: pages send the person to `url`, the API returns it with the
    `client_secret` for Stripe's SDK. `subject` is what waits for the bank (a pending
    checkout, an on-demand request), for the caller that has to show it.
    """

    status_code = 402

    def __init__(self, message: str, *, url: str, client_secret: str, subject: object = None) -> None:
        super().__init__(message, code="requires_action")
        self.url = url
        self.client_secret = client_secret
        self.subject = subject
