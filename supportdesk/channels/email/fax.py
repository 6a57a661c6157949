"""Faxes that a fax-to-email gateway delivers by mail: who sent them, and as whom we file them.

A gateway writes mail like "Fax from +33 1 23 45 67 89 (2 pages)" with the pages as a PDF
or TIFF attachment. The caller's number, not the gateway's address, is the sender: it finds
the contact by phone, or names a new one. Nobody at the gateway reads mail, so nothing is
ever sent back to it.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from django.conf import settings
from django.db import transaction
from django.db.models import Case, IntegerField, Value, When

from supportdesk.accounts.models import Contact, ContactPhone
from supportdesk.channels.email.parsing import ParsedMail

# A phone number as gateways print it: "+33 1 23 45 67 89", "0033 1-23-45", "+1 (555) 123-4567".
# Parentheses only around a few digits, so "89 (2 pages)" ends the number at 89.
# Not inside a date or a time ("25/11/2026 16:39"): no "/" or ":" next to it.
_NUMBER = re.compile(r"(?<![\w+/:.\-])(?:\+|00)?\d(?:[ .\-]?(?:\d|\(\d{1,4}\)))+(?![\w/:])")
_MIN_DIGITS, _MAX_DIGITS = 6, 15  # E.164 allows 15
# Words before the caller's number in the gateways' bodies (English, French, Spanish, German).
_CALLER_LINE = re.compile(
    r"\b(?:from|sender|caller|csid|tsid|number|exp[ée]diteur|num[ée]ro|remitente|"
    r"n[úu]mero|von|absender|nummer)\b",
    re.IGNORECASE,
)
# "2 pages", "1 página", and "Pages: 3" (one line: a number ending the line above is no count).
_PAGE_WORD = r"(?:pages?|p[áa]ginas?|seiten?)"
_PAGES = re.compile(
    rf"\b(\d{{1,4}})[ \t]*{_PAGE_WORD}\b|\b{_PAGE_WORD}[ \t]*:[ \t]*(\d{{1,4}})\b", re.IGNORECASE
)
UNKNOWN_NUMBER_NAME = "Fax from an unknown number"


@dataclass(frozen=True)
class Fax:
    number: str  # normalized: "+" and digits ("" when the gateway did not say)
    pages: int | None


def is_fax_gateway(address: str, gateways: Sequence[str] | None = None) -> bool:
    """Whether mail from `address` comes from a configured gateway (FAX_GATEWAYS: addresses
    or whole domains)."""
    if gateways is None:
        gateways = settings.SUPPORTDESK["FAX_GATEWAYS"]
    address = address.strip().lower()
    domain = address.rpartition("@")[2]
    return bool(address) and any(
        address == gateway if "@" in gateway else domain == gateway for gateway in gateways
    )


def read_fax(parsed: ParsedMail) -> Fax:
    """The caller's number and the page count, from the subject, else the body."""
    number = _first_number(parsed.subject)
    if not number:
        for line in parsed.text.splitlines()[:40]:
            if _CALLER_LINE.search(line) and (number := _first_number(line)):
                break
    pages_match = _PAGES.search(parsed.subject) or _PAGES.search(parsed.text[:2000])
    pages = (
        next((int(group) for group in pages_match.groups() if group), None) if pages_match else None
    )
    return Fax(number=number, pages=pages)


def normalize_number(text: str) -> str:
    """ "+33 1 23 45 67 89" -> "+33123456789"; "0033..." -> "+33..."; a national number
    keeps its digits (the gateway did not say which country)."""
    text = text.strip()
    digits = re.sub(r"\D", "", text)
    if text.startswith("+"):
        return f"+{digits}"
    if digits.startswith("00"):
        return f"+{digits[2:]}"
    return digits


def _first_number(text: str) -> str:
    for match in _NUMBER.finditer(text[:2000]):
        number = normalize_number(match.group(0))
        if _MIN_DIGITS <= len(number.lstrip("+")) <= _MAX_DIGITS:
            return number
    return ""


def fax_sender(fax: Fax, *, language: str, trust_number: bool) -> Contact:
    """The contact a fax comes from: the one with that phone number (a fax line first),
    else a new contact named by the number. When the mail that carried the fax failed
    authentication, its number proves nothing: the fax gets a contact of its own."""
    if fax.number and trust_number:
        known = (
            ContactPhone.objects.filter(number=fax.number)
            .select_related("contact")
            .annotate(
                fax_line=Case(
                    When(kind=ContactPhone.Kind.FAX, then=Value(0)),
                    default=Value(1),
                    output_field=IntegerField(),
                )
            )
            .order_by("fax_line", "id")
            .first()
        )
        if known is not None:
            return known.contact
    with transaction.atomic():
        contact = Contact.objects.create(
            name=f"Fax {fax.number}" if fax.number else UNKNOWN_NUMBER_NAME, language=language
        )
        if fax.number and trust_number:
            ContactPhone.objects.create(
                contact=contact, number=fax.number, kind=ContactPhone.Kind.FAX
            )
    return contact
