"""Outlook's winmail.dat (application/ms-tnef), read with tnefparse. Pure.

tnefparse reads damaged files without complaint and copies the rest of the file for each
object it reads (quadratic over many tiny objects), so the file is walked and checked here
first: a file that is not whole and sound is not read, and the mail keeps it as it is.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass

from tnefparse import TNEF

MAX_TNEF_OBJECTS = 10_000
_FALLBACK_CHARSETS = ("utf-8", "cp1252")


@dataclass(frozen=True)
class WinmailContents:
    files: tuple[tuple[str, bytes], ...]  # (name, content)
    text: str
    html: str


class UnreadableWinmail(Exception):
    """Why a winmail.dat is kept as a file rather than read ("is truncated or corrupt")."""


def is_winmail(content_type: str, filename: str) -> bool:
    return content_type == "application/ms-tnef" or filename.lower() == "winmail.dat"


def read_winmail(content: bytes) -> WinmailContents:
    count, sound = _tnef_objects(content)
    if count > MAX_TNEF_OBJECTS:
        raise UnreadableWinmail(f"has more than {MAX_TNEF_OBJECTS} objects")
    if not sound:
        raise UnreadableWinmail("is truncated or corrupt")
    try:
        tnef = TNEF(content, do_checksum=False)
        files = tuple(
            (_tnef_text(item.long_filename() or item.name), bytes(item.data))
            for item in tnef.attachments
        )
        text = _tnef_text(tnef.body or "")
        html = _tnef_text(tnef.htmlbody or "")
    except Exception as exc:
        raise UnreadableWinmail(f"is unreadable ({type(exc).__name__})") from exc
    if not files and not text.strip() and not html.strip():
        raise UnreadableWinmail("holds no file and no text")
    return WinmailContents(files=files, text=text, html=html)


def _tnef_objects(data: bytes) -> tuple[int, bool]:
    """How many objects tnefparse would read, walked the way it walks them, and whether all
    are whole with a good checksum (tnefparse reads a damaged file without a word but a log
    line for each bad object)."""
    view = memoryview(data)
    offset, count, sound = 6, 0, True
    while offset + 12 < len(data) and count <= MAX_TNEF_OBJECTS:
        (length,) = struct.unpack_from("<I", data, offset + 5)
        end = offset + 9 + length
        if end + 2 > len(data):
            return count + 1, False
        (checksum,) = struct.unpack_from("<H", data, end)
        sound = sound and sum(view[offset + 9 : end]) & 0xFFFF == checksum
        offset = end + 2
        count += 1
    return count, sound and offset == len(data)


def _tnef_text(value: str | bytes) -> str:
    """tnefparse gives str or bytes depending on the property type."""
    if isinstance(value, str):
        return value.replace("\x00", "")
    for charset in _FALLBACK_CHARSETS:
        try:
            return value.decode(charset).replace("\x00", "")
        except UnicodeDecodeError:
            continue
    return value.decode("latin-1").replace("\x00", "")
