"""A worker that processes mail bombs stays under a memory cap.

Each bomb is accepted and processed in a subprocess whose address space is capped with
RLIMIT_AS, as a container or systemd's MemoryMax would cap a worker: the subprocess must
finish every bomb (quarantined or processed) without MemoryError. Zip files are never
expanded: a zip bomb is a file like any other."""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
import zipfile
from email.message import EmailMessage
from pathlib import Path

import pytest

MEMORY_CAP = 1024 * 1024 * 1024  # 1 GiB of address space for the whole worker
MAX_MESSAGE = 40 * 1024 * 1024  # the default SUPPORTDESK_MAIL_MAX_BYTES

WORKER = """
import json, os, resource, sys
cap = int(os.environ["BOMB_MEMORY_CAP"])
resource.setrlimit(resource.RLIMIT_AS, (cap, cap))
import django
django.setup()
from django.core.management import call_command
call_command("migrate", verbosity=0)
from tests.factories import PlanFactory
PlanFactory(code="free")
from supportdesk.channels.email.intake import accept_message
from supportdesk.channels.email.models import InboundMail
from supportdesk.channels.email.processing import process_mail
for path in sys.argv[1:]:
    with open(path, "rb") as handle:
        mail, _ = accept_message(handle.read(), source="smtp",
            envelope_from="dev@customer.example", envelope_to=["support@example.com"])
    try:
        outcome = process_mail(mail_id=mail.pk)
    except MemoryError:
        outcome = "MemoryError"
    mail.refresh_from_db()
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
    print(json.dumps({"bomb": os.path.basename(path), "status": mail.status,
                      "outcome": outcome[:200], "peak": peak}), flush=True)
"""


def _mail(subject: str) -> EmailMessage:
    mail = EmailMessage()
    mail["From"] = "Dev Eloper <dev@customer.example>"
    mail["To"] = "support@example.com"
    mail["Subject"] = subject
    mail["Message-ID"] = f"<bomb-{subject.replace(' ', '-')}@customer.example>"
    return mail


def huge_base64_part() -> bytes:
    """A message at the size limit: one base64 part of 30 MB."""
    mail = _mail("huge base64 part")
    mail.set_content("The disk image is attached.")
    size = MAX_MESSAGE * 73 // 100  # base64 and its line breaks add 37 %
    mail.add_attachment(os.urandom(size), maintype="application", subtype="octet-stream",
                        filename="disk.img")  # fmt: skip
    return mail.as_bytes()


def many_parts() -> bytes:
    boundary = b"many"
    part = b"--many\r\nContent-Type: text/plain\r\n\r\nx\r\n"
    head = b"From: dev@customer.example\r\nSubject: many parts\r\nContent-Type: multipart/mixed; "
    return head + b'boundary="' + boundary + b'"\r\n\r\n' + part * 200_000 + b"--many--\r\n"


def deep_nesting() -> bytes:
    depth = 100_000
    head = b"From: dev@customer.example\r\nSubject: deep nesting\r\n"
    opening = b"".join(
        b'Content-Type: multipart/mixed; boundary="b%d"\r\n\r\n--b%d\r\n' % (level, level)
        for level in range(depth)
    )
    return head + opening + b"Content-Type: text/plain\r\n\r\ncore\r\n"


def ten_megabyte_line() -> bytes:
    head = b"From: dev@customer.example\r\nSubject: one line\r\nContent-Type: text/plain\r\n\r\n"
    return head + b"A" * 10_000_000 + b"\r\n"


def huge_headers() -> bytes:
    """A 1 MB Subject and 20 MB of other header lines."""
    junk = b"".join(b"X-Junk-%d: %s\r\n" % (number, b"j" * 990) for number in range(20_000))
    return (
        b"From: dev@customer.example\r\nSubject: " + b"s " * 500_000 + b"\r\n" + junk
        + b"Content-Type: text/plain\r\n\r\nbody\r\n"
    )  # fmt: skip


def zip_bomb() -> bytes:
    """A gigabyte of zeros in a one-megabyte zip."""
    buffer = io.BytesIO()
    with (
        zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as archive,
        archive.open("zeros.bin", "w", force_zip64=True) as member,
    ):
        for _ in range(1024):
            member.write(bytes(1024 * 1024))
    mail = _mail("zip bomb")
    mail.set_content("Please unpack this.")
    mail.add_attachment(buffer.getvalue(), maintype="application", subtype="zip",
                        filename="bomb.zip")  # fmt: skip
    return mail.as_bytes()


BOMBS = {
    bomb.__name__: bomb
    for bomb in (
        huge_base64_part, many_parts, deep_nesting, ten_megabyte_line, huge_headers, zip_bomb
    )
}  # fmt: skip
EXPECTED_STATUS = {
    "huge_base64_part": "processed",  # the 30 MB file removed by the 9 MB rule
    "many_parts": "quarantined",
    "deep_nesting": "quarantined",
    "ten_megabyte_line": "processed",
    "huge_headers": "processed",
    "zip_bomb": "processed",  # kept as the 1 MB file it is
}


@pytest.mark.skipif(sys.platform != "linux", reason="RLIMIT_AS semantics are Linux's")
def test_a_worker_processes_mail_bombs_under_a_memory_cap(tmp_path: Path) -> None:
    paths = []
    for name, build in BOMBS.items():
        raw = build()
        assert len(raw) <= MAX_MESSAGE, name  # each could pass the SMTP door
        path = tmp_path / name
        path.write_bytes(raw)
        paths.append(str(path))
    environment = {
        **os.environ,
        "BOMB_MEMORY_CAP": str(MEMORY_CAP),
        "DJANGO_SETTINGS_MODULE": "config.settings",
        "SUPPORTDESK_DATA_DIR": str(tmp_path / "data"),
        "DATABASE_URL": f"sqlite:///{tmp_path / 'worker.sqlite3'}",
    }
    result = subprocess.run(
        [sys.executable, "-c", WORKER, *paths],
        env=environment,
        cwd=Path(__file__).resolve().parents[3],
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    reports = [json.loads(line) for line in result.stdout.splitlines()]
    assert {report["bomb"]: report["status"] for report in reports} == EXPECTED_STATUS, reports
    for report in reports:
        assert "MemoryError" not in report["outcome"], report
    print(json.dumps(reports, indent=1))
