"""The `supportdesk` command line: ticket commands in-process, configuration errors and
`supportdesk run` end to end as real processes."""

from __future__ import annotations

import email
import email.policy
import io
import json
import logging
import os
import re
import signal
import smtplib
import socket
import subprocess
import sys
import threading
import time
import types
import urllib.error
import urllib.request
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

import supportdesk
from supportdesk.cli import main
from supportdesk.cli.periodic import Repeater
from supportdesk.cli.processes import parse_bind, prepare_demo, print_welcome, site_root
from supportdesk.plans.models import SlaTarget
from supportdesk.tickets.choices import EventKind
from supportdesk.tickets.models import Deadline, Ticket
from supportdesk.tickets.services import (
    NewAttachment,
    add_note,
    assign_ticket,
    change_status,
    reply_to_ticket,
)
from tests.factories import make_ticket

SUPPORTDESK = Path(sys.executable).with_name("supportdesk")


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):  # type: ignore[no-untyped-def]
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def desk(customer, customer_of_another_organization, team, other_team, product, technician):  # type: ignore[no-untyped-def]
    """Four tickets, oldest first: new in `team`; pending, assigned to `technician`, with an
    attachment; new in `other_team` from another customer; closed."""
    crash = make_ticket(requester=customer, team=team, product=product)
    answered = make_ticket(
        requester=customer,
        team=team,
        product=product,
        subject="Licence key refused after upgrade",
        body_text="The key SN-123 is refused.",
        attachments=[NewAttachment("install.log", b"error 42\n", "text/plain")],
    )
    assign_ticket(actor=technician, ticket=answered, assignee=technician)
    add_note(actor=technician, ticket=answered, body_text="Known issue with 28 Update 2.")
    reply_to_ticket(actor=technician, ticket=answered, body_text="Please install Update 3.")
    other = make_ticket(
        requester=customer_of_another_organization,
        team=other_team,
        subject="WEBDEV page does not load",
    )
    closed = make_ticket(requester=customer, team=team, subject="How do I export a report?")
    change_status(actor=technician, ticket=closed, status="closed")
    return types.SimpleNamespace(
        crash=crash, answered=answered, other=other, closed=closed, technician=technician
    )


def run_cli(capsys, *argv: str) -> tuple[int, str, str]:  # type: ignore[no-untyped-def]
    code = main(list(argv))
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def listed(capsys, *argv: str) -> list[str]:  # type: ignore[no-untyped-def]
    code, out, err = run_cli(capsys, "ticket", "list", "--json", *argv)
    assert code == 0, err
    return [t["reference"] for t in json.loads(out)["tickets"]]


# -- ticket list ------------------------------------------------------------------------------


def test_ticket_list_prints_a_table_newest_first(capsys, desk, monkeypatch):
    monkeypatch.setenv("COLUMNS", "200")  # a terminal wide enough for whole subjects
    code, out, err = run_cli(capsys, "ticket", "list")

    assert code == 0, err
    lines = out.splitlines()
    assert lines[0].split()[:3] == ["REF", "STATUS", "PRIORITY"]
    refs = [line.split()[0] for line in lines[1:]]
    assert refs == [
        desk.closed.reference,
        desk.other.reference,
        desk.answered.reference,
        desk.crash.reference,
    ]
    answered_row = lines[3]
    assert "pending" in answered_row
    assert "Alice Martin" in answered_row
    assert "Licence key refused after upgrade" in answered_row


def test_ticket_list_json_pages_with_next_before(capsys, desk):
    code, out, _ = run_cli(capsys, "ticket", "list", "--json", "--limit", "3")
    first = json.loads(out)

    assert code == 0
    assert [t["reference"] for t in first["tickets"]] == [
        desk.closed.reference,
        desk.other.reference,
        desk.answered.reference,
    ]
    assert first["next_before"] == desk.answered.number

    code, out, _ = run_cli(
        capsys, "ticket", "list", "--json", "--limit", "3", "--before", str(first["next_before"])
    )
    second = json.loads(out)
    assert [t["reference"] for t in second["tickets"]] == [desk.crash.reference]
    assert second["next_before"] is None


def test_ticket_list_json_describes_each_ticket(capsys, desk):
    code, out, _ = run_cli(capsys, "ticket", "list", "--json", "--team", "windev")
    assert code == 0
    summary = next(
        t for t in json.loads(out)["tickets"] if t["reference"] == desk.answered.reference
    )

    assert summary["status"] == "pending"
    assert summary["team"] == {"slug": "windev", "name": "WINDEV support"}
    assert summary["assignee"]["name"] == "Alice Martin"
    assert summary["product"] == {"code": "windev", "name": "WINDEV"}
    assert summary["requester"]["name"] == "Dev Eloper"
    assert summary["message_count"] == 3
    assert summary["created_at"].endswith("Z")


def test_the_human_list_says_how_to_get_the_next_page(capsys, desk):
    code, out, _ = run_cli(capsys, "ticket", "list", "--limit", "2")

    assert code == 0
    assert out.strip().endswith(f"More: add --before {desk.other.number}")


def test_before_also_takes_a_ticket_reference(capsys, desk):
    assert listed(capsys, "--before", desk.answered.reference) == [desk.crash.reference]


def test_ticket_list_filters_by_team(capsys, desk):
    assert listed(capsys, "--team", "webdev") == [desk.other.reference]


def test_ticket_list_filters_by_one_or_more_statuses(capsys, desk):
    assert listed(capsys, "--status", "closed") == [desk.closed.reference]
    assert listed(capsys, "--status", "new", "--status", "pending") == [
        desk.other.reference,
        desk.answered.reference,
        desk.crash.reference,
    ]


def test_ticket_list_unresolved_leaves_out_closed_tickets(capsys, desk):
    assert desk.closed.reference not in listed(capsys, "--unresolved")
    assert len(listed(capsys, "--unresolved")) == 3


def test_ticket_list_filters_by_assignee_username(capsys, desk):
    username = desk.technician.user.username
    assert listed(capsys, "--assignee", username) == [desk.answered.reference]


def test_ticket_list_filters_by_product_code_in_any_case(capsys, desk):
    assert listed(capsys, "--product", "WINDEV") == [
        desk.answered.reference,
        desk.crash.reference,
    ]


def test_ticket_list_filters_by_requester_email_in_any_case(capsys, desk):
    assert listed(capsys, "--requester", "Other@Elsewhere.example") == [desk.other.reference]


def test_ticket_list_filters_combine(capsys, desk):
    assert listed(capsys, "--team", "windev", "--unresolved", "--product", "windev") == [
        desk.answered.reference,
        desk.crash.reference,
    ]


@pytest.mark.parametrize(
    ("option", "value", "message"),
    [
        ("--team", "xyz", "no team 'xyz'"),
        ("--assignee", "nobody", "no technician 'nobody'"),
        ("--product", "cobol", "no product 'cobol'"),
        ("--requester", "who@nowhere.example", "no contact with the email 'who@nowhere.example'"),
    ],
)
def test_an_unknown_filter_name_is_an_error_naming_it(capsys, desk, option, value, message):
    code, out, err = run_cli(capsys, "ticket", "list", option, value)

    assert code == 1
    assert out == ""
    assert err == f"supportdesk: {message}\n"


def test_an_unknown_status_is_a_usage_error(capsys, desk):
    code, _, err = run_cli(capsys, "ticket", "list", "--status", "lost")

    assert code == 2
    assert "--status: unknown 'lost'" in err


def test_a_limit_above_the_configured_maximum_is_a_usage_error(capsys, desk, settings):
    settings.SUPPORTDESK = {**settings.SUPPORTDESK, "TICKET_LIST_MAX_LIMIT": 10}

    code, _, err = run_cli(capsys, "ticket", "list", "--limit", "11")

    assert code == 2
    assert "limit: between 1 and 10, got 11" in err


def test_a_bad_limit_is_refused_by_the_argument_parser(capsys, db):
    code, _, err = run_cli(capsys, "ticket", "list", "--limit", "0")

    assert code == 2
    assert "--limit: must be at least 1" in err


def test_an_empty_desk_says_so(capsys, db):
    code, out, _ = run_cli(capsys, "ticket", "list")

    assert code == 0
    assert out == "No tickets.\n"


def test_ticket_list_costs_the_same_queries_for_more_tickets(capsys, desk, customer, team):
    with CaptureQueriesContext(connection) as few:
        run_cli(capsys, "ticket", "list", "--json", "--team", "windev")
    for _ in range(5):
        make_ticket(requester=customer, team=team, tags=["urgent-fix"])
    with CaptureQueriesContext(connection) as more:
        code, out, _ = run_cli(capsys, "ticket", "list", "--json", "--team", "windev")

    assert code == 0
    assert len(json.loads(out)["tickets"]) == 8
    assert len(more) == len(few)


# -- ticket show ------------------------------------------------------------------------------


def test_ticket_show_prints_header_messages_attachments_and_audit_trail(capsys, desk):
    code, out, err = run_cli(capsys, "ticket", "show", desk.answered.reference)

    assert code == 0, err
    assert out.startswith(f"{desk.answered.reference}  Licence key refused after upgrade\n")
    assert "Requester:  Dev Eloper <dev@customer.example>" in out
    assert "Assignee:   Alice Martin" in out
    assert "Messages (3)" in out
    assert "The key SN-123 is refused." in out
    assert "Known issue with 28 Update 2." in out
    assert "[attachment] install.log (9 B, text/plain" in out
    assert re.search(r"Audit trail \(\d+\)", out)
    assert "Opened" in out
    assert "Assigned" in out


def test_ticket_show_json_has_messages_attachments_and_events(capsys, desk):
    code, out, _ = run_cli(capsys, "ticket", "show", "--json", desk.answered.reference.lower())
    data = json.loads(out)

    assert code == 0
    assert data["reference"] == desk.answered.reference
    assert data["requester"]["email"] == "dev@customer.example"
    assert [m["kind"] for m in data["messages"]] == ["inbound", "note", "outbound"]
    assert data["messages"][0]["author"] == {
        "type": "contact",
        "id": desk.answered.requester_id,
        "name": "Dev Eloper",
    }
    attachment = data["messages"][0]["attachments"][0]
    assert attachment["filename"] == "install.log"
    assert attachment["size"] == 9
    assert attachment["stored"] is True
    assert len(attachment["sha256"]) == 64
    kinds = [e["kind"] for e in data["events"]]
    assert kinds[0] == "opened"
    assert "assigned" in kinds
    assert "replied" in kinds


def test_ticket_show_of_an_unknown_reference_exits_1_with_a_message(capsys, db):
    code, out, err = run_cli(capsys, "ticket", "show", "SD-999999")

    assert code == 1
    assert out == ""
    assert err == "supportdesk: No ticket SD-999999\n"


def test_ticket_show_of_something_that_is_not_a_reference_exits_1(capsys, db):
    code, _, err = run_cli(capsys, "ticket", "show", "hello")

    assert code == 1
    assert "'hello' is not a ticket reference" in err


# -- other commands in-process ---------------------------------------------------------------


def test_check_reports_the_configuration(capsys, db):
    code, out, err = run_cli(capsys, "check")

    assert code == 0, err
    assert "migrations:  applied" in out
    assert out.rstrip().endswith("Configuration OK.")


def test_manage_passes_everything_to_django(capsys, db):
    code, out, _ = run_cli(capsys, "manage", "showmigrations", "tickets")

    assert code == 0
    assert "[X] 0001_initial" in out


def test_without_a_command_the_help_is_printed_and_the_exit_is_2(capsys):
    code, _, err = run_cli(capsys)

    assert code == 2
    assert "ticket" in err


@pytest.fixture
def fake_demo(monkeypatch) -> types.SimpleNamespace:  # type: ignore[no-untyped-def]
    """The demo profile with its loader and its accounts replaced, recording the calls."""
    from supportdesk import demo

    calls: list[int] = []

    def load_demo(*, tickets: int = 300, stdout=None) -> None:  # type: ignore[no-untyped-def]
        calls.append(tickets)

    monkeypatch.setattr(demo, "load_demo", load_demo)
    monkeypatch.setattr(
        demo,
        "ensure_demo_accounts",
        lambda: [("admin", "admin", "admin-pass"), ("technician", "tech", "tech-pass")],
    )
    return types.SimpleNamespace(calls=calls)


def test_demo_loads_the_profile_and_prints_the_accounts(capsys, db, fake_demo):
    code, out, _ = run_cli(capsys, "demo", "--tickets", "12")

    assert code == 0
    assert fake_demo.calls == [12]
    assert "admin account:" in out
    assert "admin / admin-pass" in out
    assert "tech / tech-pass" in out


def test_demo_refuses_a_production_database_unless_forced(capsys, db, fake_demo, monkeypatch):
    monkeypatch.setenv("SUPPORTDESK_PRODUCTION", "yes")

    code, _, err = run_cli(capsys, "demo")

    assert code == 2
    assert "SUPPORTDESK_PRODUCTION is on" in err
    assert fake_demo.calls == []


def test_run_loads_the_demo_into_an_empty_database(db, fake_demo):
    accounts = prepare_demo(io.StringIO())

    assert fake_demo.calls == [300]
    assert accounts == [("admin", "admin", "admin-pass"), ("technician", "tech", "tech-pass")]


def test_run_prints_the_accounts_again_once_the_demo_is_there(db, fake_demo, customer):
    make_ticket(requester=customer, tags=["demo"])

    accounts = prepare_demo(io.StringIO())

    assert fake_demo.calls == []
    assert accounts is not None


def test_run_leaves_a_database_with_other_data_alone(db, fake_demo, customer):
    make_ticket(requester=customer)
    out = io.StringIO()

    assert prepare_demo(out) is None
    assert fake_demo.calls == []
    assert "already holds data" in out.getvalue()


def test_run_creates_no_demo_in_production(db, fake_demo, monkeypatch):
    monkeypatch.setenv("SUPPORTDESK_PRODUCTION", "true")

    assert prepare_demo(io.StringIO()) is None
    assert fake_demo.calls == []


def test_run_starts_without_the_demo_when_it_cannot_be_imported(capsys, db, monkeypatch):
    monkeypatch.delattr(supportdesk, "demo", raising=False)
    monkeypatch.setitem(sys.modules, "supportdesk.demo", None)

    assert prepare_demo(io.StringIO()) is None
    assert "the demo profile is not available" in capsys.readouterr().err


def test_the_welcome_gives_the_address_and_the_accounts():
    out = io.StringIO()
    print_welcome(bind="0.0.0.0:8123", accounts=[("admin", "root", "s3cret")], out=out)

    assert "Open:  http://127.0.0.1:8123/" in out.getvalue()
    assert "Admin: http://127.0.0.1:8123/admin/" in out.getvalue()
    assert "admin account:  root / s3cret" in out.getvalue()


@pytest.mark.parametrize(
    ("bind", "address", "url"),
    [
        ("127.0.0.1:8000", ("127.0.0.1", 8000), "http://127.0.0.1:8000/"),
        ("0.0.0.0:9000", ("0.0.0.0", 9000), "http://127.0.0.1:9000/"),  # noqa: S104
        ("[::1]:8001", ("::1", 8001), "http://[::1]:8001/"),
        ("localhost", ("localhost", 8000), "http://localhost:8000/"),
    ],
)
def test_bind_addresses_are_read_as_gunicorn_reads_them(bind, address, url):
    assert parse_bind(bind) == address
    assert site_root(*address) == url


def test_a_unix_socket_bind_has_no_url():
    assert parse_bind("unix:/run/supportdesk.sock") is None


# -- sla sweep --------------------------------------------------------------------------------


def missed_deadline(ticket: Ticket) -> Deadline:
    """A first-response clock whose warning and breach times passed without their checks."""
    breach = timezone.now() - timedelta(minutes=5)
    return Deadline.objects.create(
        ticket=ticket,
        metric=SlaTarget.Metric.FIRST_RESPONSE,
        started_at=breach - timedelta(hours=4),
        target_at=breach,
        breach_at=breach,
        warn_at=breach - timedelta(hours=1),
    )


def test_sla_sweep_with_nothing_missed_says_so_and_exits_0(capsys, db):
    code, out, err = run_cli(capsys, "sla", "sweep")

    assert code == 0, err
    assert out == "Looked at 0 deadlines due for a warning or an escalation.\n"


def test_sla_sweep_warns_and_escalates_a_missed_deadline_once(capsys, ticket):
    deadline = missed_deadline(ticket)

    code, out, _ = run_cli(capsys, "sla", "sweep")

    assert code == 0
    assert out.startswith("Looked at 1 deadline due")
    deadline.refresh_from_db()
    assert deadline.warned_at is not None
    assert deadline.breached_at is not None
    kinds = list(ticket.events.values_list("kind", flat=True))
    assert kinds.count(EventKind.SLA_WARNING) == 1
    assert kinds.count(EventKind.SLA_BREACHED) == 1
    assert run_cli(capsys, "sla", "sweep")[1].startswith("Looked at 0 deadlines")


def test_sla_sweep_batch_bounds_one_sweep(capsys, ticket):
    missed_deadline(ticket)
    missed_deadline(ticket)

    outputs = [run_cli(capsys, "sla", "sweep", "--batch", "1")[1] for _ in range(3)]

    assert [line.split()[2] for line in outputs] == ["1", "1", "0"]


@pytest.mark.parametrize("every", ["0", "-1", "soon", "nan"])
def test_sla_sweep_every_needs_a_positive_number_of_seconds(capsys, every):
    code, _, err = run_cli(capsys, "sla", "sweep", "--every", every)

    assert code == 2
    assert "--every" in err


def test_a_failed_run_of_the_loop_is_logged_and_the_next_run_happens(caplog):
    runs: list[int] = []

    def job() -> None:
        runs.append(len(runs) + 1)
        if len(runs) == 1:
            raise RuntimeError("the database went away")
        if len(runs) == 3:
            repeater.request_stop()

    repeater = Repeater(job, every=0.01, log=logging.getLogger("tests.repeater"))
    repeater.run()

    assert runs == [1, 2, 3]
    assert "run 1 failed; next try in 0.01 s" in caplog.text
    assert "the database went away" in caplog.text


def test_a_stop_request_ends_the_pause_between_runs_at_once():
    repeater = Repeater(lambda: None, every=60, log=logging.getLogger("tests.repeater"))
    timer = threading.Timer(0.2, repeater.request_stop)
    timer.start()
    started = time.monotonic()

    repeater.run()

    assert time.monotonic() - started < 5
    assert repeater.runs == 1


# -- configuration errors, as a user meets them -----------------------------------------------


def clean_env(tmp_path: Path, **overrides: str) -> dict[str, str]:
    """The test's environment without any supportdesk setting, on a fresh SQLite data dir.
    `supportdesk run` below always uses SQLite: it tests processes, not the database."""
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("SUPPORTDESK_", "DATABASE_", "DJANGO_"))
    }
    env["SUPPORTDESK_DATA_DIR"] = str(tmp_path / "data")
    env.update(overrides)
    return env


@pytest.mark.parametrize(
    ("variable", "value", "command"),
    [
        ("DATABASE_URL", "mysql://db.example/supportdesk", ["ticket", "list"]),
        ("DATABASE_URL", "not a url", ["run"]),
        ("SUPPORTDESK_WEB_WORKERS", "many", ["run"]),
        ("SUPPORTDESK_WEB_WORKERS", "0", ["web"]),
        ("SUPPORTDESK_WEB_ACCESS_LOG", "perhaps", ["web"]),
        ("SUPPORTDESK_WEB_TIMEOUT", "forever", ["web"]),
        ("SUPPORTDESK_DEBUG", "maybe", ["check"]),
    ],
)
def test_a_bad_setting_is_one_line_naming_the_variable_and_exit_2(
    tmp_path, variable, value, command
):
    result = subprocess.run(
        [str(SUPPORTDESK), *command],
        env=clean_env(tmp_path, **{variable: value}),
        capture_output=True,
        text=True,
        timeout=60,
    )

    assert result.returncode == 2
    assert result.stdout == ""
    assert result.stderr.startswith(f"supportdesk: configuration error: {variable}: ")
    assert result.stderr.count("\n") == 1


def test_an_unreachable_database_is_one_line_and_exit_2(tmp_path):
    with socket.socket() as closed:
        closed.bind(("127.0.0.1", 0))
        port = closed.getsockname()[1]
    result = subprocess.run(
        [str(SUPPORTDESK), "ticket", "list"],
        env=clean_env(tmp_path, DATABASE_URL=f"postgres://nobody@127.0.0.1:{port}/nothing"),
        capture_output=True,
        text=True,
        timeout=60,
    )

    assert result.returncode == 2
    assert result.stderr.startswith("supportdesk: cannot reach the database (PostgreSQL ")
    assert "DATABASE_URL" in result.stderr
    assert result.stderr.count("\n") == 1


# -- supportdesk run, end to end --------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def descendants(pid: int) -> set[int]:
    """Every process below `pid`, from /proc."""
    children: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        parent = int(stat.rsplit(")", 1)[1].split()[1])
        children.setdefault(parent, []).append(int(entry.name))
    found: set[int] = set()
    todo = [pid]
    while todo:
        for child in children.get(todo.pop(), []):
            found.add(child)
            todo.append(child)
    return found


def is_alive(pid: int) -> bool:
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False
    return stat.rsplit(")", 1)[1].split()[0] != "Z"


class Output:
    """Collects a process's output in a thread so that its pipe never fills."""

    def __init__(self, process: subprocess.Popen[str]) -> None:
        self.lines: list[str] = []
        assert process.stdout is not None
        self._stdout = process.stdout
        self._thread = threading.Thread(target=self._read, daemon=True)
        self._thread.start()

    def _read(self) -> None:
        for line in self._stdout:
            self.lines.append(line.rstrip("\n"))

    @property
    def text(self) -> str:
        return "\n".join(self.lines)

    def wait_for(self, pattern: str, timeout: float = 15) -> re.Match[str]:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            match = re.search(pattern, self.text)
            if match:
                return match
            time.sleep(0.05)
        raise AssertionError(f"{pattern!r} never appeared in:\n{self.text}")


def http_status(url: str) -> tuple[int, str]:
    try:
        with urllib.request.urlopen(url, timeout=2) as response:  # noqa: S310 - loopback only
            return response.status, response.read().decode()
    except urllib.error.HTTPError as exc:
        return exc.code, ""
    except OSError:
        return 0, ""


def wait_until(condition: Callable[[], bool], timeout: float = 15) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.1)
    return condition()


@pytest.mark.skipif(not Path("/proc").is_dir(), reason="reads the process tree from /proc")
def port_open(port: int) -> bool:
    with socket.socket() as probe:
        probe.settimeout(0.5)
        return probe.connect_ex(("127.0.0.1", port)) == 0


def test_run_serves_restarts_a_killed_worker_and_stops_cleanly_on_ctrl_c(tmp_path):
    port = free_port()
    root = f"http://127.0.0.1:{port}"
    smtp_port = free_port()
    process = subprocess.Popen(
        [str(SUPPORTDESK), "run", "--no-demo", "--bind", f"127.0.0.1:{port}"],
        env=clean_env(tmp_path, SUPPORTDESK_SMTP_BIND=f"127.0.0.1:{smtp_port}"),
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    output = Output(process)
    try:
        assert wait_until(lambda: http_status(f"{root}/healthz")[0] == 200), output.text
        status, page = http_status(f"{root}/admin/login/")
        assert status == 200
        assert "supportdesk administration" in page
        # The newcomer's run takes mail too.
        assert wait_until(lambda: port_open(smtp_port)), output.text
        with smtplib.SMTP("127.0.0.1", smtp_port, timeout=10) as smtp:
            refused = smtp.sendmail(
                "dev@customer.example",
                ["support@example.com"],
                b"From: dev@customer.example\r\nSubject: Crash\r\n\r\nIt crashes.\r\n",
            )
        assert refused == {}
        output.wait_for(re.escape(f"Open:  {root}/"))
        # ... and answers it: with no smarthost, into the outbox folder, with its links
        # pointing at the address being served.
        outbox = tmp_path / "data" / "outbox"
        assert wait_until(lambda: any(outbox.glob("*.eml")), 60), output.text
        [acknowledgement] = [
            email.message_from_bytes(path.read_bytes(), policy=email.policy.default)
            for path in outbox.glob("*.eml")
        ]
        assert acknowledgement["To"] == "dev@customer.example"
        assert f"Download and help: {root}/request-tool\r\n" in (
            acknowledgement.get_body().get_content()
        )

        scheduler = int(output.wait_for(r"started scheduler \(pid (\d+)\)").group(1))
        output.wait_for(r"scheduler +\| sweeping service-level deadlines every 60 s")
        worker = int(output.wait_for(r"started worker \(pid (\d+)\)").group(1))
        os.kill(worker, signal.SIGKILL)
        output.wait_for(rf"worker \(pid {worker}\) killed by SIGKILL unexpectedly; restarting")
        output.wait_for(r"started worker \(pid \d+\)(.|\n)*started worker \(pid \d+\)")
        restarted = int(re.findall(r"started worker \(pid (\d+)\)", output.text)[-1])
        assert restarted != worker
        assert is_alive(restarted)

        group = descendants(process.pid)
        assert {restarted, scheduler} <= group
        assert len(group) >= 5  # gunicorn master, its 2 workers, the task worker, the scheduler

        process.send_signal(signal.SIGINT)
        assert process.wait(timeout=20) == 0, output.text
        assert wait_until(lambda: not any(is_alive(pid) for pid in group), 5)
        assert http_status(f"{root}/healthz")[0] == 0
        assert "scheduler stopped (exited with code 0)" in output.text
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()


# -- sla sweep --every, end to end ------------------------------------------------------------


def start_sweeping(env: dict[str, str]) -> tuple[subprocess.Popen[str], Output]:
    process = subprocess.Popen(
        [str(SUPPORTDESK), "sla", "sweep", "--every", "0.2"],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    return process, Output(process)


def migrate(env: dict[str, str]) -> None:
    subprocess.run(
        [str(SUPPORTDESK), "migrate"], env=env, check=True, capture_output=True, timeout=120
    )


def test_sla_sweep_every_keeps_sweeping_until_sigterm_then_exits_0(tmp_path):
    env = clean_env(tmp_path, SUPPORTDESK_LOG_LEVEL="DEBUG")
    migrate(env)
    process, output = start_sweeping(env)
    try:
        assert wait_until(lambda: output.text.count("looked at 0 deadlines") >= 3), output.text
        assert process.poll() is None

        process.send_signal(signal.SIGTERM)

        assert process.wait(timeout=10) == 0, output.text
        output.wait_for("SIGTERM received: stopped", timeout=5)
        assert "failed" not in output.text
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()


def test_sla_sweep_every_outlives_a_database_error_and_retries_at_the_next_sweep(tmp_path):
    env = clean_env(tmp_path, SUPPORTDESK_LOG_LEVEL="DEBUG")
    process, output = start_sweeping(env)  # before `migrate`: every query fails
    try:
        assert wait_until(lambda: output.text.count("sweep failed: database error") >= 2), (
            output.text
        )
        assert "has `supportdesk migrate` run on this database?" in output.text
        assert process.poll() is None

        migrate(env)

        output.wait_for("looked at 0 deadlines")
        assert "Traceback" not in output.text
        process.send_signal(signal.SIGTERM)
        assert process.wait(timeout=10) == 0, output.text
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()


@pytest.fixture
def promised(customer, team, free_plan):  # type: ignore[no-untyped-def]
    """A ticket under a one-working-day promise, opened Monday 23 November 2026 09:00 Paris."""
    SlaTarget.objects.create(
        plan=free_plan,
        metric=SlaTarget.Metric.FIRST_RESPONSE,
        unit=SlaTarget.Unit.WORKING_DAYS,
        target=1,
        limit=2,
    )
    with time_machine.travel("2026-11-23T08:00:00Z", tick=False):
        return make_ticket(requester=customer, team=team)


def test_ticket_show_lists_each_service_level_with_its_state_and_what_remains(capsys, promised):
    with time_machine.travel("2026-11-23T10:00:00Z", tick=False):
        code, out, _ = run_cli(capsys, "ticket", "show", promised.reference)
    assert code == 0
    assert re.search(
        r"First response\s+running\s+due 2026-11-24 09:00, limit 2026-11-25 09:00, "
        r"in 22 h 00 min",
        out,
    )


def test_ticket_times_follow_the_time_zone_asked_for(capsys, promised):
    _, out, _ = run_cli(capsys, "ticket", "show", promised.reference, "--tz", "America/Montreal")
    assert "due 2026-11-24 03:00" in out
    _, listing, _ = run_cli(capsys, "ticket", "list", "--tz", "America/Montreal")
    assert "2026-11-24 03:00" in listing.splitlines()[1]


def test_an_unknown_time_zone_is_a_usage_error_naming_it(capsys, promised):
    code, _, err = run_cli(capsys, "ticket", "show", promised.reference, "--tz", "Mars/Olympus")
    assert code == 2
    assert "unknown time zone 'Mars/Olympus'" in err


def test_run_starts_as_many_task_workers_as_configured(settings):
    from supportdesk.cli.processes import process_specs

    settings.SUPPORTDESK = {**settings.SUPPORTDESK, "SMTP_BIND": None, "LMTP_BIND": None}
    specs = process_specs(bind="127.0.0.1:8000", workers=2, task_workers=3)
    assert [spec.name for spec in specs] == ["web", "worker", "worker-2", "worker-3", "scheduler"]
    assert all(spec.argv[-3:] == ["worker", "--queues", "*"] for spec in specs[1:4])
