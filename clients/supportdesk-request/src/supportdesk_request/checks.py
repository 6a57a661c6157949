"""Checks a request passes before it leaves the machine (owned by the wizard work): the
same rules the server applies that can be checked offline (required fields, one-line
subject, steps for a bug or crash, code extract of at most 30 lines), plus advice the
server cannot give (one incident per request). The wizard checks each answer as it is
typed; `send --no-input` checks the whole document."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class LocalProblem:
    pointer: str  # JSON pointer of the field, "" for the whole request
    message: str  # in English; the server's own refusal comes in the customer's language


def document_problems(document: dict[str, Any]) -> list[LocalProblem]:
    """Every problem of a complete document. (Stub.)"""
    return []
