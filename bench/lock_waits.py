"""Lock waits of a PostgreSQL database while a benchmark runs: bench/ws_latency.py's lock_wait_pct (issue 17)."""

from __future__ import annotations

import sys
import threading


class LockWaits:
    """How often the database's busy backends waited on a lock while notifications were written (PostgreSQL).

    A thread of its own samples pg_stat_activity every 10 ms on a connection of its own: of the backends
    of this database running a statement (not this one), how many wait on a heavyweight lock. With one
    platform-wide lock, every writer but one waits; with per-person locks, only two writers notifying
    the same person at once do. So when more writer processes do not add notifications, this says
    whether a lock or the CPU stopped them."""

    _SQL = (
        "SELECT count(*) FILTER (WHERE state = 'active'),"
        " count(*) FILTER (WHERE state = 'active' AND wait_event_type = 'Lock')"
        " FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()"
    )

    def __init__(self, url: str) -> None:
        self.url = url
        self.busy = self.waiting = self.samples = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._sample, daemon=True)

    def _sample(self) -> None:
        import psycopg

        with psycopg.connect(self.url, autocommit=True) as conn:
            while not self._stop.wait(0.01):
                busy, waiting = conn.execute(self._SQL).fetchone()
                self.busy, self.waiting, self.samples = self.busy + busy, self.waiting + waiting, self.samples + 1

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> float:
        """The share of busy backend samples that waited on a lock, in per cent; NaN if no backend was seen busy
        (then the figure proves nothing, and make bench marks it failed)."""
        self._stop.set()
        self._thread.join(timeout=5)
        print(f"lock waits: {self.waiting} of {self.busy} busy backends in {self.samples} samples", file=sys.stderr)
        return 100 * self.waiting / self.busy if self.busy else float("nan")
