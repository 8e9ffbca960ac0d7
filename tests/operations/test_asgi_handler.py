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
    # None of them counts as slow, however loaded the machine: a slow one would give its turn away.
    settings.WEB_REQUEST_SLOW_MS = 60_000
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
    # No request may count as slow and get a thread of its own: on a loaded machine one did (CI, 3 threads).
    settings.WEB_REQUEST_THREADS = 2
    settings.WEB_REQUEST_THREADS_MAX = 2
    settings.WEB_REQUEST_SLOW_MS = 60_000
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


def test_a_request_waiting_on_a_slow_service_gives_its_turn_to_the_next_one(settings):
    # Two requests stuck on a slow remote call (a checkout waiting for Stripe) hold both turns of a
    # process; once they are slow, the next person's request runs on a thread of its own, and the remote
    # service here answers them only after it ran. With the turns held to the end (the old handler), the
    # next request would wait for them, and they would give up waiting.
    settings.WEB_REQUEST_THREADS = 2
    settings.WEB_REQUEST_THREADS_MAX = 4
    settings.WEB_REQUEST_SLOW_MS = 20
    handler = OneHopASGIHandler()
    from django.http import HttpResponse

    other_ran = threading.Event()
    answered_in_time: list[bool] = []
    threads: dict[str, threading.Thread] = {}

    def get_response(request):
        threads[request.path] = threading.current_thread()
        if request.path.startswith("/slow"):
            answered_in_time.append(other_ran.wait(timeout=2))
        else:
            other_ran.set()
        return HttpResponse("ok")

    handler.get_response = get_response  # type: ignore[method-assign]

    async def scenario() -> None:
        slow = [asyncio.create_task(_get(handler, path)) for path in ("/slow-1", "/slow-2")]
        await asyncio.sleep(0.01)  # both slow ones have their turns
        await asyncio.gather(_get(handler, "/other"), *slow)

    asyncio.run(scenario())
    assert answered_in_time == [True, True]
    assert len({id(thread) for thread in threads.values()}) == 3


def test_slow_requests_never_take_more_than_web_request_threads_max_threads(settings):
    # Each thread may hold a database connection: past the bound, requests wait as they did before,
    # slow or not, and the threads are kept for the next requests.
    settings.WEB_REQUEST_THREADS = 1
    settings.WEB_REQUEST_THREADS_MAX = 2
    settings.WEB_REQUEST_SLOW_MS = 1
    handler = OneHopASGIHandler()
    from django.http import HttpResponse

    running, most = [0], [0]
    lock = threading.Lock()
    threads: set[int] = set()

    def get_response(request):
        with lock:
            running[0] += 1
            most[0] = max(most[0], running[0])
            threads.add(id(threading.current_thread()))
        time.sleep(0.05)  # every one of them is slow
        with lock:
            running[0] -= 1
        return HttpResponse("ok")

    handler.get_response = get_response  # type: ignore[method-assign]

    async def rounds() -> None:
        for _ in range(2):
            await _through(handler, 5)

    asyncio.run(rounds())
    assert most[0] == 2
    assert len(threads) == 2
