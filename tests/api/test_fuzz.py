"""schemathesis against /api/v1/openapi.json as a logged-in mobile client: no input may cause a 500.

`make test` runs a bounded number of examples per operation (FUZZ_EXAMPLES,
default 15); `make fuzz` runs many more.
"""

from __future__ import annotations

import os

import pytest
import schemathesis
from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
from django.contrib.sessions.backends.db import SessionStore
from django.core.signals import request_finished, request_started
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import response_schema_conformance

from tests.conftest import make_user
from tests.listings.factories import make_listing

FUZZ_EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "15"))


# Loading the schema needs no database: ninja builds it from the routers.
schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", get_wsgi_application())


@pytest.fixture
def _keep_test_connection_open():
    # As Django's test client does: the request signals would otherwise close the
    # test's database connection (and its transaction) after every call.
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


@pytest.fixture
def app_token(db) -> str:
    """An allauth app session token for a verified person who owns a listing."""
    person = make_user("fuzzer@example.com")
    make_listing(owner=person)
    session = SessionStore()
    session[SESSION_KEY] = str(person.pk)
    session[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
    session[HASH_SESSION_KEY] = person.get_session_auth_hash()
    session.create()
    return session.session_key


def test_the_fuzz_runs_without_xdist(request):
    # Under pytest-xdist, schemathesis' parametrized test below ran one API operation of 119 and reported a
    # single pass; `make test` runs this file in a process of its own for that reason.
    assert not hasattr(request.config, "workerinput"), "run tests/api/test_fuzz.py without -n (see the Makefile)"


@schema.parametrize()
@settings(
    max_examples=FUZZ_EXAMPLES,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow, HealthCheck.filter_too_much],
    derandomize=True,
)
def test_no_input_makes_the_api_fail(case, app_token, _keep_test_connection_open):
    case.call_and_validate(
        headers={"X-Session-Token": app_token},
        checks=[not_a_server_error, response_schema_conformance],
    )
