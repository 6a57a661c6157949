"""A job run again and again, with a pause between runs, until SIGTERM or Ctrl-C: the loop
of `supportdesk sla sweep --every`.

A run that raises is logged and the loop goes on: the next run is the retry. A database
outage must not end the process: under `supportdesk run`, a child that dies again and again
right after its start makes the supervisor stop the whole group. A stop signal lets the run in
progress finish (a sweep is a series of short transactions) and ends the loop; a second
signal interrupts the run.

No Django here.
"""

from __future__ import annotations

import contextlib
import logging
import os
import selectors
import signal
from collections.abc import Callable

from supportdesk.core.supervisor import on_stop_signals


class Repeater:
    """Call `job` now, then `every` seconds after each run ends, until asked to stop."""

    def __init__(self, job: Callable[[], None], *, every: float, log: logging.Logger) -> None:
        self.job = job
        self.every = every
        self.log = log
        self.runs = 0
        self._stop_requested = False
        self._signals_received: list[int] = []
        self._wakeup_w = -1

    def run(self) -> None:
        """Signal handlers are installed only when called from the main thread; elsewhere the
        caller stops the loop with `request_stop`."""
        wakeup_r, self._wakeup_w = os.pipe()
        os.set_blocking(wakeup_r, False)
        os.set_blocking(self._wakeup_w, False)
        restore = on_stop_signals(self._on_signal)
        try:
            with selectors.DefaultSelector() as selector:
                selector.register(wakeup_r, selectors.EVENT_READ)
                while not self._stop_requested:
                    self._run_once()
                    if not self._stop_requested:
                        # Returns early when a stop request writes to the pipe.
                        selector.select(self.every)
        finally:
            restore()
            wakeup_w, self._wakeup_w = self._wakeup_w, -1
            os.close(wakeup_r)
            os.close(wakeup_w)
        for signum in self._signals_received[:1]:
            self.log.info("%s received: stopped", signal.Signals(signum).name)

    def request_stop(self) -> None:
        """Safe to call from a signal handler, from a thread, or from the job itself."""
        self._stop_requested = True
        if self._wakeup_w >= 0:
            with contextlib.suppress(OSError):
                os.write(self._wakeup_w, b"\0")

    def _run_once(self) -> None:
        self.runs += 1
        try:
            self.job()
        except Exception:
            self.log.exception("run %d failed; next try in %g s", self.runs, self.every)

    def _on_signal(self, signum: int) -> None:
        if self._stop_requested:
            # Asked twice: do not wait for the run in progress.
            raise KeyboardInterrupt
        # Only flags here: logging from a handler could re-enter a write in progress.
        self._signals_received.append(signum)
        self.request_stop()
