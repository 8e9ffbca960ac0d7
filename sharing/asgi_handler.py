"""Django's ASGI handler with the middleware chain run synchronously: one thread hop per request, not ~15.

Every view and middleware of Sharing is synchronous (the realtime part is Channels consumers, not
views). Under Django's own ASGIHandler the chain runs in async mode, and a synchronous middleware in
async mode hops to the request's thread and back for each of its hooks (`process_request`,
`process_view`, `process_response`: Session, Locale, Common, Csrf, Auth, Messages, XFrame), while
whitenoise, which has no async mode, hops back to the event loop in the middle of it: about 15 thread
hops a request, each a handful of microseconds of work that waits for the event loop and the thread
to be scheduled. On a loaded process that waiting, not the work, made most of a request's time
(bench/stack_load.py; README "Running in production").

Here the chain is built in sync mode, as under WSGI, and the whole of it runs in one
`sync_to_async(thread_sensitive=True)` call: inside Django's per-request ThreadSensitiveContext, that
is the request's own thread, the one its database connection belongs to (as before: signals and
`response.close()` run there too). Streaming responses, the body reading and the disconnect watch are
Django's ASGI code, unchanged. An async view, should one come, still works (the sync chain runs it
with async_to_sync, on the event loop).

The threads are kept: Django enters a `ThreadSensitiveContext()` per request, for which asgiref starts
a new thread (a one-worker executor) and, when the request ends, another thread to join it: two
threads started and stopped per request, a third of a bare request's CPU in a web process
(bench/stack_load.py, README). Here each request borrows one of `WEB_REQUEST_THREADS` one-worker
executors for its whole handling (`ThreadSensitiveContext(executor=...)`, which asgiref documents for
a pool of them), as a WSGI server keeps its threads. Its database connection is still handed back at
the request's end (`request_finished`), as before.
"""

from __future__ import annotations

import asyncio
from concurrent.futures import ThreadPoolExecutor

from asgiref.sync import ThreadSensitiveContext, sync_to_async
from django.conf import settings
from django.core.handlers.asgi import ASGIHandler
from django.http import HttpRequest, HttpResponseBase


class OneHopASGIHandler(ASGIHandler):
    """At most `WEB_REQUEST_THREADS` requests of a process run at once, each on one of as many kept threads;
    the others wait their turn on the event loop, in order of arrival.

    A process runs Python on one core at a time: with 16 requests in 16 threads, each one got a
    sixteenth of the core and the event loop (which reads and writes every socket, WebSockets
    included) waited for the GIL behind them. A few threads are enough to overlap one request's
    database round trip with another's Python. A request holds its thread from its body's last byte
    (nginx buffers bodies, so that is at once) until its answer is handed to the server.
    """

    def __init__(self) -> None:
        super().__init__()
        self._threads: asyncio.Queue[ThreadPoolExecutor] | None = None

    def load_middleware(self, is_async: bool = False) -> None:
        super().load_middleware(is_async=False)

    async def __call__(self, scope: dict, receive, send) -> None:
        if scope["type"] != "http":
            return await super().__call__(scope, receive, send)  # Django's refusal
        if self._threads is None:  # made on the server's event loop, at its first request
            self._threads = asyncio.Queue()
            for _ in range(settings.WEB_REQUEST_THREADS):
                self._threads.put_nowait(ThreadPoolExecutor(max_workers=1, thread_name_prefix="request"))
        thread = await self._threads.get()
        try:
            async with ThreadSensitiveContext(executor=thread):
                await self.handle(scope, receive, send)
        finally:
            self._threads.put_nowait(thread)

    async def get_response_async(self, request: HttpRequest) -> HttpResponseBase:
        return await sync_to_async(self.get_response, thread_sensitive=True)(request)
