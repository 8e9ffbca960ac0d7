"""ASGI entry point: HTTP through Django, WebSockets through Channels."""

import os

import django

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "sharing.settings")
# Django must be set up before anything imports models (the consumers do).
django.setup(set_prefix=False)

from sharing.asgi_handler import OneHopASGIHandler  # noqa: E402

# As get_asgi_application(), with the middleware chain run in one thread hop (see asgi_handler).
django_asgi_app = OneHopASGIHandler()

from operations import sockets, warmup  # noqa: E402

# Only web processes load this module: they warm the gazetteer while already answering /healthz,
# and publish how many sockets they hold for /metrics.
warmup.start_in_background()
sockets.start_publishing()

from channels.routing import ProtocolTypeRouter, URLRouter  # noqa: E402

from dispatch.routing import websocket_urlpatterns as dispatch_websocket_urlpatterns  # noqa: E402
from realtime.auth import AllowedHostsOrAppOriginValidator, RealtimeAuthMiddlewareStack  # noqa: E402
from realtime.outage import ChannelLayerOutageGuard  # noqa: E402
from realtime.routing import websocket_urlpatterns  # noqa: E402

# realtime imports no domain app, so each app's routes are joined here.
routes = websocket_urlpatterns + dispatch_websocket_urlpatterns

application = ProtocolTypeRouter(
    {
        "http": django_asgi_app,
        # Session cookie or mobile app token; origins checked against ALLOWED_HOSTS (see realtime/auth.py);
        # with Redis unreachable a socket is closed with 1013 "try again later", not a 500 (realtime/outage.py).
        "websocket": sockets.counting_sockets(
            AllowedHostsOrAppOriginValidator(RealtimeAuthMiddlewareStack(ChannelLayerOutageGuard(URLRouter(routes))))
        ),
    }
)
