"""Checks a request passes before it leaves the machine (owned by the wizard work): the
same rules the server applies that can be checked offline (required fields, one-line
subject, steps for a bug or crash, code extract of at most 30 lines), plus advice the
server cannot give (one incident per request). The wizard checks each answer as it is
typed; `send --no-input` checks the whole document.

The rules mirror supportdesk/requests/schema/request-v1.json and the server's
validation.py; they are restated here because the tool imports nothing from the server
(customers install it alone). tests/request_tool/test_checks.py holds both to the same
verdicts on the same documents.

- `document_problems(document, language="en")`: what the server would refuse (blocking).
- `document_advice(document, language="en")`: what the server accepts but answers slower
  (a warning: the customer may send anyway), today "one incident per request".
- `field_problem(pointer, value, document, language="en")` /
  `field_advice(pointer, value, language="en")`: the same, for one answer as the wizard
  receives it.

The messages come from texts.MESSAGES in English, Spanish or French (`language`)."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from supportdesk_request.texts import text

FORMAT_NAME = "supportdesk-request"
FORMAT_VERSION = 1
CODE_EXTRACT_MAX_LINES = 30

LANGUAGES = ("en", "es", "fr")
TYPES = ("question", "bug", "crash", "performance", "installation_licence", "suggestion")
FREQUENCIES = ("always", "often", "sometimes", "once")
URGENCIES = ("low", "normal", "high", "critical")
ROLES = ("screenshot", "log", "dump", "project")
# What each type needs beyond the always-required fields (the schema's allOf).
REQUIRED_BY_TYPE: dict[str, tuple[str, ...]] = {
    "bug": ("steps", "actual"),
    "crash": ("steps", "actual"),
    "performance": ("actual",),
    "question": ("description",),
    "suggestion": ("description",),
    "installation_licence": ("description",),
}
REQUIRED = ("format", "version", "customer", "product", "type", "subject")


@dataclass(frozen=True)
class LocalProblem:
    pointer: str  # JSON pointer of the field, "" for the whole request
    message: str  # in the language asked for (English by default), like the server's


@dataclass(frozen=True)
class _Found:
    """A problem before it is put in words: the message id of texts.MESSAGES, its values."""

    pointer: str
    message_id: str
    values: dict[str, Any] = field(default_factory=dict)

    def local(self, language: str) -> LocalProblem:
        return LocalProblem(self.pointer, text(self.message_id, language, **self.values))


@dataclass(frozen=True)
class _Text:
    """A string field: its length limits, allowed values, and form."""

    max_length: int
    min_length: int = 0
    choices: tuple[str, ...] = ()
    one_line: bool = False
    pattern: str | None = None
    form: str = "check.form"  # the message id when the value does not match `pattern`


_EMAIL = r"^[^@\s]+@[^@\s]+\.[^@\s]+$"
_TEXT_FIELDS: dict[str, _Text] = {
    "/language": _Text(2, choices=LANGUAGES),
    "/customer/email": _Text(254, pattern=_EMAIL, form="check.email"),
    "/customer/customer_number": _Text(40),
    "/customer/serial": _Text(64),
    "/product/code": _Text(40, 1),
    "/product/edition": _Text(60),
    "/product/version": _Text(40, 1),
    "/product/build": _Text(60),
    "/type": _Text(20, choices=TYPES),
    "/subject": _Text(250, 3, one_line=True),
    "/description": _Text(20000),
    "/expected": _Text(5000),
    "/actual": _Text(5000),
    "/frequency": _Text(10, choices=FREQUENCIES),
    "/error_text": _Text(10000),
    "/workarounds": _Text(5000),
    "/code_extract": _Text(6000),
    "/urgency": _Text(10, choices=URGENCIES),
    "/last_working_version": _Text(60),
    "/related_ticket": _Text(100, pattern=r"^[A-Za-z]+-[0-9]+$", form="check.ticket_reference"),
    "/environment/os": _Text(200),
    "/environment/architecture": _Text(40),
    "/environment/language": _Text(40),
    "/environment/runtime": _Text(200),
    "/environment/database": _Text(200),
    "/client/name": _Text(60, 1),
    "/client/version": _Text(40, 1),
}
_OBJECTS: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    # pointer: (fields, required fields)
    "/customer": (("email", "customer_number", "serial"), ("email",)),
    "/product": (("code", "edition", "version", "build"), ("code", "version")),
    "/environment": (
        (
            "os",
            "architecture",
            "language",
            "memory_mb",
            "disk_free_mb",
            "runtime",
            "database",
            "addons",
        ),
        (),
    ),
    "/client": (("name", "version"), ("name", "version")),
}
_COUNTS = ("/environment/memory_mb", "/environment/disk_free_mb")
_TOP_LEVEL = (
    "format",
    "version",
    "language",
    "customer",
    "product",
    "type",
    "subject",
    "description",
    "expected",
    "actual",
    "steps",
    "frequency",
    "error_text",
    "workarounds",
    "code_extract",
    "urgency",
    "last_working_version",
    "environment",
    "attachments",
    "related_ticket",
    "client",
)


def code_lines(text: str) -> int:
    """Lines of a code extract as the server counts them (trailing newlines are free)."""
    return len(text.rstrip("\n").splitlines())


def _text_problem(pointer: str, spec: _Text, value: Any) -> _Found | None:
    if not isinstance(value, str):
        return _Found(pointer, "check.text")
    if spec.choices:
        if value in spec.choices:
            return None
        return _Found(pointer, "check.one_of", {"choices": ", ".join(spec.choices)})
    if spec.one_line and ("\n" in value or "\r" in value):
        return _Found(pointer, "check.one_line")
    if len(value) < spec.min_length:
        return _Found(pointer, "check.too_short", {"limit": spec.min_length})
    if len(value) > spec.max_length:
        return _Found(pointer, "check.too_long", {"limit": spec.max_length, "given": len(value)})
    if spec.pattern and not re.match(spec.pattern, value):
        return _Found(pointer, spec.form)
    return None


def _is_count(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and value >= 0


def _problems_at(pointer: str, value: Any) -> list[_Found]:
    """Every problem of one field's value, whatever the rest of the document holds."""
    if pointer in _TEXT_FIELDS:
        found = _text_problem(pointer, _TEXT_FIELDS[pointer], value)
        return [found] if found else []
    if pointer in _COUNTS:
        return [] if _is_count(value) else [_Found(pointer, "check.count")]
    if pointer == "/format":
        ok = value == FORMAT_NAME
        return [] if ok else [_Found(pointer, "check.constant", {"value": f'"{FORMAT_NAME}"'})]
    if pointer == "/version":
        ok = value == FORMAT_VERSION and not isinstance(value, bool)
        return [] if ok else [_Found(pointer, "check.constant", {"value": FORMAT_VERSION})]
    if pointer == "/steps":
        return _steps_problems(value)
    if pointer == "/attachments":
        return _manifest_problems(value)
    if pointer == "/environment/addons":
        return _addons_problems(value)
    if pointer in _OBJECTS:
        return _object_problems(pointer, value)
    return [_Found(pointer, "check.unknown_field")]


def _object_problems(pointer: str, value: Any) -> list[_Found]:
    if not isinstance(value, Mapping):
        return [_Found(pointer, "check.object")]
    fields, required = _OBJECTS[pointer]
    problems = [
        _Found(f"{pointer}/{name}", "check.required") for name in required if name not in value
    ]
    for name, item in value.items():
        if name not in fields:
            problems.append(_Found(f"{pointer}/{name}", "check.unknown_subfield"))
        else:
            problems.extend(_problems_at(f"{pointer}/{name}", item))
    return problems


def _steps_problems(value: Any) -> list[_Found]:
    if not isinstance(value, list):
        return [_Found("/steps", "check.steps_list")]
    if len(value) > 50:
        return [_Found("/steps", "check.too_many_steps", {"limit": 50, "given": len(value)})]
    problems = []
    for index, step in enumerate(value):
        if not isinstance(step, str) or not step.strip():
            problems.append(_Found(f"/steps/{index}", "check.step_text"))
        elif len(step) > 1000:
            problems.append(_Found(f"/steps/{index}", "check.step_too_long", {"limit": 1000}))
    return problems


def _addons_problems(value: Any) -> list[_Found]:
    if not isinstance(value, list) or len(value) > 100:
        return [_Found("/environment/addons", "check.addons_list", {"limit": 100})]
    problems = []
    for index, addon in enumerate(value):
        at = f"/environment/addons/{index}"
        if not isinstance(addon, Mapping) or set(addon) != {"name", "version"}:
            problems.append(_Found(at, "check.addon_fields"))
            continue
        name, version = addon["name"], addon["version"]
        if not isinstance(name, str) or not 1 <= len(name) <= 100:
            problems.append(_Found(f"{at}/name", "check.addon_name"))
        if not isinstance(version, str) or len(version) > 60:
            problems.append(_Found(f"{at}/version", "check.addon_version"))
    return problems


def _manifest_problems(value: Any) -> list[_Found]:
    """Each entry complete and well-formed; whether it matches the files is the sender's
    (the tool builds the manifest from the files themselves)."""
    if not isinstance(value, list):
        return [_Found("/attachments", "check.files_list")]
    if len(value) > 20:
        return [_Found("/attachments", "check.too_many_files", {"limit": 20, "given": len(value)})]
    problems: list[_Found] = []
    names: set[str] = set()
    for index, entry in enumerate(value):
        at = f"/attachments/{index}"
        if not isinstance(entry, Mapping):
            problems.append(_Found(at, "check.object"))
            continue
        for name in ("name", "size", "sha256", "role"):
            if name not in entry:
                problems.append(_Found(f"{at}/{name}", "check.required"))
        for name in entry:
            if name not in ("name", "size", "sha256", "role"):
                problems.append(_Found(f"{at}/{name}", "check.unknown_subfield"))
        file_name = entry.get("name")
        if "name" in entry and (not isinstance(file_name, str) or not 1 <= len(file_name) <= 255):
            problems.append(_Found(f"{at}/name", "check.file_name"))
        elif isinstance(file_name, str):
            if file_name in names:
                problems.append(_Found(f"{at}/name", "check.file_twice", {"name": file_name}))
            names.add(file_name)
        if "size" in entry and not _is_count(entry["size"]):
            problems.append(_Found(f"{at}/size", "check.file_size"))
        digest = entry.get("sha256")
        if "sha256" in entry and not (
            isinstance(digest, str) and re.fullmatch(r"[0-9a-f]{64}", digest)
        ):
            problems.append(_Found(f"{at}/sha256", "check.sha256"))
        if "role" in entry and entry["role"] not in ROLES:
            problems.append(_Found(f"{at}/role", "check.one_of", {"choices": ", ".join(ROLES)}))
    return problems


def _content_problem(pointer: str, value: Any) -> _Found | None:
    """The rule a schema cannot state: a code extract is at most 30 lines."""
    if pointer == "/code_extract" and isinstance(value, str):
        lines = code_lines(value)
        if lines > CODE_EXTRACT_MAX_LINES:
            values = {"limit": CODE_EXTRACT_MAX_LINES, "lines": lines}
            return _Found(pointer, "check.code_too_long", values)
    return None


def _empty(value: Any) -> bool:
    return value is None or value == "" or value == [] or value == {}


def required_fields(request_type: Any) -> tuple[str, ...]:
    """The top-level fields a request of this type must have."""
    return REQUIRED + REQUIRED_BY_TYPE.get(str(request_type), ())


def field_problem(
    pointer: str, value: Any, document: Mapping[str, Any], language: str = "en"
) -> str | None:
    """What is wrong with one answer (`value` for the field at `pointer`, e.g. "/subject",
    "/steps", "/product/version"), given the rest of the document (a bug needs steps), or
    None. An empty value is a problem only for a required field. In `language` (en, es,
    fr)."""
    if _empty(value):
        top = pointer.split("/")[1] if pointer.count("/") == 1 else None
        needed = required_fields(document.get("type"))
        if top in needed or pointer in ("/customer/email", "/product/code", "/product/version"):
            if pointer == "/steps":
                return text("check.steps_required", language)
            return text("check.required", language)
        return None
    problems = _problems_at(pointer, value)
    found = problems[0] if problems else _content_problem(pointer, value)
    return found.local(language).message if found else None


def document_problems(document: dict[str, Any], language: str = "en") -> list[LocalProblem]:
    """Every problem of a complete document that the server would refuse it for, worded in
    `language` (en, es, fr). Keys starting with "_" are the tool's own (e.g. "_files") and
    never sent."""
    if not isinstance(document, Mapping):
        return [_Found("", "check.not_object").local(language)]
    problems: list[_Found] = []
    for name in required_fields(document.get("type")):
        if name not in document:
            problems.append(_Found(f"/{name}", "check.required"))
        elif name == "steps" and document[name] == []:
            problems.append(_Found("/steps", "check.too_few_steps"))
    for name, value in document.items():
        if name.startswith("_"):
            continue
        if name not in _TOP_LEVEL:
            problems.append(_Found(f"/{name}", "check.unknown_field"))
            continue
        problems.extend(_problems_at(f"/{name}", value))
        content = _content_problem(f"/{name}", value)
        if content:
            problems.append(content)
    return [problem.local(language) for problem in problems]


# --- Advice: one incident per request -------------------------------------------------

# Sentences that open a second incident. "It also crashes on Linux" is the same incident;
# "Also, the report designer..." or "another problem" starts a new one.
_SECOND_INCIDENT = re.compile(
    r"(?:^|[.!?:;]\s+|\n\s*)(?:also|aussi|también|además)\b"
    r"|\b(?:i|we) (?:also have|have another|have a second)\b"
    r"|\bthere is also\b"
    r"|\b(?:another|a second|one more) (?:problem|issue|bug|question|error)"
    r"|\b(?:autre|second|deuxième|nouveau) (?:problème|souci|bug|question|erreur)"
    r"|\b(?:autre|seconde|deuxième) question\b"
    r"|\bj'ai (?:aussi|également)\b|\bil y a aussi\b|\bpar ailleurs\b"
    r"|\b(?:otro|segundo) (?:problema|error|fallo)\b|\b(?:otra|segunda) (?:pregunta|duda)\b"
    r"|\btambién tengo\b|\bhay también\b",
    re.IGNORECASE,
)
# "1. How do I ...?" twice: several questions in one request.
_NUMBERED_QUESTION = re.compile(r"(?:^|\s)(?:\d{1,2}|[a-h])[.)]\s+[^?\n]{3,}\?", re.MULTILINE)
# An error line: "ValueError: ...", "Error 1234: ...", "FATAL ...", "Erreur : ...".
_ERROR_LINE = re.compile(
    r"\b(?P<sig>(?:error|erreur)\s*#?\s*\d+|[\w.$]*(?:Error|Exception)\b|erreur\b|fatal\b)",
    re.IGNORECASE,
)
# Lines of a stack trace that are not a new error.
_TRACE_LINE = re.compile(r"^\s*(?:at\s|traceback|file \"|\.\.\.)", re.IGNORECASE)
# One error reported with its causes (Java "Caused by:", Python's chained tracebacks).
_CHAIN = re.compile(
    r"^\s*caused by|during handling of the above exception|the above exception was",
    re.IGNORECASE | re.MULTILINE,
)
ONE_INCIDENT_ADVICE = "advice.one_incident"  # its message id in texts.MESSAGES


def error_signatures(text: str) -> list[str]:
    """The distinct errors a pasted error text shows, in order (a traceback's chained
    causes and repeated lines count once)."""
    found: list[str] = []
    for line in text.splitlines():
        if _TRACE_LINE.match(line):
            continue
        match = _ERROR_LINE.search(line)
        if match is None:
            continue
        signature = re.sub(r"\s+", " ", match.group("sig"))
        if signature.lower() not in (seen.lower() for seen in found):
            found.append(signature)
    return found[:1] if _CHAIN.search(text) else found


def incident_advice(description: str, language: str = "en") -> str | None:
    """Why this text seems to describe more than one incident, or None. The phrases are
    recognized in English, Spanish and French whatever `language` the advice is in."""
    if len(_NUMBERED_QUESTION.findall(description)) >= 2:
        why = text("advice.numbered_questions", language)
        return text(ONE_INCIDENT_ADVICE, language, why=why)
    match = _SECOND_INCIDENT.search(description)
    if match:
        words = match.group(0).strip(" .!?:;\n")
        why = text("advice.words", language, words=words)
        return text(ONE_INCIDENT_ADVICE, language, why=why)
    return None


def field_advice(pointer: str, value: Any, language: str = "en") -> str | None:
    """Advice on one answer (the server would accept it), or None."""
    if not isinstance(value, str) or not value.strip():
        return None
    if pointer == "/error_text":
        signatures = error_signatures(value)
        if len(signatures) >= 2:
            why = text("advice.different_errors", language, errors=", ".join(signatures[:3]))
            return text(ONE_INCIDENT_ADVICE, language, why=why)
        return None
    if pointer in ("/subject", "/description", "/actual"):
        return incident_advice(value, language)
    return None


def document_advice(document: Mapping[str, Any], language: str = "en") -> list[LocalProblem]:
    """Advice on a whole document: warnings the customer may send past."""
    advice = []
    for name in ("subject", "description", "actual", "error_text"):
        found = field_advice(f"/{name}", document.get(name), language)
        if found:
            advice.append(LocalProblem(f"/{name}", found))
    return advice
