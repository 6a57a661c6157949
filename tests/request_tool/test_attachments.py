"""Attachments against the size limit (the server's defaults when it cannot be asked): a file
over it is refused with what to do, or compressed on request."""

from __future__ import annotations

import json
import zipfile
from email import message_from_bytes
from email.policy import default as default_policy
from io import BytesIO
from pathlib import Path

from tests.request_tool.conftest import ToolHome, bug_flags

NINE_MB = 9 * 1000 * 1000


def test_a_file_over_the_limit_is_refused_naming_the_file_its_size_and_the_limit(
    tool: ToolHome, tmp_path: Path
) -> None:
    tool.configure(email="dev@customer.example", support_address="support@vendor.example")
    dump = tmp_path / "memory.dmp"
    dump.write_bytes(b"\0" * (NINE_MB + 1))
    out = tmp_path / "request.eml"

    run = tool.run(
        "send", "--no-input", "--no-collect", "--transport", "eml", "--out", str(out),
        *bug_flags(), "--attach", str(dump),
    )  # fmt: skip

    assert run.code == 2
    assert "memory.dmp" in run.stderr
    assert str(NINE_MB + 1) in run.stderr and str(NINE_MB) in run.stderr
    assert "--compress" in run.stderr and "agreement" in run.stderr
    assert not out.exists()


def test_compress_zips_a_file_over_the_limit_and_sends_the_zip(
    tool: ToolHome, tmp_path: Path
) -> None:
    tool.configure(email="dev@customer.example", support_address="support@vendor.example")
    dump = tmp_path / "memory.dmp"
    content = b"\0" * (NINE_MB + 1)
    dump.write_bytes(content)
    out = tmp_path / "request.eml"

    run = tool.run(
        "send", "--no-input", "--no-collect", "--transport", "eml", "--out", str(out),
        *bug_flags(), "--attach", str(dump), "--compress",
    )  # fmt: skip

    assert run.code == 0, run.stderr
    message = message_from_bytes(out.read_bytes(), policy=default_policy)
    parts = list(message.iter_parts())
    document = json.loads(parts[1].get_payload(decode=True))
    assert [(a["name"], a["role"]) for a in document["attachments"]] == [("memory.dmp.zip", "dump")]
    zipped = parts[2].get_payload(decode=True)
    assert document["attachments"][0]["size"] == len(zipped) < NINE_MB
    with zipfile.ZipFile(BytesIO(zipped)) as archive:
        assert archive.read("memory.dmp") == content


def test_a_missing_file_is_named(tool: ToolHome, tmp_path: Path) -> None:
    tool.configure(email="dev@customer.example", support_address="support@vendor.example")

    run = tool.run(
        "send", "--no-input", "--no-collect", "--transport", "eml",
        "--out", str(tmp_path / "x.eml"), *bug_flags(), "--attach", str(tmp_path / "nope.log"),
    )  # fmt: skip

    assert run.code == 2
    assert "nope.log" in run.stderr
