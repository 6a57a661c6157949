"""Checking a Standard Request: the JSON Schema (with the `jsonschema` library) and the rules
a schema cannot state (the length of a code extract in lines, the attachment manifest
against the files actually sent). Every problem is reported, each named by the JSON
pointer of its field, so a customer corrects them all in one go."""

from __future__ import annotations

import hashlib
import json
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

from jsonschema import Draft202012Validator, ValidationError

from supportdesk.core.errors import InvalidInput
from supportdesk.requests import texts

SCHEMA_PATH = Path(__file__).parent / "schema" / "request-v1.json"
FORMAT_NAME = "supportdesk-request"
FORMAT_VERSION = 1
CODE_EXTRACT_MAX_LINES = 30


@dataclass(frozen=True)
class Problem:
    """One thing wrong with a request: where (a JSON pointer, "" for the whole document),
    what (a code from texts.PROBLEM_TEXTS) and the values its text shows."""

    pointer: str
    code: str
    values: Mapping[str, object] = field(default_factory=dict)

    def message(self, language: str) -> str:
        return texts.problem_text(self.code, language, self.values)

    def as_dict(self, language: str) -> dict[str, str]:
        return {"field": self.pointer, "code": self.code, "message": self.message(language)}


class RequestInvalid(InvalidInput):
    """A request refused with every problem found (never only the first)."""

    def __init__(self, problems: Sequence[Problem]) -> None:
        self.request_problems = sorted(problems, key=lambda p: (p.pointer, p.code))
        by_field: dict[str, list[str]] = {}
        for problem in self.request_problems:
            by_field.setdefault(problem.pointer or "/", []).append(problem.message("en"))
        super().__init__({pointer: "; ".join(found) for pointer, found in by_field.items()})

    def listed(self, language: str) -> list[dict[str, str]]:
        return [problem.as_dict(language) for problem in self.request_problems]


@dataclass(frozen=True)
class UploadedFile:
    name: str
    content: bytes
    content_type: str = "application/octet-stream"


@cache
def request_schema() -> dict[str, Any]:
    schema: dict[str, Any] = json.loads(SCHEMA_PATH.read_text(encoding="utf-8"))
    return schema


@cache
def _validator() -> Draft202012Validator:
    return Draft202012Validator(
        request_schema(), format_checker=Draft202012Validator.FORMAT_CHECKER
    )


def pointer(path: Iterable[object]) -> str:
    """An RFC 6901 JSON pointer."""
    return "".join("/" + str(part).replace("~", "~0").replace("/", "~1") for part in path)


def parse_document(raw: bytes | str) -> dict[str, Any]:
    try:
        document = json.loads(raw)
    except (ValueError, UnicodeDecodeError) as error:
        raise RequestInvalid([Problem("", "not_json", {"detail": str(error)})]) from error
    if not isinstance(document, dict):
        raise RequestInvalid([Problem("", "not_object")])
    return document


def schema_problems(document: Any) -> list[Problem]:
    problems: list[Problem] = []
    for error in _validator().iter_errors(document):
        problems.extend(_from_schema_error(error))
    return problems


def _from_schema_error(error: ValidationError) -> list[Problem]:
    where = list(error.absolute_path)
    kind = error.validator
    # The library types these as "maybe unset"; on an error from iter_errors they are set.
    limit: Any = error.validator_value
    subschema: Any = error.schema
    instance: Any = error.instance
    if kind == "required":
        present = instance if isinstance(instance, dict) else {}
        missing = [name for name in limit if name not in present and repr(name) in error.message]
        return [Problem(pointer([*where, name]), "required") for name in missing[:1]]
    if kind == "additionalProperties":
        known = set(subschema.get("properties", {}))
        extra = [name for name in instance if name not in known]
        return [Problem(pointer([*where, name]), "unknown_field") for name in extra]
    at = pointer(where)
    if kind == "type":
        wanted = limit if isinstance(limit, list) else [limit]
        return [Problem(at, "type", {"expected": wanted[0], "json_types": wanted})]
    if kind == "enum":
        return [Problem(at, "enum", {"allowed": ", ".join(map(str, limit))})]
    if kind == "const":
        return [Problem(at, "const", {"allowed": json.dumps(limit)})]
    if kind == "format":
        return [Problem(at, "format", {"format": limit})]
    simple = {
        "minLength": "too_short",
        "maxLength": "too_long",
        "minItems": "too_few_items",
        "maxItems": "too_many_items",
        "minimum": "too_small",
        "pattern": "pattern",
    }
    return [Problem(at, simple.get(str(kind), "invalid"), {"limit": limit})]


def content_problems(document: Mapping[str, Any], files: Sequence[UploadedFile]) -> list[Problem]:
    """The rules beyond the schema; fields of the wrong type are left to the schema."""
    problems: list[Problem] = []
    extract = document.get("code_extract")
    if isinstance(extract, str):
        lines = len(extract.rstrip("\n").splitlines())
        if lines > CODE_EXTRACT_MAX_LINES:
            problems.append(
                Problem(
                    "/code_extract",
                    "code_too_long",
                    {"limit": CODE_EXTRACT_MAX_LINES, "lines": lines},
                )
            )
    manifest = document.get("attachments", [])
    if isinstance(manifest, list) and all(isinstance(entry, dict) for entry in manifest):
        problems.extend(manifest_problems(manifest, files))
    return problems


def manifest_problems(
    manifest: Sequence[Mapping[str, Any]], files: Sequence[UploadedFile]
) -> list[Problem]:
    """Each manifest entry names a file that was sent, with its exact size and SHA-256, and
    each file sent is in the manifest: what the customer meant to send is what arrived."""
    problems: list[Problem] = []
    sent = {file.name: file for file in files}
    counts = Counter(str(entry.get("name")) for entry in manifest)
    for index, entry in enumerate(manifest):
        name = str(entry.get("name"))
        if counts[name] > 1:
            problems.append(Problem(f"/attachments/{index}/name", "duplicate_file", {"name": name}))
            continue
        file = sent.get(name)
        if file is None:
            problems.append(Problem(f"/attachments/{index}/name", "file_missing", {"value": name}))
            continue
        if entry.get("size") != len(file.content):
            problems.append(
                Problem(
                    f"/attachments/{index}/size",
                    "size_mismatch",
                    {"name": name, "actual": len(file.content), "value": entry.get("size")},
                )
            )
        digest = hashlib.sha256(file.content).hexdigest()
        if entry.get("sha256") != digest:
            problems.append(
                Problem(
                    f"/attachments/{index}/sha256",
                    "sha256_mismatch",
                    {"name": name, "actual": digest},
                )
            )
    for file in files:
        if file.name not in counts:
            problems.append(Problem("/attachments", "unlisted_file", {"name": file.name}))
    return problems


def document_problems(document: Any, files: Sequence[UploadedFile] = ()) -> list[Problem]:
    """Every problem the document and its files have, without the database."""
    problems = schema_problems(document)
    if isinstance(document, Mapping):
        problems.extend(content_problems(document, files))
    return problems


def validate_document(document: Any, files: Sequence[UploadedFile] = ()) -> None:
    """Raise RequestInvalid with every problem found."""
    problems = document_problems(document, files)
    if problems:
        raise RequestInvalid(problems)
