"""/healthz answers while the process lives; /readyz says, without secrets, whether it can serve and what is not."""

from __future__ import annotations

import gc
import threading
import weakref
from datetime import timedelta
from unittest import mock

import pytest
from django.db import OperationalError
from django.utils import timezone

from operations import warmup
from operations.heartbeats import beat

pytestmark = pytest.mark.django_db

step_may_finish = threading.Event()


def slow_step() -> None:
    step_may_finish.wait(timeout=30)


@pytest.fixture
def warm(settings, monkeypatch) -> warmup.WarmUp:
    """A fresh, already finished warm-up for this process."""
    settings.WARM_UP = []
    monkeypatch.setattr(warmup, "state", warmup.WarmUp())
    warmup.start_in_background()
    assert warmup.state.done.wait(timeout=30)
    return warmup.state


@pytest.fixture
def processes_alive(db) -> None:
    beat("worker", queue_lag_seconds=0.2)
    beat("scheduler", owner="test:1")


def test_healthz_answers_without_touching_the_database(client, django_assert_num_queries):
    with django_assert_num_queries(0):
        response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"ok": True}


def test_readyz_is_ready_when_database_migrations_worker_scheduler_and_warm_up_are(client, warm, processes_alive):
    response = client.get("/readyz")
    assert response.status_code == 200, response.json()
    body = response.json()
    assert body["ready"] is True
    assert body["checks"]["worker"]["queue_lag_seconds"] == 0.2
    assert {"database", "migrations", "worker", "scheduler", "warm_up"} <= set(body["checks"])


def test_readyz_is_not_ready_without_a_worker_or_scheduler_heartbeat(client, warm):
    response = client.get("/readyz")
    assert response.status_code == 503
    checks = response.json()["checks"]
    assert checks["worker"] == {"ok": False, "seen_seconds_ago": None}
    assert checks["scheduler"]["ok"] is False


def test_readyz_is_not_ready_when_the_worker_was_last_seen_over_a_minute_ago(client, warm, processes_alive):
    beat("worker", now=timezone.now() - timedelta(seconds=61))
    response = client.get("/readyz")
    assert response.status_code == 503
    assert response.json()["checks"]["worker"]["ok"] is False
    assert response.json()["checks"]["scheduler"]["ok"] is True


def test_readyz_is_not_ready_until_the_warm_up_has_run(client, settings, monkeypatch, processes_alive):
    settings.WARM_UP = ["tests.operations.test_health.slow_step"]
    monkeypatch.setattr(warmup, "state", warmup.WarmUp())
    step_may_finish.clear()
    assert client.get("/readyz").status_code == 503  # starts the warm-up, which waits for the event
    assert client.get("/readyz").json()["checks"]["warm_up"] == {"ok": False, "failed": []}
    step_may_finish.set()
    assert warmup.state.done.wait(timeout=30)
    assert client.get("/readyz").status_code == 200


@pytest.mark.django_db(transaction=True)
def test_readyz_turns_not_ready_while_the_database_fails_and_ready_when_it_returns(client, warm, processes_alive):
    with mock.patch("operations.health.connection.cursor", side_effect=OperationalError("server closed")):
        response = client.get("/readyz")
    assert response.status_code == 503
    assert response.json()["checks"]["database"] == {"ok": False, "error": "OperationalError"}
    assert client.get("/readyz").status_code == 200


def test_readyz_names_redis_when_it_is_configured_and_unreachable(client, settings, warm, processes_alive):
    settings.REDIS_URL = "redis://:s3cret-password@127.0.0.1:9/0"  # nothing listens on the discard port
    response = client.get("/readyz")
    assert response.status_code == 503
    assert response.json()["checks"]["redis"]["ok"] is False
    assert "s3cret" not in response.content.decode()
    assert "127.0.0.1" not in response.content.decode()


def test_readyz_is_not_ready_while_migrations_are_pending(client, warm, processes_alive, monkeypatch):
    monkeypatch.setattr("operations.health._migrations_applied", False)
    with mock.patch("operations.health.MigrationExecutor") as executor:
        executor.return_value.migration_plan.return_value = [("a migration", False)]
        response = client.get("/readyz")
    assert response.status_code == 503
    assert response.json()["checks"]["migrations"] == {"ok": False, "pending": 1}


def test_the_web_entry_point_warms_the_gazetteer_in_the_background():
    import sharing.asgi  # noqa: F401  (loading it starts the warm-up, as a web server does)
    from listings import geocoding

    assert warmup.state.done.wait(timeout=120)
    assert geocoding._gazetteer.cache_info().currsize == 1


def test_the_last_warm_up_step_frees_garbage_then_keeps_what_lives_out_of_full_collections(settings):
    """A web process's loaded heap (Django, the gazetteer) is walked by no later full collection."""

    class Node:
        pass

    garbage = Node()
    garbage.itself = garbage  # a cycle nobody holds: only the collector frees it
    freed = weakref.ref(garbage)
    del garbage
    alive = [Node() for _ in range(100)]
    assert id(alive) in {id(each) for each in gc.get_objects()}
    thresholds = gc.get_threshold()  # the web entry point's warm-up may have run in this process already
    gc.set_threshold(700, 10, 10)  # Python's own
    assert settings.GC_THRESHOLDS != (700, 10, 10)
    try:
        warmup.freeze_heap()
        assert freed() is None  # collected first, not frozen for the process's life
        assert id(alive) not in {id(each) for each in gc.get_objects()}  # in no generation a collection walks
        assert gc.get_freeze_count() > len(alive)
        # What the process makes from then on is collected at the server's thresholds.
        assert gc.get_threshold() == settings.GC_THRESHOLDS
    finally:
        gc.unfreeze()
        gc.set_threshold(*thresholds)
    # Last: what the steps before it load is frozen with the rest.
    assert settings.WARM_UP[-1] == "operations.warmup.freeze_heap"
