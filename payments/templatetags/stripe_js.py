"""`{% stripe_js_url %}` and `{% stripe_publishable_key %}`: where the card form loads Stripe.js from.

With STRIPE_API_BASE set (localstripe), Stripe.js is the harness's stand-in; otherwise Stripe's own.
"""

from django import template
from django.conf import settings

register = template.Library()


@register.simple_tag
def stripe_js_url() -> str:
    base = settings.STRIPE_API_BASE.rstrip("/")
    return f"{base}/js.stripe.com/v3/" if base else "https://js.stripe.com/v3/"


@register.simple_tag
def stripe_publishable_key() -> str:
    return settings.STRIPE_PUBLISHABLE_KEY
