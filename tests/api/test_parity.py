"""API parity: every action a page offers (a URL pattern that accepts POST) has its twin in /api/v1.

The page actions are read from the running URL configuration, so a new page form without an API
twin fails here until it gets one (add it to TWINS) or is page-only by nature (PAGE_ONLY, with why).
"""

from __future__ import annotations

import inspect
from collections.abc import Callable, Iterator

from django.urls import URLPattern, URLResolver, get_resolver

from tests.security.routes import api_operations

# Page action -> the API operations that do the same (one page form may be several API calls).
TWINS: dict[str, list[str]] = {
    "handover:keep_card": ["POST /api/v1/handover/bookings/{booking_id}/card"],
    "handover:file_report": ["POST /api/v1/handover/bookings/{booking_id}/reports"],
    "handover:confirm": ["POST /api/v1/handover/reports/{report_id}/confirm"],
    "handover:contest": ["POST /api/v1/handover/reports/{report_id}/contest"],
    "accounts:licence": ["GET /api/v1/people/me/verifications/{kind}", "POST /api/v1/people/me/verifications/{kind}"],
    "accounts:identity": [
        "GET /api/v1/people/me/verifications/{kind}",
        "POST /api/v1/people/me/verifications/{kind}",
    ],
    "handover:claim": ["POST /api/v1/handover/bookings/{booking_id}/claim"],
    "accounts:profile_edit": [
        "PATCH /api/v1/people/me",
        "POST /api/v1/people/me/photo",
        "DELETE /api/v1/people/me/photo",
    ],
    # The switcher's choice is the profile's `language`, which the app sets with the profile.
    "accounts:set_language": ["PATCH /api/v1/people/me"],
    "accounts:blocks": ["GET /api/v1/safety/blocks", "POST /api/v1/safety/blocks"],
    "accounts:unblock": ["DELETE /api/v1/safety/blocks/{user_id}"],
    "accounts:report": ["POST /api/v1/safety/reports"],
    "notifications:settings": ["GET /api/v1/notification-settings/", "PUT /api/v1/notification-settings/"],
    "personaldata:export": ["POST /api/v1/me/exports"],
    "personaldata:delete": ["POST /api/v1/me/delete"],
    "listings:create": ["POST /api/v1/listings/"],
    "listings:edit": ["PATCH /api/v1/listings/{listing_id}"],
    "listings:ask": ["POST /api/v1/listings/{listing_id}/questions", "POST /api/v1/threads/{thread_id}/messages"],
    "listings:report": ["POST /api/v1/listings/{listing_id}/reports"],
    "listings:photos": [
        "POST /api/v1/listings/{listing_id}/photos",
        "PUT /api/v1/listings/{listing_id}/photos/order",
        "POST /api/v1/listings/{listing_id}/photos/{photo_id}/cover",
        "PATCH /api/v1/listings/{listing_id}/photos/{photo_id}",
        "DELETE /api/v1/listings/{listing_id}/photos/{photo_id}",
    ],
    "listings:pause": ["POST /api/v1/listings/{listing_id}/status"],
    "listings:resume": ["POST /api/v1/listings/{listing_id}/status"],
    "listings:delete": ["POST /api/v1/listings/{listing_id}/status"],
    "listings:calendar": ["GET /api/v1/listings/{listing_id}/calendar", "POST /api/v1/listings/{listing_id}/calendar"],
    "listings:unblock": ["DELETE /api/v1/listings/{listing_id}/calendar/{period_id}"],
    "bookings:book": ["POST /api/v1/bookings/quote", "POST /api/v1/bookings/"],
    "bookings:checkout_complete": ["POST /api/v1/bookings/checkouts/{checkout_id}/complete"],
    "bookings:accept": ["POST /api/v1/bookings/{booking_id}/accept"],
    "bookings:decline": ["POST /api/v1/bookings/{booking_id}/decline"],
    "bookings:withdraw": ["POST /api/v1/bookings/{booking_id}/withdraw"],
    "bookings:cancel": ["GET /api/v1/bookings/{booking_id}/cancel", "POST /api/v1/bookings/{booking_id}/cancel"],
    "bookings:pay": ["POST /api/v1/bookings/{booking_id}/pay"],
    "bookings:change": ["GET /api/v1/bookings/{booking_id}/changes", "POST /api/v1/bookings/{booking_id}/changes"],
    "bookings:change_accept": ["POST /api/v1/bookings/{booking_id}/changes/accept"],
    "bookings:change_decline": ["POST /api/v1/bookings/{booking_id}/changes/decline"],
    "bookings:change_withdraw": ["POST /api/v1/bookings/{booking_id}/changes/withdraw"],
    "bookings:pay_complete": ["POST /api/v1/bookings/{booking_id}/pay/complete"],
    "realtime:mark_all_read": ["POST /api/v1/notifications/read"],
    "realtime:thread": ["POST /api/v1/threads/{thread_id}/messages", "POST /api/v1/threads/{thread_id}/read"],
    "payments:payout_settings": ["POST /api/v1/payments/payout-account/onboarding"],
    "payments:payment_authenticate": ["POST /api/v1/payments/{payment_id}/refresh"],
    "reviews:write": ["POST /api/v1/reviews/bookings/{booking_id}"],
    "reviews:respond": ["POST /api/v1/reviews/{review_id}/response"],
    "reviews:report": ["POST /api/v1/reviews/{review_id}/reports"],
    "reviews:moderate": ["POST /api/v1/reviews/reports/{report_id}/decision"],
    "disputes:open": ["POST /api/v1/disputes/"],
    "disputes:add_evidence": ["POST /api/v1/disputes/{dispute_id}/evidence"],
    "dispatch:need": ["POST /api/v1/dispatch/estimate", "POST /api/v1/dispatch/requests"],
    "dispatch:authenticated": ["POST /api/v1/dispatch/requests/{request_id}/authenticated"],
    "dispatch:cancel": ["POST /api/v1/dispatch/requests/{request_id}/cancel"],
    "dispatch:accept": ["POST /api/v1/dispatch/requests/{request_id}/accept"],
    "dispatch:pass": ["POST /api/v1/dispatch/requests/{request_id}/pass"],
    "dispatch:availability": ["POST /api/v1/dispatch/availability"],
    "discovery:heart": ["PUT /api/v1/saved/favourites/{listing_id}", "DELETE /api/v1/saved/favourites/{listing_id}"],
    "discovery:lists": ["POST /api/v1/saved/lists"],
    "discovery:list": [
        "PATCH /api/v1/saved/lists/{list_id}",
        "DELETE /api/v1/saved/lists/{list_id}",
        "DELETE /api/v1/saved/lists/{list_id}/listings/{listing_id}",
    ],
    "discovery:add": ["POST /api/v1/saved/lists", "PUT /api/v1/saved/lists/{list_id}/listings/{listing_id}"],
    "discovery:searches": ["POST /api/v1/saved/searches"],
    "discovery:delete_search": ["DELETE /api/v1/saved/searches/{saved_search_id}"],
    "promotions:host_codes": ["POST /api/v1/promotions/codes"],
    "promotions:deactivate": ["POST /api/v1/promotions/codes/{code_id}/deactivate"],
}

# Page actions with no API twin on purpose, each with the reason.
PAGE_ONLY: dict[str, str] = {
    # Stripe calls this, not a person; its signature is the authentication.
    "payments:stripe_webhook": "Stripe's signed webhook events",
    # Mail clients post it (RFC 8058 one-click), not the app: the app turns kinds off through its settings API.
    "notifications:unsubscribe": "the one-click unsubscribe link in emails",
    # The email provider calls it with bounces and complaints; its basic auth is the authentication.
    "notifications:email_tracking_webhook": "the email provider's bounce and complaint events",
    # Support staff work from the browser desk (like the admin), never from the mobile app.
    "disputes:suspension": "the support desk's suspension form (staff only)",
    "handover:decide_claim": "the support desk's decision on a claim against a car deposit (staff only)",
    "handover:refund_charge": "the support desk's refund of a contested return charge (staff only)",
}

# Whole families that are page-only by design, matched by URL prefix.
PAGE_ONLY_PREFIXES: dict[str, str] = {
    "admin/": "Django admin (staff, browser only)",
    # The app logs in, signs up and resets passwords through allauth's headless API (/_allauth/app/v1/).
    "accounts/": "allauth's log-in, sign-up and e-mail pages; the app uses allauth's headless API",
    "_allauth/": "allauth's headless API itself",
    "api/v1/": "the API itself",
}


def _walk(patterns, prefix: str = "", namespace: str | None = None) -> Iterator[tuple[str, str, Callable]]:
    for entry in patterns:
        if isinstance(entry, URLResolver):
            inner = namespace
            if entry.namespace:
                inner = f"{namespace}:{entry.namespace}" if namespace else entry.namespace
            yield from _walk(entry.url_patterns, prefix + str(entry.pattern), inner)
        elif isinstance(entry, URLPattern):
            name = f"{namespace}:{entry.name}" if namespace and entry.name else entry.name or f"<unnamed> {prefix}"
            yield name, prefix + str(entry.pattern), entry.callback


def _allowed_methods(view: Callable) -> list[str] | None:
    """The methods a `require_http_methods` decorator (require_POST, require_GET...) lets through, if any."""
    while view is not None:
        for cell in view.__closure__ or ():
            try:
                value = cell.cell_contents
            except ValueError:
                continue
            if isinstance(value, list | tuple) and value and all(isinstance(m, str) and m.isupper() for m in value):
                return list(value)
        view = getattr(view, "__wrapped__", None)
    return None


def _accepts_post(view: Callable) -> bool:
    methods = _allowed_methods(view)
    if methods is not None:
        return "POST" in methods
    # An undecorated function view: it acts on a POST if its code reads the posted form or the method.
    inner = inspect.unwrap(view)
    try:
        source = inspect.getsource(inner)
    except (OSError, TypeError):
        return False
    return any(marker in source for marker in ('"POST"', "request.POST", "request.FILES"))


def page_actions() -> dict[str, str]:
    """Every site URL pattern that accepts a POST, by name, outside the page-only families."""
    return {
        name: pattern
        for name, pattern, view in _walk(get_resolver().url_patterns)
        if not pattern.startswith(tuple(PAGE_ONLY_PREFIXES)) and _accepts_post(view)
    }


def test_every_page_action_has_an_api_twin_or_is_page_only_with_a_reason():
    missing = sorted(name for name in page_actions() if name not in TWINS and name not in PAGE_ONLY)
    assert not missing, (
        "These pages accept a POST but have no API twin: add the operation to /api/v1 and to TWINS "
        "(or to PAGE_ONLY with the reason):\n  " + "\n  ".join(missing)
    )


def test_every_twin_named_is_a_real_api_operation():
    operations = set(api_operations())
    unknown = sorted({op for ops in TWINS.values() for op in ops} - operations)
    assert not unknown, "TWINS names API operations that do not exist: " + ", ".join(unknown)


def test_the_lists_name_only_pages_that_exist():
    names = {name for name, _, _ in _walk(get_resolver().url_patterns)}
    stale = sorted((set(TWINS) | set(PAGE_ONLY)) - names)
    assert not stale, "TWINS or PAGE_ONLY name pages that no longer exist: " + ", ".join(stale)
    assert all(reason.strip() for reason in [*PAGE_ONLY.values(), *PAGE_ONLY_PREFIXES.values()])


def test_the_enumeration_finds_page_actions_of_every_shape():
    # Guards the guard: a decorated POST-only view, an undecorated form view, and a read-only page.
    actions = page_actions()
    assert {"listings:report", "listings:photos", "accounts:profile_edit", "bookings:cancel"} <= set(actions)
    assert "listings:search" not in actions and "home" not in actions
