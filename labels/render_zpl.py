"""ZPL II for Zebra (and ZPL-compatible) thermal printers, from the same layout as the PNG.

Choices, and why:

* GS1-128 is ``^BC`` in mode N (``^BCN,h,N,N,N,N``) with the start, subset and FNC1
  invocation codes (``>;`` start C, ``>:`` start B, ``>5``/``>6`` switch, ``>8`` FNC1) spelled
  out from the very symbol characters the PNG paints (``labels.code128``), so printer and
  PNG print identical bars. Mode D (UCC/EAN) would be shorter to write, but it strips
  parentheses, which GS1 character set 82 allows in a lot, and mode N started in subset C
  silently drops letters unless the switches are right; deriving them from the codewords
  keeps them right. The human-readable line is our own text field, as on the PNG.
* QR is ``^BQN,2,m`` with ``MA,`` (error level M, automatic input) before the URI;
  GS1 DataMatrix is ``^BXN,m,200`` with an explicit escape character (``g`` = backtick,
  which is outside GS1 character set 82), so FNC1 is backtick+``1`` on every firmware.
* Text is font 0 (``^A0``), sized by the layout with ``FONT0_ADVANCE`` and placed on its
  baseline with ``^FT``; ``^FB`` (one line, the box's width) lets the printer justify it.
* Every ``^FD`` is preceded by ``^FH\\`` and ``^``, ``~``, ``\\`` and control characters
  are written as ``\\hh`` hex bytes; ``^CI28`` makes the rest UTF-8.
"""

from __future__ import annotations

import math

from labels import gs1
from labels.code128 import Code128Symbol
from labels.content import Content
from labels.errors import LabelFitError
from labels.layout import (
    PlacedFrame,
    PlacedLinear,
    PlacedMatrix,
    PlacedText,
    place,
)
from labels.templates import Align

__all__ = ["FONT0_ADVANCE", "bc_field_data", "measure", "render_zpl"]

_FONT0_WIDTHS: dict[float, str] = {
    0.25: "ijl",
    0.281: " !'(),./:;I[]`ft",
    0.344: "r",
    0.375: "z",
    0.437: "?Jcksvxy",
    0.469: '"#$*0123456789L\\aeo',
    0.5: "EFTZ^_bdghnpqu{|}",
    0.531: "CSV",
    0.563: "ABKOPQXY",
    0.594: "DGR",
    0.625: "&HNU",
    0.656: "w",
    0.75: "Mm",
    0.813: "W",
    0.906: "%+-=@",
    1.0: "<>~",
}

FONT0_ADVANCE: dict[str, float] = {
    char: width for width, chars in _FONT0_WIDTHS.items() for char in chars
}
"""Advance widths of ZPL font 0 in units of the font height, measured from zplkit's
printer-captured font strikes (ZD621 profile) at 100 dots. Other characters count as 1.0."""

FONT0_MARGIN = 1.02
"""Each glyph is rounded up to whole dots; this covers what that rounding does not."""

_JUSTIFY = {Align.LEFT: "L", Align.CENTER: "C", Align.RIGHT: "R"}
_START = {103: (">9", "A"), 104: (">:", "B"), 105: (">;", "C")}
_SWITCH = {
    ("A", 99): (">5", "C"),
    ("A", 100): (">6", "B"),
    ("B", 99): (">5", "C"),
    ("B", 101): (">7", "A"),
    ("C", 100): (">6", "B"),
    ("C", 101): (">7", "A"),
}
_FNC1 = 102
_SUBSET_B_INVOCATIONS = {">": ">0", "^": "><", "~": ">="}
"""Subset B characters that ``^BC`` field data can only carry as invocation codes."""
_DATAMATRIX_ESCAPE = "`"
MAX_MAGNIFICATION = 10
"""Largest ``^BQ`` magnification; also the largest ``^BY`` module width."""


def measure(text: str, size: int, bold: bool) -> float:
    """Width of ``text`` in font 0 at height ``size`` dots (font 0 has no bold variant)."""
    return FONT0_MARGIN * sum(math.ceil(FONT0_ADVANCE.get(c, 1.0) * size) for c in text)


def _hex_escape(text: str) -> str:
    """Field data for ``^FH\\``: the three ZPL-special characters and controls as hex."""
    return "".join(
        "".join(f"\\{b:02X}" for b in c.encode("utf-8")) if c in "^~\\" or c < " " else c
        for c in text
    )


def bc_field_data(symbol: Code128Symbol) -> str:
    """``^BC`` mode-N field data that makes the printer encode exactly ``symbol``."""
    start, subset = _START[symbol.codewords[0]]
    parts = [start]
    for value in symbol.codewords[1:]:
        if value == _FNC1:
            parts.append(">8")
        elif (subset, value) in _SWITCH:
            code, subset = _SWITCH[subset, value]
            parts.append(code)
        elif subset == "B" and value < 95:
            char = chr(value + 32)
            parts.append(_SUBSET_B_INVOCATIONS.get(char) or _hex_escape(char))
        elif subset in "AC" and value < 100:
            parts.append(f"{value:02d}")  # ZPL writes subsets A and C as digit pairs
        else:
            raise ValueError(f"Code 128 value {value} in subset {subset} has no ZPL form")
    return "".join(parts)


def _text(item: PlacedText) -> list[str]:
    justify = _JUSTIFY[item.align]
    return [
        f"^FT{item.x},{baseline}^A0N,{item.size},{item.size}"
        f"^FB{item.width},1,0,{justify}^FH\\^FD{_hex_escape(line)}^FS"
        for line, baseline in zip(item.lines, item.baselines, strict=True)
    ]


def _frame(item: PlacedFrame) -> list[str]:
    return [f"^FO{item.x},{item.y}^GB{item.width},{item.height},{item.thickness}^FS"]


def _linear(item: PlacedLinear) -> list[str]:
    return [
        f"^FO{item.x},{item.y}^BY{item.module}^BCN,{item.height},N,N,N,N"
        f"^FH\\^FD{bc_field_data(item.symbol)}^FS"
    ]


def _matrix(item: PlacedMatrix) -> list[str]:
    if not 1 <= item.module <= MAX_MAGNIFICATION:
        raise LabelFitError(
            item.name, f"{item.module} dots per module; ZPL allows 1 to {MAX_MAGNIFICATION}"
        )
    if item.kind == "qr":
        return [f"^FO{item.x},{item.y}^BQN,2,{item.module}^FH\\^FDMA,{_hex_escape(item.data)}^FS"]
    fnc1 = f"{_DATAMATRIX_ESCAPE}1"
    data = fnc1 + gs1.element_string(item.elements, separator=fnc1)
    return [
        f"^FO{item.x},{item.y}^BXN,{item.module},200,0,0,6,{_DATAMATRIX_ESCAPE}"
        f"^FH\\^FD{_hex_escape(data)}^FS"
    ]


def render_zpl(content: Content, *, dpi: int) -> bytes:
    """One ZPL format (``^XA`` … ``^XZ``) for the label, UTF-8."""
    label = place(content, dpi=dpi, measure=measure)
    out = ["^XA", "^CI28", f"^PW{label.page.width}", f"^LL{label.page.height}", "^LH0,0"]
    for item in label.items:
        match item:
            case PlacedText():
                out.extend(_text(item))
            case PlacedFrame():
                out.extend(_frame(item))
            case PlacedLinear():
                out.extend(_linear(item))
            case PlacedMatrix():
                out.extend(_matrix(item))
    out.append("^XZ")
    return ("\n".join(out) + "\n").encode("utf-8")
