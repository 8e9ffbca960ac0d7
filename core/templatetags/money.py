"""`{{ amount|money:currency }}`: minor units shown as an amount a person reads."""

from django import template

from core.money import format_money

register = template.Library()


@register.filter
def money(amount: int | None, currency: str) -> str:
    return "" if amount is None else format_money(int(amount), currency)
