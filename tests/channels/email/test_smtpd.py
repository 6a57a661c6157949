"""The SMTP and LMTP door, through real conversations: smtplib against the listener running
in a thread of the test process, and `supportdesk smtpd` as a real process."""

from __future__ import annotations

import asyncio
import json
import logging
import os
import signal
import smtplib
import socket
import ssl
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from django.db import OperationalError
from django_tasks_db.models import DBTaskResult

from supportdesk.channels.email.intake import Incoming, accept_messages
from supportdesk.channels.email.models import InboundMail
from supportdesk.channels.email.receivers import smtpd
from supportdesk.channels.email.receivers.smtpd import (
    ListenerConfig,
    MailListener,
    tls_context,
)
from supportdesk.core.blobs import read_blob
from tests.channels.email.certificates import make_self_signed_certificate

SUPPORTDESK = Path(sys.executable).with_name("supportdesk")
SERVED = ("support@example.com", "direct@example.com")
MAX_BYTES = 20_000
PER_CLIENT = 3


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def message(message_id: str = "<m1@customer.example>", body: str = "It crashes.") -> bytes:
    return (
        "From: Alice <alice@customer.example>\r\n"
        "To: support@example.com\r\n"
        f"Message-ID: {message_id}\r\n"
        "Subject: WINDEV crashes on start\r\n"
        "Content-Type: text/plain; charset=utf-8\r\n"
        "\r\n"
        f"{body}\r\n"
    ).encode()


def start_listener(protocol: str, **config: object) -> MailListener:
    settings: dict[str, object] = {
        "addresses": SERVED,
        "max_bytes": MAX_BYTES,
        "max_connections_per_client": PER_CLIENT,
    }
    settings.update(config)
    listener = MailListener(
        protocol=protocol,
        host="127.0.0.1",
        port=free_port(),
        config=ListenerConfig(**settings),  # type: ignore[arg-type]
    )
    listener.start()
    return listener


def stop_listener(listener: MailListener) -> None:
    listener.stop()
    # Closes the database connection each intake thread opened, before the test database
    # is flushed or dropped.
    listener.mail_handler.committer.close()


@pytest.fixture(autouse=True)
def _quiet_aiosmtpd() -> Iterator[None]:
    # aiosmtpd logs every command at INFO from the listener's thread, sometimes after the
    # test's output capture has closed; `supportdesk smtpd` quiets it the same way.
    logger = logging.getLogger("mail.log")
    level = logger.level
    logger.setLevel(logging.WARNING)
    yield
    logger.setLevel(level)


@pytest.fixture
def server(transactional_db: None) -> Iterator[MailListener]:
    listener = start_listener("smtp")
    yield listener
    stop_listener(listener)


@pytest.fixture
def lmtp_server(transactional_db: None) -> Iterator[MailListener]:
    listener = start_listener("lmtp")
    yield listener
    stop_listener(listener)


def connect(listener: MailListener) -> smtplib.SMTP:
    return smtplib.SMTP(listener.hostname, listener.port, timeout=10)


def mail_tasks() -> list[DBTaskResult]:  # type: ignore[type-arg]
    return list(DBTaskResult.objects.filter(task_path__endswith="process_inbound_mail"))


# -- accepted ---------------------------------------------------------------------------------


def test_250_only_after_the_exact_bytes_and_their_task_are_committed(server):
    raw = message()
    with connect(server) as client:
        client.ehlo("mta.customer.example")
        client.mail("bounce@customer.example")
        client.rcpt("Support@Example.com")
        code, reply = client.data(raw)

    assert code == 250
    mail = InboundMail.objects.get()
    assert reply.decode() == f"2.0.0 Accepted as {mail.pk}"
    assert read_blob(mail.raw) == raw
    assert mail.source == "smtp"
    assert mail.status == "received"
    assert mail.envelope_from == "bounce@customer.example"
    assert mail.envelope_to == ["Support@Example.com"]
    assert mail.size == len(raw)
    assert mail.header_message_id == "m1@customer.example"
    # The client as the door saw it: the local SPF check (SUPPORTDESK_MAIL_VERIFY) needs both.
    assert mail.client_address == "127.0.0.1"
    assert mail.client_helo == "mta.customer.example"
    [task] = mail_tasks()
    assert task.args_kwargs["kwargs"] == {"mail_id": mail.pk}
    assert task.queue_name == "mail"


def test_the_same_message_twice_is_one_row_and_both_get_250(server):
    replies = []
    for _ in range(2):
        with connect(server) as client:
            client.ehlo()
            client.mail("alice@customer.example")
            client.rcpt("support@example.com")
            replies.append(client.data(message()))

    mail = InboundMail.objects.get()
    assert replies == [(250, f"2.0.0 Accepted as {mail.pk}".encode())] * 2
    assert len(mail_tasks()) == 1


def test_several_messages_in_one_session(server):
    with connect(server) as client:
        for number in range(3):
            client.sendmail(
                "alice@customer.example", ["support@example.com"], message(f"<{number}@x>")
            )

    assert InboundMail.objects.count() == 3
    assert len(mail_tasks()) == 3


# -- refused before the body ------------------------------------------------------------------


def test_an_unknown_recipient_is_refused_with_550_before_the_body(server):
    with connect(server) as client:
        client.ehlo()
        client.mail("alice@customer.example")
        code, reply = client.rcpt("sales@example.com")
        assert (code, reply) == (550, b"5.1.1 <sales@example.com>: no such mailbox here")
    with connect(server) as client, pytest.raises(smtplib.SMTPRecipientsRefused) as refused:
        client.sendmail("alice@customer.example", ["nobody@example.com"], message())

    assert refused.value.recipients["nobody@example.com"][0] == 550
    assert not InboundMail.objects.exists()


def test_a_mail_for_one_served_and_one_unknown_recipient_is_accepted_for_the_served_one(server):
    with connect(server) as client:
        refused = client.sendmail(
            "alice@customer.example", ["direct@example.com", "nobody@example.com"], message()
        )

    assert refused == {
        "nobody@example.com": (550, b"5.1.1 <nobody@example.com>: no such mailbox here")
    }
    assert InboundMail.objects.get().envelope_to == ["direct@example.com"]


def test_a_declared_size_over_the_limit_is_refused_with_552_before_the_body(server):
    with connect(server) as client:
        client.ehlo()
        assert client.has_extn("size")
        assert int(client.esmtp_features["size"]) == MAX_BYTES
        with pytest.raises(smtplib.SMTPSenderRefused) as refused:
            client.sendmail("a@customer.example", ["support@example.com"], b"x" * (MAX_BYTES + 1))

    assert refused.value.smtp_code == 552
    assert not InboundMail.objects.exists()


def test_a_body_over_the_limit_without_a_declared_size_gets_552(server):
    with connect(server) as client:
        client.ehlo()
        client.mail("alice@customer.example")  # no SIZE= parameter
        client.rcpt("support@example.com")
        code, _ = client.data(message(body=("y" * 70 + "\r\n") * (MAX_BYTES // 70)))

    assert code == 552
    assert not InboundMail.objects.exists()


def test_a_line_longer_than_rfc_5321_allows_is_still_accepted(server):
    raw = message(body="<p>" + "z" * 5000 + "</p>")
    with connect(server) as client:
        assert client.sendmail("alice@customer.example", ["support@example.com"], raw) == {}

    assert read_blob(InboundMail.objects.get().raw) == raw


# -- failures are temporary -------------------------------------------------------------------


def test_a_database_failure_is_answered_451_never_5xx(server, monkeypatch):
    def database_down(*args: object, **kwargs: object) -> None:
        raise OperationalError("connection to server at 127.0.0.1 failed: Connection refused")

    monkeypatch.setattr(smtpd, "accept_messages", database_down)
    with connect(server) as client:
        client.ehlo()
        client.mail("alice@customer.example")
        client.rcpt("support@example.com")
        code, reply = client.data(message())

        assert (code, reply) == (451, b"4.3.0 Temporary failure, try again later")
        # The session goes on, and the retry is stored once the database is back.
        monkeypatch.setattr(smtpd, "accept_messages", accept_messages)
        assert client.sendmail("alice@customer.example", ["support@example.com"], message()) == {}

    assert InboundMail.objects.count() == 1


def test_an_exception_in_any_command_is_answered_451_not_aiosmtpd_500(server, monkeypatch):
    async def broken(*args: object) -> str:
        raise RuntimeError("a bug")

    monkeypatch.setattr(server.mail_handler, "handle_RCPT", broken)
    with connect(server) as client:
        client.ehlo()
        client.mail("alice@customer.example")
        code, _ = client.rcpt("support@example.com")

    assert code == 451


def test_connections_per_client_are_bounded_with_421(server):
    clients = [connect(server) for _ in range(PER_CLIENT)]
    try:
        with pytest.raises(smtplib.SMTPConnectError) as refused:
            connect(server)
        assert refused.value.smtp_code == 421

        clients.pop().quit()
        with connect(server) as client:  # a slot is free again
            assert client.noop()[0] == 250
    finally:
        for client in clients:
            client.quit()


# -- LMTP -------------------------------------------------------------------------------------


def test_lmtp_conversation_stores_the_mail(lmtp_server):
    raw = message()
    with smtplib.LMTP(lmtp_server.hostname, lmtp_server.port, timeout=10) as client:
        assert client.sendmail("alice@customer.example", ["support@example.com"], raw) == {}

    mail = InboundMail.objects.get()
    assert mail.source == "lmtp"
    assert read_blob(mail.raw) == raw
    assert len(mail_tasks()) == 1


def test_lmtp_answers_data_once_per_recipient(lmtp_server):
    with smtplib.LMTP(lmtp_server.hostname, lmtp_server.port, timeout=10) as client:
        client.ehlo_or_helo_if_needed()
        client.mail("alice@customer.example")
        client.rcpt("support@example.com")
        client.rcpt("direct@example.com")
        first = client.data(message())
        second = client.getreply()
        assert client.noop()[0] == 250  # the conversation is still in step

    mail = InboundMail.objects.get()
    assert first == second == (250, f"2.0.0 Accepted as {mail.pk}".encode())


def test_lmtp_refuses_an_unknown_recipient(lmtp_server):
    with (
        smtplib.LMTP(lmtp_server.hostname, lmtp_server.port, timeout=10) as client,
        pytest.raises(smtplib.SMTPRecipientsRefused),
    ):
        client.sendmail("alice@customer.example", ["nobody@example.com"], message())


# -- STARTTLS ---------------------------------------------------------------------------------


@pytest.fixture
def certificate(tmp_path: Path) -> tuple[Path, Path]:
    try:
        cert, key = make_self_signed_certificate(tmp_path)
    except (OSError, subprocess.CalledProcessError):
        pytest.skip("openssl is needed to make a test certificate")
    return cert, key


def test_starttls_is_offered_when_a_certificate_is_configured(transactional_db, certificate):
    listener = start_listener("smtp", tls_context=tls_context(*certificate))
    try:
        with connect(listener) as client:
            client.ehlo()
            assert client.has_extn("starttls")
            client.starttls(context=ssl._create_unverified_context())  # noqa: S323 - self-signed
            client.ehlo()
            assert (
                client.sendmail("alice@customer.example", ["support@example.com"], message()) == {}
            )
    finally:
        stop_listener(listener)

    assert InboundMail.objects.count() == 1


def test_a_missing_certificate_names_the_variable(tmp_path):
    with pytest.raises(smtpd.TLSSetupError, match=r"^SUPPORTDESK_MAIL_TLS_CERT: no such file"):
        tls_context(tmp_path / "missing.pem", tmp_path / "key.pem")


# -- supportdesk smtpd, as a process ----------------------------------------------------------


def clean_env(tmp_path: Path, **overrides: str) -> dict[str, str]:
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("SUPPORTDESK_", "DATABASE_", "DJANGO_"))
    }
    env["SUPPORTDESK_DATA_DIR"] = str(tmp_path / "data")
    env.update(overrides)
    return env


def wait_for_port(port: int, process: subprocess.Popen[str], timeout: float = 20) -> None:
    import time

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise AssertionError(f"smtpd exited with {process.returncode}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.2):
                return
        except OSError:
            time.sleep(0.05)
    raise AssertionError(f"nothing listens on {port}")


def test_supportdesk_smtpd_accepts_mail_and_stops_cleanly_on_sigterm(tmp_path):
    port = free_port()
    env = clean_env(tmp_path, SUPPORTDESK_SMTP_BIND=f"127.0.0.1:{port}")
    subprocess.run(
        [str(SUPPORTDESK), "migrate"], env=env, check=True, capture_output=True, timeout=120
    )
    process = subprocess.Popen(
        [str(SUPPORTDESK), "smtpd"],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        wait_for_port(port, process)
        with smtplib.SMTP("127.0.0.1", port, timeout=10) as client:
            client.ehlo()
            client.mail("alice@customer.example")
            client.rcpt("support@example.com")
            code, reply = client.data(message())
        assert code == 250
        assert reply.startswith(b"2.0.0 Accepted as ")

        process.send_signal(signal.SIGTERM)
        output, _ = process.communicate(timeout=20)
        assert process.returncode == 0, output
        assert "SIGTERM received: stopped" in output
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()

    status = subprocess.run(
        [str(SUPPORTDESK), "mail", "status", "--json"],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert '"received": 1' in status.stdout


def test_supportdesk_smtpd_on_a_busy_port_is_one_line_and_exit_2(tmp_path):
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        result = subprocess.run(
            [str(SUPPORTDESK), "smtpd", "--bind", f"127.0.0.1:{port}"],
            env=clean_env(tmp_path),
            capture_output=True,
            text=True,
            timeout=60,
        )

    assert result.returncode == 2
    assert result.stderr.startswith(f"supportdesk: cannot listen on 127.0.0.1:{port} (SMTP): ")


# -- group commit -----------------------------------------------------------------------------


def test_a_failure_in_a_group_commit_answers_451_to_every_mail_of_the_batch_and_stores_none(
    transactional_db, monkeypatch
):
    def poisoned(items: list[Incoming]) -> object:
        # A NULL source breaks a NOT NULL column: the database refuses this mail.
        return accept_messages(
            [
                Incoming(i.raw, None, i.envelope_from, i.envelope_to) if b"poison" in i.raw else i  # type: ignore[arg-type]
                for i in items
            ]
        )

    monkeypatch.setattr(smtpd, "accept_messages", poisoned)
    committer = smtpd.GroupCommitter(start=False)
    listener = MailListener(
        protocol="smtp",
        host="127.0.0.1",
        port=free_port(),
        config=ListenerConfig(addresses=SERVED, max_bytes=MAX_BYTES, max_connections_per_client=9),
        handler=smtpd.MailHandler(addresses=SERVED, source="smtp", committer=committer),
    )
    listener.start()
    bodies = ["one", "two", "poison", "four"]
    replies: dict[str, tuple[int, bytes]] = {}

    def send(body: str) -> None:
        with connect(listener) as client:
            client.ehlo()
            client.mail("alice@customer.example")
            client.rcpt("support@example.com")
            replies[body] = client.data(message(f"<{body}@customer.example>", body))

    senders = [threading.Thread(target=send, args=(body,)) for body in bodies]
    try:
        for sender in senders:
            sender.start()
        # All four wait for the committer, which has not started: one batch.
        deadline = time.monotonic() + 10
        while committer._waiting.qsize() < len(bodies) and time.monotonic() < deadline:
            time.sleep(0.01)
        assert committer._waiting.qsize() == len(bodies)
        committer.start()
        for sender in senders:
            sender.join(10)
    finally:
        listener.stop()
        committer.close()

    assert {body: code for body, (code, _text) in replies.items()} == dict.fromkeys(bodies, 451)
    assert InboundMail.objects.count() == 0
    assert mail_tasks() == []


# -- several processes on one port ------------------------------------------------------------


def child_pids(pid: int) -> list[int]:
    try:
        return [int(p) for p in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()]
    except OSError:
        return []


def serving_process(pids: list[int], client: socket.socket) -> int:
    """Which of `pids` holds the server side of this client's connection (/proc)."""
    client_port = client.getsockname()[1]
    server_port = client.getpeername()[1]
    inode = None
    for line in Path("/proc/net/tcp").read_text().splitlines()[1:]:
        fields = line.split()
        local_port = int(fields[1].split(":")[1], 16)
        remote_port = int(fields[2].split(":")[1], 16)
        established = fields[3] == "01"
        if (local_port, remote_port) == (server_port, client_port) and established:
            inode = fields[9]
    assert inode is not None
    for pid in pids:
        for fd in Path(f"/proc/{pid}/fd").iterdir():
            try:
                if os.readlink(fd) == f"socket:[{inode}]":
                    return pid
            except OSError:
                continue
    raise AssertionError(f"no process of {pids} holds the connection from port {client_port}")


def wait_for_children(pid: int, count: int, timeout: float = 20) -> list[int]:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        children = child_pids(pid)
        if len(children) == count:
            return children
        time.sleep(0.05)
    raise AssertionError(f"expected {count} smtpd processes, found {child_pids(pid)}")


def test_several_processes_share_the_port_and_a_killed_one_is_replaced(tmp_path):
    port = free_port()
    env = clean_env(
        tmp_path,
        SUPPORTDESK_SMTP_BIND=f"127.0.0.1:{port}",
        SUPPORTDESK_MAIL_MAX_CONNECTIONS_PER_CLIENT="100",
    )
    subprocess.run(
        [str(SUPPORTDESK), "migrate"], env=env, check=True, capture_output=True, timeout=120
    )
    process = subprocess.Popen(
        [str(SUPPORTDESK), "smtpd", "--processes", "2"],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        wait_for_port(port, process)
        children = wait_for_children(process.pid, 2)
        # The kernel spreads connections over both (by a hash of the addresses): with 24
        # connections, one process missing all of them has a chance of 2 in 16 million.
        clients = [smtplib.SMTP("127.0.0.1", port, timeout=10) for _ in range(24)]
        try:
            by_process: dict[int, smtplib.SMTP] = {}
            for client in clients:
                by_process.setdefault(serving_process(children, client.sock), client)
            assert sorted(by_process) == sorted(children)
            for n, client in enumerate(by_process.values()):
                assert (
                    client.sendmail(
                        "alice@customer.example",
                        ["support@example.com"],
                        message(f"<p{n}@c.example>"),
                    )
                    == {}
                )
        finally:
            for client in clients:
                client.close()

        os.kill(children[0], signal.SIGKILL)
        # (A connection the kernel had queued for it when it died is reset, unanswered:
        # its sender retries. Once it is gone, every connection reaches the other one.)
        deadline = time.monotonic() + 10
        while children[0] in child_pids(process.pid) and time.monotonic() < deadline:
            time.sleep(0.01)
        for n in range(6):
            with smtplib.SMTP("127.0.0.1", port, timeout=10) as client:
                assert (
                    client.sendmail(
                        "alice@customer.example",
                        ["support@example.com"],
                        message(f"<k{n}@c.example>"),
                    )
                    == {}
                )
        replaced = wait_for_children(process.pid, 2)
        assert children[0] not in replaced and children[1] in replaced

        process.send_signal(signal.SIGTERM)
        output, _ = process.communicate(timeout=30)
        assert process.returncode == 0, output
        assert f"smtpd process {children[0]} killed by SIGKILL: starting another" in output
        assert "SIGTERM received: stopped" in output
        for pid in replaced:
            assert (
                not Path(f"/proc/{pid}").exists()
                or "Z" in Path(f"/proc/{pid}/stat").read_text().split()[2]
            )
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()

    status = subprocess.run(
        [str(SUPPORTDESK), "mail", "status", "--json"],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert json.loads(status.stdout)["received"] == 8


# -- the DATA body, read in large pieces ------------------------------------------------------


def read_body(
    stream: bytes, *, max_bytes: int = 1000, longest_line: int = 100, limit: int = 64
) -> tuple[bytes, str, bytes]:
    """read_data on `stream` (a reader with a small buffer limit, so bodies span several
    pieces); the body, the error, and what is left for the next command."""

    async def run() -> tuple[bytes, str, bytes]:
        reader = asyncio.StreamReader(limit=limit)
        reader.feed_data(stream)
        reader.feed_eof()
        body, problem = await smtpd.read_data(reader, max_bytes, longest_line)
        return body, problem, await reader.read()

    return asyncio.run(run())


@pytest.mark.parametrize(
    ("stream", "body"),
    [
        (b".\r\n", b""),
        (b"one line\r\n.\r\n", b"one line\r\n"),
        (b"ends with a dot.\r\nnext.\r\n.\r\n", b"ends with a dot.\r\nnext.\r\n"),
        (b"..stuffed first\r\n..\r\n...three\r\n.\r\n", b".stuffed first\r\n.\r\n..three\r\n"),
        (b"a bare\n.\r\nLF is no line break\r\n.\r\n", b"a bare\n.\r\nLF is no line break\r\n"),
        ((b"x" * 70 + b"\r\n") * 9 + b".\r\n", (b"x" * 70 + b"\r\n") * 9),
    ],
)
def test_the_data_body_ends_at_a_lone_dot_and_is_unstuffed(stream, body):
    assert read_body(stream + b"QUIT\r\n") == (body, "", b"QUIT\r\n")


def test_a_body_over_the_size_limit_is_read_to_its_end_and_refused_with_552():
    stream = (b"y" * 50 + b".\r\n") * 40 + b".\r\nQUIT\r\n"

    assert read_body(stream) == (b"", "552 Error: Too much mail data", b"QUIT\r\n")


def test_a_line_over_the_line_limit_is_refused_with_500():
    stream = b"short\r\n" + b"z" * 101 + b"\r\n.\r\nQUIT\r\n"

    body, problem, rest = read_body(stream, longest_line=100)

    assert (body, problem[:4], rest) == (b"", "500 ", b"QUIT\r\n")
    assert read_body(b"z" * 100 + b"\r\n.\r\n", longest_line=100)[1] == ""
