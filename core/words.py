"""Counts in sentences people read: "1 night", "2 nights" (Django's ngettext, so a translation can plural
the way its language does), never "1 nights" or "night(s)"."""

from __future__ import annotations

from django.utils.translation import ngettext


def counted(number: int, singular: str, plural: str | None = None) -> str:
    """`counted(1, "night")` -> "1 night"; `counted(3, "night")` -> "3 nights"; irregular plurals are given."""
    return f"{number} {ngettext(singular, plural or f'{singular}s', number)}"
