"""The tool's offline checks: the server's rules restated without the server (held to the
same verdicts as supportdesk.requests.validation on the same documents), per-field checks
for the wizard, and the one-incident advice."""

from __future__ import annotations

import copy
from typing import Any

import pytest
from supportdesk_request import checks
from supportdesk_request.checks import (
    document_advice,
    document_problems,
    error_signatures,
    field_advice,
    field_problem,
    incident_advice,
)

from supportdesk.requests import validation

SHA = "a" * 64


def complete_bug() -> dict[str, Any]:
    return {
        "format": "supportdesk-request",
        "version": 1,
        "language": "fr",
        "customer": {"email": "ann@example.com", "serial": "WD-2026-0001"},
        "product": {"code": "windev", "version": "2026", "build": "28.0.412.3"},
        "type": "bug",
        "subject": "The PDF export of a report loses the page footer",
        "steps": ["Open the report", "Export it as PDF"],
        "expected": "The footer on every page",
        "actual": "No footer",
        "frequency": "always",
        "error_text": "ValueError: footer",
        "urgency": "normal",
        "code_extract": "x = 1\n" * 30,
        "environment": {
            "os": "Linux",
            "memory_mb": 32768,
            "addons": [{"name": "pdfkit", "version": "1.2"}],
        },
        "attachments": [{"name": "a.log", "size": 10, "sha256": SHA, "role": "log"}],
        "related_ticket": "SD-100001",
        "client": {"name": "supportdesk-request", "version": "1.0.0"},
    }


def without(document: dict[str, Any], *names: str) -> dict[str, Any]:
    changed = copy.deepcopy(document)
    for name in names:
        changed.pop(name)
    return changed


def changed(document: dict[str, Any], **fields: Any) -> dict[str, Any]:
    result = copy.deepcopy(document)
    result.update(fields)
    return result


BUG = complete_bug()
# Documents the server and the tool must judge alike (the manifest is left out: the server
# also checks it against the files sent, which the tool does by building it from them).
CASES = {
    "complete bug": without(BUG, "attachments"),
    "bug without steps or actual": without(BUG, "attachments", "steps", "actual"),
    "bug with no steps": changed(without(BUG, "attachments"), steps=[]),
    "question without description": changed(
        without(BUG, "attachments", "steps", "actual"), type="question"
    ),
    "performance without actual": changed(
        without(BUG, "attachments", "actual"), type="performance"
    ),
    "nothing but the type": {"type": "crash"},
    "two-line subject": changed(without(BUG, "attachments"), subject="Export\nbroken"),
    "subject too short": changed(without(BUG, "attachments"), subject="ab"),
    "subject too long": changed(without(BUG, "attachments"), subject="x" * 251),
    "unknown type, frequency, urgency, language": changed(
        without(BUG, "attachments"), type="outage", frequency="daily", urgency="asap", language="de"
    ),
    "code extract of 31 lines": changed(without(BUG, "attachments"), code_extract="x\n" * 31),
    "unknown field": changed(without(BUG, "attachments"), colour="blue"),
    "wrong format and version": changed(without(BUG, "attachments"), format="other", version=2),
    "bad related ticket": changed(without(BUG, "attachments"), related_ticket="100001"),
    "product without version": changed(without(BUG, "attachments"), product={"code": "windev"}),
    "negative memory": changed(without(BUG, "attachments"), environment={"memory_mb": -1}),
    "empty step": changed(without(BUG, "attachments"), steps=["Open", ""]),
    "client without version": changed(without(BUG, "attachments"), client={"name": "x"}),
}


@pytest.mark.parametrize("name", CASES)
def test_the_tool_and_the_server_find_the_same_fields_wrong(name: str) -> None:
    document = CASES[name]
    server = {problem.pointer for problem in validation.document_problems(document)}
    tool = {problem.pointer for problem in document_problems(document)}
    assert tool == server


def test_a_complete_request_has_no_problem() -> None:
    assert document_problems(complete_bug()) == []


def test_the_tools_private_keys_are_not_part_of_the_format() -> None:
    document = changed(complete_bug(), _files=[{"path": "logs/a.log", "role": "log"}])
    assert document_problems(document) == []


def test_a_manifest_entry_must_be_complete() -> None:
    document = changed(
        complete_bug(),
        attachments=[
            {"name": "a.log", "size": 10, "role": "log"},
            {"name": "b.png", "size": -1, "sha256": "ABC", "role": "picture"},
            {"name": "a.log", "size": 1, "sha256": SHA, "role": "log", "path": "/x"},
        ],
    )
    found = {(problem.pointer, problem.message) for problem in document_problems(document)}
    assert found == {
        ("/attachments/0/sha256", "this field is required"),
        ("/attachments/1/size", "expected a size in bytes"),
        ("/attachments/1/sha256", "expected 64 lowercase hex digits"),
        ("/attachments/1/role", "expected one of: screenshot, log, dump, project"),
        ("/attachments/2/path", "unknown field"),
        ("/attachments/2/name", "the file 'a.log' is listed twice"),
    }


def test_the_code_extract_limit_says_how_many_lines_were_given() -> None:
    message = field_problem("/code_extract", "line\n" * 34, complete_bug())
    assert message is not None
    assert "at most 30 lines (34 given)" in message
    assert field_problem("/code_extract", "line\n" * 30, complete_bug()) is None


@pytest.mark.parametrize(
    ("pointer", "value", "request_type", "expected"),
    [
        ("/subject", "Export broken", "bug", None),
        ("/subject", "", "bug", "this field is required"),
        ("/subject", "ab", "bug", "too short: at least 3 characters"),
        ("/subject", "a\nb c", "bug", "one line only: put the details in the other fields"),
        ("/steps", [], "bug", "give at least one step: the support engineer repeats them"),
        ("/steps", [], "question", None),
        ("/actual", "", "crash", "this field is required"),
        ("/actual", "", "question", None),
        ("/description", "", "suggestion", "this field is required"),
        ("/last_working_version", "", "bug", None),
        ("/customer/email", "ann.example.com", "bug", "not a valid email address"),
        ("/customer/email", "", "bug", "this field is required"),
        ("/product/version", "", "bug", "this field is required"),
        ("/product/build", "", "bug", None),
        ("/type", "outage", None, "expected one of: " + ", ".join(checks.TYPES)),
        ("/frequency", "daily", "bug", "expected one of: always, often, sometimes, once"),
        ("/language", "fr", "bug", None),
    ],
)
def test_each_answer_is_checked_as_it_is_typed(
    pointer: str, value: Any, request_type: str | None, expected: str | None
) -> None:
    assert field_problem(pointer, value, {"type": request_type}) == expected


@pytest.mark.parametrize(
    "text",
    [
        "Export to PDF fails. Also, the report editor crashes when I zoom.",
        "I also have a problem with the installer",
        "There is another issue with printing.",
        "1. How do I export to PDF?\n2. How do I change the paper size?",
        "L'export PDF échoue. Aussi, l'éditeur plante.",
        "J'ai un autre problème avec l'impression.",
        "La exportación falla. También, el editor se cierra.",
        "Tengo otro problema con la impresión.",
    ],
)
def test_a_second_incident_is_advised_against(text: str) -> None:
    advice = incident_advice(text)
    assert advice is not None
    assert "one incident per request" in advice.lower()


@pytest.mark.parametrize(
    "text",
    [
        "Export to PDF loses the footer; it also happens with the RTF export.",
        "The password reset page shows an error.",
        "How do I export a report to PDF?",
        "L'export PDF perd le pied de page, même en RTF.",
    ],
)
def test_one_incident_gets_no_advice(text: str) -> None:
    assert incident_advice(text) is None


def test_two_different_errors_are_two_incidents() -> None:
    text = "2026-11-26 10:00 Error 1234: cannot open file\n2026-11-26 10:01 Error 5678: disk full"
    assert error_signatures(text) == ["Error 1234", "Error 5678"]
    assert field_advice("/error_text", text) is not None


@pytest.mark.parametrize(
    "text",
    [
        'Traceback (most recent call last):\n  File "a.py", line 3, in <module>\nValueError: x',
        "ValueError: x\n\nDuring handling of the above exception, another exception occurred:"
        "\n\nKeyError: 'y'",
        "java.lang.IllegalStateException: x\n\tat a.B.c(B.java:1)\n"
        "Caused by: java.io.IOException: y",
        "Error 1234: cannot open file\nError 1234: cannot open file",
    ],
)
def test_one_error_with_its_trace_or_causes_is_one_incident(text: str) -> None:
    assert field_advice("/error_text", text) is None


def test_advice_never_blocks_sending() -> None:
    document = changed(complete_bug(), actual="No footer. Also, the editor crashes.")
    assert document_problems(document) == []
    assert [advice.pointer for advice in document_advice(document)] == ["/actual"]


def test_the_local_problems_and_advice_come_in_the_language_asked_for() -> None:
    document = changed(without(BUG, "attachments", "steps"), subject="ab", colour="blue")
    french = {(problem.pointer, problem.message) for problem in document_problems(document, "fr")}
    assert french == {
        ("/steps", "ce champ est obligatoire"),
        ("/subject", "trop court : au moins 3 caractères"),
        ("/colour", "champ inconnu (le format n'a pas de champ de ce nom)"),
    }
    spanish = document_problems(changed(document, code_extract="x\n" * 31), "es")
    assert (
        "/code_extract",
        "un extracto de código tiene como máximo 30 líneas (hay 31): "
        "conserve las líneas que muestran el problema",
    ) in {(problem.pointer, problem.message) for problem in spanish}
    # The same pointers whatever the language: only the words change.
    assert [p.pointer for p in document_problems(document)] == [
        p.pointer for p in document_problems(document, "es")
    ]
    assert field_problem("/steps", [], {"type": "bug"}, "es") == (
        "indique al menos un paso: el técnico de soporte los repite"
    )
    advice = field_advice("/subject", "L'export échoue. Aussi, l'éditeur plante", "fr")
    assert advice is not None
    assert advice.startswith("cela ressemble à plus d'un incident (« Aussi »)")
    advice = field_advice("/error_text", "Error 1: a\nError 2: b", "es")
    assert advice is not None
    assert "(errores distintos: Error 1, Error 2)" in advice
