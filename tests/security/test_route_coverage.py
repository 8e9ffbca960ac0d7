"""The matrix cannot rot: every route the site serves is attacked, self-scoped or public with a reason, and back."""

from __future__ import annotations

from tests.security.matrix import ATTEMPTS, PUBLIC, PUBLIC_GROUPS, SELF_SCOPED, WEBSOCKETS
from tests.security.routes import api_operations, api_schema_routes, page_routes, websocket_routes


def _covered() -> set[str]:
    return {a.route for a in ATTEMPTS} | {own.route for own in SELF_SCOPED} | set(PUBLIC)


def _in_public_group(name: str) -> bool:
    return any(name.startswith(prefix) for prefix in PUBLIC_GROUPS)


def test_every_page_route_is_in_the_matrix_or_public_with_a_reason():
    missing = sorted(
        f"{route.name}  ({route.pattern})"
        for route in page_routes()
        if route.name not in _covered() and not _in_public_group(route.name)
    )
    assert not missing, (
        "These URL patterns are neither attacked in tests/security/matrix.py (ATTEMPTS or SELF_SCOPED) "
        "nor listed in PUBLIC with a reason:\n  " + "\n  ".join(missing)
    )


def test_every_api_operation_is_in_the_matrix_or_public_with_a_reason():
    missing = sorted(set(api_operations()) - _covered())
    assert not missing, (
        "These API operations (from /api/v1/openapi.json) are neither attacked in tests/security/matrix.py "
        "nor listed in PUBLIC with a reason:\n  " + "\n  ".join(missing)
    )


def test_every_websocket_route_is_attacked():
    missing = sorted(set(websocket_routes()) - set(WEBSOCKETS))
    assert not missing, "WebSocket routes with no entry in matrix.WEBSOCKETS: " + ", ".join(missing)


def test_the_matrix_names_only_routes_that_exist():
    # A renamed route must not leave a stale entry that protects nothing.
    existing = {route.name for route in page_routes()} | set(api_operations()) | api_schema_routes()
    stale = sorted(_covered() - existing)
    assert not stale, "tests/security/matrix.py names routes that no longer exist: " + ", ".join(stale)
    assert not set(WEBSOCKETS) - set(websocket_routes())
    for prefix in PUBLIC_GROUPS:
        assert any(name.startswith(prefix) for name in existing), f"no route left in the public group {prefix!r}"


def test_every_public_route_says_why():
    assert all(reason.strip() for reason in [*PUBLIC.values(), *PUBLIC_GROUPS.values(), *WEBSOCKETS.values()])


def test_the_enumeration_sees_routes_of_every_kind():
    # Guards the guard: if the walk or the schema read silently returned nothing, every test above would pass.
    names = {route.name for route in page_routes()}
    assert {"bookings:cancel", "listings:edit", "account_login", "admin:index"} <= names
    assert "POST /api/v1/bookings/{booking_id}/cancel" in api_operations()
    assert "ws/notifications/" in websocket_routes()


def test_every_public_route_is_read_by_the_location_scan_or_exempt_with_a_reason():
    # A new public page or API read must say where it is read by test_location_privacy.py, or why not.
    from tests.security.matrix import LOCATION_EXEMPT, PUBLIC_PATHS

    missing = sorted(set(PUBLIC) - set(PUBLIC_PATHS) - set(LOCATION_EXEMPT))
    assert not missing, "Public routes not read by the location scan (matrix.PUBLIC_PATHS): " + ", ".join(missing)
    assert not set(PUBLIC_PATHS) & set(LOCATION_EXEMPT)
    assert set(PUBLIC_PATHS) | set(LOCATION_EXEMPT) <= set(PUBLIC), "stale location entries"
    assert all(reason.strip() for reason in LOCATION_EXEMPT.values())
