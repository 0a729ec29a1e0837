"""A small PDF writer for documents of text and filled rectangles (delivery notes).  Pure.

Delivery notes are text a driver hands over and a partner files, so they are written as PDF
text, which any viewer can search and copy, rather than as a picture of text.  This needs no
new dependency: PDF 1.4 with the standard Helvetica fonts, which every reader has, so nothing
is embedded; page contents are compressed with zlib.

Rules:

1. Coordinates are PDF points from the page's bottom left; pages are A4 portrait.
2. Text is written in the fonts' WinAnsi encoding (Windows-1252): Indonesian and English need
   nothing else; a character outside it prints as ``?``.
3. ``text_width`` knows Helvetica's widths for digits, separators and the letters of units, so
   numbers can be right-aligned; other characters count as an average letter.
"""

from __future__ import annotations

import zlib
from dataclasses import dataclass, field
from typing import Final

A4: Final = (595.0, 842.0)
_AVERAGE_WIDTH: Final = 556
_WIDTHS: Final = {
    **dict.fromkeys("0123456789", 556),
    " ": 278,
    ",": 278,
    ".": 278,
    ":": 278,
    "-": 333,
    "(": 333,
    ")": 333,
    "/": 278,
    "k": 500,
    "g": 556,
    "r": 333,
    "a": 556,
    "t": 278,
}
"""Helvetica advance widths in 1/1000 em (the AFM metrics); bold differs little for these."""


def text_width(text: str, size: float) -> float:
    return sum(_WIDTHS.get(char, _AVERAGE_WIDTH) for char in text) * size / 1000


def _literal(text: str) -> bytes:
    raw = text.encode("cp1252", errors="replace")
    return b"(" + raw.replace(b"\\", b"\\\\").replace(b"(", b"\\(").replace(b")", b"\\)") + b")"


@dataclass
class Page:
    """One page's drawing operations, in the order given."""

    width: float = A4[0]
    height: float = A4[1]
    operations: list[bytes] = field(default_factory=list)

    def text(self, x: float, y: float, text: str, *, size: float = 10, bold: bool = False) -> None:
        font = b"/F2" if bold else b"/F1"
        self.operations.append(
            b"BT %s %.2f Tf %.2f %.2f Td %s Tj ET"
            % (font, size, x, y, _literal(text.replace("\n", " ")))
        )

    def text_right(
        self, right: float, y: float, text: str, *, size: float = 10, bold: bool = False
    ) -> None:
        self.text(right - text_width(text, size), y, text, size=size, bold=bold)

    def rect(self, x: float, y: float, width: float, height: float) -> None:
        """A filled black rectangle."""
        self.operations.append(b"%.3f %.3f %.3f %.3f re f" % (x, y, width, height))

    def line(self, x1: float, y1: float, x2: float, y2: float, *, width: float = 0.5) -> None:
        self.operations.append(b"%.2f w %.2f %.2f m %.2f %.2f l S" % (width, x1, y1, x2, y2))


def document(pages: list[Page], *, title: str) -> bytes:
    """The pages as one PDF file."""
    if not pages:
        raise ValueError("a PDF needs at least one page")
    objects: list[bytes] = []

    def add(body: bytes) -> int:
        objects.append(body)
        return len(objects)

    catalog = add(b"")
    tree = add(b"")
    regular = add(
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>"
    )
    bold = add(
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica-Bold /Encoding /WinAnsiEncoding >>"
    )
    info = add(b"<< /Title %s /Producer (Lumbung) >>" % _literal(title))
    kids = []
    for page in pages:
        content = zlib.compress(b"\n".join(page.operations))
        stream = add(
            b"<< /Length %d /Filter /FlateDecode >>\nstream\n%s\nendstream"
            % (len(content), content)
        )
        kids.append(
            add(
                b"<< /Type /Page /Parent %d 0 R /MediaBox [0 0 %.2f %.2f] "
                b"/Resources << /Font << /F1 %d 0 R /F2 %d 0 R >> >> /Contents %d 0 R >>"
                % (tree, page.width, page.height, regular, bold, stream)
            )
        )
    objects[catalog - 1] = b"<< /Type /Catalog /Pages %d 0 R >>" % tree
    objects[tree - 1] = b"<< /Type /Pages /Kids [%s] /Count %d >>" % (
        b" ".join(b"%d 0 R" % kid for kid in kids),
        len(kids),
    )
    out = bytearray(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n%s\nendobj\n" % (number, body)
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    out += b"trailer\n<< /Size %d /Root %d 0 R /Info %d 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (
        len(objects) + 1,
        catalog,
        info,
        xref,
    )
    return bytes(out)
