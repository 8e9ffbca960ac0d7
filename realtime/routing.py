"""WebSocket routes, mounted by sharing/asgi.py."""

from django.urls import path

from realtime.consumers import NotificationConsumer

websocket_urlpatterns: list = [
    path("ws/notifications/", NotificationConsumer.as_asgi()),
]
