"""Building test mail that is not worth committing as a file: winmail.dat, bombs."""

from __future__ import annotations

import struct

_TNEF_SIGNATURE = 0x223E9F78
_MESSAGE, _ATTACHMENT = 1, 2


def tnef_object(level: int, attribute: int, data: bytes) -> bytes:
    """One TNEF attribute: level, id (name and type words), length, data, checksum."""
    name, kind = attribute & 0xFFFF, attribute >> 16
    checksum = sum(data) & 0xFFFF
    return struct.pack("<BHHI", level, name, kind, len(data)) + data + struct.pack("<H", checksum)


def winmail_dat(*, body: str = "", files: tuple[tuple[str, bytes], ...] = ()) -> bytes:
    """An Outlook TNEF stream (MS-OXTNEF) with a plain body and attached files."""
    out = struct.pack("<IH", _TNEF_SIGNATURE, 0x0001)
    out += tnef_object(_MESSAGE, 0x00089006, struct.pack("<I", 0x00010000))  # attTnefVersion
    out += tnef_object(_MESSAGE, 0x00069007, struct.pack("<II", 1252, 0))  # attOemCodepage
    if body:
        out += tnef_object(_MESSAGE, 0x0002800C, body.encode("cp1252"))  # attBody
    for name, content in files:
        rendering = struct.pack("<HIIHHI", 1, 0xFFFFFFFF, 0, 0, 0, 0)
        out += tnef_object(_ATTACHMENT, 0x00069002, rendering)  # attAttachRendData
        out += tnef_object(_ATTACHMENT, 0x00018010, name.encode("ascii") + b"\0")  # title
        out += tnef_object(_ATTACHMENT, 0x0006800F, content)  # attAttachData
    return out
