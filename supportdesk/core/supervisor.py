"""Several long-running processes as one supervised group: what `supportdesk run` is made of.

Each process is a ProcessSpec (a name and a command line). The supervisor starts them all,
prefixes their output with their name, restarts one that dies with an exponential back-off,
gives up (and stops the group) on one that keeps dying right after its start, and on SIGINT
or SIGTERM stops them all: SIGTERM, a grace period, then SIGKILL. A second Ctrl-C skips the
grace period.

No Django here: the supervisor runs plain command lines, so it is tested with tiny Python
children. The only thing it knows about the web process is an optional readiness check.
"""

from __future__ import annotations

import contextlib
import ctypes
import ctypes.util
import errno
import os
import selectors
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from types import FrameType
from typing import Any, TextIO

STOP_SIGNALS = (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)
_PR_SET_PDEATHSIG = 1


@dataclass(frozen=True)
class ProcessSpec:
    """One process of the group. `env` is added to the supervisor's own environment.
    `ready_check` answers True once the process serves (e.g. its port accepts connections)."""

    name: str
    argv: Sequence[str]
    env: Mapping[str, str] = field(default_factory=dict)
    ready_check: Callable[[], bool] | None = None


@dataclass(frozen=True)
class RestartPolicy:
    initial_delay: float = 0.5
    max_delay: float = 30.0
    # A process that ran this long before dying is considered to have been healthy: its
    # count of quick failures starts again from zero.
    stable_after: float = 10.0
    # This many deaths in a row, each before `stable_after`, means the process cannot start
    # (a port in use, a broken configuration): restarting it forever would hide the problem.
    max_quick_failures: int = 6

    def delay(self, failures: int) -> float:
        """Seconds to wait before the next start after `failures` deaths in a row (>= 1)."""
        return float(min(self.max_delay, self.initial_delay * 2 ** max(0, failures - 1)))


def port_accepts_connections(host: str, port: int, timeout: float = 0.2) -> Callable[[], bool]:
    """A ready check for a TCP server."""

    def check() -> bool:
        try:
            with socket.create_connection((host, port), timeout=timeout):
                return True
        except OSError:
            return False

    return check


def on_stop_signals(handler: Callable[[int], None]) -> Callable[[], None]:
    """Call `handler(signum)` on SIGINT, SIGTERM or SIGHUP instead of dying; return a function
    that puts the previous handlers back. Only the main thread may handle signals: elsewhere
    nothing is installed (and the returned function does nothing)."""
    previous: dict[int, Any] = {}

    def handle(signum: int, frame: FrameType | None) -> None:
        handler(signum)

    def restore() -> None:
        for signum, old in previous.items():
            signal.signal(signum, old)

    try:
        for signum in STOP_SIGNALS:
            previous[signum] = signal.signal(signum, handle)
    except ValueError:  # not the main thread
        restore()
        return lambda: None
    return restore


def describe_exit(returncode: int) -> str:
    if returncode < 0:
        try:
            return f"killed by {signal.Signals(-returncode).name}"
        except ValueError:
            return f"killed by signal {-returncode}"
    return f"exited with code {returncode}"


def _parent_death_signal() -> Callable[[], None] | None:
    """On Linux, a child asks the kernel for SIGTERM if the supervisor itself dies (even by
    SIGKILL), so a crashed `supportdesk run` does not leave a web server holding the port.
    prctl is looked up here, before any fork, so the child only makes one system call."""
    if not sys.platform.startswith("linux"):
        return None
    libc_name = ctypes.util.find_library("c")
    if libc_name is None:
        return None
    try:
        prctl = ctypes.CDLL(libc_name, use_errno=True).prctl
    except (OSError, AttributeError):
        return None

    def set_death_signal() -> None:
        prctl(_PR_SET_PDEATHSIG, signal.SIGTERM)

    return set_death_signal


@dataclass
class _Child:
    spec: ProcessSpec
    process: subprocess.Popen[bytes] | None = None
    started_at: float = 0.0
    quick_failures: int = 0
    restart_at: float | None = None
    ready: bool = False
    next_ready_check: float = 0.0
    pending_output: bytes = b""

    @property
    def running(self) -> bool:
        return self.process is not None and self.process.returncode is None


class Supervisor:
    """Run `specs` until asked to stop. `run()` returns 0 after a requested stop, 1 when a
    process kept failing and the group was stopped because of it."""

    def __init__(
        self,
        specs: Sequence[ProcessSpec],
        *,
        policy: RestartPolicy | None = None,
        stop_timeout: float = 15.0,
        output: TextIO | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        names = [spec.name for spec in specs]
        if len(set(names)) != len(names):
            raise ValueError(f"process names must be unique: {names}")
        self.children = [_Child(spec) for spec in specs]
        self.policy = policy or RestartPolicy()
        self.stop_timeout = stop_timeout
        self.output = output or sys.stdout
        self.clock = clock
        self._width = max([len(name) for name in names] + [len("supervisor")])
        self._selector = selectors.DefaultSelector()
        self._stop_requested = False
        self._force_requested = False
        self._failed: str | None = None
        self._signals_received: list[int] = []
        self._all_ready_reported = False
        self._wakeup_r, self._wakeup_w = os.pipe()
        for fd in (self._wakeup_r, self._wakeup_w):
            os.set_blocking(fd, False)
        self._selector.register(self._wakeup_r, selectors.EVENT_READ, None)
        self._preexec = _parent_death_signal()

    # -- public ---------------------------------------------------------------------------

    def run(self, *, on_ready: Callable[[], None] | None = None) -> int:
        """Start every process and supervise them until a stop is requested (a signal or
        `request_stop`). Signal handlers are installed only when called from the main thread."""
        restore = self._install_signal_handlers()
        try:
            for child in self.children:
                self._start(child)
            while not self._stop_requested and self._failed is None:
                self._wait_for_events(self._next_timeout())
                if self._stop_requested:
                    self._log_signals()
                    break
                self._reap()
                self._restart_due()
                self._check_ready(on_ready)
        finally:
            self._stop_all()
            restore()
            self._selector.close()
            os.close(self._wakeup_r)
            os.close(self._wakeup_w)
        if self._failed is not None:
            self.log(f"stopped: {self._failed} keeps failing, see its output above")
            return 1
        return 0

    def request_stop(self) -> None:
        """Ask `run()` to stop the group; safe to call from a signal handler or a thread."""
        if self._stop_requested:
            self._force_requested = True
        self._stop_requested = True
        with contextlib.suppress(OSError):
            os.write(self._wakeup_w, b"\0")

    def pids(self) -> dict[str, int]:
        return {
            child.spec.name: child.process.pid
            for child in self.children
            if child.process is not None and child.running
        }

    def log(self, message: str) -> None:
        self._write_line("supervisor", message)

    # -- starting, watching, restarting ------------------------------------------------------

    def _start(self, child: _Child) -> None:
        env = {**os.environ, "PYTHONUNBUFFERED": "1", **child.spec.env}
        try:
            process = subprocess.Popen(
                list(child.spec.argv),
                stdin=subprocess.DEVNULL,
                stdout=subprocess.PIPE,
                stderr=subprocess.STDOUT,
                env=env,
                # Its own session: a Ctrl-C in the terminal reaches only the supervisor, which
                # then stops the children in order instead of racing them.
                start_new_session=True,
                # Resolved before the fork: the child makes one prctl call, nothing else.
                preexec_fn=self._preexec,
            )
        except OSError as exc:
            self.log(f"cannot start {child.spec.name}: {exc}")
            self._record_failure(child, quick=True)
            return
        child.process = process
        child.started_at = self.clock()
        child.restart_at = None
        child.ready = child.spec.ready_check is None
        child.next_ready_check = 0.0
        assert process.stdout is not None
        os.set_blocking(process.stdout.fileno(), False)
        self._selector.register(process.stdout, selectors.EVENT_READ, child)
        self.log(f"started {child.spec.name} (pid {process.pid})")

    def _reap(self) -> None:
        for child in self.children:
            if child.process is None or child.process.poll() is None:
                continue
            process = child.process
            self._close_output(child)
            self._kill_group(process.pid)
            child.process = None
            ran_for = self.clock() - child.started_at
            self._record_failure(child, quick=ran_for < self.policy.stable_after)
            verdict = describe_exit(process.returncode)
            if self._failed is None and child.restart_at is not None:
                delay = child.restart_at - self.clock()
                self.log(
                    f"{child.spec.name} (pid {process.pid}) {verdict} unexpectedly; "
                    f"restarting in {delay:.1f} s"
                )
            else:
                self.log(f"{child.spec.name} (pid {process.pid}) {verdict} unexpectedly")

    def _record_failure(self, child: _Child, *, quick: bool) -> None:
        child.quick_failures = child.quick_failures + 1 if quick else 1
        if quick and child.quick_failures >= self.policy.max_quick_failures:
            self._failed = child.spec.name
            child.restart_at = None
            return
        child.restart_at = self.clock() + self.policy.delay(child.quick_failures)

    def _restart_due(self) -> None:
        now = self.clock()
        for child in self.children:
            if child.process is None and child.restart_at is not None and child.restart_at <= now:
                self._start(child)

    def _check_ready(self, on_ready: Callable[[], None] | None) -> None:
        now = self.clock()
        for child in self.children:
            check = child.spec.ready_check
            if child.ready or check is None or not child.running or now < child.next_ready_check:
                continue
            child.next_ready_check = now + 0.2
            if check():
                child.ready = True
                self.log(f"{child.spec.name} is ready")
        if not self._all_ready_reported and all(c.ready and c.running for c in self.children):
            self._all_ready_reported = True
            if on_ready is not None:
                on_ready()

    def _next_timeout(self) -> float:
        timeout = 0.2
        now = self.clock()
        for child in self.children:
            if child.restart_at is not None and child.process is None:
                timeout = min(timeout, max(0.0, child.restart_at - now))
        return timeout

    # -- output ---------------------------------------------------------------------------

    def _wait_for_events(self, timeout: float) -> None:
        for key, _events in self._selector.select(timeout):
            if key.data is None:
                with contextlib.suppress(OSError):
                    while os.read(self._wakeup_r, 512):
                        pass
            else:
                self._read_output(key.data)

    def _read_output(self, child: _Child) -> None:
        process = child.process
        if process is None or process.stdout is None:
            return
        while True:
            try:
                chunk = os.read(process.stdout.fileno(), 65536)
            except BlockingIOError:
                return
            except OSError as exc:
                if exc.errno == errno.EINTR:
                    continue
                chunk = b""
            if not chunk:
                self._close_output(child)
                return
            data = child.pending_output + chunk
            *lines, child.pending_output = data.split(b"\n")
            for line in lines:
                self._write_line(child.spec.name, line.decode("utf-8", "replace").rstrip("\r"))

    def _close_output(self, child: _Child) -> None:
        process = child.process
        if process is None or process.stdout is None or process.stdout.closed:
            return
        # Whatever the process wrote before it died is still in the pipe: show it.
        with contextlib.suppress(OSError):
            while chunk := os.read(process.stdout.fileno(), 65536):
                child.pending_output += chunk
        if child.pending_output:
            for line in child.pending_output.decode("utf-8", "replace").splitlines():
                self._write_line(child.spec.name, line)
            child.pending_output = b""
        with contextlib.suppress(KeyError, ValueError):
            self._selector.unregister(process.stdout)
        process.stdout.close()

    def _write_line(self, name: str, text: str) -> None:
        stamp = time.strftime("%H:%M:%S")
        try:
            self.output.write(f"{stamp} {name:<{self._width}} | {text}\n")
            self.output.flush()
        except (OSError, ValueError):
            # A closed terminal must not take the supervisor down with it.
            pass

    # -- stopping -------------------------------------------------------------------------

    def _stop_all(self) -> None:
        stopping = [c for c in self.children if c.running]
        for child in stopping:
            assert child.process is not None
            self.log(f"stopping {child.spec.name} (pid {child.process.pid})")
            with contextlib.suppress(ProcessLookupError):
                child.process.send_signal(signal.SIGTERM)
        deadline = self.clock() + self.stop_timeout
        waiting = list(stopping)
        while waiting:
            if self._force_requested:
                self._signals_received.clear()
                self.log("asked to stop again: killing what is left now")
                break
            if self.clock() >= deadline:
                break
            self._wait_for_events(0.1)
            for child in list(waiting):
                assert child.process is not None
                if child.process.poll() is not None:
                    waiting.remove(child)
                    verdict = describe_exit(child.process.returncode)
                    self.log(f"{child.spec.name} stopped ({verdict})")
        for child in waiting:
            assert child.process is not None
            self.log(f"killing {child.spec.name} (pid {child.process.pid})")
            self._kill_group(child.process.pid)
            child.process.wait()
        for child in stopping:
            assert child.process is not None
            # Anything the process left behind in its session (a gunicorn worker whose
            # master was killed) goes too.
            self._kill_group(child.process.pid)
            self._close_output(child)

    def _log_signals(self) -> None:
        while self._signals_received:
            self.log(f"{signal.Signals(self._signals_received.pop(0)).name} received: stopping")

    @staticmethod
    def _kill_group(pgid: int) -> None:
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(pgid, signal.SIGKILL)

    def _install_signal_handlers(self) -> Callable[[], None]:
        def handle(signum: int) -> None:
            # Only flags here: writing output from a handler could re-enter a write the main
            # loop was in the middle of.
            self._signals_received.append(signum)
            self.request_stop()

        # Outside the main thread nothing is installed: the caller uses request_stop().
        return on_stop_signals(handle)
