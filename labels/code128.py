"""GS1-128 symbol characters and module pattern, taken from python-barcode.

python-barcode picks the Code 128 subsets (A/B/C) and the FNC1 characters for us; we keep
its symbol characters (codewords) rather than its images, because its ImageWriter places
bars on fractional pixels (unreadable at 2 dots per module on a 203 dpi head). From the
codewords come both the bar/space pattern the image renderer paints at whole dots per
module and the ZPL ``^BC`` mode-N field data, so printer and PNG draw the same bars.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from barcode.charsets import code128 as _tables
from barcode.codex import Gs1_128

from labels import gs1

__all__ = ["FNC1", "Code128Symbol", "gs1_128"]

FNC1 = "\xf1"
"""python-barcode's marker for the FNC1 symbol character (Code 128 value 102)."""

_CODES: tuple[str, ...] = tuple(_tables.CODES)
"""Bar/space pattern of each Code 128 value, 11 modules each."""
_STOP: str = _tables.STOP + "11"  # stop character plus the two-module termination bar


@dataclass(frozen=True, slots=True)
class Code128Symbol:
    """``codewords`` holds the start character and the data characters, without the mod-103
    check character and the stop character, which printers add themselves."""

    codewords: tuple[int, ...]

    @property
    def check_character(self) -> int:
        total = self.codewords[0] + sum(i * c for i, c in enumerate(self.codewords[1:], 1))
        return total % 103

    @property
    def modules(self) -> str:
        """Bars (``1``) and spaces (``0``) from start to stop, without quiet zones."""
        patterns = [_CODES[c] for c in self.codewords]
        return "".join(patterns) + _CODES[self.check_character] + _STOP


def gs1_128(elements: Sequence[gs1.Element]) -> Code128Symbol:
    """The GS1-128 symbol for ``elements`` in their order (leading FNC1 added here)."""
    data = gs1.element_string(elements, separator=FNC1)
    codewords = Gs1_128(data).encoded
    return Code128Symbol(tuple(int(c) for c in codewords))
