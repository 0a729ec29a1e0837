"""Templates are consistent data: every key they use exists, every box is on the page."""

from __future__ import annotations

from dataclasses import replace

import pytest

from labels import i18n
from labels.content import ELEMENT_SOURCES, TEXT_SOURCES, resolve
from labels.errors import LabelDataError, UnknownTemplateError
from labels.templates import (
    TEMPLATES,
    DataMatrixField,
    Gs1128Field,
    LabelData,
    QrField,
    Template,
    TextField,
    get_template,
)


@pytest.mark.parametrize("template", TEMPLATES.values(), ids=list(TEMPLATES))
def test_every_field_has_a_unique_name_and_sits_on_the_page(template: Template) -> None:
    names = [field.name for field in template.fields]
    assert len(names) == len(set(names))
    for field in template.fields:
        box = field.box
        assert box.x >= 0 and box.x + box.w <= template.width_mm, field.name
        assert box.y >= 0 and box.y + box.h <= template.height_mm, field.name


@pytest.mark.parametrize("template", TEMPLATES.values(), ids=list(TEMPLATES))
def test_every_source_caption_and_ai_a_template_names_exists(template: Template) -> None:
    for field in template.fields:
        match field:
            case TextField(source=source, caption=caption):
                assert source is None or source in TEXT_SOURCES, field.name
                for catalogue in i18n.CATALOGUES.values():
                    assert caption is None or caption in catalogue, field.name
            case Gs1128Field() | QrField() | DataMatrixField():
                assert set(field.ais + field.optional_ais) <= set(ELEMENT_SOURCES), field.name


def test_an_unknown_template_lists_the_known_ones() -> None:
    with pytest.raises(UnknownTemplateError) as caught:
        get_template("karung")
    assert "case, crate, pallet" in str(caught.value)


def test_weights_must_be_whole_grams(sample: LabelData) -> None:
    with pytest.raises(LabelDataError) as caught:
        replace(sample, net_g=12.5)  # type: ignore[arg-type]
    assert caught.value.field == "net_g"


def test_an_origin_country_without_a_printable_name_is_refused(sample: LabelData) -> None:
    with pytest.raises(LabelDataError) as caught:
        resolve(TEMPLATES["case"], replace(sample, country="458"))
    assert caught.value.field == "country"


def test_an_unknown_language_is_refused(sample: LabelData) -> None:
    with pytest.raises(LabelDataError) as caught:
        resolve(TEMPLATES["case"], sample, languages=("jv",))
    assert caught.value.field == "languages"


@pytest.mark.parametrize(
    ("grams", "lang", "text"),
    [(12_500, "id", "12,50 kg"), (12_345, "id", "12,345 kg"), (1_234_500, "id", "1.234,50 kg"),
     (1_234_500, "en", "1,234.50 kg"), (500, "id", "0,50 kg")],
)  # fmt: skip
def test_weights_are_printed_with_the_languages_separators(
    grams: int, lang: str, text: str
) -> None:
    assert i18n.format_kg(grams, lang) == text
