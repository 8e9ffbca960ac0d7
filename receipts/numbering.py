"""Gapless numbers: the next number of an issuer's series, taken inside the issuing transaction.

The counter row is locked (`select_for_update`) until the caller's transaction ends, so two
issuers queue on it: each takes last + 1, and a rollback gives its number back with the
document. The unique (issuer, series, number) constraint on documents refuses any second use.
"""

from __future__ import annotations

from django.db import transaction

from receipts.models import NumberSeries


def take_next_number(*, issuer: str, series: str) -> int:
    """The next number of (issuer, series); the caller must be inside the transaction that writes the document."""
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("A document number is taken inside the transaction that issues the document.")
    # The first document of a series creates its counter; two first documents at once both try,
    # and ignore_conflicts lets the second find the first's row instead of failing.
    NumberSeries.objects.bulk_create([NumberSeries(issuer=issuer, series=series)], ignore_conflicts=True)
    counter = NumberSeries.objects.select_for_update().get(issuer=issuer, series=series)
    counter.last_number += 1
    counter.save(update_fields=["last_number"])
    return counter.last_number
