"""The interactive wizard (owned by the wizard work): a plain-text dialogue on a terminal
(or any pair of text streams: tests drive it with io.StringIO, pexpect with a real tty).

It asks for each field in the order a support engineer reads them, with the draft's values
(from flags, a file or the calling IDE) and the auto-collected items as defaults that Enter
keeps, checks each answer as it is typed (checks.field_problem: the refusal and the question
again; checks.field_advice: a warning the customer may keep), offers similar solved
requests, then shows the whole request as it will be sent, secrets masked and every
collected item numbered so the customer can leave any of them out before sending.

Ctrl-D (end of input) or Ctrl-C anywhere cancels: nothing is sent.

It speaks English, Spanish or French (every text is in texts.MESSAGES): the language asked
for, else the language the customer wants the answer in, else the locale's. Whatever it
speaks, it understands yes and no in the three languages, a choice by its English value,
its label in any of them or its number, and the review's commands in the three."""

from __future__ import annotations

import copy
import os
import re
import sys
from collections.abc import Callable, Sequence
from typing import Any, TextIO

from supportdesk_request import CLIENT_NAME, __version__, checks, texts
from supportdesk_request.masking import MASK, mask_secrets
from supportdesk_request.texts import choice_label
from supportdesk_request.values import CollectedItem, Policy, Similar

# The type menu's order (the labels are texts.CHOICE_LABELS').
TYPE_MENU = (
    "question",
    "bug",
    "crash",
    "performance",
    "installation_licence",
    "suggestion",
)
# Words a customer may type for the installation/licence type.
INSTALLATION_WORDS = ("installation", "licence", "license", "instalación", "licencia")
# The fields whose text the customer pastes from logs and code: where secrets hide.
MASKED_FIELDS = (
    "/subject",
    "/description",
    "/error_text",
    "/code_extract",
    "/workarounds",
    "/expected",
    "/actual",
    "/steps",
)
# "edit FIELD": the names the customer may type, and what each re-asks.
EDITABLE = {
    "type": "type",
    "product": "product",
    "version": "product",
    "build": "product",
    "subject": "subject",
    "steps": "steps",
    "expected": "expected",
    "actual": "actual",
    "frequency": "frequency",
    "error": "error_text",
    "error_text": "error_text",
    "workarounds": "workarounds",
    "code": "code_extract",
    "code_extract": "code_extract",
    "urgency": "urgency",
    "language": "language",
    "files": "files",
    "description": "description",
    "last_working_version": "last_working_version",
    "last_working": "last_working_version",
    "email": "email",
    "serial": "serial",
    "related_ticket": "related_ticket",
}
EDIT_NAMES = (
    "type, product, subject, description, steps, expected, actual, frequency, error, "
    "last_working_version, workarounds, code, urgency, language, files, email, serial, "
    "related_ticket"
)
ROLE_BY_EXTENSION = {
    ".png": "screenshot",
    ".jpg": "screenshot",
    ".jpeg": "screenshot",
    ".gif": "screenshot",
    ".bmp": "screenshot",
    ".webp": "screenshot",
    ".log": "log",
    ".txt": "log",
    ".dmp": "dump",
    ".mdmp": "dump",
    ".core": "dump",
    ".crash": "dump",
    ".zip": "project",
    ".7z": "project",
    ".gz": "project",
    ".tgz": "project",
}


class _Cancelled(Exception):
    """End of input or Ctrl-C: the customer leaves; nothing is sent."""


def run_wizard(
    draft: dict[str, Any],
    collected: list[CollectedItem],
    *,
    policy: Policy | None = None,
    find_similar: Callable[[dict[str, Any]], list[Similar]] | None = None,
    stdin: TextIO = sys.stdin,
    stdout: TextIO = sys.stdout,
    ui_language: str | None = None,
) -> dict[str, Any] | None:
    """Ask for what `draft` lacks, show the whole request (collected items included, each
    removable), and return the document to send, or None when the customer cancels.

    `ui_language` (en, es, fr) is the language the wizard speaks; without it, the draft's
    "language" (that of the answer), else the locale's (LC_ALL, LC_MESSAGES, LANG), else
    English (texts.pick_language; the command passes the language it chose)."""
    language = texts.pick_language(ui_language, draft.get("language"))
    wizard = _Wizard(draft, collected, policy or Policy(), _Terminal(stdin, stdout, language))
    try:
        wizard.ask_everything()
        if find_similar is not None and wizard.answered_by_similar(find_similar):
            wizard.term.say_text("answered_by_similar")
            return None
        return wizard.review()
    except (_Cancelled, KeyboardInterrupt):
        wizard.term.say("")
        wizard.term.say_text("cancelled")
        return None


class _Terminal:
    def __init__(self, stdin: TextIO, stdout: TextIO, language: str = "en") -> None:
        self.stdin = stdin
        self.stdout = stdout
        self.language = language

    def text(self, message_id: str, **values: object) -> str:
        return texts.text(message_id, self.language, **values)

    def say_text(self, message_id: str, **values: object) -> None:
        self.say(self.text(message_id, **values))

    def say(self, text: str = "") -> None:
        self.stdout.write(text + "\n")
        self.stdout.flush()

    def read(self, prompt: str = "") -> str:
        """One line, without its line ending; end of input cancels."""
        if prompt:
            self.stdout.write(prompt)
            self.stdout.flush()
        line = self.stdin.readline()
        if line == "":
            raise _Cancelled
        return line.rstrip("\r\n")

    def ask(self, question: str, default: str | None = None) -> str:
        """An answer, stripped; Enter gives the default shown in brackets."""
        shown = f" [{default}]" if default else ""
        answer = self.read(self.text("prompt", question=question, shown=shown)).strip()
        return answer if answer else (default or "")

    def yes(self, question: str, *, default: bool) -> bool:
        prompt = "yes_no.default_yes" if default else "yes_no.default_no"
        while True:
            answer = self.read(self.text(prompt, question=question)).strip().lower()
            if not answer:
                return default
            if answer in texts.YES_WORDS:
                return True
            if answer in texts.NO_WORDS:
                return False
            self.say_text("yes_no.again")

    def labels(self, choices: Sequence[str]) -> str:
        """The choices as the customer reads them, e.g. "always, often, sometimes, once"."""
        return ", ".join(choice_label(choice, self.language) for choice in choices)

    def choose(self, question: str, choices: Sequence[str], default: str | None) -> str:
        """A choice, shown by its labels: the answer as the value it names (its English
        value, its label in any language, its number, or a prefix of one that is unique),
        or as typed when it names none; "-" gives "" (clears an optional default)."""
        shown = choice_label(default, self.language) if default else None
        answer = self.ask(f"{question} ({self.labels(choices)})", shown).lower()
        return "" if answer == "-" else _chosen(answer, choices, self.language)


def _chosen(answer: str, choices: Sequence[str], language: str) -> str:
    if answer.isdigit() and 1 <= int(answer) <= len(choices):
        return choices[int(answer) - 1]
    for choice in choices:
        names = {choice, *texts.CHOICE_LABELS.get(choice, {}).values()}
        if answer in names:
            return choice
    if not answer:
        return answer
    # A prefix of the labels the customer reads first ("so" is "souvent" in French), then
    # of the English values.
    for in_language in (True, False):
        prefixed = [
            choice
            for choice in choices
            if (choice_label(choice, language) if in_language else choice).startswith(answer)
        ]
        if len(prefixed) == 1:
            return prefixed[0]
    return answer


def _get(document: dict[str, Any], pointer: str) -> Any:
    value: Any = document
    for part in pointer.strip("/").split("/"):
        if not isinstance(value, dict) or part not in value:
            return None
        value = value[part]
    return value


def _set(document: dict[str, Any], pointer: str, value: Any) -> None:
    """Set a field; an empty value removes it (optional fields absent, not blank)."""
    *parents, name = pointer.strip("/").split("/")
    target = document
    for part in parents:
        target = target.setdefault(part, {})
    if value is None or value == "" or value == []:
        target.pop(name, None)
    else:
        target[name] = value


def _pointer(dotted_key: str) -> str:
    return "/" + dotted_key.replace(".", "/")


def _shown_value(key: str, value: Any, language: str) -> str:
    if key.endswith("_mb") and isinstance(value, int):
        return texts.text("size.megabytes", language, size=value)
    if isinstance(value, list):
        return ", ".join(
            f"{item.get('name')} {item.get('version', '')}".strip()
            if isinstance(item, dict)
            else str(item)
            for item in value
        )
    return str(value)


def _size_text(size: int, language: str) -> str:
    if size >= 1024 * 1024:
        return texts.text("size.megabytes", language, size=f"{size / (1024 * 1024):.1f}")
    return texts.text("size.bytes", language, size=size)


class _Wizard:
    def __init__(
        self,
        draft: dict[str, Any],
        collected: Sequence[CollectedItem],
        policy: Policy,
        term: _Terminal,
    ) -> None:
        self.doc = copy.deepcopy(draft)
        self.doc.setdefault("format", checks.FORMAT_NAME)
        self.doc.setdefault("version", checks.FORMAT_VERSION)
        self.doc.setdefault("client", {"name": CLIENT_NAME, "version": __version__})
        self.collected = list(collected)
        self.policy = policy
        self.term = term
        # The collected items the review lists, numbered once the questions are answered.
        self.items: list[tuple[int, CollectedItem]] = []
        self.removed: set[int] = set()  # their numbers the customer left out
        self.masked: dict[str, int] = {}
        self.language = term.language

    def text(self, message_id: str, **values: object) -> str:
        return self.term.text(message_id, **values)

    # --- the questions --------------------------------------------------------------

    def ask_everything(self) -> None:
        self.term.say_text("intro")
        if not _get(self.doc, "/customer/email"):
            self.ask_text("/customer/email", self.text("ask.email"))
        if _get(self.doc, "/customer/serial") is None:
            self.ask_text("/customer/serial", self.text("ask.serial"))
        self.ask_type()
        self.ask_product()
        self.ask_text("/subject", self.text("ask.subject"))
        self.ask_by_type()
        self.ask_files()
        self.items = self.listed_items()

    def ask_by_type(self) -> None:
        kind = self.doc.get("type")
        if kind in ("bug", "crash"):
            self.ask_steps()
            self.ask_field("expected")
            self.ask_field("actual")
            self.ask_field("frequency")
            self.ask_field("error_text")
            self.ask_field("last_working_version")
        elif kind == "performance":
            self.ask_text("/actual", self.text("ask.slow_actual"))
            self.ask_text("/expected", self.text("ask.slow_expected"))
            self.ask_steps()
            self.ask_field("frequency")
            self.ask_text("/last_working_version", self.text("ask.last_fast_version"))
        else:
            self.ask_field("description")
            if kind == "installation_licence":
                self.ask_field("error_text")
        if kind != "suggestion":
            self.ask_field("workarounds")
        if kind not in ("installation_licence", "suggestion"):
            self.ask_field("code_extract")
        self.ask_field("urgency")
        self.ask_field("language")

    def ask_field(self, field: str) -> None:
        """Ask (again) for one field the customer names with "edit FIELD"."""
        if field == "type":
            self.ask_type()
        elif field == "product":
            self.ask_product()
        elif field == "steps":
            self.ask_steps()
        elif field == "files":
            self.ask_files()
        elif field == "frequency":
            self.ask_choice("/frequency", self.text("ask.frequency"), checks.FREQUENCIES)
        elif field == "urgency":
            question = self.text("ask.urgency")
            self.ask_choice("/urgency", question, checks.URGENCIES, default="normal")
        elif field == "language":
            self.ask_choice("/language", self.text("ask.language"), checks.LANGUAGES)
        elif field in ("error_text", "workarounds", "description"):
            self.ask_lines(f"/{field}", self.text(f"ask.{field}"))
        elif field == "code_extract":
            question = self.text("ask.code_extract", max_lines=checks.CODE_EXTRACT_MAX_LINES)
            self.ask_lines("/code_extract", question)
        elif field in ("email", "serial"):
            self.ask_text(f"/customer/{field}", self.text(f"ask.{field}"))
        else:  # subject, expected, actual, last_working_version, related_ticket
            self.ask_text(f"/{field}", self.text(f"ask.{field}"))

    def collected_value(self, pointer: str) -> str | None:
        for item in self.collected:
            if _pointer(item.key) == pointer and item.value not in (None, ""):
                return str(item.value)
        return None

    def accept(self, pointer: str, value: Any) -> bool:
        """Check one answer: a problem refuses it; advice asks whether to keep it."""
        problem = checks.field_problem(pointer, value, self.doc, self.language)
        if problem:
            self.term.say_text("answer.problem", problem=problem)
            return False
        advice = checks.field_advice(pointer, value, self.language)
        if advice:
            self.term.say_text("answer.advice", advice=advice)
            if not self.term.yes(self.text("answer.keep_anyway"), default=True):
                return False
        return True

    def ask_text(self, pointer: str, question: str, default: str | None = None) -> None:
        current = _get(self.doc, pointer)
        default = str(current) if current not in (None, "") else default
        while True:
            answer = self.term.ask(question, default)
            if answer == "-":  # clears an optional default
                answer = ""
            if self.accept(pointer, answer):
                _set(self.doc, pointer, answer)
                return

    def ask_choice(
        self,
        pointer: str,
        question: str,
        choices: Sequence[str],
        default: str | None = None,
    ) -> None:
        current = _get(self.doc, pointer)
        default = current if isinstance(current, str) and current else default
        while True:
            answer = self.term.choose(question, choices, default)
            if self.accept(pointer, answer):
                _set(self.doc, pointer, answer)
                return

    def ask_type(self) -> None:
        self.term.say_text("ask.type_header")
        for number, value in enumerate(TYPE_MENU, start=1):
            self.term.say(f"  {number}) {choice_label(value, self.language)}")
        current = self.doc.get("type")
        default = choice_label(current, self.language) if current in checks.TYPES else None
        while True:
            question = self.text("ask.type", count=len(TYPE_MENU))
            answer = self.term.ask(question, default).lower()
            answer = _chosen(answer, TYPE_MENU, self.language)
            if answer in INSTALLATION_WORDS:
                answer = "installation_licence"
            if self.accept("/type", answer):
                self.doc["type"] = answer
                return

    def ask_product(self) -> None:
        products = {str(p.get("code")): p for p in self.policy.products if p.get("code")}
        known = f" ({', '.join(products)})" if products else ""
        while True:
            code_default = _get(self.doc, "/product/code") or self.collected_value("/product/code")
            code = self.term.ask(self.text("ask.product_code", known=known), code_default)
            if products and code and code not in products:
                self.term.say_text("ask.product_unknown", code=code, known=", ".join(products))
                continue
            if self.accept("/product/code", code):
                _set(self.doc, "/product/code", code)
                break
        versions = [str(v.get("name")) for v in products.get(code, {}).get("versions", [])]
        while True:
            default = _get(self.doc, "/product/version") or self.collected_value("/product/version")
            shown = f" ({', '.join(versions)})" if versions else ""
            version = self.term.ask(self.text("ask.product_version", known=shown), default)
            if versions and version and version not in versions:
                known_versions = ", ".join(versions)
                self.term.say_text(
                    "ask.version_unknown", version=version, code=code, known=known_versions
                )
                continue
            if self.accept("/product/version", version):
                _set(self.doc, "/product/version", version)
                break
        self.ask_text(
            "/product/build",
            self.text("ask.build"),
            default=self.collected_value("/product/build"),
        )

    def ask_steps(self) -> None:
        current = self.doc.get("steps") or []
        while True:
            self.term.say_text("ask.steps")
            if current:
                self.term.say_text("ask.steps_keep")
                for number, step in enumerate(current, start=1):
                    self.term.say(f"    {number}. {step}")
            steps: list[str] = []
            while True:
                line = self.term.read(f"  {len(steps) + 1}. ").strip()
                if not line:
                    break
                # The numbers are the format's to add; drop the ones typed or pasted.
                steps.append(re.sub(r"^\d{1,3}\s*[.)]\s*", "", line))
            if not steps:
                steps = list(current)
            if self.accept("/steps", steps):
                _set(self.doc, "/steps", steps)
                return

    def ask_lines(self, pointer: str, question: str) -> None:
        """Several lines, ended by a line holding only "."; an empty first line keeps the
        current text (or skips the field)."""
        current = _get(self.doc, pointer)
        required = checks.field_problem(pointer, "", self.doc) is not None
        how = self.text("ask.lines_end" if required else "ask.lines_end_or_skip")
        while True:
            self.term.say_text("ask.lines", question=question, how=how)
            if current:
                self.term.say_text("ask.lines_keep")
                for line in str(current).splitlines():
                    self.term.say(f"  | {line}")
            lines: list[str] = []
            first = True
            while True:
                line = self.term.read()
                if first and not line.strip():
                    lines = str(current or "").splitlines()
                    break
                first = False
                if line.strip() == ".":
                    break
                lines.append(line)
            text = "\n".join(lines)
            if self.accept(pointer, text):
                _set(self.doc, pointer, text)
                return

    def ask_files(self) -> None:
        files: list[dict[str, Any]] = []
        for entry in self.doc.get("_files", []):
            path = str(entry.get("path", ""))
            if not os.path.isfile(path):
                self.term.say_text("files.left_out", path=path)
                continue
            role = choice_label(str(entry.get("role")), self.language)
            self.term.say_text("files.attached", path=path, role=role)
            if entry.get("compress") or self.size_accepted(path, entry):
                files.append(entry)
        self.term.say_text("files.intro")
        while len(files) < self.policy.max_files:
            answer = self.term.read(self.text("files.ask")).strip()
            if not answer:
                break
            path = os.path.abspath(os.path.expanduser(answer.strip("'\"")))
            if not os.path.isfile(path):
                self.term.say_text("files.missing", path=path)
                continue
            if any(entry.get("path") == path for entry in files):
                self.term.say_text("files.twice", path=path)
                continue
            guess = ROLE_BY_EXTENSION.get(os.path.splitext(path)[1].lower(), "project")
            question = self.text("files.role", name=os.path.basename(path))
            while True:
                role = self.term.choose(question, checks.ROLES, guess)
                if role in checks.ROLES:
                    break
                self.term.say_text("choice.expected", choices=self.term.labels(checks.ROLES))
            entry = {"path": path, "role": role}
            if self.size_accepted(path, entry):
                files.append(entry)
        else:
            self.term.say_text("files.at_most", max_files=self.policy.max_files)
        _set(self.doc, "/_files", files)

    def size_accepted(self, path: str, entry: dict[str, Any]) -> bool:
        """Warn about a file over the server's limit and offer compression (recorded in the
        entry; the tool zips it when sending). False: the customer leaves it out."""
        size = os.path.getsize(path)
        limit = self.policy.attachment_max_bytes
        if size <= limit:
            return True
        self.term.say_text(
            "files.too_big",
            name=os.path.basename(path),
            size=_size_text(size, self.language),
            limit=_size_text(limit, self.language),
        )
        if self.term.yes(self.text("files.compress"), default=True):
            entry["compress"] = True
            return True
        if self.policy.upload_agreement:
            self.term.say_text("files.upload_link")
            return True
        return self.term.yes(self.text("files.uncompressed"), default=False)

    # --- deflection -------------------------------------------------------------------

    def answered_by_similar(self, find_similar: Callable[[dict[str, Any]], list[Similar]]) -> bool:
        try:
            similar = find_similar(self.document())
        except Exception as error:  # the server's suggestions are a help, never a blocker
            self.term.say_text("similar.failed", error=error)
            return False
        if not similar:
            return False
        self.term.say("")
        self.term.say_text("similar.header")
        for number, found in enumerate(similar, start=1):
            self.term.say(f"  {number}. {found.title}")
            if found.excerpt:
                self.term.say(f"     {found.excerpt}")
            self.term.say(f"     {found.url}")
        return self.term.yes(self.text("similar.ask"), default=False)

    # --- the review -------------------------------------------------------------------

    def listed_items(self) -> list[tuple[int, CollectedItem]]:
        """The collected items the review lists, numbered: those the answers do not set
        (a product version asked with a collected default is the customer's answer)."""
        listed = [item for item in self.collected if _get(self.doc, _pointer(item.key)) is None]
        return list(enumerate(listed, start=1))

    def mask(self) -> None:
        for pointer in MASKED_FIELDS:
            value = _get(self.doc, pointer)
            if isinstance(value, list):
                results = [mask_secrets(str(step)) for step in value]
                count = sum(found for _, found in results)
                masked: Any = [text for text, _ in results]
            elif isinstance(value, str):
                masked, count = mask_secrets(value)
            else:
                continue
            if count:
                _set(self.doc, pointer, masked)
                self.masked[pointer] = self.masked.get(pointer, 0) + count

    def document(self) -> dict[str, Any]:
        """The request as it will be sent: the answers, then each kept collected item at
        its key ("_files" stays for the tool)."""
        document = copy.deepcopy(self.doc)
        for number, item in self.items:
            if number not in self.removed:
                _set(document, _pointer(item.key), copy.deepcopy(item.value))
        return document

    def review(self) -> dict[str, Any] | None:
        self.mask()
        self.show()
        commands = self.text("review.commands")
        while True:
            command = self.term.read(self.text("review.prompt", commands=commands)).strip()
            verb, _, argument = command.partition(" ")
            argument = argument.strip()
            verb = texts.COMMAND_WORDS.get(verb.lower(), verb.lower())
            if verb == "send":
                document = self.document()
                problems = checks.document_problems(document, self.language)
                if not problems:
                    return document
                self.term.say_text("review.cannot_send")
                for problem in problems:
                    where = problem.pointer or self.text("review.whole_request")
                    self.term.say_text("review.problem", where=where, message=problem.message)
                self.term.say_text("review.fix_with", fields=EDIT_NAMES)
            elif verb == "cancel":
                raise _Cancelled
            elif verb == "remove":
                self.remove(argument)
            elif verb == "edit":
                if self.edit(argument.lower()):
                    self.mask()
                    self.show()
            elif verb == "show":
                self.show()
            else:
                if command:
                    self.term.say_text("review.unknown_command", command=command)
                self.term.say_text("review.help", commands=commands, fields=EDIT_NAMES)

    def remove(self, argument: str) -> None:
        numbers = {number for number, _ in self.items}
        chosen = argument.replace(",", " ").split()
        if not chosen or not all(word.isdigit() and int(word) in numbers for word in chosen):
            self.term.say_text("review.remove_usage", count=len(numbers))
            return
        for word in chosen:
            number = int(word)
            self.removed.add(number)
            key = self.items[number - 1][1].key
            self.term.say_text("review.removed", number=number, key=key)

    def edit(self, name: str) -> bool:
        field = EDITABLE.get(texts.FIELD_WORDS.get(name, name))
        if field is None:
            self.term.say_text("review.edit_usage", fields=EDIT_NAMES)
            return False
        kind = self.doc.get("type")
        self.ask_field(field)
        if field == "type" and self.doc.get("type") != kind:
            # What the new type requires and the draft lacks.
            self.ask_missing()
        return True

    def ask_missing(self) -> None:
        for name in checks.required_fields(self.doc.get("type")):
            if self.doc.get(name) in (None, "", []) and name in ("steps", "actual", "description"):
                self.ask_field(name)

    def show(self) -> None:
        say = self.term.say
        text = self.text
        doc = self.doc
        missing = text("show.missing")
        rule = "=" * 64
        say("")
        say(rule)
        say(text("show.title"))
        say(rule)
        customer = doc.get("customer", {})
        identity = []
        if customer.get("serial"):
            identity.append(text("show.serial", serial=customer["serial"]))
        if customer.get("customer_number"):
            identity.append(text("show.customer_number", number=customer["customer_number"]))
        extra = f" ({', '.join(identity)})" if identity else ""
        say(text("show.from", email=customer.get("email", missing), identity=extra))
        product = doc.get("product", {})
        line = " ".join(
            str(product[part]) for part in ("code", "edition", "version") if product.get(part)
        )
        if product.get("build"):
            line += text("show.build", build=product["build"])
        say(text("show.product", product=line or missing))
        kind = doc.get("type")
        say(text("show.type", value=choice_label(str(kind), self.language) if kind else missing))
        say(text("show.subject", value=doc.get("subject", missing)))
        for name in ("urgency", "language", "related_ticket"):
            if doc.get(name):
                say(text(f"show.{name}", value=choice_label(str(doc[name]), self.language)))
        if doc.get("description"):
            self.show_block(text("show.description"), doc["description"])
        if doc.get("steps"):
            say(text("show.steps"))
            for number, step in enumerate(doc["steps"], start=1):
                say(f"  {number}. {step}")
        for name in ("expected", "actual", "frequency", "last_working_version"):
            if doc.get(name):
                say(text(f"show.{name}", value=choice_label(str(doc[name]), self.language)))
        if doc.get("error_text"):
            self.show_block(text("show.error_text"), doc["error_text"])
        if doc.get("workarounds"):
            self.show_block(text("show.workarounds"), doc["workarounds"])
        if doc.get("code_extract"):
            lines = checks.code_lines(doc["code_extract"])
            title = "show.code_extract_one" if lines == 1 else "show.code_extract_many"
            self.show_block(text(title, lines=lines), doc["code_extract"])
        files = doc.get("_files", [])
        if files:
            say(text("show.files"))
            for entry in files:
                how = "show.file_compressed" if entry.get("compress") else "show.file"
                role = choice_label(str(entry.get("role")), self.language)
                say(text(how, path=entry.get("path"), role=role))
        if self.items:
            say(text("show.collected"))
            for number, item in self.items:
                if number in self.removed:
                    say(text("show.item_removed", number=number, key=item.key))
                    continue
                label = texts.shown_item_label(item.key, item.label, self.language)
                label = f"  ({label})" if label and label != item.key else ""
                value = _shown_value(item.key, item.value, self.language)
                say(text("show.item", number=number, key=item.key, value=value, label=label))
        total = sum(self.masked.values())
        where = ", ".join(text(f"masked_in.{p}") for p in MASKED_FIELDS if self.masked.get(p))
        if total:
            say(text("show.masked", count=total, mask=MASK, where=where))
        else:
            say(text("show.masked_none"))
        for advice in checks.document_advice(doc, self.language):
            say(text("show.advice", field=advice.pointer.strip("/"), message=advice.message))
        say(rule)

    def show_block(self, title: str, value: str) -> None:
        self.term.say(title)
        for line in value.splitlines():
            self.term.say(f"  | {line}")
