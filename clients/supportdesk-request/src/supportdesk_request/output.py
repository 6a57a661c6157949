"""Where the commands' messages go: people read stdout and stderr; with --json, stdout
carries only the final JSON object."""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any, TextIO

from supportdesk_request.server import Invalid
from supportdesk_request.texts import pick_language, text


class Output:
    """Where messages go: people read stderr and stdout; with --json, stdout carries only
    the final object."""

    def __init__(self, json_mode: bool, stdout: TextIO, stderr: TextIO) -> None:
        self.json_mode = json_mode
        self.stdout = stdout
        self.stderr = stderr
        self.language = pick_language()

    def text(self, key: str, **values: Any) -> str:
        return text(key, self.language, **values)

    def say(self, text: str) -> None:
        print(text, file=self.stderr if self.json_mode else self.stdout)

    def note(self, text: str) -> None:
        print(f"supportdesk-request: {text}", file=self.stderr)

    def result(self, payload: dict[str, Any]) -> None:
        if self.json_mode:
            print(json.dumps(payload, ensure_ascii=False), file=self.stdout)


def input_allowed(args: argparse.Namespace, stdin: TextIO) -> bool:
    return not args.no_input and not args.json and stdin.isatty()


def read_text_argument(path: Path, flag: str) -> str:
    try:
        return path.read_text(encoding="utf-8", errors="replace")
    except OSError as error:
        raise Invalid(f"{flag}: cannot read {path}: {error.strerror}") from None
