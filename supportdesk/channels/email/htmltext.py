"""A readable text version of an HTML body. Pure."""

from __future__ import annotations

import re
from html import unescape
from html.parser import HTMLParser


class _TextFromHTML(HTMLParser):
    _BLOCKS = frozenset(
        {"p", "div", "br", "h1", "h2", "h3", "h4", "h5", "h6", "blockquote", "pre"}
        | {"table", "ul", "ol", "hr", "section", "article", "header", "footer", "center"}
    )
    _CELLS = frozenset({"td", "th"})
    # Not <head> as a whole: broken HTML often leaves it open over the whole text.
    _SKIPPED = frozenset({"script", "style", "title", "noscript", "template", "svg"})

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.pieces: list[str] = []
        self.skipping = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in self._SKIPPED:
            self.skipping += 1
        elif tag in self._BLOCKS:
            self.pieces.append("\n")
        elif tag == "li":
            self.pieces.append("\n- ")
        elif tag in self._CELLS:
            self.pieces.append(" ")

    def handle_endtag(self, tag: str) -> None:
        if tag in self._SKIPPED:
            self.skipping = max(0, self.skipping - 1)
        elif tag in self._BLOCKS or tag == "tr":  # rows one a line, not a paragraph each
            self.pieces.append("\n")

    def handle_data(self, data: str) -> None:
        if not self.skipping:
            self.pieces.append(data)


def html_to_text(html: str) -> str:
    """A readable text version of an HTML body (for search, previews and plain replies)."""
    parser = _TextFromHTML()
    try:
        parser.feed(html)
        parser.close()
    except Exception:
        return " ".join(unescape(re.sub(r"<[^>]*>", " ", html)).split())
    lines = (" ".join(line.split()) for line in "".join(parser.pieces).splitlines())
    text = "\n".join(lines)
    return re.sub(r"\n{3,}", "\n\n", text).strip()
