"""WebSocket routes, mounted by sharing/asgi.py."""

websocket_urlpatterns: list = []
