"""The request tool's one message catalogue (supportdesk_request/texts.py: the commands',
the wizard's, the checks' and the collected items' texts): complete in the three languages,
the same placeholders in each, every id the code asks for present, and the one choice of the
language the tool speaks."""

from __future__ import annotations

import re
import string
from pathlib import Path

import pytest
import supportdesk_request
from supportdesk_request import checks, collect, texts, wizard
from supportdesk_request.texts import CHOICE_LABELS, LANGUAGES, MESSAGES, pick_language

# Every module of the tool: the commands, the wizard, the checks, the collectors.
SOURCES = sorted(Path(supportdesk_request.__file__).parent.glob("*.py"))


def placeholders(template: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(template) if name is not None}


@pytest.mark.parametrize("message_id", sorted(MESSAGES))
def test_every_message_has_the_three_languages_and_the_same_placeholders(
    message_id: str,
) -> None:
    translations = MESSAGES[message_id]
    assert set(translations) == set(LANGUAGES)
    assert all(translations[language].strip() for language in LANGUAGES)
    english = placeholders(translations["en"])
    for language in ("es", "fr"):
        assert placeholders(translations[language]) == english, language


def test_every_choice_has_a_label_in_the_three_languages() -> None:
    for value in (*checks.TYPES, *checks.FREQUENCIES, *checks.URGENCIES, *checks.ROLES):
        assert set(CHOICE_LABELS[value]) == set(LANGUAGES), value
        assert CHOICE_LABELS[value]["en"] in (value, value.replace("_", "/"))


def test_the_code_asks_only_for_messages_the_catalogue_has() -> None:
    used: set[str] = set()
    for source in SOURCES:
        code = source.read_text(encoding="utf-8")
        used |= set(re.findall(r'\b(?:text|say_text)\(\s*"([a-z_./]+)"', code))
        used |= set(re.findall(r'"(ask\.[a-z_]+|show\.[a-z_]+|check\.[a-z_0-9]+)"', code))
    # The commands' ids (send_command.py, ticket_commands.py) are among them.
    assert {"written", "incomplete", "command.cancelled", "second_look"} <= used
    assert len(used) > 70
    assert used - set(MESSAGES) == set()


def test_every_collected_item_has_its_label_in_the_catalogue() -> None:
    """The wizard shows the collected items' labels in the customer's language: each
    collector's key has one, and the collectors label in English."""
    keys = {*collect.PRODUCT_KEYS.values(), *(item.key for item in collect.collect_machine())}
    assert {"environment.os", "environment.memory_mb", "product.build"} <= keys
    for key in keys:
        assert f"item.{key}" in MESSAGES, key
    items = collect.collect_environment({"code": "windev", "version": "2026", "build": "1"})
    assert {item.label for item in items} >= {"Product", "Operating system"}
    assert texts.item_label("environment.os", "fr") == "Système d'exploitation"
    assert texts.item_label("environment.unknown", "fr") == "environment.unknown"


@pytest.mark.parametrize(
    ("key", "label", "language", "expected"),
    [
        ("environment.memory_mb", "Memory (MB)", "es", "Memoria (MB)"),
        ("environment.memory_mb", "Memory (MB)", "en", "Memory (MB)"),
        # A label an IDE gave is its own: shown as it is, in any language.
        ("environment.memory_mb", "RAM", "fr", "RAM"),
        ("ide.plugin", "Plugin", "fr", "Plugin"),
    ],
)
def test_a_collected_items_label_is_translated_when_it_is_ours(
    key: str, label: str, language: str, expected: str
) -> None:
    assert texts.shown_item_label(key, label, language) == expected


def test_the_english_texts_are_translated() -> None:
    """A text left in English in es or fr is a forgotten translation, except for the few
    that read the same (a format string, a product term)."""
    same = {
        message_id
        for message_id, translations in MESSAGES.items()
        for language in ("es", "fr")
        if translations[language] == translations["en"]
        and re.search(r"[A-Za-z]{3}", re.sub(r"\{[^}]*\}", "", translations["en"]))
    }
    assert same == {
        "ask.type",
        "show.build",
        "size.bytes",
        "ticket",
        "item.product.build",
        "item.environment.architecture",
    }


@pytest.mark.parametrize(
    ("explicit", "answer_in", "configured", "environ", "expected"),
    [
        ("fr", "es", "en", {"LANG": "en_GB.UTF-8"}, "fr"),
        (None, "es", "fr", {"LANG": "fr_FR.UTF-8"}, "es"),
        (None, None, "es", {"LANG": "fr_FR.UTF-8"}, "es"),
        (None, None, None, {"LANG": "fr_FR.UTF-8"}, "fr"),
        (None, None, "", {"LANG": "fr_FR.UTF-8"}, "fr"),
        (None, None, None, {"LANG": "es_ES.UTF-8", "LC_MESSAGES": "fr_CA.UTF-8"}, "fr"),
        (None, None, None, {"LC_ALL": "es_MX.UTF-8", "LC_MESSAGES": "fr_FR", "LANG": "en"}, "es"),
        (None, None, None, {"LC_ALL": "C", "LANG": "fr_FR.UTF-8"}, "en"),
        (None, None, None, {"LANG": "de_DE.UTF-8"}, "en"),
        (None, None, None, {"LANG": "C"}, "en"),
        (None, None, None, {"LANGUAGE": "fr"}, "en"),  # GNU's list: not read
        (None, None, None, {}, "en"),
        ("de", "de", "de", {"LANG": "es_AR.UTF-8"}, "es"),
        ("FR", None, None, {}, "fr"),
    ],
)
def test_the_language_asked_for_else_the_requests_else_the_configured_else_the_locales(
    explicit: str | None,
    answer_in: str | None,
    configured: str | None,
    environ: dict[str, str],
    expected: str,
) -> None:
    assert pick_language(explicit, answer_in, configured, environ=environ) == expected


def test_a_missing_translation_falls_back_to_english() -> None:
    assert texts.text("cancelled", "de") == "Cancelled: nothing was sent."
    assert texts.text("command.cancelled", "de") == "cancelled: nothing was sent"
    assert texts.choice_label("always", "de") == "always"
    assert texts.choice_label("unknown", "fr") == "unknown"


def test_the_translated_words_name_what_the_wizard_knows() -> None:
    assert set(texts.FIELD_WORDS.values()) <= set(wizard.EDITABLE)
    assert set(texts.COMMAND_WORDS.values()) == {"send", "edit", "remove", "cancel", "show"}
    assert texts.YES_WORDS.isdisjoint(texts.NO_WORDS)
