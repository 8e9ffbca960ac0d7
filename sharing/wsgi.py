"""WSGI entry point (HTTP only; WebSockets need the ASGI application)."""

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "sharing.settings")
application = get_wsgi_application()

from operations import warmup  # noqa: E402

warmup.start_in_background()
