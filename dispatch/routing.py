"""WebSocket route of the dispatch app, mounted by sharing/asgi.py beside realtime's."""

from django.urls import path

from dispatch.consumers import DispatchConsumer

websocket_urlpatterns: list = [path("ws/dispatch/", DispatchConsumer.as_asgi())]
