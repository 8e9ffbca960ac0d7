"""Request ids from nginx through the app's JSON logs into the tasks it enqueues; metrics behind a token; Sentry."""

from __future__ import annotations

import json
import logging
import os
import subprocess
import sys

import pytest
from django.conf import settings
from django.core.management import call_command

from operations.logs import JsonFormatter, request_id_var
from tests.bookings.factories import request_room
from tests.operations import tasks_for_tests

pytestmark = pytest.mark.django_db
TOKEN = "metrics-token-for-tests"


def test_the_request_id_from_nginx_comes_back_in_the_response(client):
    response = client.get("/healthz", HTTP_X_REQUEST_ID="f00dcafe-1")
    assert response["X-Request-ID"] == "f00dcafe-1"


def test_a_request_without_a_usable_id_gets_a_new_one(client):
    response = client.get("/healthz", HTTP_X_REQUEST_ID="bad id\nforged log line")
    assert len(response["X-Request-ID"]) == 32
    assert "forged" not in response["X-Request-ID"]


def test_every_request_writes_one_access_line_with_its_id_status_and_duration(client, caplog):
    with caplog.at_level(logging.INFO, logger="sharing.access"):
        client.get("/healthz", HTTP_X_REQUEST_ID="abc-123")
    [record] = [r for r in caplog.records if r.name == "sharing.access"]
    line = json.loads(JsonFormatter().format(record))
    assert line["request_id"] == "abc-123"
    assert (line["method"], line["path"], line["status"]) == ("GET", "/healthz", 200)
    assert line["level"] == "INFO" and "duration_ms" in line


def test_json_lines_carry_the_exception():
    try:
        raise ValueError("boom")
    except ValueError:
        record = logging.LogRecord("x", logging.ERROR, "", 0, "failed %s", ("job",), sys.exc_info())
    line = json.loads(JsonFormatter().format(record))
    assert line["message"] == "failed job"
    assert "ValueError: boom" in line["exception"]


@pytest.mark.django_db(transaction=True)
def test_a_task_runs_under_the_request_id_of_the_request_that_enqueued_it():
    tasks_for_tests.seen.clear()
    token = request_id_var.set("req-42")
    try:
        tasks_for_tests.remember_request_id.enqueue()
    finally:
        request_id_var.reset(token)
    call_command("db_worker", "--batch", "--no-startup-delay", "--no-reload", "--interval", "0", verbosity=0)
    assert tasks_for_tests.seen == ["req-42"]
    assert request_id_var.get() == ""  # the worker does not leak it into the next task


def test_metrics_are_not_found_without_the_token(client, settings):
    settings.METRICS_TOKEN = TOKEN
    assert client.get("/metrics").status_code == 404
    assert client.get("/metrics", HTTP_AUTHORIZATION="Bearer wrong").status_code == 404


def test_metrics_are_off_when_no_token_is_set(client, settings):
    settings.METRICS_TOKEN = ""
    assert client.get("/metrics", HTTP_AUTHORIZATION="Bearer ").status_code == 404


@pytest.mark.usefixtures("stripe_api", "ledger_checked")
def test_metrics_count_bookings_money_notifications_and_the_task_queue(client, settings):
    settings.METRICS_TOKEN = TOKEN
    request_room()
    response = client.get("/metrics", HTTP_AUTHORIZATION=f"Bearer {TOKEN}")
    assert response.status_code == 200
    text = response.content.decode()
    assert 'sharing_booking_transitions_total{to_status="requested"} 1.0' in text
    assert 'sharing_money_minor_units_total{currency="EUR",flow="captured"} 0.0' in text
    assert 'sharing_notifications_total{kind="booking.requested"}' in text
    assert "sharing_task_queue_lag_seconds" in text


def test_sentry_is_on_only_when_its_dsn_is_set():
    script = "import sentry_sdk; print(sentry_sdk.get_client().is_active())"
    env = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "REDIS_URL"}}
    outputs = []
    for dsn in ("", "https://public@o0.ingest.sentry.io/0"):
        result = subprocess.run(
            [sys.executable, "manage.py", "shell", "-v", "0", "-c", script],
            cwd=settings.BASE_DIR,
            env={**env, "SENTRY_DSN": dsn},
            capture_output=True,
            text=True,
            timeout=120,
        )
        outputs.append(result.stdout.strip())
    assert outputs == ["False", "True"]


async def test_a_web_process_counts_the_sockets_it_holds_while_they_are_open():
    from operations.sockets import counting_sockets, open_sockets

    before = open_sockets.value
    inside = []

    async def app(scope, receive, send):
        inside.append(open_sockets.value)

    await counting_sockets(app)({"type": "websocket"}, None, None)
    assert inside == [before + 1]
    assert open_sockets.value == before


@pytest.mark.redis_only
def test_socket_counts_published_by_each_process_are_summed_for_metrics():
    from operations import sockets

    sockets.open_sockets.add(3)
    try:
        sockets.publish_once()
        total, processes = sockets.fleet_total()
    finally:
        sockets.open_sockets.add(-3)
    assert total >= 3 and processes >= 1


def test_metrics_report_open_sockets(client, settings):
    settings.METRICS_TOKEN = TOKEN
    text = client.get("/metrics", HTTP_AUTHORIZATION=f"Bearer {TOKEN}").content.decode()
    assert "sharing_open_sockets " in text
