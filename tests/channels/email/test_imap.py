"""The IMAP door against a real Dovecot (tests/channels/email/dovecot.py): in-process fetchers
for the rules, and `supportdesk mail fetch` as a real process for IDLE, signals, bad
passwords and SIGKILL at random moments."""

from __future__ import annotations

import os
import random
import signal
import sqlite3
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import pytest

from config.imap import ImapMailbox, parse_mailbox_url
from supportdesk.channels.email.intake import accept_message
from supportdesk.channels.email.models import InboundMail
from supportdesk.channels.email.processing import process_mail
from supportdesk.channels.email.receivers import imap
from supportdesk.channels.email.receivers.imap import (
    LoginRefused,
    MailboxError,
    MailboxFetcher,
    MailboxRefused,
    fetch_all_once,
)
from supportdesk.core.blobs import read_blob
from tests.channels.email.dovecot import (
    Dovecot,
    SlowMoveProxy,
    dovecot_missing,
    remove,
    start_dovecot,
)

pytestmark = pytest.mark.skipif(dovecot_missing() is not None, reason=str(dovecot_missing()))

SUPPORTDESK = Path(sys.executable).with_name("supportdesk")
SUPPORT = "support@example.com"
DIRECT = "direct@example.com"
DONE = "supportdesk-done"


def message(number: int, *, tag: str = "t", body: str = "The report editor crashes.") -> bytes:
    return (
        "From: Alice Martin <alice@customer.example>\r\n"
        "To: support@example.com\r\n"
        f"Message-ID: <{tag}-{number}@customer.example>\r\n"
        f"Subject: Crash number {number}\r\n"
        "Content-Type: text/plain; charset=utf-8\r\n"
        "\r\n"
        f"{body}\r\n"
    ).encode()


BROKEN = (
    b"From: Bob <bob@customer.example>\r\n"
    b"Message-ID: <broken@customer.example>\r\n"
    b"Subject: =?utf-8?B?not base64 at all!?=\r\n"
    b'Content-Type: multipart/mixed; boundary="never-closed"\r\n'
    b"Content-Transfer-Encoding: base64\r\n"
    b"\r\n"
    b"--never-closed\r\n"
    b"Content-Type: text/plain; charset=no-such-charset\r\n"
    b"Content-Transfer-Encoding: quoted-printable\r\n"
    b"\r\n"
    b"caf\xe9 =ZZ =\r\n"
    b"\xff\xfe half a line, no end"
)


@pytest.fixture
def dovecot() -> Iterator[Dovecot]:
    server = start_dovecot({SUPPORT: "correct horse", DIRECT: "battery staple"})
    yield server
    remove(server)


def mailbox_of(server: Dovecot, user: str = SUPPORT, options: str = "") -> ImapMailbox:
    return parse_mailbox_url("SUPPORTDESK_IMAP_MAILBOXES", server.url(user, options=options))


def bodies(state: list[tuple[bytes, set[str]]]) -> list[bytes]:
    return [raw for raw, _flags in state]


# -- fetching, in process ---------------------------------------------------------------------


def test_messages_become_inbound_mail_then_tickets_and_move_to_the_done_folder(
    db, dovecot, free_plan
):
    sent = [message(1), message(2), BROKEN]
    dovecot.append(sent)

    report = MailboxFetcher(mailbox_of(dovecot)).fetch_once()

    assert (report.stored, report.repeated, report.failed) == (3, 0, 0)
    mails = list(InboundMail.objects.order_by("id"))
    assert [read_blob(mail.raw) for mail in mails] == sent  # the exact bytes, in order
    assert {mail.source for mail in mails} == {"imap"}
    assert all(mail.envelope_to == [SUPPORT] for mail in mails)
    assert dovecot.folder_state("INBOX") == []
    assert bodies(dovecot.folder_state(DONE)) == sent

    outcomes = [process_mail(mail_id=mail.pk) for mail in mails]
    assert all(outcome.startswith("opened ") for outcome in outcomes[:2]), outcomes
    assert InboundMail.objects.filter(ticket__isnull=False).count() >= 2


def test_a_message_is_marked_only_after_its_row_is_committed(db, dovecot, monkeypatch):
    monkeypatch.setattr(imap, "MARK_BATCH", 2)  # marks after the 2nd and the 3rd
    sent = [message(1), message(2), message(3)]
    dovecot.append(sent)
    looks: list[tuple[bool, int]] = []

    def accept_and_look(raw: bytes, **kwargs: Any) -> tuple[InboundMail, bool]:
        in_inbox = raw in bodies(dovecot.folder_state("INBOX"))
        moved = bodies(dovecot.folder_state(DONE))
        # Whatever was moved already has its row.
        assert all(InboundMail.objects.filter(size=len(done)).exists() for done in moved)
        looks.append((in_inbox, len(moved)))
        return accept_message(raw, **kwargs)

    MailboxFetcher(mailbox_of(dovecot), accept=accept_and_look).fetch_once()

    assert looks == [(True, 0), (True, 0), (True, 2)]
    assert dovecot.folder_state("INBOX") == []
    assert bodies(dovecot.folder_state(DONE)) == sent


def test_the_committed_messages_are_marked_when_a_later_one_cannot_be_stored(db, dovecot):
    dovecot.append([message(1), message(2)])

    def second_fails(raw: bytes, **kwargs: Any) -> tuple[InboundMail, bool]:
        if raw == message(2):
            raise RuntimeError("disk full")
        return accept_message(raw, **kwargs)

    with pytest.raises(MailboxError, match="cannot store message UID 2: RuntimeError: disk full"):
        MailboxFetcher(mailbox_of(dovecot), accept=second_fails).fetch_once()

    assert bodies(dovecot.folder_state(DONE)) == [message(1)]
    assert dovecot.folder_state("INBOX") == [(message(2), set())]


def test_a_storage_failure_marks_nothing_and_names_the_mailbox(db, dovecot):
    dovecot.append([message(1)])

    def database_down(raw: bytes, **kwargs: Any) -> None:
        raise RuntimeError("database is down")

    with pytest.raises(MailboxError, match=r"mailbox support@example.com .*database is down"):
        MailboxFetcher(mailbox_of(dovecot), accept=database_down).fetch_once()

    assert dovecot.folder_state("INBOX") == [(message(1), set())]
    assert dovecot.folder_state(DONE) == []


def test_a_second_fetch_adds_nothing(db, dovecot):
    dovecot.append([message(1), message(2)])
    mailbox = mailbox_of(dovecot)
    MailboxFetcher(mailbox).fetch_once()

    again = MailboxFetcher(mailbox).fetch_once()

    assert (again.stored, again.repeated, again.failed) == (0, 0, 0)
    assert InboundMail.objects.count() == 2


def test_a_message_fetched_again_after_a_crash_before_its_mark_is_one_row(db, dovecot):
    # The state a kill between commit and mark leaves: a row here, no mark there.
    dovecot.append([message(1), message(2)])
    accept_message(message(1), source="imap", envelope_to=[SUPPORT])

    report = MailboxFetcher(mailbox_of(dovecot)).fetch_once()

    assert (report.stored, report.repeated) == (1, 1)
    assert InboundMail.objects.count() == 2
    assert len(dovecot.folder_state(DONE)) == 2


@pytest.mark.parametrize(
    ("option", "mark"),
    [("after=keyword:$SupportdeskDone", "$SupportdeskDone"), ("after=seen", "\\Seen")],
)
def test_a_keyword_or_seen_marks_messages_in_place(db, dovecot, option, mark):
    dovecot.append([message(1)])
    # A message a person already flagged stays flagged, and is fetched all the same.
    dovecot.append([message(2)])
    client = dovecot.client()
    client.select("INBOX")
    client.uid("STORE", "2", "+FLAGS", "(\\Flagged)")
    client.logout()
    mailbox = mailbox_of(dovecot, options=option)

    first = MailboxFetcher(mailbox).fetch_once()
    second = MailboxFetcher(mailbox).fetch_once()

    assert (first.stored, second.stored, second.repeated) == (2, 0, 0)
    state = dovecot.folder_state("INBOX")
    assert [raw for raw, flags in state if mark in flags] == [message(1), message(2)]
    assert "\\Flagged" in state[1][1]
    if mark != "\\Seen":
        assert all("\\Seen" not in flags for _raw, flags in state)


def test_a_message_the_server_cannot_read_does_not_stop_the_others(db, dovecot):
    dovecot.append([message(1), message(2), message(3)])
    # The file of message 2 by its contents: maildir names need not sort in delivery order.
    unreadable = next(
        path
        for path in (dovecot.root / "mail" / SUPPORT / "new").iterdir()
        if b"<t-2@customer.example>" in path.read_bytes()
    )
    unreadable.chmod(0)

    report = MailboxFetcher(mailbox_of(dovecot)).fetch_once()

    assert (report.stored, report.failed) == (2, 1)
    assert sorted(read_blob(mail.raw) for mail in InboundMail.objects.all()) == [
        message(1),
        message(3),
    ]
    for path in (dovecot.root / "mail" / SUPPORT).glob("*/*.vm*"):  # moved to cur/ meanwhile
        path.chmod(0o600)
    assert bodies(dovecot.folder_state("INBOX")) == [message(2)]  # left there, unmarked


def test_two_mailboxes_are_fetched_in_parallel(transactional_db, dovecot):
    dovecot.append([message(n, tag="support") for n in range(5)], user=SUPPORT)
    dovecot.append([message(n, tag="direct") for n in range(5)], user=DIRECT)
    started: list[str] = []
    both_started = threading.Barrier(2, timeout=20)
    # The test database of SQLite is in memory, where a second writer fails at once instead
    # of waiting: the commits take turns, the fetching does not.
    one_writer = threading.Lock()

    def accept_when_both_run(raw: bytes, **kwargs: Any) -> tuple[InboundMail, bool]:
        name = kwargs["envelope_to"][0]
        if name not in started:
            started.append(name)
            both_started.wait()  # fails unless the other mailbox is being fetched meanwhile
        with one_writer:
            return accept_message(raw, **kwargs)

    mailboxes = [mailbox_of(dovecot, SUPPORT), mailbox_of(dovecot, DIRECT)]
    original = MailboxFetcher.__init__

    def init(self: MailboxFetcher, mailbox: ImapMailbox, **kwargs: Any) -> None:
        original(self, mailbox, **kwargs, accept=accept_when_both_run)

    MailboxFetcher.__init__ = init  # type: ignore[method-assign]
    try:
        assert fetch_all_once(mailboxes, stop=threading.Event()) is True
    finally:
        MailboxFetcher.__init__ = original  # type: ignore[method-assign]

    assert sorted(started) == [DIRECT, SUPPORT]
    by_address = {
        address: InboundMail.objects.filter(envelope_to=[address]).count()
        for address in (SUPPORT, DIRECT)
    }
    assert by_address == {SUPPORT: 5, DIRECT: 5}


def test_a_wrong_password_is_refused_with_the_mailbox_named_and_the_password_hidden(db, dovecot):
    mailbox = parse_mailbox_url(
        "SUPPORTDESK_IMAP_MAILBOXES", dovecot.url(SUPPORT, password="wrong secret")
    )

    with pytest.raises(LoginRefused) as refused:
        MailboxFetcher(mailbox).fetch_once()

    text = str(refused.value)
    assert text.startswith("mailbox support@example.com (imap://support@example.com:***@")
    assert "login refused" in text
    assert "wrong secret" not in text


def test_a_folder_that_does_not_exist_is_refused_by_name(db, dovecot):
    mailbox = parse_mailbox_url(
        "SUPPORTDESK_IMAP_MAILBOXES", dovecot.url(SUPPORT, folder="Nowhere")
    )

    with pytest.raises(MailboxRefused, match=r"cannot open folder 'Nowhere'"):
        MailboxFetcher(mailbox).fetch_once()


def test_an_unreachable_server_is_a_mailbox_error_naming_it(db):
    port = start_and_stop_port()
    mailbox = parse_mailbox_url(
        "SUPPORTDESK_IMAP_MAILBOXES", f"imap://u:p@127.0.0.1:{port}/INBOX?tls=none&name=sales"
    )

    with pytest.raises(MailboxError, match=r"^mailbox sales \(imap://u:\*\*\*@.*cannot connect"):
        MailboxFetcher(mailbox).fetch_once()


def start_and_stop_port() -> int:
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def test_without_idle_the_fetcher_polls(transactional_db):
    server = start_dovecot({SUPPORT: "correct horse"}, idle=False)
    stop = threading.Event()
    fetcher = MailboxFetcher(mailbox_of(server), stop=stop, poll_seconds=0.2)
    thread = threading.Thread(target=fetcher.run)
    try:
        thread.start()
        time.sleep(0.5)
        server.append([message(1)])
        assert wait_until(lambda: InboundMail.objects.count() == 1, timeout=20)
    finally:
        stop.set()
        thread.join(20)
        remove(server)
    assert not thread.is_alive()


def test_imaps_with_a_trusted_certificate(db):
    server = start_dovecot({SUPPORT: "correct horse"}, tls=True)
    try:
        server.append([message(1)])
        trusted = parse_mailbox_url(
            "SUPPORTDESK_IMAP_MAILBOXES", server.url(options=f"cafile={server.cert}")
        )
        untrusted = parse_mailbox_url("SUPPORTDESK_IMAP_MAILBOXES", server.url())

        with pytest.raises(MailboxError, match="CERTIFICATE_VERIFY_FAILED"):
            MailboxFetcher(untrusted).fetch_once()
        assert MailboxFetcher(trusted).fetch_once().stored == 1
    finally:
        remove(server)
    assert trusted.shown.startswith("imaps://support@example.com:***@127.0.0.1:")


def test_starttls_on_plain_imap(db):
    server = start_dovecot({SUPPORT: "correct horse"}, tls=True)
    try:
        server.append([message(1)])
        url = (
            f"imap://support%40example.com:correct%20horse@127.0.0.1:{server.starttls_port}"
            f"/INBOX?cafile={server.cert}"
        )
        mailbox = parse_mailbox_url("SUPPORTDESK_IMAP_MAILBOXES", url)
        assert mailbox.security == "starttls"
        assert MailboxFetcher(mailbox).fetch_once().stored == 1
    finally:
        remove(server)


def test_a_big_message_arrives_whole(db, dovecot):
    attachment = os.urandom(6 * 1024 * 1024).hex().encode()  # 12 MB of text
    lines = b"\r\n".join(attachment[i : i + 76] for i in range(0, len(attachment), 76))
    big = message(1).replace(b"The report editor crashes.", lines)
    dovecot.append([big])

    MailboxFetcher(mailbox_of(dovecot)).fetch_once()

    assert read_blob(InboundMail.objects.get().raw) == big


def wait_until(condition: Callable[[], bool], timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.05)
    return condition()


# -- supportdesk run --------------------------------------------------------------------------


def test_supportdesk_run_starts_a_fetcher_only_when_mailboxes_are_configured(settings, dovecot):
    from supportdesk.cli.processes import process_specs

    settings.SUPPORTDESK = {**settings.SUPPORTDESK, "IMAP_MAILBOXES": []}
    assert "fetch" not in [spec.name for spec in process_specs(bind="127.0.0.1:8000", workers=1)]

    settings.SUPPORTDESK = {**settings.SUPPORTDESK, "IMAP_MAILBOXES": [mailbox_of(dovecot)]}
    specs = {spec.name: spec for spec in process_specs(bind="127.0.0.1:8000", workers=1)}
    assert list(specs["fetch"].argv[-2:]) == ["mail", "fetch"]


def test_mail_fetch_without_mailboxes_says_which_variable_to_set(settings, capsys):
    from supportdesk.cli import main

    settings.SUPPORTDESK = {**settings.SUPPORTDESK, "IMAP_MAILBOXES": []}

    assert main(["mail", "fetch", "--once"]) == 2
    assert capsys.readouterr().err.startswith(
        "supportdesk: configuration error: SUPPORTDESK_IMAP_MAILBOXES: no mailbox configured"
    )


# -- supportdesk mail fetch, as a process -----------------------------------------------------


@dataclass
class ProcessDatabase:
    """A database of its own for `supportdesk` processes (the test database of SQLite is in
    memory), migrated once per module and read with plain SQL."""

    url: str
    sqlite_path: Path | None = None

    def rows(self, sql: str) -> list[tuple[Any, ...]]:
        if self.sqlite_path is not None:
            with sqlite3.connect(self.sqlite_path, timeout=20) as connection:
                return list(connection.execute(sql))
        import psycopg

        with psycopg.connect(self.url, autocommit=True) as connection:
            return list(connection.execute(sql))  # type: ignore[arg-type]

    def message_ids(self, tag: str) -> list[str]:
        table = InboundMail._meta.db_table
        return [
            row[0]
            for row in self.rows(
                f"SELECT header_message_id FROM {table} "  # noqa: S608 - our own test tag
                f"WHERE header_message_id LIKE '{tag}-%'"
            )
        ]


def clean_env(data_dir: Path, database: ProcessDatabase, **overrides: str) -> dict[str, str]:
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("SUPPORTDESK_", "DATABASE_", "DJANGO_"))
    }
    env["SUPPORTDESK_DATA_DIR"] = str(data_dir)
    env["DATABASE_URL"] = database.url
    env.update(overrides)
    return env


@pytest.fixture(scope="module")
def process_database(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ProcessDatabase]:
    if dovecot_missing():
        pytest.skip(str(dovecot_missing()))
    data_dir = tmp_path_factory.mktemp("fetch-data")
    base = os.environ.get("DATABASE_URL", "")
    admin_url = None
    if base.startswith(("postgres://", "postgresql://")):
        import psycopg

        parts = urlsplit(base)
        name = f"{parts.path.lstrip('/') or 'supportdesk'}_fetch_{os.getpid()}"
        admin_url = urlunsplit(parts._replace(path="/postgres"))
        with psycopg.connect(admin_url, autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}"')  # type: ignore[arg-type]
            admin.execute(f'CREATE DATABASE "{name}"')  # type: ignore[arg-type]
        database = ProcessDatabase(url=urlunsplit(parts._replace(path=f"/{name}")))
    else:
        path = data_dir / "fetch.sqlite3"
        database = ProcessDatabase(url=f"sqlite:///{path}", sqlite_path=path)
    subprocess.run(
        [str(SUPPORTDESK), "migrate"],
        env=clean_env(data_dir, database),
        check=True,
        capture_output=True,
        timeout=300,
    )
    yield database
    if admin_url is not None:
        import psycopg

        with psycopg.connect(admin_url, autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')  # type: ignore[arg-type]


def fetch_process(env: dict[str, str], log_path: Path, *arguments: str) -> subprocess.Popen[bytes]:
    with log_path.open("ab") as log_file:
        return subprocess.Popen(
            [str(SUPPORTDESK), "mail", "fetch", *arguments],
            env=env,
            stdout=log_file,
            stderr=subprocess.STDOUT,
        )


def test_the_fetch_process_waits_in_idle_and_stops_on_sigterm(tmp_path, dovecot, process_database):
    tag = f"idle{uuid.uuid4().hex[:8]}"
    env = clean_env(
        tmp_path / "data", process_database, SUPPORTDESK_IMAP_MAILBOXES=dovecot.url(SUPPORT)
    )
    log_path = tmp_path / "fetch.log"
    process = fetch_process(env, log_path)
    try:
        assert wait_until(lambda: "connected (IDLE)" in log_path.read_text(), timeout=60), (
            log_path.read_text()
        )
        dovecot.append([message(1, tag=tag)])  # after the fetcher went idle
        assert wait_until(lambda: len(process_database.message_ids(tag)) == 1, timeout=20)
        assert wait_until(lambda: dovecot.folder_state("INBOX") == [], timeout=10)

        process.send_signal(signal.SIGTERM)
        assert process.wait(timeout=20) == 0
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
    output = log_path.read_text()
    assert "SIGTERM received: stopped" in output
    assert "correct horse" not in output


def test_fetch_once_with_a_wrong_password_exits_75_naming_the_mailbox(
    tmp_path, dovecot, process_database
):
    url = dovecot.url(SUPPORT, password="wrong secret", options="name=helpdesk")
    result = subprocess.run(
        [str(SUPPORTDESK), "mail", "fetch", "--once"],
        env=clean_env(tmp_path / "data", process_database, SUPPORTDESK_IMAP_MAILBOXES=url),
        capture_output=True,
        text=True,
        timeout=60,
    )

    assert result.returncode == 75
    assert "mailbox helpdesk (imap://support@example.com:***@127.0.0.1:" in result.stderr
    assert "login refused" in result.stderr
    assert "wrong secret" not in result.stderr + result.stdout


def test_a_wrong_password_is_not_retried_at_once(tmp_path, dovecot, process_database):
    url = dovecot.url(SUPPORT, password="wrong secret")
    log_path = tmp_path / "fetch.log"
    process = fetch_process(
        clean_env(tmp_path / "data", process_database, SUPPORTDESK_IMAP_MAILBOXES=url), log_path
    )
    try:
        assert wait_until(lambda: "retrying in 300 s" in log_path.read_text(), timeout=60)
        time.sleep(3)  # a crash loop would log in again meanwhile
        assert process.poll() is None
        process.send_signal(signal.SIGTERM)
        assert process.wait(timeout=20) == 0
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
    assert dovecot.log_text.count("(auth failed, ") == 1, dovecot.log_text  # one login, no loop


def test_fetch_once_with_mailbox_fetches_only_that_one(tmp_path, dovecot, process_database):
    tag = f"only{uuid.uuid4().hex[:8]}"
    dovecot.append([message(1, tag=f"{tag}-support")], user=SUPPORT)
    dovecot.append([message(1, tag=f"{tag}-direct")], user=DIRECT)
    env = clean_env(
        tmp_path / "data",
        process_database,
        SUPPORTDESK_IMAP_MAILBOXES=f"{dovecot.url(SUPPORT)}\n{dovecot.url(DIRECT)}",
    )

    result = subprocess.run(
        [str(SUPPORTDESK), "mail", "fetch", "--once", "--mailbox", DIRECT],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    unknown = subprocess.run(
        [str(SUPPORTDESK), "mail", "fetch", "--once", "--mailbox", "sales"],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )

    assert result.returncode == 0, result.stderr
    assert process_database.message_ids(f"{tag}-direct") == [f"{tag}-direct-1@customer.example"]
    assert process_database.message_ids(f"{tag}-support") == []
    assert unknown.returncode == 2
    assert unknown.stderr == (
        "supportdesk: no mailbox called 'sales' in SUPPORTDESK_IMAP_MAILBOXES "
        f"(there are: {SUPPORT}, {DIRECT})\n"
    )


def test_a_bad_setting_names_the_variable_and_exits_2(tmp_path, process_database):
    result = subprocess.run(
        [str(SUPPORTDESK), "mail", "fetch", "--once"],
        env=clean_env(
            tmp_path / "data",
            process_database,
            SUPPORTDESK_IMAP_MAILBOXES="imaps://user:hunter2@mail.example/INBOX?after=delete",
        ),
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 2
    assert result.stderr.startswith(
        "supportdesk: configuration error: SUPPORTDESK_IMAP_MAILBOXES: mailbox 1: after:"
    )
    assert "hunter2" not in result.stderr


def test_sigkill_at_random_moments_loses_nothing_and_duplicates_nothing(
    tmp_path, dovecot, process_database, request
):
    tag = f"kill{uuid.uuid4().hex[:8]}"
    sent = [message(n, tag=tag) for n in range(160)]
    dovecot.append(sent)
    proxy = SlowMoveProxy(dovecot.port)
    request.addfinalizer(proxy.close)
    url = dovecot.url(SUPPORT).replace(f":{dovecot.port}/", f":{proxy.port}/")
    env = clean_env(tmp_path / "data", process_database, SUPPORTDESK_IMAP_MAILBOXES=url)
    log_path = tmp_path / "fetch.log"
    chance = random.Random(os.environ.get("PYTEST_SEED", tag))
    killed_midway = between_commit_and_mark = 0

    for _cycle in range(20):
        before = len(process_database.message_ids(tag))
        process = fetch_process(env, log_path)
        # Kill it a random moment after it starts storing: between fetch, commit and move.
        wait_until(
            lambda before=before, process=process: (
                len(process_database.message_ids(tag)) > before
                or before == len(sent)
                or process.poll() is not None
            ),
            timeout=60,
        )
        # Soon after: a fetcher stores hundreds of mails a second, so a longer wait would let
        # it finish the mailbox, and no kill would land midway.
        time.sleep(chance.uniform(0, 0.05))
        process.send_signal(signal.SIGKILL)
        process.wait()
        stored = len(process_database.message_ids(tag))
        if 0 < stored < len(sent):
            killed_midway += 1
        # Committed here, not yet moved there: the next run must fetch it without a copy.
        between_commit_and_mark += stored - dovecot.count(DONE)

    result = subprocess.run(
        [str(SUPPORTDESK), "mail", "fetch", "--once"],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr

    stored = process_database.message_ids(tag)
    assert len(stored) == len(sent)  # one row each: nothing duplicated...
    assert sorted(stored) == sorted(f"{tag}-{n}@customer.example" for n in range(len(sent)))
    assert dovecot.folder_state("INBOX") == []  # ...and all of them marked
    assert sorted(bodies(dovecot.folder_state(DONE))) == sorted(sent)
    assert killed_midway >= 2, "the kills never landed while mail was being fetched"
    assert between_commit_and_mark >= 1, "no kill landed between a commit and its mark"


def test_imap_module_names_no_password_in_its_repr(dovecot):
    mailbox = mailbox_of(dovecot)
    assert "correct horse" not in repr(mailbox)
    assert imap.MailboxFetcher(mailbox)._label().count("***") == 1
