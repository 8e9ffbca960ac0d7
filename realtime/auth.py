"""Who is on the other end of a WebSocket: the browser's session, or a mobile app's session token.

Mobile clients log in through allauth's headless app API and get a session token
(the `X-Session-Token` of the JSON API). A WebSocket handshake cannot carry custom
headers from a browser-like client, so the token travels either

- as the query parameter `?token=<token>`, or
- as a `Sec-WebSocket-Protocol` value `session-token.<token>`, offered together with
  `sharing.v1`, which the server picks (a server must answer with one of the offered
  protocols, and echoing the token back is pointless).

The token is resolved exactly as allauth resolves `X-Session-Token` for the API
(`authenticate_by_x_session_token`). An invalid token means anonymous: it never falls
back to the cookie, so a client always knows which identity it is using.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import parse_qs

from allauth.headless.internal.sessionkit import authenticate_by_x_session_token
from channels.auth import AuthMiddlewareStack
from channels.db import database_sync_to_async
from channels.middleware import BaseMiddleware
from channels.security.websocket import OriginValidator
from django.conf import settings
from django.contrib.auth.models import AnonymousUser

APP_SUBPROTOCOL = "sharing.v1"
TOKEN_SUBPROTOCOL_PREFIX = "session-token."


def token_from_scope(scope: dict[str, Any]) -> str | None:
    """The app session token offered in the handshake, if any."""
    for protocol in scope.get("subprotocols") or ():
        if protocol.startswith(TOKEN_SUBPROTOCOL_PREFIX):
            return protocol[len(TOKEN_SUBPROTOCOL_PREFIX) :] or None
    query = parse_qs(scope.get("query_string", b"").decode("latin1"))
    values = query.get("token")
    return values[0] if values and values[0] else None


@database_sync_to_async
def _user_for_token(token: str) -> Any:
    result = authenticate_by_x_session_token(token)
    if result is None or result.user is None or not result.user.is_active:
        return AnonymousUser()
    return result.user


class SessionTokenAuthMiddleware(BaseMiddleware):
    """Replaces the cookie user by the token's user when the handshake carries an app token."""

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> Any:
        token = token_from_scope(scope)
        if token is not None:
            scope = dict(scope, user=await _user_for_token(token), auth_method="token")
        else:
            scope = dict(scope, auth_method="session")
        return await super().__call__(scope, receive, send)


def RealtimeAuthMiddlewareStack(inner: Any) -> Any:
    """Session cookie first (Channels' stack), then the app token, which wins when present."""
    return AuthMiddlewareStack(SessionTokenAuthMiddleware(inner))


class AllowedHostsOrAppOriginValidator(OriginValidator):
    """Origins checked against ALLOWED_HOSTS, as Channels' AllowedHostsOriginValidator does.

    One difference: a handshake without an Origin header (a native app, not a browser) is
    let through when it carries an app token. The Origin check exists to stop other sites
    from riding on the browser's cookie; a token is never sent by the browser on its own.
    A handshake that does send an Origin must always match.
    """

    def __init__(self, application: Any) -> None:
        allowed_hosts = settings.ALLOWED_HOSTS
        if settings.DEBUG and not allowed_hosts:
            allowed_hosts = ["localhost", "127.0.0.1", "[::1]"]
        super().__init__(application, allowed_hosts)

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> Any:
        has_origin = any(name == b"origin" for name, _ in scope.get("headers", []))
        if not has_origin and token_from_scope(scope) is not None:
            return await self.application(scope, receive, send)
        return await super().__call__(scope, receive, send)
