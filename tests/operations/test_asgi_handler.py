"""The web processes' HTTP handler (sharing/asgi_handler.py): the middleware chain in one thread hop,
and at most WEB_REQUEST_THREADS requests of a process in Django code at once."""

from __future__ import annotations

import asyncio
import threading
import time

import pytest
from asgiref.sync import iscoroutinefunction

from sharing.asgi_handler import OneHopASGIHandler


def _scope(path: str) -> dict:
    return {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "GET",
        "scheme": "http",
        "path": path,
        "raw_path": path.encode(),
        "query_string": b"",
        "root_path": "",
        "headers": [(b"host", b"testserver"), (b"x-request-id", b"abc-123")],
        "client": ("127.0.0.1", 1),
        "server": ("testserver", 80),
    }


async def _get(app, path: str) -> tuple[int, dict[bytes, bytes], bytes]:
    answered = asyncio.Event()
    sent: list[dict] = []

    async def receive() -> dict:
        if not sent:
            sent.append({})
            return {"type": "http.request", "body": b"", "more_body": False}
        await answered.wait()
        return {"type": "http.disconnect"}

    messages: list[dict] = []

    async def send(message: dict) -> None:
        messages.append(message)
        if message["type"] == "http.response.body" and not message.get("more_body"):
            answered.set()

    await app(_scope(path), receive, send)
    start = messages[0]
    return start["status"], dict(start["headers"]), b"".join(m.get("body", b"") for m in messages[1:])


def test_the_middleware_chain_runs_synchronously_in_one_hop():
    handler = OneHopASGIHandler()
    # Django's own ASGIHandler builds an async chain: each sync middleware hook is a thread hop.
    assert not iscoroutinefunction(handler._middleware_chain)


@pytest.mark.django_db
def test_a_request_goes_through_every_middleware_and_back():
    from sharing.asgi import application

    status, headers, body = asyncio.run(_get(application, "/healthz"))
    assert status == 200
    assert headers[b"X-Request-ID"] == b"abc-123"  # RequestIdMiddleware, first of the chain
    assert headers[b"X-Frame-Options"] == b"DENY"  # XFrameOptionsMiddleware, last of it
    assert b'"ok": true' in body


async def _through(handler: OneHopASGIHandler, count: int) -> None:
    """`count` requests at once through the handler's own entry point (as the server calls it)."""
    await asyncio.gather(*(_get(handler, "/") for _ in range(count)))


def test_at_most_web_request_threads_requests_run_at_once(settings):
    settings.WEB_REQUEST_THREADS = 2
    handler = OneHopASGIHandler()
    running, most = [0], [0]
    lock = threading.Lock()

    def get_response(request):
        with lock:
            running[0] += 1
            most[0] = max(most[0], running[0])
        time.sleep(0.05)  # long enough for the other requests to arrive meanwhile
        with lock:
            running[0] -= 1
        from django.http import HttpResponse

        return HttpResponse("ok")

    handler.get_response = get_response  # type: ignore[method-assign]
    asyncio.run(_through(handler, 5))
    assert most[0] == 2


def test_requests_run_on_kept_threads_not_on_a_new_thread_each(settings):
    # Django's handler starts a thread per request (and another to join it): here a process keeps
    # WEB_REQUEST_THREADS of them, and every hop of a request (the view, response.close and the
    # request_finished signal that hands its database connection back) stays on its one thread.
    settings.WEB_REQUEST_THREADS = 2
    handler = OneHopASGIHandler()
    from django.core.signals import request_finished
    from django.http import HttpResponse

    threads: list[threading.Thread] = []
    finished_on: list[threading.Thread] = []

    def get_response(request):
        threads.append(threading.current_thread())
        time.sleep(0.01)
        return HttpResponse("ok")

    def on_finished(**kwargs) -> None:
        finished_on.append(threading.current_thread())

    handler.get_response = get_response  # type: ignore[method-assign]
    request_finished.connect(on_finished)
    try:

        async def rounds() -> None:
            for _ in range(4):
                await _through(handler, 3)

        asyncio.run(rounds())
    finally:
        request_finished.disconnect(on_finished)
    assert len(threads) == 12
    assert len({id(thread) for thread in threads}) <= 2
    assert {id(thread) for thread in finished_on} <= {id(thread) for thread in threads}
