"""SQLite's write transactions queue in line (core/sqlite/base.py) and always give the line back."""

from __future__ import annotations

import threading

import pytest
from django.db import connection, connections, transaction

from accounts.models import User

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(connection.vendor != "sqlite", reason="SQLite only: PostgreSQL locks rows"),
]


def write_in_another_thread(email: str) -> list[BaseException]:
    errors: list[BaseException] = []

    def write() -> None:
        try:
            with transaction.atomic():
                User.objects.create_user(email=email, password=None)
        except BaseException as error:  # reported to the test
            errors.append(error)
        finally:
            connections.close_all()

    thread = threading.Thread(target=write)
    thread.start()
    thread.join(timeout=60)
    return errors


def test_a_writer_waits_for_the_one_ahead_then_goes_in():
    entered = threading.Event()
    with transaction.atomic():
        User.objects.create_user(email="first@example.com", password=None)
        waiting = threading.Thread(target=lambda: entered.set() or write_in_another_thread("second@example.com"))
        waiting.start()
        entered.wait(5)
        assert not User.objects.filter(email="second@example.com").exists()  # still in line
    waiting.join(timeout=60)
    assert User.objects.filter(email="second@example.com").exists()


def test_a_rolled_back_transaction_gives_the_line_back():
    with pytest.raises(RuntimeError), transaction.atomic():
        User.objects.create_user(email="gone@example.com", password=None)
        raise RuntimeError("the request failed")
    assert write_in_another_thread("next@example.com") == []  # not "database is locked" after the timeout
    assert User.objects.filter(email="next@example.com").exists()
