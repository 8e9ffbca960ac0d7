"""listings' ports for the apps above it: a listing was published or got cheaper; may the host be paid in its currency.

Apps that care (saved-search alerts) are named in settings.LISTING_CHANGE_HOOKS (dotted paths, loaded
with `import_string`), as bookings names its money port, so listings imports none of them. Hooks are
called once the change commits; a failing hook is logged and never undoes the listing's change.
The currency check (settings.LISTING_CURRENCY_CHECK, payments' payout accounts) runs before a save
and refuses it with its message.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import cache
from typing import Protocol

from django.conf import settings
from django.db import transaction
from django.utils.module_loading import import_string

from accounts.models import User

PUBLISHED = "published"
PRICE_DROP = "price_drop"


class ListingChangeHook(Protocol):
    def __call__(self, *, listing_id: int, reason: str) -> object: ...


@cache
def _load(path: str) -> ListingChangeHook:
    return import_string(path)


def _teller(path: str, listing_id: int, reason: str) -> Callable[[], None]:
    def tell_listing_changed() -> None:
        _load(path)(listing_id=listing_id, reason=reason)

    return tell_listing_changed


def listing_changed(*, listing_id: int, reason: str) -> None:
    """Tell every hook in settings.LISTING_CHANGE_HOOKS, once the current transaction commits."""
    for path in settings.LISTING_CHANGE_HOOKS:
        transaction.on_commit(_teller(path, listing_id, reason), robust=True)


def check_currency_receivable(*, owner: User, currency: str) -> None:
    """Raise (DomainError) if the owner's payout account cannot receive `currency` (settings.LISTING_CURRENCY_CHECK)."""
    if settings.LISTING_CURRENCY_CHECK:
        import_string(settings.LISTING_CURRENCY_CHECK)(owner=owner, currency=currency)
