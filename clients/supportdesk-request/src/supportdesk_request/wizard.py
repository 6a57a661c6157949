"""The interactive wizard (owned by the wizard work): a plain-text dialogue on a terminal
(or any pair of text streams: tests drive it with io.StringIO, pexpect with a real tty).

It asks for each field in the order a support engineer reads them, with the draft's values
(from flags, a file or the calling IDE) and the auto-collected items as defaults that Enter
keeps, checks each answer as it is typed (checks.field_problem: the refusal and the question
again; checks.field_advice: a warning the customer may keep), offers similar solved
requests, then shows the whole request as it will be sent, secrets masked and every
collected item numbered so the customer can leave any of them out before sending.

Ctrl-D (end of input) or Ctrl-C anywhere cancels: nothing is sent."""

from __future__ import annotations

import copy
import os
import re
import sys
from collections.abc import Callable, Sequence
from typing import Any, TextIO

from supportdesk_request import CLIENT_NAME, __version__, checks
from supportdesk_request.masking import MASK, mask_secrets
from supportdesk_request.values import CollectedItem, Policy, Similar

TYPE_MENU = (
    ("question", "question"),
    ("bug", "bug"),
    ("crash", "crash"),
    ("performance", "performance"),
    ("installation_licence", "installation/licence"),
    ("suggestion", "suggestion"),
)
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
FIELD_LABELS = {
    "/subject": "the subject",
    "/description": "the description",
    "/error_text": "the error text",
    "/code_extract": "the code extract",
    "/workarounds": "the workarounds",
    "/expected": "the expected behaviour",
    "/actual": "the actual behaviour",
    "/steps": "the steps",
}
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
COMMANDS = "send, edit FIELD, remove N, cancel"
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
) -> dict[str, Any] | None:
    """Ask for what `draft` lacks, show the whole request (collected items included, each
    removable), and return the document to send, or None when the customer cancels."""
    wizard = _Wizard(draft, collected, policy or Policy(), _Terminal(stdin, stdout))
    try:
        wizard.ask_everything()
        if find_similar is not None and wizard.answered_by_similar(find_similar):
            wizard.term.say("Good: nothing was sent.")
            return None
        return wizard.review()
    except (_Cancelled, KeyboardInterrupt):
        wizard.term.say("")
        wizard.term.say("Cancelled: nothing was sent.")
        return None


class _Terminal:
    def __init__(self, stdin: TextIO, stdout: TextIO) -> None:
        self.stdin = stdin
        self.stdout = stdout

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
        answer = self.read(f"{question}{shown}: ").strip()
        return answer if answer else (default or "")

    def yes(self, question: str, *, default: bool) -> bool:
        while True:
            answer = self.read(f"{question} [{'Y/n' if default else 'y/N'}]: ").strip().lower()
            if not answer:
                return default
            if answer in ("y", "yes", "o", "oui", "s", "si", "sí"):
                return True
            if answer in ("n", "no", "non"):
                return False
            self.say("  Please answer y or n.")


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


def _shown_value(key: str, value: Any) -> str:
    if key.endswith("_mb") and isinstance(value, int):
        return f"{value} MB"
    if isinstance(value, list):
        return ", ".join(
            f"{item.get('name')} {item.get('version', '')}".strip()
            if isinstance(item, dict)
            else str(item)
            for item in value
        )
    return str(value)


def _size_text(size: int) -> str:
    return f"{size / (1024 * 1024):.1f} MB" if size >= 1024 * 1024 else f"{size} bytes"


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

    # --- the questions --------------------------------------------------------------

    def ask_everything(self) -> None:
        self.term.say(
            "A few questions about your request: Enter keeps the value in [brackets]; "
            "Ctrl-D cancels. You will see the whole request before it is sent."
        )
        if not _get(self.doc, "/customer/email"):
            self.ask_text("/customer/email", "Your email address")
        if _get(self.doc, "/customer/serial") is None:
            self.ask_text("/customer/serial", "Licence serial number (Enter to skip)")
        self.ask_type()
        self.ask_product()
        self.ask_text("/subject", "Subject, one line")
        self.ask_by_type()
        self.ask_files()
        self.items = self.listed_items()

    def ask_by_type(self) -> None:
        kind = self.doc.get("type")
        if kind in ("bug", "crash"):
            self.ask_steps()
            self.ask_text("/expected", "Expected behaviour")
            self.ask_text("/actual", "What happens instead")
            self.ask_choice("/frequency", "How often does it happen", checks.FREQUENCIES)
            self.ask_lines("/error_text", "Exact error text, copied")
            self.ask_text("/last_working_version", "Last version that worked (Enter if none)")
        elif kind == "performance":
            self.ask_text("/actual", "What is slow, and how slow (measured)")
            self.ask_text("/expected", "What speed do you expect")
            self.ask_steps()
            self.ask_choice("/frequency", "How often does it happen", checks.FREQUENCIES)
            self.ask_text("/last_working_version", "Last version that was fast (Enter if none)")
        else:
            self.ask_lines("/description", "Your question or request, in full")
            if kind == "installation_licence":
                self.ask_lines("/error_text", "Exact error text, copied")
        if kind != "suggestion":
            self.ask_lines("/workarounds", "Workarounds already tried")
        if kind not in ("installation_licence", "suggestion"):
            self.ask_lines(
                "/code_extract",
                f"Code extract, at most {checks.CODE_EXTRACT_MAX_LINES} lines",
            )
        self.ask_choice("/urgency", "Urgency", checks.URGENCIES, default="normal")
        self.ask_choice("/language", "Language of the answer", checks.LANGUAGES)

    def collected_value(self, pointer: str) -> str | None:
        for item in self.collected:
            if _pointer(item.key) == pointer and item.value not in (None, ""):
                return str(item.value)
        return None

    def accept(self, pointer: str, value: Any) -> bool:
        """Check one answer: a problem refuses it; advice asks whether to keep it."""
        problem = checks.field_problem(pointer, value, self.doc)
        if problem:
            self.term.say(f"  ! {problem}")
            return False
        advice = checks.field_advice(pointer, value)
        if advice:
            self.term.say(f"  Advice: {advice}.")
            if not self.term.yes("Keep this answer anyway?", default=True):
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
            answer = self.term.ask(f"{question} ({', '.join(choices)})", default).lower()
            if answer == "-":  # clears an optional default
                answer = ""
            matches = [choice for choice in choices if choice.startswith(answer)]
            if answer and answer not in choices and len(matches) == 1:
                answer = matches[0]
            if self.accept(pointer, answer):
                _set(self.doc, pointer, answer)
                return

    def ask_type(self) -> None:
        self.term.say("What kind of request is it?")
        for number, (_, label) in enumerate(TYPE_MENU, start=1):
            self.term.say(f"  {number}) {label}")
        current = self.doc.get("type")
        default = current if current in checks.TYPES else None
        while True:
            answer = self.term.ask(f"Type (1-{len(TYPE_MENU)})", default).lower()
            by_label = {label: value for value, label in TYPE_MENU}
            if answer.isdigit() and 1 <= int(answer) <= len(TYPE_MENU):
                answer = TYPE_MENU[int(answer) - 1][0]
            answer = by_label.get(answer, answer)
            if answer in ("installation", "licence", "license"):
                answer = "installation_licence"
            if self.accept("/type", answer):
                self.doc["type"] = answer
                return

    def ask_product(self) -> None:
        products = {str(p.get("code")): p for p in self.policy.products if p.get("code")}
        known = f" ({', '.join(products)})" if products else ""
        while True:
            code_default = _get(self.doc, "/product/code") or self.collected_value("/product/code")
            code = self.term.ask(f"Product code{known}", code_default)
            if products and code and code not in products:
                self.term.say(
                    f"  ! unknown product {code!r}; known products: {', '.join(products)}"
                )
                continue
            if self.accept("/product/code", code):
                _set(self.doc, "/product/code", code)
                break
        versions = [str(v.get("name")) for v in products.get(code, {}).get("versions", [])]
        while True:
            default = _get(self.doc, "/product/version") or self.collected_value("/product/version")
            shown = f" ({', '.join(versions)})" if versions else ""
            version = self.term.ask(f"Product version{shown}", default)
            if versions and version and version not in versions:
                self.term.say(
                    f"  ! unknown version {version!r} of {code}; known versions: "
                    + ", ".join(versions)
                )
                continue
            if self.accept("/product/version", version):
                _set(self.doc, "/product/version", version)
                break
        self.ask_text(
            "/product/build",
            "Build (Enter to skip)",
            default=self.collected_value("/product/build"),
        )

    def ask_steps(self) -> None:
        current = self.doc.get("steps") or []
        while True:
            self.term.say("Steps to reproduce, one per line (an empty line ends):")
            if current:
                self.term.say("  (an empty first line keeps these steps:)")
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
        how = 'end with a line holding only "."' + ("" if required else "; Enter alone to skip")
        while True:
            self.term.say(f"{question} ({how}):")
            if current:
                self.term.say('  (Enter alone keeps this text; "." alone clears it:)')
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
                self.term.say(f"  ! {path}: no such file; it is left out.")
                continue
            self.term.say(f"Attached: {path} ({entry.get('role')})")
            if entry.get("compress") or self.size_accepted(path, entry):
                files.append(entry)
        self.term.say(
            "Files to attach: a screenshot, a log, a dump, a minimal project "
            "(never a whole application)."
        )
        while len(files) < self.policy.max_files:
            answer = self.term.read("File to attach (Enter when done): ").strip()
            if not answer:
                break
            path = os.path.abspath(os.path.expanduser(answer.strip("'\"")))
            if not os.path.isfile(path):
                self.term.say(f"  ! {path}: no such file")
                continue
            if any(entry.get("path") == path for entry in files):
                self.term.say(f"  ! {path} is attached already")
                continue
            guess = ROLE_BY_EXTENSION.get(os.path.splitext(path)[1].lower(), "project")
            while True:
                role = self.term.ask(
                    f"Role of {os.path.basename(path)} ({', '.join(checks.ROLES)})", guess
                )
                if role in checks.ROLES:
                    break
                self.term.say(f"  ! expected one of: {', '.join(checks.ROLES)}")
            entry = {"path": path, "role": role}
            if self.size_accepted(path, entry):
                files.append(entry)
        else:
            self.term.say(f"  (at most {self.policy.max_files} files per request)")
        _set(self.doc, "/_files", files)

    def size_accepted(self, path: str, entry: dict[str, Any]) -> bool:
        """Warn about a file over the server's limit and offer compression (recorded in the
        entry; the tool zips it when sending). False: the customer leaves it out."""
        size = os.path.getsize(path)
        limit = self.policy.attachment_max_bytes
        if size <= limit:
            return True
        self.term.say(
            f"  ! {os.path.basename(path)} is {_size_text(size)}; the server accepts at most "
            f"{_size_text(limit)} per file."
        )
        if self.term.yes("Compress it before sending?", default=True):
            entry["compress"] = True
            return True
        if self.policy.upload_agreement:
            self.term.say("  It will go through the upload link of your attachment agreement.")
            return True
        return self.term.yes(
            "Attach it uncompressed anyway (the server will refuse it)?", default=False
        )

    # --- deflection -------------------------------------------------------------------

    def answered_by_similar(self, find_similar: Callable[[dict[str, Any]], list[Similar]]) -> bool:
        try:
            similar = find_similar(self.document())
        except Exception as error:  # the server's suggestions are a help, never a blocker
            self.term.say(f"(Could not look for similar requests: {error})")
            return False
        if not similar:
            return False
        self.term.say("")
        self.term.say("Similar requests already answered:")
        for number, found in enumerate(similar, start=1):
            self.term.say(f"  {number}. {found.title}")
            if found.excerpt:
                self.term.say(f"     {found.excerpt}")
            self.term.say(f"     {found.url}")
        return self.term.yes("Does one of these answer your question?", default=False)

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
        while True:
            command = self.term.read(f"Command ({COMMANDS}): ").strip()
            verb, _, argument = command.partition(" ")
            verb, argument = verb.lower(), argument.strip()
            if verb == "send":
                document = self.document()
                problems = checks.document_problems(document)
                if not problems:
                    return document
                self.term.say("Cannot send yet:")
                for problem in problems:
                    self.term.say(f"  ! {problem.pointer or 'request'}: {problem.message}")
                self.term.say(f"Fix them with: edit FIELD ({EDIT_NAMES})")
            elif verb == "cancel":
                raise _Cancelled
            elif verb == "remove":
                self.remove(argument)
            elif verb == "edit":
                if self.edit(argument.lower()):
                    self.mask()
                    self.show()
            elif verb in ("show", "review"):
                self.show()
            else:
                if command:
                    self.term.say(f"  ! unknown command {command!r}")
                self.term.say(f"Commands: {COMMANDS}. Fields: {EDIT_NAMES}.")

    def remove(self, argument: str) -> None:
        numbers = {number for number, _ in self.items}
        chosen = argument.replace(",", " ").split()
        if not chosen or not all(word.isdigit() and int(word) in numbers for word in chosen):
            self.term.say(f"  ! remove N: N is the number of a collected item (1-{len(numbers)})")
            return
        for word in chosen:
            number = int(word)
            self.removed.add(number)
            key = self.items[number - 1][1].key
            self.term.say(f"  Removed [{number}] {key}: it will not be sent.")

    def edit(self, name: str) -> bool:
        field = EDITABLE.get(name)
        if field is None:
            self.term.say(f"  ! edit FIELD, where FIELD is one of: {EDIT_NAMES}")
            return False
        kind = self.doc.get("type")
        if field == "type":
            self.ask_type()
            if self.doc.get("type") != kind:
                # What the new type requires and the draft lacks.
                self.ask_missing()
        elif field == "product":
            self.ask_product()
        elif field == "subject":
            self.ask_text("/subject", "Subject, one line")
        elif field == "steps":
            self.ask_steps()
        elif field in ("expected", "actual"):
            question = "Expected behaviour" if field == "expected" else "What happens instead"
            self.ask_text(f"/{field}", question)
        elif field == "frequency":
            self.ask_choice("/frequency", "How often does it happen", checks.FREQUENCIES)
        elif field == "error_text":
            self.ask_lines("/error_text", "Exact error text, copied")
        elif field == "workarounds":
            self.ask_lines("/workarounds", "Workarounds already tried")
        elif field == "code_extract":
            self.ask_lines(
                "/code_extract", f"Code extract, at most {checks.CODE_EXTRACT_MAX_LINES} lines"
            )
        elif field == "description":
            self.ask_lines("/description", "Your question or request, in full")
        elif field == "urgency":
            self.ask_choice("/urgency", "Urgency", checks.URGENCIES, default="normal")
        elif field == "language":
            self.ask_choice("/language", "Language of the answer", checks.LANGUAGES)
        elif field == "last_working_version":
            self.ask_text("/last_working_version", "Last version that worked (Enter if none)")
        elif field == "files":
            self.ask_files()
        elif field == "email":
            self.ask_text("/customer/email", "Your email address")
        elif field == "serial":
            self.ask_text("/customer/serial", "Licence serial number (Enter to skip)")
        elif field == "related_ticket":
            self.ask_text("/related_ticket", "Ticket this follows up, e.g. SD-100001 (- for none)")
        return True

    def ask_missing(self) -> None:
        for name in checks.required_fields(self.doc.get("type")):
            if self.doc.get(name) in (None, "", []):
                if name == "steps":
                    self.ask_steps()
                elif name == "actual":
                    self.ask_text("/actual", "What happens instead")
                elif name == "description":
                    self.ask_lines("/description", "Your question or request, in full")

    def show(self) -> None:
        say = self.term.say
        doc = self.doc
        rule = "=" * 64
        say("")
        say(rule)
        say("Your request, as it will be sent")
        say(rule)
        customer = doc.get("customer", {})
        identity = [f"serial {customer['serial']}"] if customer.get("serial") else []
        if customer.get("customer_number"):
            identity.append(f"customer {customer['customer_number']}")
        extra = f" ({', '.join(identity)})" if identity else ""
        say(f"From: {customer.get('email', '(missing)')}{extra}")
        product = doc.get("product", {})
        line = " ".join(
            str(product[part]) for part in ("code", "edition", "version") if product.get(part)
        )
        if product.get("build"):
            line += f", build {product['build']}"
        say(f"Product: {line or '(missing)'}")
        say(f"Type: {dict(TYPE_MENU).get(doc.get('type', ''), doc.get('type', '(missing)'))}")
        say(f"Subject: {doc.get('subject', '(missing)')}")
        for name, label in (
            ("urgency", "Urgency"),
            ("language", "Language of the answer"),
            ("related_ticket", "Follows up"),
        ):
            if doc.get(name):
                say(f"{label}: {doc[name]}")
        if doc.get("description"):
            self.show_block("Description", doc["description"])
        if doc.get("steps"):
            say("Steps:")
            for number, step in enumerate(doc["steps"], start=1):
                say(f"  {number}. {step}")
        for name, label in (
            ("expected", "Expected"),
            ("actual", "Actual"),
            ("frequency", "Frequency"),
            ("last_working_version", "Last version that worked"),
        ):
            if doc.get(name):
                say(f"{label}: {doc[name]}")
        if doc.get("error_text"):
            self.show_block("Error text", doc["error_text"])
        if doc.get("workarounds"):
            self.show_block("Workarounds tried", doc["workarounds"])
        if doc.get("code_extract"):
            lines = checks.code_lines(doc["code_extract"])
            plural = "" if lines == 1 else "s"
            self.show_block(f"Code extract ({lines} line{plural})", doc["code_extract"])
        files = doc.get("_files", [])
        if files:
            say("Files:")
            for entry in files:
                how = ", compressed before sending" if entry.get("compress") else ""
                say(f"  - {entry.get('path')} ({entry.get('role')}{how})")
        if self.items:
            say("Collected automatically (remove N leaves an item out):")
            for number, item in self.items:
                if number in self.removed:
                    say(f"  [{number}] {item.key}: (removed, will not be sent)")
                    continue
                label = f"  ({item.label})" if item.label and item.label != item.key else ""
                say(f"  [{number}] {item.key}: {_shown_value(item.key, item.value)}{label}")
        total = sum(self.masked.values())
        where = ", ".join(FIELD_LABELS[p] for p in MASKED_FIELDS if self.masked.get(p))
        if total:
            say(f"Secrets masked: {total} (shown as {MASK}) in {where}.")
        else:
            say("Secrets masked: 0 (no password or token found in the texts).")
        for advice in checks.document_advice(doc):
            say(f"Advice ({advice.pointer.strip('/')}): {advice.message}.")
        say(rule)

    def show_block(self, title: str, text: str) -> None:
        self.term.say(f"{title}:")
        for line in text.splitlines():
            self.term.say(f"  | {line}")
