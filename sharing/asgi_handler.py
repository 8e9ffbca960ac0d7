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
(bench/stack_load.py, README). Here each request borrows one of the process's kept one-worker
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
    """At most `WEB_REQUEST_THREADS` requests of a process run Django code at once, each on a kept thread;
    the others wait their turn on the event loop, in order of arrival.

    A process runs Python on one core at a time: with 16 requests in 16 threads, each one got a
    sixteenth of the core and the event loop (which reads and writes every socket, WebSockets
    included) waited for the GIL behind them. A few threads are enough to overlap one request's
    database round trip with another's Python. A request holds its thread from its body's last byte
    (nginx buffers bodies, so that is at once) until its answer is handed to the server.

    A request still running after `WEB_REQUEST_SLOW_MS` is taken to be waiting on another service (a
    checkout calls Stripe, whose read timeout is 10 s): it keeps its thread but gives its turn to the
    next request, so that a few slow calls do not stop every other request of the process. Threads
    are made as needed, at most `WEB_REQUEST_THREADS_MAX` (each may hold a database connection), and
    kept; beyond that, requests wait as before.
    """

    def __init__(self) -> None:
        super().__init__()
        self._turns: asyncio.Semaphore | None = None  # requests running Django code, slow ones not counted
        self._threads: asyncio.Semaphore | None = None  # requests holding a thread, slow ones included
        self._idle: list[ThreadPoolExecutor] = []  # kept threads, the last one used on top

    def load_middleware(self, is_async: bool = False) -> None:
        super().load_middleware(is_async=False)

    async def __call__(self, scope: dict, receive, send) -> None:
        if scope["type"] != "http":
            return await super().__call__(scope, receive, send)  # Django's refusal
        if self._turns is None or self._threads is None:  # made on the server's event loop, at its first request
            self._turns = asyncio.Semaphore(settings.WEB_REQUEST_THREADS)
            self._threads = asyncio.Semaphore(settings.WEB_REQUEST_THREADS_MAX)
        await self._threads.acquire()
        try:
            await self._turns.acquire()
            turn = _Turn(self._turns)
            slow = asyncio.get_running_loop().call_later(settings.WEB_REQUEST_SLOW_MS / 1000, turn.give_up)
            thread = self._idle.pop() if self._idle else ThreadPoolExecutor(max_workers=1, thread_name_prefix="request")
            try:
                async with ThreadSensitiveContext(executor=thread):
                    await self.handle(scope, receive, send)
            finally:
                slow.cancel()
                turn.give_up()
                self._idle.append(thread)
        finally:
            self._threads.release()

    async def get_response_async(self, request: HttpRequest) -> HttpResponseBase:
        return await sync_to_async(self.get_response, thread_sensitive=True)(request)


class _Turn:
    """A request's turn to run Django code, given up once: when it ends, or earlier when it is slow."""

    def __init__(self, turns: asyncio.Semaphore) -> None:
        self._turns: asyncio.Semaphore | None = turns

    def give_up(self) -> None:
        turns, self._turns = self._turns, None
        if turns is not None:
            turns.release()
