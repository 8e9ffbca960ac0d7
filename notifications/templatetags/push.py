"""`{% push_public_key %}`: the site's VAPID public key when Web Push is set up, else "" (base.html's bell menu)."""

from django import template
from django.conf import settings

from notifications.push import push_enabled

register = template.Library()


@register.simple_tag
def push_public_key() -> str:
    return settings.WEBPUSH_VAPID_PUBLIC_KEY if push_enabled() else ""
