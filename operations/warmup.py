"""Warm what a web process needs before its first person arrives (the city gazetteer took 4.9 s on first use).

The web entry points (sharing/asgi.py, sharing/wsgi.py) start the warm-up in a background thread as
they load, so the server starts answering at once (/healthz) while /readyz stays not-ready until
every step of settings.WARM_UP has run. Workers and the scheduler never import those modules, so
they do not pay for it.
"""

from __future__ import annotations

import gc
import logging
import threading
import time

from django.conf import settings
from django.utils.module_loading import import_string

logger = logging.getLogger("sharing.warmup")


class WarmUp:
    """The warm-up of one process: started once, done when every step has run (failed steps are listed)."""

    def __init__(self) -> None:
        self.started = False
        self.done = threading.Event()
        self.failed: list[str] = []
        self._lock = threading.Lock()

    def start(self) -> None:
        with self._lock:
            if self.started:
                return
            self.started = True
        threading.Thread(target=self._run, args=(list(settings.WARM_UP),), name="warm-up", daemon=True).start()

    def _run(self, steps: list[str]) -> None:
        for path in steps:
            began = time.perf_counter()
            try:
                import_string(path)()
            except Exception:  # a failed step leaves the process usable, only slower on first use
                logger.exception("warm-up step %s failed", path)
                self.failed.append(path)
                continue
            logger.info("warmed %s in %.2f s", path, time.perf_counter() - began)
        self.done.set()


state = WarmUp()


def freeze_heap() -> None:
    """Move every object alive now out of the garbage collector's reach (the last step of settings.WARM_UP).

    What a web process loads at start (Django, the city gazetteer: ~700,000 objects the collector
    tracks) lives as long as the process, yet each full collection walked all of it again: 0.4-0.7 s
    during which the process answered no request and no socket (README, "A web process's heap frozen
    after its warm-up"). Frozen after one last collection, so that no garbage is kept for good, it is
    never walked again; what is made later is collected as before.

    Then the collector runs at settings.GC_THRESHOLDS instead of Python's (700, 10, 10). What a server
    makes after its start and keeps (1,000 open sockets' consumers and scopes, the cards it keeps) is
    walked by every full collection, and Python's thresholds ran one every few seconds under load: with
    1,000 sockets and 400 notifications a second, full collections of 150-390 ms, each holding every
    socket of the process (README, "Full collections of a web process holding sockets").
    A young generation of 50,000 objects lets what a request or a message makes die before it is
    promoted, so full collections come many minutes apart under load; the cycles of long-lived objects
    that die (a closed socket's consumer) wait for the next one.
    """
    gc.collect()
    gc.freeze()
    gc.set_threshold(*settings.GC_THRESHOLDS)


def start_in_background() -> None:
    """Start this process's warm-up (once; later calls do nothing)."""
    state.start()


def is_warm() -> bool:
    return state.done.is_set()


def failed_steps() -> list[str]:
    return list(state.failed)
