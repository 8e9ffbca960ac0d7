"""The project's ASGI app as the test servers run it: the same app, forgetting cached content types per request.

One server process serves a whole session of tests while each test's database is flushed after it. A flush
gives content types new ids, and Django caches them process-wide (`ContentType.objects`), so a later journey's
desk wrote an AdminDecision pointing at an id that no longer existed ("FOREIGN KEY constraint failed" when
the dispute journey ran after a car journey that had opened the desk). The test process forgets them before
each test (tests/conftest.py); the server process forgets them at the start of every request.
"""

from __future__ import annotations

from django.core.signals import request_started

from sharing.asgi import application

__all__ = ["application"]


def _forget_content_types(**_: object) -> None:
    from django.contrib.contenttypes.models import ContentType

    ContentType.objects.clear_cache()


request_started.connect(_forget_content_types, dispatch_uid="tests.support.server_asgi")
