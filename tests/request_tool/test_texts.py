"""The request tool's message catalogue (supportdesk_request/texts.py): complete in the
three languages, the same placeholders in each, every id the code asks for present, and the
choice of the language the wizard speaks."""

from __future__ import annotations

import re
import string
from pathlib import Path

import pytest
from supportdesk_request import checks, wizard
from supportdesk_request import wizard_texts as texts
from supportdesk_request.wizard_texts import CHOICE_LABELS, LANGUAGES, MESSAGES, ui_language

SOURCES = [Path(wizard.__file__), Path(checks.__file__)]


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
    assert len(used) > 50
    assert used - set(MESSAGES) == set()


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
    assert same == {"ask.type", "show.build", "size.bytes"}


@pytest.mark.parametrize(
    ("explicit", "draft", "environ", "expected"),
    [
        ("fr", "es", {"LANG": "en_GB.UTF-8"}, "fr"),
        (None, "es", {"LANG": "fr_FR.UTF-8"}, "es"),
        (None, None, {"LANG": "fr_FR.UTF-8"}, "fr"),
        (None, None, {"LANG": "es_ES.UTF-8", "LC_MESSAGES": "fr_CA.UTF-8"}, "fr"),
        (None, None, {"LC_ALL": "es_MX.UTF-8", "LC_MESSAGES": "fr_FR", "LANG": "en"}, "es"),
        (None, None, {"LC_ALL": "C", "LANG": "fr_FR.UTF-8"}, "en"),
        (None, None, {"LANG": "de_DE.UTF-8"}, "en"),
        (None, None, {"LANG": "C"}, "en"),
        (None, None, {}, "en"),
        ("de", "de", {"LANG": "es_AR.UTF-8"}, "es"),
        ("FR", None, {}, "fr"),
    ],
)
def test_the_wizard_speaks_the_language_asked_for_else_the_answers_else_the_locales(
    explicit: str | None, draft: str | None, environ: dict[str, str], expected: str
) -> None:
    assert ui_language(explicit, draft, environ) == expected


def test_a_missing_translation_falls_back_to_english() -> None:
    assert texts.text("cancelled", "de") == "Cancelled: nothing was sent."
    assert texts.choice_label("always", "de") == "always"
    assert texts.choice_label("unknown", "fr") == "unknown"


def test_the_translated_words_name_what_the_wizard_knows() -> None:
    assert set(texts.FIELD_WORDS.values()) <= set(wizard.EDITABLE)
    assert set(texts.COMMAND_WORDS.values()) == {"send", "edit", "remove", "cancel", "show"}
    assert texts.YES_WORDS.isdisjoint(texts.NO_WORDS)
