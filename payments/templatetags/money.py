"""`{{ amount|money:currency }}`: minor units shown as an amount a person reads."""

from django import template

from payments.money import format_money

register = template.Library()


@register.filter
def money(amount: int, currency: str) -> str:
    return format_money(amount, currency)
