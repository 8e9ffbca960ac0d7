"""What a server-rendered page does with a service's refusal."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from django.contrib import messages
from django.http import Http404, HttpRequest

from core.errors import DomainError, NotFound


@contextmanager
def refusals_as_messages(request: HttpRequest) -> Iterator[None]:
    """Around a service call of a POST page: NotFound is a 404, any other refusal a message on the next page."""
    try:
        yield
    except NotFound as missing:
        raise Http404(missing.message) from None
    except DomainError as refused:
        messages.error(request, refused.message)
