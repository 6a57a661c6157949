"""The Standard Request format: the schema file itself, and every problem listed by field in
the customer's language."""

from __future__ import annotations

import json

import pytest
from jsonschema import Draft202012Validator

from supportdesk.requests.texts import PROBLEM_TEXTS
from supportdesk.requests.validation import (
    SCHEMA_PATH,
    RequestInvalid,
    UploadedFile,
    parse_document,
    validate_document,
)
from tests.requests.documents import full_request, manifest_entry


def problems_of(document: object, files: list[UploadedFile] | None = None, language: str = "en"):  # type: ignore[no-untyped-def]
    with pytest.raises(RequestInvalid) as refused:
        validate_document(document, files or [])
    return {(p["field"], p["code"]): p["message"] for p in refused.value.listed(language)}


def test_the_schema_file_is_a_valid_draft_2020_12_schema() -> None:
    schema = json.loads(SCHEMA_PATH.read_text(encoding="utf-8"))

    Draft202012Validator.check_schema(schema)
    assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    # Every field the issue lists is in the format.
    assert set(schema["properties"]) >= {
        "customer", "product", "type", "subject", "expected", "actual", "steps", "frequency",
        "error_text", "workarounds", "code_extract", "urgency", "last_working_version",
        "environment", "attachments", "related_ticket", "client",
    }  # fmt: skip
    assert schema["properties"]["type"]["enum"] == [
        "question", "bug", "crash", "performance", "installation_licence", "suggestion",
    ]  # fmt: skip


def test_a_complete_request_is_valid() -> None:
    validate_document(full_request())


def test_every_problem_is_listed_by_field_not_only_the_first() -> None:
    document = full_request(
        subject="two\nlines",
        type="crash",
        steps=[],
        frequency="daily",
        extra_field=1,
        code_extract="line\n" * 31,
    )
    document["customer"] = {"email": "not an address"}
    del document["product"]["version"]
    document["environment"]["memory_mb"] = "lots"

    problems = problems_of(document)

    assert set(problems) == {
        ("/subject", "pattern"),
        ("/steps", "too_few_items"),
        ("/frequency", "enum"),
        ("/extra_field", "unknown_field"),
        ("/code_extract", "code_too_long"),
        ("/customer/email", "format"),
        ("/product/version", "required"),
        ("/environment/memory_mb", "type"),
    }
    assert problems[("/frequency", "enum")] == "expected one of: always, often, sometimes, once"
    assert "31 sent" in problems[("/code_extract", "code_too_long")]


def test_steps_are_required_for_a_bug_not_for_a_question() -> None:
    bug = full_request()
    del bug["steps"]
    assert ("/steps", "required") in problems_of(bug)

    question = full_request(type="question")
    del question["steps"]
    validate_document(question)


def test_a_code_extract_of_30_lines_passes() -> None:
    validate_document(full_request(code_extract="x = 1\n" * 30))


@pytest.mark.parametrize(
    ("language", "required", "too_long"),
    [
        ("en", "this field is required", "a code extract is at most 30 lines"),
        ("es", "este campo es obligatorio", "un extracto de código tiene como máximo 30 líneas"),
        ("fr", "ce champ est obligatoire", "un extrait de code compte au plus 30 lignes"),
    ],
)
def test_problems_read_in_the_customers_language(language, required, too_long) -> None:  # type: ignore[no-untyped-def]
    document = full_request(code_extract="x\n" * 40)
    del document["subject"]

    problems = problems_of(document, language=language)

    assert problems[("/subject", "required")] == required
    assert problems[("/code_extract", "code_too_long")].startswith(too_long)


def test_every_language_has_a_text_for_every_problem() -> None:
    assert set(PROBLEM_TEXTS["es"]) == set(PROBLEM_TEXTS["en"]) == set(PROBLEM_TEXTS["fr"])


def test_the_manifest_must_match_the_files_sent() -> None:
    log = b"ERROR footer block not found\n"
    screenshot = b"\x89PNG fake"
    document = full_request(
        attachments=[
            manifest_entry("editor.log", log, "log"),
            {**manifest_entry("footer.png", screenshot, "screenshot"), "size": 3},
            manifest_entry("missing.zip", b"zip", "project"),
            {**manifest_entry("dump.dmp", b"dump", "dump"), "sha256": "0" * 64},
        ]
    )
    files = [
        UploadedFile("editor.log", log),
        UploadedFile("footer.png", screenshot),
        UploadedFile("dump.dmp", b"dump"),
        UploadedFile("surprise.txt", b"?"),
    ]

    problems = problems_of(document, files)

    assert set(problems) == {
        ("/attachments/1/size", "size_mismatch"),
        ("/attachments/2/name", "file_missing"),
        ("/attachments/3/sha256", "sha256_mismatch"),
        ("/attachments", "unlisted_file"),
    }
    assert "surprise.txt" in problems[("/attachments", "unlisted_file")]


def test_a_document_that_is_not_json_names_the_problem() -> None:
    with pytest.raises(RequestInvalid) as refused:
        parse_document(b"{not json")
    assert refused.value.listed("fr")[0]["code"] == "not_json"

    with pytest.raises(RequestInvalid) as refused:
        parse_document(b"[1, 2]")
    assert refused.value.listed("en")[0]["message"] == "the request must be a JSON object"
