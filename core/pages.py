"""What a server-rendered page does with a service's refusal: the house rule, written once.

NotFound is a 404 and, where a page says so, PermissionDenied a 403 showing its message;
any other refusal is shown to the person: a message on the next page, an error on the
form they sent, or kept for the caller (an htmx fragment that shows it in place). A bank
asking to confirm a card (3-D Secure) is not a refusal: the person is sent to the bank.

- `@refusal_pages` on a view: a NotFound or PermissionDenied escaping the view becomes the
  404 or 403, so looking up the page's subject needs no try/except; a card confirmation
  escaping it becomes the redirect to the bank's page.
- `with refusals(request) as refused:` around a service call; afterwards `refused` is falsy
  when the service said yes, else it holds the error (`refused.message`, `refused.status_code`).
- `@one_by_one(...)` on an admin action written for one object: each refusal is a message
  naming the object, and one message counts what was done.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterable
from functools import wraps
from types import TracebackType
from typing import Any, TypeVar

from django.contrib import messages
from django.forms import Form
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseForbidden
from django.shortcuts import redirect
from django.utils.functional import Promise

from core.errors import AuthenticationRequired, DomainError, NotFound, PermissionDenied

View = TypeVar("View", bound=Callable[..., HttpResponse])
Item = TypeVar("Item")


def _asks_bank(error: BaseException) -> bool:
    # bookings and dispatch still have their own AuthenticationRequired besides core's; all say "requires_action".
    return isinstance(error, AuthenticationRequired) or (
        isinstance(error, DomainError) and error.code == "requires_action" and hasattr(error, "url")
    )


def refusal_pages(view: View) -> View:
    """View decorator: NotFound escaping the view is a 404, PermissionDenied a 403 with its message,
    a card to confirm (AuthenticationRequired) the redirect to the bank's page."""

    @wraps(view)
    def page(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        try:
            return view(request, *args, **kwargs)
        except NotFound as missing:
            raise Http404(missing.message) from None
        except PermissionDenied as forbidden:
            return HttpResponseForbidden(forbidden.message)
        except DomainError as pending:
            if _asks_bank(pending):
                return redirect(pending.url)  # type: ignore[attr-defined]
            raise

    return page  # type: ignore[return-value]


def add_refusal_to_form(form: Form, error: DomainError, *, fields: Collection[str] | None = None) -> None:
    """The refusal on the field it names when the form has it (and it is one of `fields`), else on the form."""
    allowed = form.fields if fields is None else [name for name in fields if name in form.fields]
    form.add_error(error.field if error.field in allowed else None, error.message)


class refusals:  # lower case: it reads as a statement, `with refusals(request) as refused:`
    """Around a service call in a page: NotFound is a 404, other refusals are caught and shown.

    Where a caught refusal goes:
    - `form=`: an error on that form (on the field it names, limited to `fields` when given);
    - else `request`: a message on the next page (`prefix` before it, at `level`);
    - neither: only kept on the object, for the caller to show.
    `forbidden=True` lets PermissionDenied through, for `@refusal_pages` to answer 403; a card to
    confirm always goes through, for `@refusal_pages` to send the person to the bank.
    `missing_is_404=False` shows NotFound like any refusal: for an action on a part of the
    page (a photo, a blocked period) that is already gone, the page itself still exists.
    """

    def __init__(
        self,
        request: HttpRequest | None = None,
        *,
        form: Form | None = None,
        fields: Collection[str] | None = None,
        prefix: str = "",
        level: int = messages.ERROR,
        forbidden: bool = False,
        missing_is_404: bool = True,
    ) -> None:
        self.request, self.form, self.fields = request, form, fields
        self.prefix, self.level = prefix, level
        self.forbidden, self.missing_is_404 = forbidden, missing_is_404
        self.error: DomainError | None = None

    def __enter__(self) -> refusals:
        return self

    def __exit__(
        self, kind: type[BaseException] | None, error: BaseException | None, traceback: TracebackType | None
    ) -> bool:
        if not isinstance(error, DomainError) or _asks_bank(error):
            return False
        if isinstance(error, NotFound) and self.missing_is_404:
            raise Http404(error.message) from None
        if isinstance(error, PermissionDenied) and self.forbidden:
            return False
        self.error = error
        if self.form is not None:
            add_refusal_to_form(self.form, error, fields=self.fields)
        elif self.request is not None:
            messages.add_message(self.request, self.level, self.prefix + error.message)
        return True

    def __bool__(self) -> bool:
        return self.error is not None

    @property
    def message(self) -> str:
        return self.error.message if self.error is not None else ""

    @property
    def field(self) -> str | None:
        return self.error.field if self.error is not None else None

    @property
    def status_code(self) -> int:
        return self.error.status_code if self.error is not None else 200


def refusals_as_messages(request: HttpRequest) -> refusals:
    """Around a service call of a POST page: NotFound is a 404, any other refusal a message on the next page."""
    return refusals(request)


def apply_each(request: HttpRequest, objects: Iterable[Item], apply: Callable[[Item], object]) -> int:
    """Apply to each object; a refusal is a message naming the object and the others go on. Returns how many."""
    done = 0
    for obj in objects:
        # A bulk action goes on past an object that vanished meanwhile: it is a message, not a 404.
        with refusals(request, prefix=f"{obj}: ", missing_is_404=False) as refused:
            apply(obj)
        if not refused:
            done += 1
    return done


def one_by_one(done: str | Promise | Callable[[int], str]) -> Callable[[Callable[..., object]], Callable[..., None]]:
    """Admin action decorator: the action is written for one object (`self, request, obj`).

    Each refusal is a message naming its object; then `done` says how many went through: a text with
    `{count}`, or a function of the count (an `ngettext`, so each language takes its own plural).
    Put `@admin.action(...)` above it.
    """

    def decorate(act: Callable[..., object]) -> Callable[..., None]:
        @wraps(act)
        def action(model_admin: object, request: HttpRequest, queryset: Iterable[object]) -> None:
            count = apply_each(request, queryset, lambda obj: act(model_admin, request, obj))
            # Called or lazy, `done` reads in the asker's language.
            messages.success(request, done(count) if callable(done) else str(done).format(count=count))

        return action

    return decorate
