"""Every way in, read from the running configuration: Django's URL resolver, the API's OpenAPI schema, the sockets.

Nothing here is a hand-written list, so a route added anywhere shows up in
`test_route_coverage.py` until the matrix says how it is protected.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.urls import URLPattern, URLResolver, get_resolver

API_PREFIX = "api/v1/"


@dataclass(frozen=True)
class PageRoute:
    name: str  # "bookings:cancel"; unnamed patterns get "<unnamed> path"
    pattern: str  # the full regex/route text, for messages


def _walk(patterns, prefix: str = "", namespace: str | None = None):
    for entry in patterns:
        if isinstance(entry, URLResolver):
            inner = namespace
            if entry.namespace:
                inner = f"{namespace}:{entry.namespace}" if namespace else entry.namespace
            yield from _walk(entry.url_patterns, prefix + str(entry.pattern), inner)
        elif isinstance(entry, URLPattern):
            full = prefix + str(entry.pattern)
            qualified = f"{namespace}:{entry.name}" if namespace else entry.name
            name = qualified if entry.name else f"<unnamed> {full}"
            yield PageRoute(name=name, pattern=full)


def page_routes() -> list[PageRoute]:
    """Every URL pattern Django resolves, except the API's (those are listed per operation from its schema)."""
    return [route for route in _walk(get_resolver().url_patterns) if not route.pattern.startswith(API_PREFIX)]


def api_operations() -> list[str]:
    """Every operation of the JSON API as "METHOD /api/v1/path", from the OpenAPI schema it publishes."""
    from sharing.api import api

    schema = api.get_openapi_schema()
    return sorted(f"{method.upper()} {path}" for path, ops in schema["paths"].items() for method in ops)


def api_schema_routes() -> set[str]:
    """The API's own non-operation URLs (schema, docs, root), which the resolver lists under api/v1/."""
    return {
        route.name
        for route in _walk(get_resolver().url_patterns)
        if route.pattern.startswith(API_PREFIX)
        and route.name.split(":")[-1] in {"openapi-json", "openapi-view", "api-root"}
    }


def websocket_routes() -> list[str]:
    """Every WebSocket route the ASGI application serves, found by walking its middleware down to the routers."""
    from sharing.asgi import application

    return sorted(_socket_routes(application.application_mapping["websocket"], ""))


def _socket_routes(app, prefix: str):
    while not hasattr(app, "routes"):
        # Channels' validators keep the wrapped app in `application`, its middleware in `inner`.
        app = getattr(app, "application", None) or getattr(app, "inner", None)
        if app is None:
            return
    for route in app.routes:
        target = getattr(route.callback, "__wrapped__", route.callback)
        if hasattr(target, "routes"):
            yield from _socket_routes(target, prefix + str(route.pattern))
        else:
            yield prefix + str(route.pattern)
