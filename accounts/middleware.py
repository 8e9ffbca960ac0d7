"""The language of a signed-in person's pages: their profile's, before the cookie and the browser's.

Django's LocaleMiddleware (earlier in the chain, before the log-in is known) has already chosen from
the switcher's cookie or Accept-Language; this one overrides that choice with `User.language` when the
person chose one on their profile or with the switcher. An unknown code is ignored (English stays).
"""

from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse
from django.utils import translation

from accounts.languages import supported_language


class ProfileLanguageMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = getattr(request, "user", None)
        chosen = supported_language(getattr(user, "language", "")) if user and user.is_authenticated else ""
        if chosen:
            translation.activate(chosen)
            request.LANGUAGE_CODE = chosen
        return self.get_response(request)
