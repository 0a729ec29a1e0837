"""What a label says: a template's fields filled from ``LabelData``, before any dot is placed.

``resolve`` turns every text field into its final string and every symbol field into GS1
elements (and, for QR, a Digital Link URI). It is where GS1 validation happens for a label:
each element is checked as it is built, and the pairing rules are checked once over all
symbols of the label together, because GS1 evaluates them over everything one item carries.
Renderers take a ``Content`` and never look at ``LabelData``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from labels import gs1, i18n
from labels.errors import LabelDataError
from labels.templates import (
    DataMatrixField,
    FrameField,
    Gs1128Field,
    LabelData,
    QrField,
    Template,
    TextField,
)
from labels.voice_pick import voice_pick_code

__all__ = [
    "ELEMENT_SOURCES",
    "TEXT_SOURCES",
    "Content",
    "FrameItem",
    "LinearItem",
    "MatrixItem",
    "TextItem",
    "resolve",
]


@dataclass(frozen=True, slots=True)
class TextItem:
    field: TextField
    text: str


@dataclass(frozen=True, slots=True)
class LinearItem:
    field: Gs1128Field
    elements: tuple[gs1.Element, ...]

    @property
    def hri(self) -> str:
        return gs1.hri(self.elements)


@dataclass(frozen=True, slots=True)
class MatrixItem:
    """A 2D symbol: ``data`` is the Digital Link URI (QR) or the element string with GS
    separators (GS1 DataMatrix)."""

    field: QrField | DataMatrixField
    elements: tuple[gs1.Element, ...]
    data: str


@dataclass(frozen=True, slots=True)
class FrameItem:
    field: FrameField


Item = TextItem | LinearItem | MatrixItem | FrameItem


@dataclass(frozen=True, slots=True)
class Content:
    template: Template
    items: tuple[Item, ...]

    @property
    def width_mm(self) -> float:
        return self.template.width_mm

    @property
    def height_mm(self) -> float:
        return self.template.height_mm


def _text(value: str) -> str | None:
    return value.strip() or None


def _origin(data: LabelData, lang: str) -> str | None:
    names = i18n.COUNTRY_NAMES.get(data.country)
    if names is None:
        raise LabelDataError(
            "country", f"no name for ISO 3166 numeric code {data.country!r} to print"
        )
    village = f"{i18n.CATALOGUES[lang]['village']} {data.village}, " if data.village else ""
    return village + names[lang]


def _voice(data: LabelData) -> str:
    # The case label's PTI symbol carries (13), so the pack date is part of the hash.
    return voice_pick_code(gs1.gtin(data.gtin).value, data.lot, data.pack_date).code


def _sscc_text(data: LabelData) -> str | None:
    if data.sscc is None:
        return None
    return f"SSCC {gs1.sscc(data.sscc).value}"


TextSource = Callable[[LabelData, str], str | None]

TEXT_SOURCES: dict[str, TextSource] = {
    "product": lambda d, lang: _text(d.product.upper()),
    "grade": lambda d, lang: _text(d.grade),
    "village": lambda d, lang: _text(d.village),
    "crate_id": lambda d, lang: _text(d.crate_id),
    "lot": lambda d, lang: _text(d.lot),
    "packer_name": lambda d, lang: _text(d.packer_name),
    "packer_address": lambda d, lang: _text(d.packer_address),
    "origin": _origin,
    "net_weight": lambda d, lang: i18n.format_kg(d.net_g, lang),
    "gross_weight": lambda d, lang: i18n.format_kg(d.gross_g, lang) if d.gross_g else None,
    "pack_date": lambda d, lang: i18n.format_date(d.pack_date, lang),
    "pack_date_box": lambda d, lang: i18n.format_day_month(d.pack_date, lang),
    "best_before": lambda d, lang: i18n.format_date(d.best_before, lang) if d.best_before else None,
    "voice_small": lambda d, lang: _voice(d)[:2],
    "voice_large": lambda d, lang: _voice(d)[2:],
    "sscc_text": lambda d, lang: _sscc_text(d),
    "content_gtin": lambda d, lang: gs1.gtin(d.gtin).value,
    "count": lambda d, lang: str(d.count) if d.count is not None else None,
}
"""Field source → its text in the label's first language (``None``: nothing to print)."""


def _gross(d: LabelData) -> gs1.Element | None:
    return None if d.gross_g is None else gs1.gross_weight_kg(d.gross_g)


ElementSource = Callable[[LabelData], gs1.Element | None]

ELEMENT_SOURCES: dict[str, ElementSource] = {
    "00": lambda d: gs1.sscc(d.sscc) if d.sscc is not None else None,
    "01": lambda d: gs1.gtin(d.gtin),
    "02": lambda d: gs1.gtin(d.gtin, ai="02"),
    "10": lambda d: gs1.Element("10", d.lot),
    "13": lambda d: gs1.date_element("13", d.pack_date),
    "15": lambda d: gs1.date_element("15", d.best_before) if d.best_before else None,
    "310n": lambda d: gs1.net_weight_kg(d.net_g),
    "330n": _gross,
    "37": lambda d: gs1.Element("37", str(d.count)) if d.count is not None else None,
    "412": lambda d: (
        gs1.Element("412", d.purchased_from_gln) if d.purchased_from_gln is not None else None
    ),
    "422": lambda d: gs1.Element("422", d.country),
}
"""Symbol AI key → its element from the label data (``None``: the data does not have it)."""

_FIELD_OF_AI = {"00": "sscc", "02": "gtin", "37": "count", "330n": "gross_g", "15": "best_before"}
"""The ``LabelData`` field each optional AI comes from, for error messages."""
_FIELD_OF_SOURCE = {"sscc_text": "sscc", "gross_weight": "gross_g", "origin": "country"}
"""The same for text sources whose name is not the field's."""


def _elements(
    template: Template, field: Gs1128Field | QrField | DataMatrixField, data: LabelData
) -> tuple[gs1.Element, ...]:
    found: list[gs1.Element] = []
    for key in field.ais + field.optional_ais:
        item = ELEMENT_SOURCES[key](data)
        if item is not None:
            found.append(item)
        elif key in field.ais:
            name = _FIELD_OF_AI.get(key, key)
            raise LabelDataError(
                name, f"the {template.name} label's {field.name!r} symbol needs AI ({key})"
            )
    return gs1.sort_elements(found)


def _text_item(
    template: Template, field: TextField, data: LabelData, languages: tuple[str, ...]
) -> TextItem | None:
    value = TEXT_SOURCES[field.source](data, languages[0]) if field.source else None
    if field.source and value is None:
        if field.required:
            name = _FIELD_OF_SOURCE.get(field.source, field.source)
            raise LabelDataError(name, f"the {template.name} label's {field.name!r} field needs it")
        return None
    label = i18n.caption(field.caption, languages) if field.caption else ""
    text = f"{label}: {value}" if label and value else label or value or ""
    return TextItem(field, text)


def resolve(
    template: Template,
    data: LabelData,
    *,
    languages: tuple[str, ...] = i18n.DEFAULT_LANGUAGES,
    resolver: str = gs1.DEFAULT_RESOLVER,
) -> Content:
    """Fill ``template`` from ``data``; raises ``Gs1Error`` or ``LabelDataError``."""
    unknown = [lang for lang in languages if lang not in i18n.CATALOGUES]
    if not languages or unknown:
        raise LabelDataError(
            "languages", f"{languages!r}: choose from {', '.join(i18n.CATALOGUES)}"
        )
    items: list[Item] = []
    carried: list[gs1.Element] = []
    for field in template.fields:
        match field:
            case TextField():
                text_item = _text_item(template, field, data, languages)
                if text_item is not None:
                    items.append(text_item)
            case Gs1128Field():
                elements = _elements(template, field, data)
                gs1.check_gs1_128(elements)
                items.append(LinearItem(field, elements))
                carried.extend(elements)
            case QrField():
                elements = _elements(template, field, data)
                uri = gs1.digital_link_uri(elements, resolver=resolver)
                items.append(MatrixItem(field, elements, uri))
                carried.extend(elements)
            case DataMatrixField():
                elements = _elements(template, field, data)
                items.append(MatrixItem(field, elements, gs1.element_string(elements)))
                carried.extend(elements)
            case FrameField():
                items.append(FrameItem(field))
    gs1.check_pairings(carried)
    return Content(template, tuple(items))
