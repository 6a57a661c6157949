"""Runs the wizard on the real terminal, for the pexpect tests (test_wizard.py): a draft as
an IDE would pre-fill it, a few collected items, a small attachment limit, then writes the
result as JSON to OUT ("null" when the customer cancelled).

    python tests/request_tool/wizard_driver.py OUT.json [--similar] [--max-bytes N]
        [--language en|es|fr]

Without --language the wizard speaks the locale's language (LC_ALL, LC_MESSAGES, LANG).
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from supportdesk_request.values import CollectedItem, Policy, Similar
from supportdesk_request.wizard import run_wizard


def similar_requests(document: dict[str, Any]) -> list[Similar]:
    return [
        Similar(
            title="PDF export: footer missing on the last page",
            url="http://support.example.com/kb/SD-100042",
            excerpt="Fixed in build 28.0.413: set the footer's 'print on last page' option.",
            reference="SD-100042",
        )
    ]


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("out", type=Path)
    parser.add_argument("--similar", action="store_true")
    parser.add_argument("--max-bytes", type=int, default=1024)
    parser.add_argument("--language", choices=("en", "es", "fr"), default=None)
    arguments = parser.parse_args()
    draft: dict[str, Any] = {
        "customer": {"email": "ann@example.com", "serial": "WD-2026-0001"},
        "product": {"code": "windev"},
    }
    collected = [
        CollectedItem("product.version", "Product version", "2026"),
        CollectedItem("environment.os", "Operating system", "Debian GNU/Linux 12"),
        CollectedItem("environment.language", "System language", "fr_FR"),
        CollectedItem("environment.memory_mb", "Memory", 32768),
    ]
    result = run_wizard(
        draft,
        collected,
        policy=Policy(attachment_max_bytes=arguments.max_bytes),
        find_similar=similar_requests if arguments.similar else None,
        stdin=sys.stdin,
        stdout=sys.stdout,
        ui_language=arguments.language,
    )
    arguments.out.write_text(json.dumps(result, indent=2), encoding="utf-8")
    return 0 if result is not None else 1


if __name__ == "__main__":
    raise SystemExit(main())
