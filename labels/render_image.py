"""PNG and PDF labels, drawn with Pillow on the printer's own dot grid.

The page is a 1-bit image exactly as many dots wide and high as the print head would print
(see ``labels.layout``), so a PNG sent to a thermal printer prints dot for dot and a PDF
carries the same bitmap at the same density (CCITT G4 inside, via Pillow).

* GS1-128 bars are painted from the Code 128 module pattern at a whole number of dots per
  module; no resampling ever touches them.
* QR Codes come from segno (error correction M, as the ZPL ``^BQ`` field asks for) and GS1
  DataMatrix from zint (through zint-bindings, in its GS1 mode): each module becomes a square
  of whole dots.
* Text uses DejaVu Sans from Debian's fonts-dejavu-core when present, else Pillow's own
  scalable default font; sizes were fitted by the layout with these same fonts.
"""

from __future__ import annotations

import io
from functools import lru_cache

import segno
import zint
from PIL import Image, ImageDraw, ImageFont

from labels import gs1
from labels.content import Content
from labels.errors import LabelFitError
from labels.layout import (
    DOTS_PER_MM,
    PlacedFrame,
    PlacedLabel,
    PlacedLinear,
    PlacedMatrix,
    PlacedText,
    place,
)
from labels.templates import Align

__all__ = [
    "FONT_FILES",
    "datamatrix_modules",
    "measure",
    "qr_modules",
    "render_image",
    "render_pdf",
    "render_png",
]

FONT_FILES: dict[bool, tuple[str, ...]] = {
    False: ("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf",),
    True: ("/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf",),
}
"""Regular (``False``) and bold (``True``) font files, tried in order."""

Font = ImageFont.FreeTypeFont | ImageFont.ImageFont

_DARK = 0
_LIGHT = 1
_TO_GREY = bytes([255, 0]) + bytes(254)  # module value 1 (dark) → 0, 0 (light) → 255


@lru_cache(maxsize=512)
def font(size: int, bold: bool) -> Font:
    for path in FONT_FILES[bold]:
        try:
            return ImageFont.truetype(path, size)
        except OSError:
            continue
    return ImageFont.load_default(size)


def measure(text: str, size: int, bold: bool) -> float:
    return font(size, bold).getlength(text)


def qr_modules(uri: str) -> list[bytes]:
    """Rows of a QR Code for ``uri``, one byte per module, 1 for dark."""
    symbol = segno.make_qr(uri, error="m", boost_error=False)
    return [bytes(row) for row in symbol.matrix]


def datamatrix_modules(elements: tuple[gs1.Element, ...]) -> list[bytes]:
    """Rows of a GS1 DataMatrix for ``elements`` in their order, one byte per module."""
    symbol = zint.Symbol()
    symbol.symbology = zint.Symbology.DATAMATRIX
    symbol.input_mode = zint.InputMode.GS1
    symbol.option_3 = zint.DataMatrixOptions.SQUARE
    symbol.encode("".join(f"[{e.ai}]{e.value}" for e in elements))
    packed = symbol.encoded_data  # rows of bits, least significant bit first
    return [
        bytes((packed[r, c >> 3] >> (c & 7)) & 1 for c in range(symbol.width))
        for r in range(symbol.rows)
    ]


def _paint_modules(page: Image.Image, rows: list[bytes], x: int, y: int, module: int) -> None:
    height, width = len(rows), len(rows[0])
    grid = Image.frombytes("L", (width, height), b"".join(rows).translate(_TO_GREY))
    grid = grid.convert("1").resize((width * module, height * module), Image.Resampling.NEAREST)
    page.paste(grid, (x, y))


def _draw_text(draw: ImageDraw.ImageDraw, item: PlacedText) -> None:
    face = font(item.size, item.bold)
    for line, baseline in zip(item.lines, item.baselines, strict=True):
        slack = item.width - face.getlength(line)
        offset = {Align.LEFT: 0.0, Align.CENTER: slack / 2, Align.RIGHT: slack}[item.align]
        draw.text((item.x + round(offset), baseline), line, font=face, fill=_DARK, anchor="ls")


def _draw_frame(draw: ImageDraw.ImageDraw, item: PlacedFrame) -> None:
    right, bottom = item.x + item.width - 1, item.y + item.height - 1
    if item.height <= item.thickness:
        draw.rectangle((item.x, item.y, right, bottom), fill=_DARK)
    else:
        draw.rectangle((item.x, item.y, right, bottom), outline=_DARK, width=item.thickness)


def _draw_linear(draw: ImageDraw.ImageDraw, item: PlacedLinear) -> None:
    modules, m = item.symbol.modules, item.module
    start = 0
    while (start := modules.find("1", start)) != -1:
        end = modules.find("0", start)
        end = len(modules) if end == -1 else end
        draw.rectangle(
            (item.x + start * m, item.y, item.x + end * m - 1, item.y + item.height - 1),
            fill=_DARK,
        )
        start = end


def _draw_matrix(page: Image.Image, item: PlacedMatrix) -> None:
    rows = qr_modules(item.data) if item.kind == "qr" else datamatrix_modules(item.elements)
    if max(len(rows), len(rows[0])) > item.max_modules:
        raise LabelFitError(item.name, f"{item.kind} symbol has {len(rows)} modules per side")
    _paint_modules(page, rows, item.x, item.y, item.module)


def draw(label: PlacedLabel) -> Image.Image:
    page = Image.new("1", (label.page.width, label.page.height), _LIGHT)
    pen = ImageDraw.Draw(page)
    for item in label.items:
        match item:
            case PlacedText():
                _draw_text(pen, item)
            case PlacedFrame():
                _draw_frame(pen, item)
            case PlacedLinear():
                _draw_linear(pen, item)
            case PlacedMatrix():
                _draw_matrix(page, item)
    return page


def render_image(content: Content, *, dpi: int) -> Image.Image:
    """The label as a 1-bit Pillow image, one pixel per printer dot."""
    return draw(place(content, dpi=dpi, measure=measure))


def _exact_dpi(dpi: int) -> float:
    """The head's real density (8 dots/mm is 203.2 dpi) so the page is exactly its mm size."""
    return DOTS_PER_MM[dpi] * 25.4


def render_png(content: Content, *, dpi: int) -> bytes:
    image = render_image(content, dpi=dpi)
    out = io.BytesIO()
    exact = _exact_dpi(dpi)
    image.save(out, "PNG", dpi=(exact, exact))
    return out.getvalue()


def render_pdf(content: Content, *, dpi: int) -> bytes:
    """One PDF page of the label's size in millimetres carrying the dot-exact bitmap."""
    image = render_image(content, dpi=dpi)
    out = io.BytesIO()
    image.save(out, "PDF", resolution=_exact_dpi(dpi))
    return out.getvalue()
