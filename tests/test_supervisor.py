"""The process supervisor behind `supportdesk run`, with tiny Python children and no Django."""

from __future__ import annotations

import io
import os
import signal
import subprocess
import sys
import textwrap
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from supportdesk.core.supervisor import (
    ProcessSpec,
    RestartPolicy,
    Supervisor,
    describe_exit,
    on_stop_signals,
    port_accepts_connections,
)

PY = sys.executable
SLEEP_FOREVER = "import time\nwhile True: time.sleep(0.1)"


def child(code: str) -> list[str]:
    return [PY, "-c", textwrap.dedent(code)]


def is_alive(pid: int) -> bool:
    """True while the process exists and is not a zombie waiting to be reaped."""
    try:
        with open(f"/proc/{pid}/stat") as stat:
            return stat.read().rsplit(")", 1)[1].split()[0] != "Z"
    except FileNotFoundError:
        return False


def wait_until(condition: Callable[[], bool], timeout: float = 10.0) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.05)
    return condition()


def pids_in(path: Path) -> list[int]:
    return [int(line) for line in path.read_text().split()] if path.exists() else []


@pytest.fixture
def stop_later() -> Iterator[Callable[[Supervisor, float], None]]:
    """Ask a supervisor running in this thread to stop after a delay, as a signal would."""
    timers: list[threading.Timer] = []

    def schedule(supervisor: Supervisor, delay: float) -> None:
        timer = threading.Timer(delay, supervisor.request_stop)
        timers.append(timer)
        timer.start()

    yield schedule
    for timer in timers:
        timer.cancel()


def test_the_restart_delay_doubles_after_each_quick_failure_up_to_a_cap():
    policy = RestartPolicy(initial_delay=0.5, max_delay=4.0)
    assert [policy.delay(n) for n in range(1, 7)] == [0.5, 1.0, 2.0, 4.0, 4.0, 4.0]


def test_an_exit_is_described_by_its_code_or_its_signal():
    assert describe_exit(3) == "exited with code 3"
    assert describe_exit(-signal.SIGKILL) == "killed by SIGKILL"


def test_process_names_must_be_unique():
    with pytest.raises(ValueError, match="unique"):
        Supervisor([ProcessSpec("web", ["true"]), ProcessSpec("web", ["true"])])


def test_each_line_of_output_is_prefixed_with_the_process_name(stop_later):
    output = io.StringIO()
    supervisor = Supervisor(
        [
            ProcessSpec(
                "web", child("import time\nprint('listening')\nprint('ok')\ntime.sleep(30)")
            ),
            ProcessSpec("worker", child("import time\nprint('polling')\ntime.sleep(30)")),
        ],
        output=output,
    )
    stop_later(supervisor, 1.0)

    assert supervisor.run() == 0

    lines = output.getvalue().splitlines()
    assert any(line.endswith("web        | listening") for line in lines)
    assert any(line.endswith("web        | ok") for line in lines)
    assert any(line.endswith("worker     | polling") for line in lines)


def test_a_process_that_dies_is_started_again_after_a_back_off(tmp_path, stop_later):
    starts = tmp_path / "starts"
    output = io.StringIO()
    supervisor = Supervisor(
        [
            ProcessSpec(
                "flaky",
                child(f"""
                    import os, sys
                    with open({str(starts)!r}, "a") as f:
                        f.write(f"{{os.getpid()}}\\n")
                    sys.exit(3)
                """),
            )
        ],
        policy=RestartPolicy(initial_delay=0.05, max_delay=0.2, max_quick_failures=100),
        output=output,
    )
    stop_later(supervisor, 1.5)

    assert supervisor.run() == 0

    assert len(set(pids_in(starts))) >= 3
    assert "flaky (pid" in output.getvalue()
    assert "exited with code 3 unexpectedly; restarting in 0.1 s" in output.getvalue()


def test_a_process_that_keeps_failing_at_start_stops_the_group_with_exit_1(tmp_path):
    healthy_pid = tmp_path / "healthy"
    output = io.StringIO()
    supervisor = Supervisor(
        [
            ProcessSpec("broken", child("import sys\nprint('port in use')\nsys.exit(1)")),
            ProcessSpec(
                "healthy",
                child(f"""
                    import os, time
                    open({str(healthy_pid)!r}, "w").write(str(os.getpid()))
                    while True: time.sleep(0.1)
                """),
            ),
        ],
        policy=RestartPolicy(initial_delay=0.01, max_quick_failures=3),
        output=output,
    )

    started = time.monotonic()
    assert supervisor.run() == 1

    assert time.monotonic() - started < 5
    assert output.getvalue().count("broken     | port in use") == 3
    assert "stopped: broken keeps failing" in output.getvalue()
    assert wait_until(lambda: healthy_pid.exists(), 1)
    assert not is_alive(int(healthy_pid.read_text()))


def test_a_process_that_ran_for_a_while_before_dying_is_never_given_up(tmp_path):
    output = io.StringIO()
    supervisor = Supervisor(
        [ProcessSpec("steady", child("import sys, time\ntime.sleep(0.3)\nsys.exit(1)"))],
        policy=RestartPolicy(initial_delay=0.05, stable_after=0.2, max_quick_failures=2),
        output=output,
    )
    restarting = "exited with code 1 unexpectedly; restarting in"

    def stop_after_three_restarts() -> None:
        # Stop on what happened, not after a fixed time: on a loaded machine a child's start
        # alone can take most of a second.
        deadline = time.monotonic() + 60
        while output.getvalue().count(restarting) < 3 and time.monotonic() < deadline:
            time.sleep(0.05)
        supervisor.request_stop()

    watcher = threading.Thread(target=stop_after_three_restarts, daemon=True)
    watcher.start()

    assert supervisor.run() == 0
    watcher.join()

    assert output.getvalue().count(restarting) >= 3
    assert "keeps failing" not in output.getvalue()


def test_on_ready_runs_once_when_every_ready_check_passes(tmp_path, stop_later):
    flag = tmp_path / "listening"
    calls: list[float] = []
    supervisor = Supervisor(
        [
            ProcessSpec(
                "web",
                child(f"""
                    import time
                    time.sleep(0.5)
                    open({str(flag)!r}, "w").close()
                    while True: time.sleep(0.1)
                """),
                ready_check=flag.exists,
            ),
            ProcessSpec("worker", child(SLEEP_FOREVER)),
        ],
        output=io.StringIO(),
    )
    started = time.monotonic()
    stop_later(supervisor, 2.0)

    supervisor.run(on_ready=lambda: calls.append(time.monotonic() - started))

    assert len(calls) == 1
    assert calls[0] >= 0.5


def test_a_process_that_ignores_sigterm_is_killed_after_the_stop_timeout(tmp_path, stop_later):
    output = io.StringIO()
    supervisor = Supervisor(
        [
            ProcessSpec(
                "stubborn",
                child("""
                    import signal, time
                    signal.signal(signal.SIGTERM, signal.SIG_IGN)
                    print("ignoring SIGTERM", flush=True)
                    while True: time.sleep(0.1)
                """),
            )
        ],
        stop_timeout=0.5,
        output=output,
    )
    stop_later(supervisor, 1.0)
    pids: list[int] = []
    threading.Timer(0.8, lambda: pids.extend(supervisor.pids().values())).start()

    started = time.monotonic()
    assert supervisor.run() == 0

    assert time.monotonic() - started < 4
    assert "killing stubborn" in output.getvalue()
    assert pids
    assert not is_alive(pids[0])


def test_a_port_check_says_whether_a_server_listens():
    import socket

    with socket.socket() as server:
        server.bind(("127.0.0.1", 0))
        server.listen()
        port = server.getsockname()[1]
        assert port_accepts_connections("127.0.0.1", port)()
    assert not port_accepts_connections("127.0.0.1", port)()


def test_a_stop_signal_calls_the_handler_and_the_old_handlers_come_back():
    before = signal.getsignal(signal.SIGTERM)
    received: list[int] = []

    restore = on_stop_signals(received.append)
    try:
        os.kill(os.getpid(), signal.SIGTERM)
        assert wait_until(lambda: received == [signal.SIGTERM], 2)
    finally:
        restore()

    assert signal.getsignal(signal.SIGTERM) is before


def test_outside_the_main_thread_no_signal_handler_is_installed():
    before = {signum: signal.getsignal(signum) for signum in (signal.SIGINT, signal.SIGTERM)}
    thread = threading.Thread(target=lambda: on_stop_signals(lambda signum: None)())
    thread.start()
    thread.join()

    assert {signum: signal.getsignal(signum) for signum in before} == before


# -- signals, on a supervisor in its own process ----------------------------------------------

SUPERVISOR_SCRIPT = """
import sys, textwrap
from supportdesk.core.supervisor import ProcessSpec, Supervisor

out = sys.argv[1]
stop_timeout = float(sys.argv[2])
sleeper = textwrap.dedent('''
    import os, signal, sys, time
    if sys.argv[1] == "stubborn":
        signal.signal(signal.SIGTERM, signal.SIG_IGN)
    with open(sys.argv[2], "a") as f:
        f.write(f"{os.getpid()}\\\\n")
    while True:
        time.sleep(0.1)
''')
specs = [
    ProcessSpec(name, [sys.executable, "-c", sleeper, name, f"{out}/{name}.pid"])
    for name in sys.argv[3:]
]
sys.exit(Supervisor(specs, stop_timeout=stop_timeout).run())
"""


def start_supervisor(
    tmp_path: Path, *names: str, stop_timeout: float = 10.0
) -> tuple[subprocess.Popen[str], dict[str, int]]:
    script = tmp_path / "supervise.py"
    script.write_text(SUPERVISOR_SCRIPT)
    process = subprocess.Popen(
        [PY, str(script), str(tmp_path), str(stop_timeout), *names],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    assert wait_until(lambda: all(pids_in(tmp_path / f"{n}.pid") for n in names))
    return process, {name: pids_in(tmp_path / f"{name}.pid")[0] for name in names}


@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGINT])
def test_a_stop_signal_stops_every_child_and_exits_0(tmp_path, signum):
    supervisor, pids = start_supervisor(tmp_path, "web", "worker")

    supervisor.send_signal(signum)
    output, _ = supervisor.communicate(timeout=15)

    assert supervisor.returncode == 0, output
    assert f"{signal.Signals(signum).name} received: stopping" in output
    assert not any(is_alive(pid) for pid in pids.values())


def test_a_second_ctrl_c_kills_what_is_left_without_waiting(tmp_path):
    supervisor, pids = start_supervisor(tmp_path, "stubborn", stop_timeout=60)

    supervisor.send_signal(signal.SIGINT)
    time.sleep(0.5)
    supervisor.send_signal(signal.SIGINT)
    output, _ = supervisor.communicate(timeout=10)

    assert supervisor.returncode == 0, output
    assert "killing what is left now" in output
    assert not is_alive(pids["stubborn"])


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="parent-death signal is Linux's")
def test_children_stop_when_the_supervisor_itself_is_killed(tmp_path):
    supervisor, pids = start_supervisor(tmp_path, "web", "worker")

    supervisor.kill()
    supervisor.communicate(timeout=5)

    assert wait_until(lambda: not any(is_alive(pid) for pid in pids.values()), 5)


def test_the_supervisor_gives_every_child_its_own_session(tmp_path):
    supervisor, pids = start_supervisor(tmp_path, "web")
    try:
        # A Ctrl-C in the terminal goes to the foreground process group: only the supervisor
        # must get it, so that it stops the children in order rather than racing them.
        assert os.getpgid(pids["web"]) == pids["web"]
        assert os.getpgid(pids["web"]) != os.getpgid(supervisor.pid)
    finally:
        supervisor.terminate()
        supervisor.communicate(timeout=15)
