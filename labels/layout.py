"""Where everything goes, in printer dots: the part the PNG/PDF and ZPL renderers share.

``place`` takes a label's ``Content`` and a print density and returns positions in whole
dots, so both renderers draw the same boxes, the same bars and the same line breaks. Only
text measuring differs (a TrueType font for images, ZPL font 0 widths for the printer), and
it is passed in as ``measure``.

Rules:

* Densities are those of thermal print heads: 203 dpi is 8 dots/mm, 300 dpi is 12 dots/mm.
  Every length is rounded to whole dots once, here.
* A GS1-128 module is a whole number of dots; the symbol plus 10 modules of quiet zone on
  each side must fit its box (and 165.1 mm, GS1 General Specifications §5.4.4.3).
* 2D symbols sit at their box's top-left corner, inside their quiet zone. Their size is
  bounded from the data length before encoding (byte mode for QR, one codeword per character
  for Data Matrix), so the ZPL path can refuse an oversize symbol without encoding it.
* Text is fitted by shrinking, whole words wrapped onto at most ``max_lines`` lines; what
  still does not fit at ``MIN_TEXT_MM`` raises ``LabelFitError``. Nothing is cut off.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from labels import gs1
from labels.code128 import Code128Symbol, gs1_128
from labels.content import Content, FrameItem, LinearItem, MatrixItem, TextItem
from labels.errors import LabelDataError, LabelFitError
from labels.templates import Align, Box, DataMatrixField, QrField

__all__ = [
    "DOTS_PER_MM",
    "MIN_TEXT_MM",
    "Measure",
    "Page",
    "PlacedFrame",
    "PlacedLabel",
    "PlacedLinear",
    "PlacedMatrix",
    "PlacedText",
    "place",
]

DOTS_PER_MM: dict[int, int] = {203: 8, 300: 12}
"""Nominal dpi → the head's real density (a "203 dpi" head has 8 dots/mm, 203.2 dpi)."""

MIN_TEXT_MM = 1.5
LINE_PITCH = 1.15
"""Baseline-to-baseline distance, in font sizes."""
ASCENT = 0.8
"""Top of the text block to the first baseline, in font sizes."""
HRI_GAP_MM = 0.4
GS1_128_QUIET_MODULES = 10
GS1_128_MAX_MM = 165.1

QR_QUIET_MODULES = 4
QR_BYTES_LEVEL_M: tuple[int, ...] = (
    14, 26, 42, 62, 84, 106, 122, 152, 180, 213,
    251, 287, 331, 362, 412, 450, 504, 560, 624, 666,
)  # fmt: skip
"""Byte-mode capacity of QR versions 1-20 at error correction level M (ISO/IEC 18004)."""

DATAMATRIX_QUIET_MODULES = 1
DATAMATRIX_SQUARE: tuple[tuple[int, int], ...] = (
    (10, 3), (12, 5), (14, 8), (16, 12), (18, 18), (20, 22), (22, 30), (24, 36), (26, 44),
    (32, 62), (36, 86), (40, 114), (44, 144), (48, 174), (52, 204),
)  # fmt: skip
"""Square ECC 200 sizes (modules) and their data codewords (ISO/IEC 16022)."""

Measure = Callable[[str, int, bool], float]
"""Advance width in dots of ``text`` at font size ``size`` dots, bold or not."""


@dataclass(frozen=True, slots=True)
class Page:
    dpi: int
    dots_per_mm: int
    width: int
    height: int

    def dots(self, mm: float) -> int:
        return round(mm * self.dots_per_mm)


@dataclass(frozen=True, slots=True)
class PlacedText:
    """Lines of text in a box ``width`` dots wide at ``x``; each line sits on its baseline."""

    name: str
    x: int
    width: int
    size: int
    lines: tuple[str, ...]
    baselines: tuple[int, ...]
    align: Align
    bold: bool


@dataclass(frozen=True, slots=True)
class PlacedFrame:
    x: int
    y: int
    width: int
    height: int
    thickness: int


@dataclass(frozen=True, slots=True)
class PlacedLinear:
    name: str
    x: int
    y: int
    module: int
    height: int
    symbol: Code128Symbol
    elements: tuple[gs1.Element, ...]


@dataclass(frozen=True, slots=True)
class PlacedMatrix:
    """A 2D symbol whose top-left module is at ``x``, ``y``; at most ``max_modules`` wide."""

    name: str
    kind: str
    x: int
    y: int
    module: int
    max_modules: int
    data: str
    elements: tuple[gs1.Element, ...]


Placed = PlacedText | PlacedFrame | PlacedLinear | PlacedMatrix


@dataclass(frozen=True, slots=True)
class PlacedLabel:
    page: Page
    items: tuple[Placed, ...]


def page_for(width_mm: float, height_mm: float, dpi: int) -> Page:
    if dpi not in DOTS_PER_MM:
        raise LabelDataError("dpi", f"{dpi} is not one of {', '.join(map(str, DOTS_PER_MM))}")
    per_mm = DOTS_PER_MM[dpi]
    return Page(dpi, per_mm, round(width_mm * per_mm), round(height_mm * per_mm))


def _wrap(text: str, width: int, size: int, bold: bool, measure: Measure) -> list[str] | None:
    """Greedy word wrap; ``None`` if one word alone is wider than the box."""
    lines: list[str] = []
    for word in text.split():
        if measure(word, size, bold) > width:
            return None
        candidate = f"{lines[-1]} {word}" if lines else word
        if lines and measure(candidate, size, bold) <= width:
            lines[-1] = candidate
        else:
            lines.append(word)
    return lines


def _block_height(size: int, lines: int) -> int:
    return size + round((lines - 1) * size * LINE_PITCH)


def fit_text(
    text: str,
    *,
    width: int,
    height: int,
    size: int,
    min_size: int,
    max_lines: int,
    bold: bool,
    measure: Measure,
) -> tuple[int, tuple[str, ...]] | None:
    """The largest size ≤ ``size`` at which ``text`` fits, and its lines; ``None`` if none."""

    def attempt(s: int) -> tuple[str, ...] | None:
        if max_lines == 1:
            fits = measure(text, s, bold) <= width and s <= height
            return (text,) if fits else None
        lines = _wrap(text, width, s, bold, measure)
        if lines is None or len(lines) > max_lines or _block_height(s, len(lines)) > height:
            return None
        return tuple(lines)

    best = attempt(size)
    if best is not None:
        return size, best
    low, high = min_size, size - 1  # binary search for the largest size that fits
    found: tuple[int, tuple[str, ...]] | None = None
    while low <= high:
        middle = (low + high) // 2
        lines = attempt(middle)
        if lines is None:
            high = middle - 1
        else:
            found = (middle, lines)
            low = middle + 1
    return found


def _place_text(
    name: str,
    text: str,
    box: Box,
    *,
    size_mm: float,
    max_lines: int,
    bold: bool,
    align: Align,
    page: Page,
    measure: Measure,
) -> PlacedText:
    x, y, width, height = (page.dots(v) for v in (box.x, box.y, box.w, box.h))
    size = page.dots(size_mm)
    min_size = min(size, page.dots(MIN_TEXT_MM))
    fitted = fit_text(
        text,
        width=width,
        height=height,
        size=size,
        min_size=min_size,
        max_lines=max_lines,
        bold=bold,
        measure=measure,
    )
    if fitted is None:
        raise LabelFitError(
            name,
            f"{text!r} does not fit {box.w:g} x {box.h:g} mm in {max_lines} line(s) "
            f"even at {MIN_TEXT_MM} mm",
        )
    size, lines = fitted
    top = y + (height - _block_height(size, len(lines))) // 2
    first = top + round(size * ASCENT)
    baselines = tuple(first + round(i * size * LINE_PITCH) for i in range(len(lines)))
    return PlacedText(name, x, width, size, lines, baselines, align, bold)


def _place_linear(item: LinearItem, page: Page, measure: Measure) -> list[Placed]:
    field = item.field
    symbol = gs1_128(item.elements)
    module = max(1, page.dots(field.module_mm))
    n = len(symbol.modules)
    total = (n + 2 * GS1_128_QUIET_MODULES) * module
    box_w = page.dots(field.box.w)
    if total > box_w or total / page.dots_per_mm > GS1_128_MAX_MM:
        raise LabelFitError(
            field.name,
            f"GS1-128 {item.hri} is {total / page.dots_per_mm:.1f} mm wide with quiet zones; "
            f"the box is {field.box.w:g} mm (GS1 limit {GS1_128_MAX_MM} mm)",
        )
    hri_box_h = field.hri_size_mm * 1.1
    bar_height = page.dots(field.box.h - hri_box_h - HRI_GAP_MM)
    x = page.dots(field.box.x) + (box_w - n * module) // 2
    y = page.dots(field.box.y)
    hri_box = Box(field.box.x, field.box.y + field.box.h - hri_box_h, field.box.w, hri_box_h)
    hri = _place_text(
        f"{field.name}.hri",
        item.hri,
        hri_box,
        size_mm=field.hri_size_mm,
        max_lines=1,
        bold=False,
        align=Align.CENTER,
        page=page,
        measure=measure,
    )
    return [PlacedLinear(field.name, x, y, module, bar_height, symbol, item.elements), hri]


def _matrix_bound(field: QrField | DataMatrixField, data: str) -> tuple[str, int, int]:
    """(kind, quiet modules, largest possible symbol size in modules) for ``data``."""
    if isinstance(field, QrField):
        size = len(data.encode("utf-8"))
        for version, capacity in enumerate(QR_BYTES_LEVEL_M, start=1):
            if size <= capacity:
                return "qr", QR_QUIET_MODULES, 17 + 4 * version
        raise LabelFitError(field.name, f"{size} bytes are too many for a label QR Code")
    codewords = 1 + len(data)
    for modules, capacity in DATAMATRIX_SQUARE:
        if codewords <= capacity:
            return "datamatrix", DATAMATRIX_QUIET_MODULES, modules
    raise LabelFitError(field.name, f"{codewords} codewords are too many for a Data Matrix")


def _place_matrix(item: MatrixItem, page: Page) -> PlacedMatrix:
    field = item.field
    kind, quiet, largest = _matrix_bound(field, item.data)
    module = max(1, page.dots(field.module_mm))
    room = min(page.dots(field.box.w), page.dots(field.box.h)) // module - 2 * quiet
    if largest > room:
        raise LabelFitError(
            field.name,
            f"{kind} symbol may need {largest} + {2 * quiet} modules of "
            f"{field.module_mm:g} mm; the box holds {room + 2 * quiet}",
        )
    x = page.dots(field.box.x) + quiet * module
    y = page.dots(field.box.y) + quiet * module
    return PlacedMatrix(field.name, kind, x, y, module, room, item.data, item.elements)


def _place_frame(item: FrameItem, page: Page) -> PlacedFrame:
    box = item.field.box
    thickness = max(1, page.dots(item.field.line_mm))
    return PlacedFrame(
        page.dots(box.x),
        page.dots(box.y),
        page.dots(box.w),
        max(thickness, page.dots(box.h)),
        thickness,
    )


def place(content: Content, *, dpi: int, measure: Measure) -> PlacedLabel:
    page = page_for(content.width_mm, content.height_mm, dpi)
    placed: list[Placed] = []
    for item in content.items:
        match item:
            case TextItem(field=field, text=text):
                placed.append(
                    _place_text(
                        field.name,
                        text,
                        field.box,
                        size_mm=field.size_mm,
                        max_lines=field.max_lines,
                        bold=field.bold,
                        align=field.align,
                        page=page,
                        measure=measure,
                    )
                )
            case LinearItem():
                placed.extend(_place_linear(item, page, measure))
            case MatrixItem():
                placed.append(_place_matrix(item, page))
            case FrameItem():
                placed.append(_place_frame(item, page))
    return PlacedLabel(page, tuple(placed))
