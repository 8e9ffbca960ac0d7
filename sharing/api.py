"""The JSON API for mobile clients, mounted at /api/v1/.

Each app adds its router here. Errors always come back as JSON with a message a
person can read and, where one field is at fault, its name.
"""

from __future__ import annotations

from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import HttpRequest, HttpResponse
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, HttpError
from ninja.errors import ValidationError as NinjaValidationError

from core.errors import DomainError

api = NinjaAPI(
    title="Sharing API",
    version="1",
    urls_namespace="api-v1",
    description="Listings, search, bookings and more for Sharing's mobile clients. "
    "Authenticate with the session token from /_allauth/app/v1/auth/login (header X-Session-Token).",
)


def _error(request: HttpRequest, status: int, detail: str, field: str | None = None, **extra: object) -> HttpResponse:
    return api.create_response(request, {"detail": detail, "field": field, **extra}, status=status)


@api.exception_handler(DomainError)
def on_domain_error(request: HttpRequest, exc: DomainError) -> HttpResponse:
    return _error(request, exc.status_code, exc.message, exc.field, code=exc.code)


SCHEMA_LOCATIONS = {"body", "query", "path", "form", "payload", "data"}


@api.exception_handler(NinjaValidationError)
def on_schema_error(request: HttpRequest, exc: NinjaValidationError) -> HttpResponse:
    first = exc.errors[0] if exc.errors else {}
    # The field is the last named part of the location: ("body", "data", "ids", 1) is "ids".
    named = [part for part in first.get("loc", ()) if isinstance(part, str) and part not in SCHEMA_LOCATIONS]
    field = named[-1] if named else None
    message = first.get("msg", "Invalid input.")
    detail = f"{field}: {message}" if field else message
    return _error(request, 422, detail, field, errors=exc.errors)


@api.exception_handler(DjangoValidationError)
def on_model_validation_error(request: HttpRequest, exc: DjangoValidationError) -> HttpResponse:
    if hasattr(exc, "error_dict"):
        field, errors = next(iter(exc.error_dict.items()))
        return _error(request, 422, " ".join(e.messages[0] for e in errors), None if field == "__all__" else field)
    return _error(request, 422, " ".join(exc.messages))


@api.exception_handler(OverflowError)
def on_number_out_of_range(request: HttpRequest, exc: OverflowError) -> HttpResponse:
    # An id or amount beyond 64 bits reaches the database driver, which cannot bind it
    # (SQLite raises OverflowError); no object can have it, so it is the client's mistake.
    return _error(request, 422, "A number in this request is too large.")


@api.exception_handler(AuthenticationError)
def on_unauthenticated(request: HttpRequest, exc: AuthenticationError) -> HttpResponse:
    return _error(request, 401, "Log in first: send your session token in the X-Session-Token header.")


@api.exception_handler(HttpError)
def on_http_error(request: HttpRequest, exc: HttpError) -> HttpResponse:
    return _error(request, exc.status_code, str(exc))


api.add_router("/notifications/", "realtime.api.notifications_router")
api.add_router("/threads/", "realtime.api.threads_router")
api.add_router("/people/", "accounts.api.router")
api.add_router("/people/", "accounts.api_verification.router")
api.add_router("/listings/", "listings.api.router")
api.add_router("/listings/", "listings.api_actions.router")
api.add_router("/bookings/", "bookings.api.router")
api.add_router("/bookings/", "bookings.change_api.router")
api.add_router("/promotions/", "promotions.api.router")
api.add_router("/reviews/", "reviews.api.router")
api.add_router("/payments/", "payments.api.router")
api.add_router("/disputes/", "disputes.api.router")
api.add_router("/dispatch/", "dispatch.api.router")
api.add_router("/handover/", "handover.api.router")
api.add_router("/safety/", "accounts.api_safety.router")
api.add_router("/me/", "personaldata.api.router")
api.add_router("/saved/", "discovery.api.router")
api.add_router("/notification-settings/", "notifications.api.router")
api.add_router("/documents/", "receipts.api.router")
