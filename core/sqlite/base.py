"""Django's SQLite backend, with write transactions queued in line instead of polling for the file's lock.

SQLite has one writer at a time for the whole file. A transaction that finds the write lock
taken waits in SQLite's busy handler, which sleeps and retries (1, 2, 5 ... up to 100 ms
between tries) with no queue: when many threads write at once (30 hosts accepting), each of
them polls, the lock goes to whichever polls at the right moment, and a write from another
process (another web worker posting a message) loses again and again, waiting seconds behind
a burst it is not part of; meanwhile every holder shares the interpreter lock with the
waiters that wake up to poll, so each transaction holds the file longer.

Here a transaction first takes this process's writer lock (`threading.Lock`, bounded by the
busy timeout: waiting longer is the same "database is locked" error SQLite would give), then
an exclusive `flock` on a file beside the database, then BEGIN IMMEDIATE; both are given back
at COMMIT or ROLLBACK. A blocked `flock` sleeps in the kernel and is woken the moment the
lock is released, whichever process it is in: writers of all processes queue on equal terms,
at most one thread per process waits for the file, and nobody polls. The `flock` wait has no
timeout of its own: no transaction waits on the network (the house rule), so it is bounded by
the transactions ahead. Only the embedded SQLite mode uses this; PostgreSQL locks rows.
"""

from __future__ import annotations

import fcntl
import os
import threading
from typing import Any

from django.db import IntegrityError, OperationalError
from django.db.backends.sqlite3 import base

# One per process: every connection of every thread writes the same file.
_WRITER = threading.Lock()


class DatabaseWrapper(base.DatabaseWrapper):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._writer_file: int | None = None
        self._holds_writer = False

    def _queue_file(self) -> int:
        if self._writer_file is None:
            path = f"{self.settings_dict['NAME']}-writers.lock"
            self._writer_file = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
        return self._writer_file

    def _start_transaction_under_autocommit(self) -> None:
        timeout = float(self.settings_dict.get("OPTIONS", {}).get("timeout", 5))
        if not _WRITER.acquire(timeout=timeout):
            raise OperationalError("database is locked")
        self._holds_writer = True
        try:
            fcntl.flock(self._queue_file(), fcntl.LOCK_EX)
            super()._start_transaction_under_autocommit()  # type: ignore[misc]
        except BaseException:
            self._release_writer()
            raise

    def _release_writer(self) -> None:
        if self._holds_writer:
            self._holds_writer = False
            try:
                if self._writer_file is not None:
                    fcntl.flock(self._writer_file, fcntl.LOCK_UN)
            finally:
                _WRITER.release()

    def _commit(self) -> None:
        try:
            super()._commit()  # type: ignore[misc]
        except IntegrityError as error:
            raise IntegrityError(f"{error} {self._broken_foreign_keys()}") from error
        finally:
            self._release_writer()

    def _broken_foreign_keys(self) -> str:
        """SQLite checks deferred foreign keys at COMMIT and says only that one failed; the transaction is
        still open then, so name the rows (table, rowid, the table it points at) to make the error useful."""
        try:
            rows = self.connection.execute("PRAGMA foreign_key_check").fetchall()[:5]
        except Exception:  # a diagnosis must never hide the real error
            return ""
        return "; ".join(f"{table} row {rowid} -> {parent}" for table, rowid, parent, _ in rows)

    def _rollback(self) -> None:
        try:
            super()._rollback()  # type: ignore[misc]
        finally:
            self._release_writer()

    def _close(self) -> None:
        try:
            super()._close()  # type: ignore[misc]
        finally:
            self._release_writer()
            if self._writer_file is not None:
                os.close(self._writer_file)
                self._writer_file = None
