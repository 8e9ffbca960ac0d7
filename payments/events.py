"""The money port upward: a guest's money moved (a capture or a refund is in the ledger).

Apps above payments (receipts) are told after the commit, through the hooks named in
`settings.MONEY_RECORDED_HOOKS` (dotted paths, called with `ledger_transaction_id=`), so a
rolled-back movement tells nobody and payments never imports them.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import cache
from typing import Protocol

from django.conf import settings
from django.db import transaction
from django.utils.module_loading import import_string


class MoneyRecordedHook(Protocol):
    def __call__(self, *, ledger_transaction_id: int) -> object: ...


@cache
def _load(path: str) -> MoneyRecordedHook:
    return import_string(path)


def _teller(path: str, ledger_transaction_id: int) -> Callable[[], None]:
    # A named function: Django logs a robust callback's failure by its __qualname__.
    def tell_money_recorded() -> None:
        _load(path)(ledger_transaction_id=ledger_transaction_id)

    return tell_money_recorded


def money_recorded(*, ledger_transaction_id: int) -> None:
    """Tell every hook in settings.MONEY_RECORDED_HOOKS, once the current transaction commits."""
    for path in settings.MONEY_RECORDED_HOOKS:
        transaction.on_commit(_teller(path, ledger_transaction_id), robust=True)
