"""Faults, with real processes on a database of their own: the database going away under
`supportdesk smtpd`; the smtpd and the worker killed with SIGKILL while a client sends mail;
a sender killed in the middle of an SMTP conversation with the smarthost.

On PostgreSQL the database is stopped for real: the outage test starts a private cluster
(initdb and pg_ctl as the postgres user, on a free port) and stops it with `pg_ctl stop`.
The other tests use a database created on the server of DATABASE_URL and dropped after.
On SQLite the database file is moved away while the smtpd runs (each mail opens the file
anew, and finds no tables), then put back.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import random
import shutil
import signal
import smtplib
import socket
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import pytest
from aiosmtpd.controller import Controller

SUPPORTDESK = Path(sys.executable).with_name("supportdesk")
SERVER_URL = os.environ.get("DATABASE_URL", "")
ON_POSTGRES = SERVER_URL.startswith(("postgres://", "postgresql://"))

pytestmark = pytest.mark.filterwarnings("ignore::pytest.PytestUnhandledThreadExceptionWarning")


@pytest.fixture(autouse=True)
def _quiet_aiosmtpd() -> Iterator[None]:
    # The test's smarthost (aiosmtpd) logs every command at INFO.
    logger = logging.getLogger("mail.log")
    level = logger.level
    logger.setLevel(logging.WARNING)
    yield
    logger.setLevel(level)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def mail(message_id: str, sender: str = "alice@customer.example") -> bytes:
    return (
        f"From: Alice <{sender}>\r\n"
        "To: support@example.com\r\n"
        f"Message-ID: <{message_id}>\r\n"
        f"Subject: The report editor crashes ({message_id})\r\n"
        "Content-Type: text/plain; charset=utf-8\r\n"
        "\r\n"
        "Since the update the report editor closes without a message.\r\n"
    ).encode()


class MailSystem:
    """A data dir and a database of their own, and the supportdesk processes on them."""

    def __init__(self, data_dir: Path, database_url: str = "", **settings: str) -> None:
        self.data_dir = data_dir
        self.database_url = database_url
        self.smtp_port = free_port()
        self.env = {
            k: v
            for k, v in os.environ.items()
            if not k.startswith(("SUPPORTDESK_", "DATABASE_", "DJANGO_"))
        }
        self.env.update(
            SUPPORTDESK_DATA_DIR=str(data_dir),
            SUPPORTDESK_SMTP_BIND=f"127.0.0.1:{self.smtp_port}",
            SUPPORTDESK_LOG_LEVEL="WARNING",
            **settings,
        )
        if database_url:
            self.env["DATABASE_URL"] = database_url
        self.processes: list[subprocess.Popen[bytes]] = []

    @property
    def sqlite_path(self) -> Path:
        return self.data_dir / "supportdesk.sqlite3"

    def command(self, *args: str, stdin: bytes | None = None) -> str:
        result = subprocess.run(
            [str(SUPPORTDESK), *args],
            env=self.env,
            input=stdin,
            capture_output=True,
            timeout=120,
        )
        assert result.returncode == 0, result.stderr.decode(errors="replace")
        return result.stdout.decode()

    def start(self, *args: str) -> subprocess.Popen[bytes]:
        log = open(self.data_dir / f"{args[0]}.log", "ab")  # noqa: SIM115 - the process owns it
        process = subprocess.Popen(
            [str(SUPPORTDESK), *args], env=self.env, stdout=log, stderr=subprocess.STDOUT
        )
        log.close()
        self.processes.append(process)
        return process

    def wait_for_smtp(self, process: subprocess.Popen[bytes], timeout: float = 30) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if process.poll() is not None:
                raise AssertionError(f"smtpd exited with {process.returncode}: {self.logs()}")
            try:
                with socket.create_connection(("127.0.0.1", self.smtp_port), timeout=0.2):
                    return
            except OSError:
                time.sleep(0.02)
        raise AssertionError(f"nothing listens on {self.smtp_port}")

    def query(self, sql: str, params: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
        if self.database_url:
            import psycopg

            with psycopg.connect(self.database_url, autocommit=True) as connection:
                return connection.execute(sql.replace("?", "%s"), params).fetchall()
        with sqlite3.connect(self.sqlite_path, timeout=30) as connection:
            return connection.execute(sql, params).fetchall()

    def logs(self) -> str:
        return "\n".join(
            f"--- {path.name}\n{path.read_text(errors='replace')[-3000:]}"
            for path in sorted(self.data_dir.glob("*.log"))
        )

    def stop_all(self) -> None:
        for process in self.processes:
            if process.poll() is None:
                process.kill()
            process.wait()
        self.processes.clear()


def create_database(server_url: str) -> tuple[str, str]:
    """A new database on the server of `server_url`: (its URL, its name)."""
    import psycopg

    name = f"sd_faults_{uuid.uuid4().hex[:10]}"
    parts = urlsplit(server_url)
    admin_url = urlunsplit(parts._replace(path="/postgres"))
    with psycopg.connect(admin_url, autocommit=True) as connection:
        connection.execute(f'CREATE DATABASE "{name}"')
    return urlunsplit(parts._replace(path=f"/{name}")), admin_url


def drop_database(admin_url: str, name: str) -> None:
    import psycopg

    with psycopg.connect(admin_url, autocommit=True) as connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture
def system_factory(tmp_path: Path) -> Iterator[Any]:
    """Makes migrated MailSystems: on a new database of the PostgreSQL server when the suite
    runs on PostgreSQL, on a SQLite file in the data dir otherwise."""
    made: list[MailSystem] = []
    dropped: list[tuple[str, str]] = []

    def make(database_url: str | None = None, **settings: str) -> MailSystem:
        if database_url is None and ON_POSTGRES:
            database_url, admin_url = create_database(SERVER_URL)
            dropped.append((admin_url, urlsplit(database_url).path.lstrip("/")))
        system = MailSystem(tmp_path / f"data{len(made)}", database_url or "", **settings)
        made.append(system)
        system.command("migrate")
        return system

    yield make
    for system in made:
        system.stop_all()
    for admin_url, name in dropped:
        drop_database(admin_url, name)


# -- one SMTP exchange, every answer kept -----------------------------------------------------


def send_mail(port: int, raw: bytes, *, timeout: float = 15) -> list[int]:
    """The reply codes of one delivery on a new connection, in order (connect, EHLO, MAIL,
    RCPT, DATA); raises OSError or SMTPException when the conversation breaks."""
    codes: list[int] = []
    client = smtplib.SMTP(timeout=timeout)
    try:
        code, _ = client.connect("127.0.0.1", port)
        codes.append(code)
        for step in (
            lambda: client.ehlo("mta.customer.example"),
            lambda: client.mail("alice@customer.example"),
            lambda: client.rcpt("support@example.com"),
            lambda: client.data(raw),
        ):
            code, _ = step()
            codes.append(code)
            if code >= 400:
                break
    finally:
        try:
            client.quit()
        except (OSError, smtplib.SMTPException):
            client.close()
    return codes


# -- the database goes away -------------------------------------------------------------------


class PrivatePostgres:
    """A PostgreSQL cluster of this test's own, run as the postgres user, so that stopping
    it stops nothing else."""

    def __init__(self) -> None:
        self.root = Path(tempfile.mkdtemp(prefix="sd-faults-pg-"))
        shutil.chown(self.root, "postgres")
        self.data = self.root / "data"
        self.port = free_port()
        self.url = f"postgres://postgres@127.0.0.1:{self.port}/postgres"
        self._as_postgres("initdb", "-D", str(self.data), "-A", "trust", "-U", "postgres")

    def _as_postgres(self, *argv: str) -> None:
        subprocess.run(
            ["runuser", "-u", "postgres", "--", *argv],
            check=True,
            capture_output=True,
            timeout=60,
            cwd=self.root,
        )

    def start(self) -> None:
        options = f"-p {self.port} -k {self.root} -c listen_addresses=127.0.0.1 -c fsync=off"
        self._as_postgres(
            "pg_ctl", "-D", str(self.data), "-o", options, "-l", str(self.root / "log"), "-w",
            "start",
        )  # fmt: skip

    def stop(self) -> None:
        self._as_postgres("pg_ctl", "-D", str(self.data), "-m", "fast", "-w", "stop")

    def remove(self) -> None:
        with contextlib.suppress(subprocess.CalledProcessError):  # already stopped
            self.stop()
        shutil.rmtree(self.root, ignore_errors=True)


@pytest.fixture
def outage_database() -> Iterator[PrivatePostgres | None]:
    if not ON_POSTGRES:
        yield None
        return
    if shutil.which("initdb") is None or shutil.which("runuser") is None:
        pytest.fail("the outage test on PostgreSQL needs initdb, pg_ctl and runuser")
    cluster = PrivatePostgres()
    cluster.start()
    yield cluster
    cluster.remove()


class SqliteOutage:
    """Moves the database file away (and its WAL): the next connection finds an empty
    database, with no tables; `end` puts the real one back."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.aside = path.parent / "moved-away"

    def begin(self) -> None:
        self.aside.mkdir()
        for name in (self.path.name, f"{self.path.name}-wal", f"{self.path.name}-shm"):
            if (self.path.parent / name).exists():
                os.replace(self.path.parent / name, self.aside / name)

    def end(self) -> None:
        for name in (self.path.name, f"{self.path.name}-wal", f"{self.path.name}-shm"):
            (self.path.parent / name).unlink(missing_ok=True)  # the empty one made meanwhile
            if (self.aside / name).exists():
                os.replace(self.aside / name, self.path.parent / name)
        self.aside.rmdir()


def test_with_the_database_down_every_answer_is_4xx_and_intake_resumes_within_5_s(
    system_factory, outage_database, record_property
):
    system = system_factory(database_url=outage_database.url if outage_database else None)
    smtpd = system.start("smtpd")
    system.wait_for_smtp(smtpd)
    assert send_mail(system.smtp_port, mail("before@customer.example"))[-1] == 250

    if outage_database is not None:
        outage_database.stop()
    else:
        sqlite_outage = SqliteOutage(system.sqlite_path)
        sqlite_outage.begin()
    during = [f"during-{n}@customer.example" for n in range(6)]
    answers = [send_mail(system.smtp_port, mail(message_id)) for message_id in during]
    # The same in one session, several mails: aiosmtpd must not fall back to 500 either.
    with smtplib.SMTP("127.0.0.1", system.smtp_port, timeout=15) as client:
        client.ehlo("mta.customer.example")
        for message_id in during[:3]:
            session = [client.mail("alice@customer.example")[0]]
            session.append(client.rcpt("support@example.com")[0])
            session.append(client.data(mail(message_id))[0])
            answers.append(session)

    codes = [code for exchange in answers for code in exchange]
    assert all(code < 500 for code in codes), answers
    assert [exchange[-1] for exchange in answers] == [451] * len(answers), answers

    if outage_database is not None:
        outage_database.start()
    else:
        sqlite_outage.end()
    back = time.monotonic()
    while send_mail(system.smtp_port, mail(during[0]))[-1] != 250:
        assert time.monotonic() - back < 30, system.logs()
        time.sleep(0.05)
    resumed_after = time.monotonic() - back
    record_property("intake_resumed_after_seconds", round(resumed_after, 3))
    print(f"intake resumed {resumed_after:.3f} s after the database came back")
    assert resumed_after <= 5

    # The senders retry: every mail is stored once, none lost.
    for message_id in during[1:]:
        assert send_mail(system.smtp_port, mail(message_id))[-1] == 250
    stored = Counter(
        row[0] for row in system.query("SELECT header_message_id FROM email_channel_inboundmail")
    )
    assert stored == Counter(["before@customer.example", *during])


# -- SIGKILL, again and again -----------------------------------------------------------------

KILL_CYCLES = 50


class ResendingClient(threading.Thread):
    """Sends distinct mails one after the other; a mail that does not get its 250 (an
    answer of 4xx, a broken connection, nobody listening) is sent again until it does."""

    def __init__(self, port: int) -> None:
        super().__init__(daemon=True)
        self.port = port
        self.acknowledged: list[str] = []
        self.attempts = 0
        self.failures: Counter[str] = Counter()
        self.unexpected: list[str] = []
        self.stopping = threading.Event()

    def run(self) -> None:
        number = 0
        while not self.stopping.is_set():
            number += 1
            message_id = f"kill-{number}@customer.example"
            raw = mail(message_id, sender=f"user{number % 7}@customer.example")
            while True:
                self.attempts += 1
                try:
                    codes = send_mail(self.port, raw, timeout=10)
                except (OSError, smtplib.SMTPException) as exc:
                    self.failures[type(exc).__name__] += 1
                else:
                    if codes[-1] == 250:
                        self.acknowledged.append(message_id)
                        break
                    if any(code >= 500 for code in codes):
                        self.unexpected.append(f"{message_id}: {codes}")
                    self.failures[str(codes[-1])] += 1
                time.sleep(0.02)


def test_sigkill_of_the_smtpd_and_the_worker_loses_and_duplicates_nothing(
    system_factory, record_property
):
    system = system_factory(
        SUPPORTDESK_MAIL_DELIVERY="file",
        SUPPORTDESK_MAIL_STALLED_AFTER_SECONDS="1",
    )
    smtpd = system.start("smtpd")
    worker = system.start("worker", "--interval", "0.1")
    system.wait_for_smtp(smtpd)
    client = ResendingClient(system.smtp_port)
    client.start()
    chance = random.Random(os.environ.get("FAULTS_SEED", "sigkill"))
    started = time.monotonic()
    kills = Counter[str]()
    for _cycle in range(KILL_CYCLES):
        time.sleep(chance.uniform(0.02, 0.3))
        # The worker restarts in the background; a killed smtpd is waited for (1-2 s of
        # Django start-up), so it is a victim in 2 cycles out of 5, to keep the run time down.
        victims = chance.choice(
            [("smtpd",), ("worker",), ("worker",), ("worker",), ("smtpd", "worker")]
        )
        for name in victims:
            process = smtpd if name == "smtpd" else worker
            process.send_signal(signal.SIGKILL)
            process.wait()
            kills[name] += 1
        if "worker" in victims:
            worker = system.start("worker", "--interval", "0.1")
        if "smtpd" in victims:
            smtpd = system.start("smtpd")
            system.wait_for_smtp(smtpd)
    client.stopping.set()
    client.join(timeout=60)
    assert not client.is_alive()
    assert not client.unexpected, client.unexpected

    # Drain: mail whose worker was killed mid-task is enqueued again by the sweep.
    deadline = time.monotonic() + 90
    while system.query("SELECT count(*) FROM email_channel_inboundmail WHERE status = 'received'")[
        0
    ][0]:
        assert time.monotonic() < deadline, system.logs()
        time.sleep(1.2)
        system.command("sla", "sweep")
    took = time.monotonic() - started

    acknowledged = client.acknowledged
    assert len(acknowledged) >= KILL_CYCLES // 5, (len(acknowledged), client.failures)
    rows = system.query(
        "SELECT header_message_id, status, ticket_message_id FROM email_channel_inboundmail"
    )
    per_id = Counter(row[0] for row in rows)
    for message_id in acknowledged:
        assert per_id[message_id] == 1, message_id
    assert all(count == 1 for count in per_id.values())
    assert {row[1] for row in rows} == {"processed"}, system.query(
        "SELECT id, status, error FROM email_channel_inboundmail WHERE status <> 'processed'"
    )
    message_ids = [row[2] for row in rows]
    assert None not in message_ids
    assert len(set(message_ids)) == len(rows)
    # Each stored mail is one ticket message, and there is no other customer message.
    inbound_messages = system.query("SELECT id FROM tickets_message WHERE kind = 'inbound'")
    assert sorted(row[0] for row in inbound_messages) == sorted(message_ids)

    record_property("kill_cycles", KILL_CYCLES)
    record_property("acknowledged", len(acknowledged))
    print(
        f"{KILL_CYCLES} kill cycles ({dict(kills)}) in {took:.1f} s: {len(acknowledged)} mails "
        f"acknowledged, {client.attempts} attempts, failures {dict(client.failures)}"
    )


# -- a sender killed mid-send -----------------------------------------------------------------


class HoldingSmarthost:
    """A smarthost that counts what it accepts, by Message-ID. It can hold its answer to
    the first DATA (a kill then lands before the 250: the mail is not accepted) or its
    answer to the first QUIT after an accepted mail (a kill lands after the 250)."""

    def __init__(self) -> None:
        self.accepted: Counter[str] = Counter()
        self.hold_data = True
        self.hold_quit = False
        self.holding = threading.Event()
        self.release = threading.Event()
        self.data_attempts: Counter[str] = Counter()

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        message_id = _message_id(envelope.content)
        self.data_attempts[message_id] += 1
        if self.hold_data:
            self.hold_data = False
            self.holding.set()
            await asyncio.to_thread(self.release.wait, 30)
            transport = server.transport
            if transport is None or transport.is_closing():
                return "451 4.4.2 Sender went away"  # nobody hears it: the mail is not ours
        self.accepted[message_id] += 1
        return "250 2.0.0 Ok: queued"

    async def handle_QUIT(self, server: Any, session: Any, envelope: Any) -> str:
        if self.hold_quit:
            self.hold_quit = False
            self.holding.set()
            await asyncio.to_thread(self.release.wait, 30)
        return "221 Bye"


def _message_id(raw: bytes) -> str:
    for line in raw.split(b"\r\n"):
        if line.lower().startswith(b"message-id:"):
            return line.split(b":", 1)[1].strip().decode()
        if not line:
            break
    return ""


def test_a_sender_killed_mid_send_delivers_each_outbox_row_once(system_factory):
    smarthost = HoldingSmarthost()
    relay_port = free_port()
    controller = Controller(smarthost, hostname="127.0.0.1", port=relay_port)
    controller.start()
    try:
        system = system_factory(
            SUPPORTDESK_SMTP_RELAY=f"127.0.0.1:{relay_port}",
            SUPPORTDESK_MAIL_SENDING_LEASE_SECONDS="2",
            SUPPORTDESK_MAIL_STALLED_AFTER_SECONDS="1",
        )
        # Three new requests from three senders: three acknowledgements in the outbox.
        for number in range(3):
            system.command(
                "mail",
                "ingest",
                "--from",
                f"user{number}@customer.example",
                "--to",
                "support@example.com",
                stdin=mail(f"request-{number}@customer.example", f"user{number}@customer.example"),
            )
        worker = system.start("worker", "--interval", "0.1")
        # Killed while the smarthost holds its answer to DATA: before the 250.
        assert smarthost.holding.wait(60), system.logs()
        worker.send_signal(signal.SIGKILL)
        worker.wait()
        smarthost.holding.clear()
        smarthost.hold_quit = True
        smarthost.release.set()
        time.sleep(0.2)
        smarthost.release.clear()
        worker = system.start("worker", "--interval", "0.1")
        sweeper = system.start("sla", "sweep", "--every", "0.5")
        # Killed while the smarthost holds its answer to QUIT: after the 250.
        assert smarthost.holding.wait(60), system.logs()
        worker.send_signal(signal.SIGKILL)
        worker.wait()
        smarthost.release.set()
        worker = system.start("worker", "--interval", "0.1")

        deadline = time.monotonic() + 60
        while system.query(
            "SELECT count(*) FROM email_channel_outboundmail WHERE status <> 'sent'"
        )[0][0]:
            assert time.monotonic() < deadline, system.logs()
            time.sleep(0.3)
        sweeper.send_signal(signal.SIGTERM)
        sweeper.wait(timeout=30)
        time.sleep(1)  # a late duplicate, if any, would arrive now

        rows = system.query("SELECT message_id, attempts FROM email_channel_outboundmail")
        assert len(rows) == 3
        assert smarthost.accepted == Counter({f"<{message_id}>": 1 for message_id, _ in rows})
        # The row whose send was cut before the 250 went out again, with its Message-ID.
        assert sorted(attempts for _, attempts in rows) == [1, 1, 2]
        assert sorted(smarthost.data_attempts.values()) == [1, 1, 2]
    finally:
        controller.stop()
