"""deploy/backup.sh and deploy/restore.sh: a database holding bookings and money, backed up, restored
into a new database, where the ledger still checks out."""

from __future__ import annotations

import subprocess
import sys
import uuid
from pathlib import Path

import psycopg
import pytest
from django.db import connection

from bookings.services.clock import start_booking
from payments.models import LedgerEntry
from tests.bookings.factories import confirmed_room
from tests.support import servers
from tests.support.servers import BASE_DIR, child_environment

pytestmark = [pytest.mark.postgres_only, pytest.mark.django_db(transaction=True)]


def run(*command: str) -> subprocess.CompletedProcess:
    env = child_environment(PYTHON=sys.executable)
    return subprocess.run(command, cwd=BASE_DIR, env=env, capture_output=True, text=True, timeout=300)


def count(url: str, table: str) -> int:
    with psycopg.connect(url) as db:
        return db.execute(f"SELECT count(*) FROM {table}").fetchone()[0]


@pytest.fixture
def new_database_url():
    source = servers.test_database_environment()["DATABASE_URL"]
    name = f"{connection.settings_dict['NAME']}_restored_{uuid.uuid4().hex[:8]}"
    yield source.rsplit("/", 1)[0] + "/" + name
    with psycopg.connect(source.rsplit("/", 1)[0] + "/postgres", autocommit=True) as db:
        db.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.mark.usefixtures("stripe_api")
def test_a_backup_restored_into_a_new_database_keeps_bookings_and_a_balanced_ledger(tmp_path: Path, new_database_url):
    booking = confirmed_room()
    start_booking(booking_id=booking.pk, now=booking.start)  # captures the guest's payment
    assert LedgerEntry.objects.exists()
    source = servers.test_database_environment()["DATABASE_URL"]

    backup = run("bash", "deploy/backup.sh", source, str(tmp_path))
    assert backup.returncode == 0, backup.stderr
    dump = Path(backup.stdout.strip())
    assert dump.exists() and not list(tmp_path.glob("*.partial"))

    restore = run("bash", "deploy/restore.sh", str(dump), new_database_url)
    assert restore.returncode == 0, restore.stdout + restore.stderr
    assert "Ledger OK" in restore.stdout
    for table in ("bookings_booking", "payments_ledgerentry", "payments_payment"):
        assert count(new_database_url, table) == count(source, table)


def test_restore_refuses_a_database_that_already_holds_tables(tmp_path: Path):
    source = servers.test_database_environment()["DATABASE_URL"]
    backup = run("bash", "deploy/backup.sh", source, str(tmp_path))
    restore = run("bash", "deploy/restore.sh", backup.stdout.strip(), source)
    assert restore.returncode == 2
    assert restore.stderr.startswith("TARGET_DATABASE_URL: ")
