"""Label templates as data, and the inputs a label is printed from.

A template is a page size in millimetres and a tuple of fields, each with a box in
millimetres from the top-left corner. Renderers (PNG/PDF in ``labels.render_image``, ZPL in
``labels.render_zpl``) never know a template by name; they draw whatever fields it has, so a
new template is a new entry in ``TEMPLATES`` and nothing else.

Rules the templates keep:

* A symbol's box includes its quiet zones (10 modules each side for GS1-128, 4 for QR,
  1 for Data Matrix); the layout refuses a symbol that does not fit its box.
* Linear symbols use X = 0.25 mm for trade items (2 dots at 203 dpi, 3 at 300 dpi) so a
  PTI (01)(13)(10) symbol fits a 100 mm label, and X = 0.5 mm on the pallet label as the GS1
  logistic label asks; the SSCC symbol is the lowest on the pallet label.
* The case label splits its GS1-128 in two: (01)(310n) and the PTI (01)(13)(10). All four
  AIs in one symbol are about 99 mm wide at X = 0.25 mm with quiet zones, more than fits.
* Text shrinks to fit its box, never gets cut off; ``max_lines`` allows word wrapping.
* Fields whose data is absent (no best-before date, say) are left out unless ``required``.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import date

from labels.errors import LabelDataError, UnknownTemplateError

__all__ = [
    "TEMPLATES",
    "Align",
    "Box",
    "DataMatrixField",
    "Field",
    "FrameField",
    "Gs1128Field",
    "LabelData",
    "QrField",
    "Template",
    "TextField",
    "get_template",
]


@dataclass(frozen=True, slots=True, kw_only=True)
class LabelData:
    """Everything a label may print. Weights are whole grams; dates are ``date``.

    On a pallet label ``gtin`` is the GTIN of the trade items on it (printed as (02)) and
    ``count`` how many there are (37). ``country`` is ISO 3166-1 numeric, as in AI (422).
    """

    gtin: str
    lot: str
    net_g: int
    pack_date: date
    product: str = ""
    grade: str = ""
    village: str = ""
    packer_name: str = ""
    packer_address: str = ""
    crate_id: str = ""
    sscc: str | None = None
    best_before: date | None = None
    country: str = "360"
    count: int | None = None
    gross_g: int | None = None
    purchased_from_gln: str | None = None

    def __post_init__(self) -> None:
        for name in ("net_g", "gross_g", "count"):
            value = getattr(self, name)
            if value is None and name != "net_g":
                continue
            if isinstance(value, bool) or not isinstance(value, int) or value <= 0:
                raise LabelDataError(name, f"must be a positive whole number, got {value!r}")
        for name in ("pack_date", "best_before"):
            value = getattr(self, name)
            if not (isinstance(value, date) or (value is None and name != "pack_date")):
                raise LabelDataError(name, f"must be a date, got {value!r}")


class Align(enum.StrEnum):
    LEFT = "left"
    CENTER = "center"
    RIGHT = "right"


@dataclass(frozen=True, slots=True)
class Box:
    """A rectangle in millimetres: left, top, width, height."""

    x: float
    y: float
    w: float
    h: float


@dataclass(frozen=True, slots=True, kw_only=True)
class TextField:
    """Text from ``source`` (a key of ``labels.content.TEXT_SOURCES``), optionally after a
    caption (a message key of ``labels.i18n``). ``source=None`` prints the caption alone.
    ``size_mm`` is the largest font size (em); the text shrinks from there to fit."""

    name: str
    box: Box
    source: str | None
    caption: str | None = None
    size_mm: float = 3.2
    bold: bool = False
    align: Align = Align.LEFT
    max_lines: int = 1
    required: bool = False


@dataclass(frozen=True, slots=True, kw_only=True)
class Gs1128Field:
    """A GS1-128 symbol with its human-readable line below. ``ais`` must all be present;
    ``optional_ais`` are added when the data has them. AI keys are those of
    ``labels.content.ELEMENT_SOURCES`` (``310n`` stands for the net weight)."""

    name: str
    box: Box
    ais: tuple[str, ...]
    optional_ais: tuple[str, ...] = ()
    module_mm: float = 0.25
    hri_size_mm: float = 2.6


@dataclass(frozen=True, slots=True, kw_only=True)
class QrField:
    """A plain QR Code carrying a GS1 Digital Link URI, anchored at its box's top-left."""

    name: str
    box: Box
    ais: tuple[str, ...]
    optional_ais: tuple[str, ...] = ()
    module_mm: float = 0.5


@dataclass(frozen=True, slots=True, kw_only=True)
class DataMatrixField:
    """A GS1 DataMatrix carrying element strings, anchored at its box's top-left."""

    name: str
    box: Box
    ais: tuple[str, ...]
    optional_ais: tuple[str, ...] = ()
    module_mm: float = 0.5


@dataclass(frozen=True, slots=True, kw_only=True)
class FrameField:
    """A rectangle outline; a box of height 0 draws a horizontal rule."""

    name: str
    box: Box
    line_mm: float = 0.35


Field = TextField | Gs1128Field | QrField | DataMatrixField | FrameField


@dataclass(frozen=True, slots=True)
class Template:
    name: str
    description: str
    width_mm: float
    height_mm: float
    fields: tuple[Field, ...]


_CRATE = Template(
    name="crate",
    description="Crate label, 100 x 50 mm: what the village station packed, with GS1-128.",
    width_mm=100,
    height_mm=50,
    fields=(
        TextField(name="product", box=Box(3, 2.5, 66, 8), source="product", size_mm=6.5,
                  bold=True, required=True),
        FrameField(name="grade_frame", box=Box(72, 2.5, 25, 13.5)),
        TextField(name="grade_caption", box=Box(73, 3.2, 23, 3.4), source=None,
                  caption="grade", size_mm=2.6, align=Align.CENTER),
        TextField(name="grade", box=Box(73, 6.6, 23, 8.6), source="grade", size_mm=7,
                  bold=True, align=Align.CENTER),
        TextField(name="net_weight", box=Box(3, 10.5, 66, 6), source="net_weight",
                  caption="net_weight", size_mm=4.6, bold=True),
        TextField(name="village", box=Box(3, 17.5, 46, 4), source="village",
                  caption="village", size_mm=3),
        TextField(name="pack_date", box=Box(50, 17.5, 47, 4), source="pack_date",
                  caption="pack_date", size_mm=3, align=Align.RIGHT),
        TextField(name="crate_id", box=Box(3, 21.5, 46, 4), source="crate_id",
                  caption="crate", size_mm=3, bold=True),
        TextField(name="lot", box=Box(50, 21.5, 47, 4), source="lot", caption="lot",
                  size_mm=3, align=Align.RIGHT),
        Gs1128Field(name="gs1_128", box=Box(0, 26.5, 100, 21.5), ais=("01", "310n", "10")),
    ),
)  # fmt: skip

_CASE = Template(
    name="case",
    description="PTI case label, 100 x 150 mm (4 x 6 in stock): Bahasa Indonesia fresh-food "
    "fields, Digital Link QR, voice pick code, GS1-128 (01)(310n) and (01)(13)(10).",
    width_mm=100,
    height_mm=150,
    fields=(
        TextField(name="product", box=Box(3, 3, 94, 11), source="product", size_mm=9,
                  bold=True, required=True),
        TextField(name="net_weight", box=Box(3, 15, 60, 8), source="net_weight",
                  caption="net_weight", size_mm=5.5, bold=True),
        FrameField(name="grade_frame", box=Box(65, 14.5, 32, 9)),
        TextField(name="grade", box=Box(66.5, 15.5, 29, 7), source="grade", caption="grade",
                  size_mm=4.5, bold=True, align=Align.CENTER),
        FrameField(name="rule_top", box=Box(3, 25, 94, 0)),
        TextField(name="packer_caption", box=Box(3, 26.5, 94, 3.6), source=None,
                  caption="packer", size_mm=2.8),
        TextField(name="packer_name", box=Box(3, 30, 94, 5), source="packer_name",
                  size_mm=4, bold=True, required=True),
        TextField(name="packer_address", box=Box(3, 35, 94, 8), source="packer_address",
                  size_mm=3.2, max_lines=2, required=True),
        TextField(name="origin", box=Box(3, 43.5, 94, 4.5), source="origin",
                  caption="origin", size_mm=3.4, max_lines=1),
        FrameField(name="rule_middle", box=Box(3, 49, 94, 0)),
        TextField(name="pack_date", box=Box(3, 51, 62, 4.5), source="pack_date",
                  caption="pack_date", size_mm=3.4),
        TextField(name="lot", box=Box(3, 56, 62, 4.5), source="lot", caption="lot",
                  size_mm=3.4, bold=True),
        TextField(name="best_before", box=Box(3, 61, 62, 4.5), source="best_before",
                  caption="best_before", size_mm=3.4),
        TextField(name="crate_id", box=Box(3, 66, 62, 4.5), source="crate_id",
                  caption="crate", size_mm=3.4),
        QrField(name="digital_link", box=Box(69, 50.5, 29, 29), ais=("01", "10"),
                optional_ais=("13", "310n", "15", "422")),
        FrameField(name="pack_date_frame", box=Box(3, 72, 30, 12)),
        TextField(name="pack_date_box", box=Box(4, 74, 28, 8), source="pack_date_box",
                  size_mm=5.5, bold=True, align=Align.CENTER),
        FrameField(name="voice_pick_frame", box=Box(36, 72, 29, 12)),
        TextField(name="voice_pick_small", box=Box(37.5, 76.5, 10, 5), source="voice_small",
                  size_mm=4, bold=True, align=Align.RIGHT),
        TextField(name="voice_pick_large", box=Box(48, 73, 16, 10), source="voice_large",
                  size_mm=9, bold=True),
        Gs1128Field(name="gs1_128_weight", box=Box(0, 87, 100, 27), ais=("01", "310n")),
        Gs1128Field(name="gs1_128_pti", box=Box(0, 119, 100, 28), ais=("01", "13", "10")),
    ),
)  # fmt: skip

_PALLET = Template(
    name="pallet",
    description="GS1 logistic label, 100 x 150 mm: sender, contents, GS1 DataMatrix, "
    "(02)(37) and the SSCC as the lowest GS1-128.",
    width_mm=100,
    height_mm=150,
    fields=(
        TextField(name="from_caption", box=Box(3, 2.5, 94, 3.6), source=None, caption="from",
                  size_mm=2.8),
        TextField(name="packer_name", box=Box(3, 6, 94, 5), source="packer_name", size_mm=4,
                  bold=True, required=True),
        TextField(name="packer_address", box=Box(3, 11, 94, 7.5), source="packer_address",
                  size_mm=3, max_lines=2),
        FrameField(name="rule_top", box=Box(3, 19.5, 94, 0)),
        TextField(name="sscc", box=Box(3, 21, 94, 6), source="sscc_text", size_mm=4.6,
                  bold=True, required=True),
        TextField(name="product", box=Box(3, 28, 62, 6), source="product", size_mm=4.6,
                  bold=True),
        TextField(name="content", box=Box(3, 34.5, 62, 4.2), source="content_gtin",
                  caption="content", size_mm=3.2),
        TextField(name="count", box=Box(3, 39, 62, 4.2), source="count", caption="count",
                  size_mm=3.2, bold=True, required=True),
        TextField(name="lot", box=Box(3, 43.5, 62, 4.2), source="lot", caption="lot",
                  size_mm=3.2, bold=True),
        TextField(name="net_weight", box=Box(3, 48, 62, 4.2), source="net_weight",
                  caption="net_weight", size_mm=3.2),
        TextField(name="gross_weight", box=Box(3, 52.5, 62, 4.2), source="gross_weight",
                  caption="gross_weight", size_mm=3.2),
        TextField(name="pack_date", box=Box(3, 57, 62, 4.2), source="pack_date",
                  caption="pack_date", size_mm=3.2),
        TextField(name="best_before", box=Box(3, 61.5, 62, 4.2), source="best_before",
                  caption="best_before", size_mm=3.2),
        DataMatrixField(name="datamatrix", box=Box(70, 29, 28, 28),
                        ais=("00", "02", "37", "10"), optional_ais=("13", "15", "330n")),
        FrameField(name="rule_bottom", box=Box(3, 67, 94, 0)),
        Gs1128Field(name="gs1_128_content", box=Box(0, 69, 100, 38), ais=("02", "37"),
                    module_mm=0.5, hri_size_mm=3.2),
        Gs1128Field(name="gs1_128_sscc", box=Box(0, 109, 100, 38), ais=("00",),
                    module_mm=0.5, hri_size_mm=3.2),
    ),
)  # fmt: skip

TEMPLATES: dict[str, Template] = {t.name: t for t in (_CRATE, _CASE, _PALLET)}


def get_template(name: str) -> Template:
    try:
        return TEMPLATES[name]
    except KeyError:
        raise UnknownTemplateError(name, sorted(TEMPLATES)) from None
