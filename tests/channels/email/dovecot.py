"""A real Dovecot IMAP server for the tests: Debian's `dovecot-imapd`, run unprivileged on a
free loopback port with its own configuration, passwd-file users and maildirs in a temporary
directory, and its log in a file (no syslog).

Dovecot refuses to give mail access as root, so when the tests run as root its mail processes
run as the `dovecot` user and the directory is made theirs; otherwise everything runs as the
current user.
"""

from __future__ import annotations

import contextlib
import grp
import imaplib
import os
import pwd
import select
import shutil
import socket
import ssl
import subprocess
import tempfile
import threading
import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from tests.channels.email.certificates import make_self_signed_certificate

DOVECOT = shutil.which("dovecot") or "/usr/sbin/dovecot"
PASSWORD = "correct horse"


def dovecot_missing() -> str | None:
    """Why the real server cannot run here, or None."""
    if not Path(DOVECOT).exists():
        return "dovecot is not installed (apt-get install dovecot-imapd; .ci/run does it)"
    return None


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@dataclass
class Dovecot:
    root: Path
    port: int
    users: dict[str, str]
    tls: bool = False
    process: subprocess.Popen[bytes] | None = None
    cert: Path | None = field(default=None)
    starttls_port: int | None = None

    @property
    def log_text(self) -> str:
        path = self.root / "dovecot.log"
        return path.read_text(errors="replace") if path.exists() else ""

    def url(
        self,
        user: str = "support@example.com",
        *,
        password: str | None = None,
        folder: str = "INBOX",
        options: str = "",
    ) -> str:
        """A mailbox URL for SUPPORTDESK_IMAP_MAILBOXES, plain IMAP on loopback."""
        from urllib.parse import quote

        secret = quote(password if password is not None else self.users[user], safe="")
        query = "tls=none" + (f"&{options}" if options else "")
        if self.tls:
            return f"imaps://{quote(user, safe='')}:{secret}@127.0.0.1:{self.port}/{folder}" + (
                f"?{options}" if options else ""
            )
        return f"imap://{quote(user, safe='')}:{secret}@127.0.0.1:{self.port}/{folder}?{query}"

    # -- the server's side of a mailbox, seen by a plain IMAP client --------------------------

    def client(self, user: str = "support@example.com") -> imaplib.IMAP4:
        if self.tls:
            context = ssl._create_unverified_context()  # noqa: S323 - our self-signed test cert
            client: imaplib.IMAP4 = imaplib.IMAP4_SSL(
                "127.0.0.1", self.port, ssl_context=context, timeout=20
            )
        else:
            client = imaplib.IMAP4("127.0.0.1", self.port, timeout=20)
        client.login(user, self.users[user])
        return client

    def append(
        self, messages: Iterable[bytes], *, user: str = "support@example.com", folder: str = "INBOX"
    ) -> None:
        client = self.client(user)
        try:
            for raw in messages:
                typ, data = client.append(folder, None, None, raw)
                assert typ == "OK", data
        finally:
            client.logout()

    def count(self, folder: str = "INBOX", *, user: str = "support@example.com") -> int:
        client = self.client(user)
        try:
            typ, data = client.select(f'"{folder}"', readonly=True)
            return int(data[0]) if typ == "OK" and data and data[0] else 0
        finally:
            client.logout()

    def folder_state(
        self, folder: str = "INBOX", *, user: str = "support@example.com"
    ) -> list[tuple[bytes, set[str]]]:
        """Every message of `folder`: its bytes and its flags."""
        client = self.client(user)
        try:
            typ, data = client.select(f'"{folder}"', readonly=True)
            if typ != "OK":
                return []
            typ, data = client.uid("SEARCH", "ALL")
            uids = data[0].split() if data and data[0] else []
            state = []
            for uid in uids:
                typ, fetched = client.uid("FETCH", uid, "(FLAGS BODY.PEEK[])")
                assert typ == "OK", fetched
                head, body = next(item for item in fetched if isinstance(item, tuple))
                flags = set(imaplib.ParseFlags(head))
                state.append((bytes(body), {flag.decode() for flag in flags}))
            return state
        finally:
            client.logout()

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


def start_dovecot(
    users: dict[str, str] | None = None, *, tls: bool = False, idle: bool = True
) -> Dovecot:
    """Start a Dovecot on a free loopback port; the caller stops it and removes its root."""
    users = users or {"support@example.com": PASSWORD}
    # Not under pytest's tmp_path: its parents are private to the user running the tests,
    # and Dovecot's mail processes may run as another user.
    root = Path(tempfile.mkdtemp(prefix="supportdesk-dovecot-"))
    root.chmod(0o755)
    mail = root / "mail"
    mail.mkdir()
    if os.geteuid() == 0:
        mail_user = pwd.getpwnam("dovecot")
        mail_uid, mail_gid = mail_user.pw_uid, mail_user.pw_gid
        login_user, internal_user = "dovenull", "dovecot"
        os.chown(mail, mail_uid, mail_gid)
    else:
        mail_uid, mail_gid = os.getuid(), os.getgid()
        me = pwd.getpwuid(mail_uid).pw_name
        login_user = internal_user = me
    passwd = root / "passwd"
    passwd.write_text(
        "".join(f"{user}:{{PLAIN}}{secret}::::::\n" for user, secret in users.items())
    )
    passwd.chmod(0o644)

    cert_lines = ""
    cert = None
    if tls:
        cert, key = make_self_signed_certificate(root)
        key.chmod(0o644)
        cert_lines = f"ssl = required\nssl_cert = <{cert}\nssl_key = <{key}\n"
    else:
        cert_lines = "ssl = no\n"
    port = free_port()
    # With TLS, plain IMAP on a second port offers STARTTLS (and no login before it).
    starttls_port = free_port() if tls else None
    listener = (
        f"  inet_listener imap {{\n    address = 127.0.0.1\n    port = {starttls_port}\n  }}\n"
        f"  inet_listener imaps {{\n    address = 127.0.0.1\n"
        f"    port = {port}\n    ssl = yes\n  }}\n"
        if tls
        else f"  inet_listener imap {{\n    address = 127.0.0.1\n    port = {port}\n  }}\n"
        f"  inet_listener imaps {{\n    port = 0\n  }}\n"
    )
    group = grp.getgrgid(mail_gid).gr_name
    config = f"""\
base_dir = {root}/run
state_dir = {root}/state
log_path = {root}/dovecot.log
protocols = imap
listen = 127.0.0.1
{cert_lines}disable_plaintext_auth = no
auth_mechanisms = plain login
auth_failure_delay = 0
default_login_user = {login_user}
default_internal_user = {internal_user}
first_valid_uid = 1
mail_location = maildir:{mail}/%u
protocol imap {{
  mail_max_userip_connections = 200
  {"" if idle else "imap_capability = IMAP4rev1 LITERAL+ UIDPLUS MOVE"}
}}
passdb {{
  driver = passwd-file
  args = scheme=PLAIN username_format=%u {passwd}
}}
userdb {{
  driver = static
  args = uid={mail_uid} gid={group} home={mail}/%u
}}
service imap-login {{
{listener}  chroot =
}}
service anvil {{
  chroot =
}}
"""
    (root / "dovecot.conf").write_text(config)
    server = Dovecot(
        root=root, port=port, users=dict(users), tls=tls, cert=cert, starttls_port=starttls_port
    )
    server.process = subprocess.Popen(
        [DOVECOT, "-F", "-c", str(root / "dovecot.conf")],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        if server.process.poll() is not None:
            output = server.process.stdout.read().decode(errors="replace")  # type: ignore[union-attr]
            raise RuntimeError(f"dovecot did not start: {output}{server.log_text}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.2):
                return server
        except OSError:
            time.sleep(0.05)
    server.stop()
    raise RuntimeError(f"dovecot does not listen on {port}: {server.log_text}")


def remove(server: Dovecot) -> None:
    server.stop()
    shutil.rmtree(server.root, ignore_errors=True)


class SlowMoveProxy:
    """A TCP relay in front of the server that holds each client command containing `word`
    (MOVE, by default) for `delay` seconds: it widens the moment between a commit here and
    the mark there, so that a kill lands in it."""

    def __init__(self, port: int, *, delay: float = 0.1, word: bytes = b" MOVE ") -> None:
        self.upstream = port
        self.delay = delay
        self.word = word
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.port = int(self.listener.getsockname()[1])
        self.closed = False
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self) -> None:
        while not self.closed:
            try:
                client, _ = self.listener.accept()
            except OSError:
                return
            try:
                server = socket.create_connection(("127.0.0.1", self.upstream), timeout=10)
            except OSError:
                client.close()
                continue
            server.settimeout(None)
            threading.Thread(target=self._pump, args=(client, server, True), daemon=True).start()
            threading.Thread(target=self._pump, args=(server, client, False), daemon=True).start()

    def _pump(self, source: socket.socket, target: socket.socket, slow: bool) -> None:
        try:
            while chunk := source.recv(65536):
                if slow and self.word in chunk:
                    # Held back; dropped if the client dies meanwhile (as a command not yet
                    # sent would be), so the server never sees it.
                    readable, _, _ = select.select([source], [], [], self.delay)
                    if readable and not source.recv(1, socket.MSG_PEEK):
                        return
                target.sendall(chunk)
        except OSError:
            pass
        finally:
            for end in (source, target):
                with contextlib.suppress(OSError):
                    end.shutdown(socket.SHUT_RDWR)
                end.close()

    def close(self) -> None:
        self.closed = True
        self.listener.close()
