"""Template filters for listing pages."""

from __future__ import annotations

from django import template

register = template.Library()


@register.filter
def price(minor: int | None) -> str:
    """Minor units as an amount with two decimals (all our currencies have cents)."""
    if minor is None:
        return ""
    return f"{minor // 100:,}.{minor % 100:02d}"
