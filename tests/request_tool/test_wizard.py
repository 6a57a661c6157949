"""The wizard: driven through text streams for its logic, and as a real terminal session
(pexpect, tests/request_tool/wizard_driver.py) for what a customer does at a keyboard."""

from __future__ import annotations

import io
import json
import sys
from pathlib import Path
from typing import Any

import pexpect
import pytest
from supportdesk_request.checks import document_problems
from supportdesk_request.values import CollectedItem, Policy, Similar
from supportdesk_request.wizard import run_wizard

DRIVER = Path(__file__).with_name("wizard_driver.py")
REPO = Path(__file__).resolve().parents[2]
COMMAND_PROMPT = "Command (send, edit FIELD, remove N, cancel): "


def identity() -> dict[str, Any]:
    return {
        "customer": {"email": "ann@example.com", "serial": "WD-2026-0001"},
        "product": {"code": "windev"},
    }


def collected_items() -> list[CollectedItem]:
    return [
        CollectedItem("product.version", "Product version", "2026"),
        CollectedItem("environment.os", "Operating system", "Debian GNU/Linux 12"),
        CollectedItem("environment.language", "System language", "fr_FR"),
        CollectedItem("environment.memory_mb", "Memory", 32768),
    ]


def drive(
    answers: list[str],
    draft: dict[str, Any] | None = None,
    collected: list[CollectedItem] | None = None,
    **options: Any,
) -> tuple[dict[str, Any] | None, str]:
    """Run the wizard on these lines of input; the result and everything it printed. In
    English unless `ui_language` says otherwise (never the machine's locale)."""
    options.setdefault("ui_language", "en")
    stdout = io.StringIO()
    result = run_wizard(
        identity() if draft is None else draft,
        collected_items() if collected is None else collected,
        stdin=io.StringIO("".join(line + "\n" for line in answers)),
        stdout=stdout,
        **options,
    )
    return result, stdout.getvalue()


BUG_ANSWERS = [
    "2",  # type: bug
    "",  # product code [windev]
    "",  # product version [2026], collected
    "28.0.412.3",  # build
    "PDF export loses the page footer",
    "1. Open the report",  # steps, numbers typed or not
    "Export it as PDF",
    "",
    "A footer on every page",  # expected
    "No footer at all",  # actual
    "al",  # frequency: always
    "ValueError: footer band missing",  # error text, ends with "."
    "while connecting with password=hunter2",
    ".",
    "2025",  # last working version
    "",  # workarounds: none
    "token = 'abc123'",  # code extract
    "print(token)",
    ".",
    "",  # urgency [normal]
    "fr",  # language of the answer
    "",  # no file
]


def test_a_bug_is_asked_field_by_field_and_sent_as_reviewed() -> None:
    result, output = drive([*BUG_ANSWERS, "remove 2", "send"])
    assert result is not None
    assert document_problems(result) == []
    assert result["type"] == "bug"
    assert result["product"] == {"code": "windev", "version": "2026", "build": "28.0.412.3"}
    assert result["subject"] == "PDF export loses the page footer"
    assert result["steps"] == ["Open the report", "Export it as PDF"]
    assert (result["expected"], result["actual"]) == ("A footer on every page", "No footer at all")
    assert result["frequency"] == "always"
    assert result["last_working_version"] == "2025"
    assert result["urgency"] == "normal"
    assert result["language"] == "fr"
    assert "workarounds" not in result
    assert result["error_text"] == (
        "ValueError: footer band missing\nwhile connecting with password=********"
    )
    assert result["code_extract"] == "token = '********'\nprint(token)"
    # Collected items kept are merged at their keys; the removed one is not sent.
    assert result["environment"] == {"os": "Debian GNU/Linux 12", "memory_mb": 32768}
    assert result["format"] == "supportdesk-request"
    assert result["client"]["name"] == "supportdesk-request"
    review = output.split("Your request, as it will be sent")[1]
    assert "[1] environment.os: Debian GNU/Linux 12" in review
    assert "[3] environment.memory_mb: 32768 MB" in review
    assert "Secrets masked: 2 (shown as ********) in the error text, the code extract." in review
    assert "hunter2" not in review
    assert "Removed [2] environment.language: it will not be sent." in output


def test_enter_keeps_every_default_of_a_prefilled_draft() -> None:
    draft = {
        **identity(),
        "type": "question",
        "product": {"code": "windev", "version": "2025", "build": "27.0.1"},
        "subject": "How do I print a report in landscape?",
        "description": "I need landscape for one report only.",
        "urgency": "low",
        "language": "es",
    }
    # type, code, version, build, subject, description, workarounds, code, urgency,
    # language, files: Enter each time.
    result, output = drive([""] * 11 + ["send"], draft=draft, collected=[])
    assert result is not None
    for name in ("type", "product", "subject", "description", "urgency", "language"):
        assert result[name] == draft[name]
    assert "Type (1-6) [question]: " in output
    assert "Product version [2025]: " in output
    assert "Collected automatically" not in output


def test_a_dash_clears_an_optional_default() -> None:
    draft = {
        **identity(),
        "type": "question",
        "product": {"code": "windev", "version": "2025", "build": "27.0.1"},
        "subject": "How do I print a report in landscape?",
        "description": "I need landscape for one report only.",
        "language": "es",
    }
    # type, code, version, build (-), subject, description, workarounds, code, urgency,
    # language (-), files.
    answers = ["", "", "", "-", "", "", "", "", "", "-", "", "send"]
    result, _ = drive(answers, draft=draft, collected=[])
    assert result is not None
    assert result["product"] == {"code": "windev", "version": "2025"}
    assert "language" not in result


def test_a_refused_answer_is_explained_and_asked_again() -> None:
    answers = [
        "crash",
        "",
        "",
        "",
        "ab",  # subject too short
        "The IDE crashes when I open the project",
        "",  # no step: a crash needs steps
        "Open the project",
        "",
        "",  # expected
        "",  # actual: required for a crash
        "The IDE closes",
        "sometimes",
        "",
        "",
        "",
        *[f"line {number}" for number in range(1, 32)],  # 31 lines: refused
        ".",
        "line 1",
        ".",
        "",
        "",
        "",
        "send",
    ]
    result, output = drive(answers)
    assert result is not None
    assert "  ! too short: at least 3 characters" in output
    assert "  ! give at least one step: the support engineer repeats them" in output
    assert "  ! this field is required" in output
    assert "  ! a code extract is at most 30 lines (31 given)" in output
    assert result["code_extract"] == "line 1"
    assert result["subject"] == "The IDE crashes when I open the project"


def test_advice_on_a_second_incident_can_be_followed_or_passed() -> None:
    answers = [
        "1",
        "",
        "",
        "",
        "Printing fails. Also, the installer hangs",
        "n",  # follow the advice: ask again
        "Printing fails. Also, the installer hangs",
        "y",  # keep it anyway
        "How do I print?",
        ".",
        "",
        "",
        "",
        "",
        "",
        "send",
    ]
    result, output = drive(answers)
    assert output.count("Advice: this looks like more than one incident") == 2
    assert result is not None
    assert result["subject"] == "Printing fails. Also, the installer hangs"
    assert "Advice (subject): this looks like more than one incident" in output


def question_answers() -> list[str]:
    # type, product code, version, build, subject, description (ends with "."),
    # workarounds, code extract, urgency, language; the files question comes next.
    return ["1", "", "", "", "How do I print in landscape?", "For one report.", ".", "", "", "", ""]


def test_a_similar_solved_request_that_answers_sends_nothing() -> None:
    def similar(document: dict[str, Any]) -> list[Similar]:
        assert document["subject"] == "How do I print in landscape?"
        return [Similar("Landscape printing", "http://kb.example/SD-1", "Use the page setup.")]

    result, output = drive([*question_answers(), "", "y"], find_similar=similar)
    assert result is None
    assert "  1. Landscape printing" in output
    assert "     http://kb.example/SD-1" in output
    assert "Good: nothing was sent." in output


def test_similar_requests_not_answering_and_a_failing_lookup_go_on_to_the_review() -> None:
    def similar(document: dict[str, Any]) -> list[Similar]:
        return [Similar("Landscape printing", "http://kb.example/SD-1", "Use the page setup.")]

    def offline(document: dict[str, Any]) -> list[Similar]:
        raise OSError("network unreachable")

    result, _ = drive([*question_answers(), "", "", "send"], find_similar=similar)
    assert result is not None
    result, output = drive([*question_answers(), "", "send"], find_similar=offline)
    assert result is not None
    assert "(Could not look for similar requests: network unreachable)" in output


@pytest.mark.parametrize("stop_after", [0, 1, 5, 9, len(BUG_ANSWERS)])
def test_end_of_input_anywhere_cancels(stop_after: int) -> None:
    result, output = drive(BUG_ANSWERS[:stop_after])
    assert result is None
    assert output.endswith("Cancelled: nothing was sent.\n")


def test_cancel_at_the_review_sends_nothing() -> None:
    result, output = drive([*BUG_ANSWERS, "cancel"])
    assert result is None
    assert "Cancelled: nothing was sent." in output


def test_a_file_over_the_limit_is_offered_compression(tmp_path: Path) -> None:
    big = tmp_path / "trace.log"
    big.write_bytes(b"x" * 2048)
    small = tmp_path / "screen.png"
    small.write_bytes(b"png")
    dump = tmp_path / "core.dmp"
    dump.write_bytes(b"y" * 4096)
    files = [
        str(tmp_path / "missing.txt"),
        str(big),
        "",  # role [log]
        "y",  # compress
        str(small),
        "",  # role [screenshot]
        str(dump),
        "project",
        "n",  # no compression
        "n",  # and not uncompressed either: left out
        "",
    ]
    result, output = drive(
        [*question_answers(), *files, "send"], policy=Policy(attachment_max_bytes=1024)
    )
    assert result is not None
    assert result["_files"] == [
        {"path": str(big), "role": "log", "compress": True},
        {"path": str(small), "role": "screenshot"},
    ]
    assert f"  ! {tmp_path / 'missing.txt'}: no such file" in output
    assert "  ! trace.log is 2048 bytes; the server accepts at most 1024 bytes per file." in output
    assert f"  - {big} (log, compressed before sending)" in output


def test_an_upload_agreement_takes_a_large_file_uncompressed(tmp_path: Path) -> None:
    big = tmp_path / "project.zip"
    big.write_bytes(b"z" * 2048)
    policy = Policy(attachment_max_bytes=1024, upload_agreement={"max_bytes": 10**9})
    answers = [*question_answers(), str(big), "", "n", "", "send"]
    result, output = drive(answers, policy=policy)
    assert result is not None
    assert result["_files"] == [{"path": str(big), "role": "project"}]
    assert "upload link of your attachment agreement" in output


def test_changing_the_type_at_the_review_asks_what_the_new_type_needs() -> None:
    answers = [
        *question_answers(),
        "",
        "edit type",
        "3",
        "Open the project",
        "",
        "It closes",
        "send",
    ]
    result, _ = drive(answers)
    assert result is not None
    assert result["type"] == "crash"
    assert result["steps"] == ["Open the project"]
    assert result["actual"] == "It closes"


def test_send_lists_what_is_still_wrong_and_an_edit_fixes_it() -> None:
    draft = {**identity(), "related_ticket": "not a ticket"}
    draft["product"] = {"code": "windev", "version": "2026"}
    answers = [*question_answers(), "", "send", "edit nonsense", "remove 9", "dance"]
    fix = ["edit related_ticket", "-", "send"]
    result, output = drive([*answers, *fix], draft=draft, collected=[])
    assert result is not None
    assert "related_ticket" not in result
    assert "Ticket this follows up, e.g. SD-100001 (- for none) [not a ticket]: " in output
    assert "Cannot send yet:\n  ! /related_ticket: expected a ticket reference like SD-100001" in (
        output
    )
    assert "  ! edit FIELD, where FIELD is one of:" in output
    assert "  ! remove N: N is the number of a collected item" in output
    assert "  ! unknown command 'dance'" in output


def test_an_unknown_product_or_version_of_the_policy_is_refused() -> None:
    policy = Policy(
        products=[{"code": "windev", "versions": [{"name": "2026"}, {"name": "2025"}]}],
    )
    draft = {"customer": {"email": "ann@example.com"}}
    answers = ["", "1", "webdev", "windev", "2024", "", "", "How do I print?", "Landscape."]
    result, output = drive([*answers, ".", "", "", "", "", "", "send"], draft=draft, policy=policy)
    assert result is not None
    assert "Licence serial number (Enter to skip): " in output
    assert "Product code (windev): " in output
    assert "  ! unknown product 'webdev'; known products: windev" in output
    assert "  ! unknown version '2024' of windev; known versions: 2026, 2025" in output
    assert result["product"] == {"code": "windev", "version": "2026"}
    assert "serial" not in result["customer"]


# --- a real terminal --------------------------------------------------------------------


def spawn_driver(out: Path, *arguments: str, language: str = "en") -> pexpect.spawn:
    child = pexpect.spawn(
        sys.executable,
        [str(DRIVER), str(out), "--language", language, *arguments],
        cwd=str(REPO),
        encoding="utf-8",
        timeout=30,
        dimensions=(50, 200),
    )
    return child


def answer(child: pexpect.spawn, prompt: str, *lines: str) -> None:
    child.expect_exact(prompt)
    for line in lines:
        child.sendline(line)


def test_a_customer_at_a_terminal_answers_removes_an_item_and_sends(tmp_path: Path) -> None:
    out = tmp_path / "request.json"
    big = tmp_path / "big.log"
    big.write_bytes(b"x" * 4096)
    child = spawn_driver(out, "--similar")
    answer(child, "Type (1-6): ", "2")
    answer(child, "Product code [windev]: ", "")
    answer(child, "Product version [2026]: ", "")
    answer(child, "Build (Enter to skip): ", "28.0.412.3")
    answer(child, "Subject, one line: ", "PDF export loses the page footer")
    answer(child, "  1. ", "Open the report")
    answer(child, "  2. ", "Export it as PDF")
    answer(child, "  3. ", "")
    answer(child, "Expected behaviour: ", "A footer on every page")
    answer(child, "What happens instead: ", "No footer")
    answer(child, "How often does it happen (always, often, sometimes, once): ", "always")
    answer(child, "Exact error text, copied", "Export failed: Authorization: Bearer abc123xyz", ".")
    answer(child, "Last version that worked (Enter if none): ", "2025")
    answer(child, "Workarounds already tried", "Exported as RTF instead", ".")
    code = [f"line {number} = {number}" for number in range(1, 36)]
    answer(child, "Code extract, at most 30 lines", *code, ".")
    child.expect_exact("  ! a code extract is at most 30 lines (35 given)")
    answer(child, "Code extract, at most 30 lines", "db.connect(password='s3cret')", ".")
    answer(child, "Urgency (low, normal, high, critical) [normal]: ", "high")
    answer(child, "Language of the answer (en, es, fr): ", "fr")
    answer(child, "File to attach (Enter when done): ", str(big))
    answer(child, "Role of big.log (screenshot, log, dump, project) [log]: ", "")
    child.expect_exact("  ! big.log is 4096 bytes; the server accepts at most 1024 bytes per file.")
    answer(child, "Compress it before sending? [Y/n]: ", "y")
    answer(child, "File to attach (Enter when done): ", "")
    child.expect_exact("  1. PDF export: footer missing on the last page")
    answer(child, "Does one of these answer your question? [y/N]: ", "n")
    child.expect_exact("Your request, as it will be sent")
    child.expect_exact(COMMAND_PROMPT)
    review = child.before
    assert "[1] environment.os: Debian GNU/Linux 12" in review
    assert "[3] environment.memory_mb: 32768 MB" in review
    assert "Authorization: Bearer ********" in review
    assert "db.connect(password='********')" in review
    assert "Secrets masked: 2 (shown as ********) in the error text, the code extract." in review
    assert "abc123xyz" not in review and "s3cret" not in review
    child.sendline("remove 1")
    child.expect_exact("Removed [1] environment.os: it will not be sent.")
    child.expect_exact(COMMAND_PROMPT)
    child.sendline("send")
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 0
    sent = json.loads(out.read_text(encoding="utf-8"))
    assert document_problems(sent) == []
    assert sent["type"] == "bug"
    assert sent["product"] == {"code": "windev", "version": "2026", "build": "28.0.412.3"}
    assert sent["subject"] == "PDF export loses the page footer"
    assert sent["steps"] == ["Open the report", "Export it as PDF"]
    assert sent["expected"] == "A footer on every page"
    assert sent["actual"] == "No footer"
    assert sent["frequency"] == "always"
    assert sent["error_text"] == "Export failed: Authorization: Bearer ********"
    assert sent["last_working_version"] == "2025"
    assert sent["workarounds"] == "Exported as RTF instead"
    assert sent["code_extract"] == "db.connect(password='********')"
    assert sent["urgency"] == "high"
    assert sent["language"] == "fr"
    assert sent["customer"] == {"email": "ann@example.com", "serial": "WD-2026-0001"}
    assert sent["environment"] == {"language": "fr_FR", "memory_mb": 32768}
    assert sent["_files"] == [{"path": str(big), "role": "log", "compress": True}]


def test_a_customer_at_a_terminal_cancels(tmp_path: Path) -> None:
    out = tmp_path / "request.json"
    child = spawn_driver(out)
    answer(child, "Type (1-6): ", "1")
    answer(child, "Product code [windev]: ", "")
    answer(child, "Product version [2026]: ", "")
    answer(child, "Build (Enter to skip): ", "")
    answer(child, "Subject, one line: ", "How do I print in landscape?")
    answer(child, "Your question or request, in full", "For one report only.", ".")
    answer(child, "Workarounds already tried", "")
    answer(child, "Code extract, at most 30 lines", "")
    answer(child, "Urgency (low, normal, high, critical) [normal]: ", "")
    answer(child, "Language of the answer (en, es, fr): ", "")
    answer(child, "File to attach (Enter when done): ", "")
    answer(child, COMMAND_PROMPT, "cancel")
    child.expect_exact("Cancelled: nothing was sent.")
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 1
    assert json.loads(out.read_text(encoding="utf-8")) is None


def test_ctrl_d_at_a_terminal_cancels(tmp_path: Path) -> None:
    out = tmp_path / "request.json"
    child = spawn_driver(out)
    answer(child, "Type (1-6): ", "2")
    child.expect_exact("Product code [windev]: ")
    child.sendeof()
    child.expect_exact("Cancelled: nothing was sent.")
    child.expect(pexpect.EOF)
    child.close()
    assert json.loads(out.read_text(encoding="utf-8")) is None
