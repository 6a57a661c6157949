"""The shape of a demo scenario: one support problem, told in the three languages."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Wording:
    """A scenario in one language. Texts are `str.format` templates (see `Placeholders`)."""

    subject: str
    body: str
    answer: str
    # Added to the body when the customer attaches the scenario's file.
    attached: str = ""


@dataclass(frozen=True)
class Scenario:
    key: str
    product: str  # a product code of the demo catalog
    category: str  # tickets.choices.Category
    priority: str  # tickets.choices.Priority
    tags: tuple[str, ...]
    en: Wording
    es: Wording
    fr: Wording
    # The technician's internal note, in the team's working language.
    note: str
    # (file name, content template) of a file the customer attaches to the first message.
    attachment: tuple[str, str] | None = None

    def wording(self, language: str) -> Wording:
        wordings = {"en": self.en, "es": self.es, "fr": self.fr}
        return wordings[language]
