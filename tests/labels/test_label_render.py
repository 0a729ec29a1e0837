"""PNG and PDF renders: every symbol on every template reads back, text never gets cut off."""

from __future__ import annotations

import io
from dataclasses import replace

import pypdfium2
import pytest
import segno
import zxingcpp
from label_scan import check_scan, decode
from PIL import Image, ImageChops

from labels import gs1
from labels.content import Content, TextItem, resolve
from labels.errors import LabelDataError, LabelFitError
from labels.layout import (
    DATAMATRIX_SQUARE,
    DOTS_PER_MM,
    QR_BYTES_LEVEL_M,
    PlacedText,
    fit_text,
    place,
)
from labels.render_image import (
    datamatrix_modules,
    measure,
    render_image,
    render_pdf,
    render_png,
)
from labels.templates import TEMPLATES, Align, Box, LabelData, Template, TextField

DPIS = sorted(DOTS_PER_MM)


def _content(name: str, data: LabelData, languages: tuple[str, ...] = ("id",)) -> Content:
    if name == "pallet":
        data = replace(data, net_g=500_000)
    return resolve(TEMPLATES[name], data, languages=languages)


@pytest.mark.parametrize("dpi", DPIS)
@pytest.mark.parametrize("name", sorted(TEMPLATES))
def test_every_symbol_in_the_png_reads_back_exactly(name: str, dpi: int, sample: LabelData) -> None:
    content = _content(name, sample)
    image = Image.open(io.BytesIO(render_png(content, dpi=dpi)))
    template = TEMPLATES[name]
    per_mm = DOTS_PER_MM[dpi]
    assert image.size == (template.width_mm * per_mm, template.height_mm * per_mm)
    assert image.info["dpi"] == pytest.approx((per_mm * 25.4, per_mm * 25.4), abs=0.01)
    check_scan(image, content)


@pytest.mark.parametrize("dpi", DPIS)
@pytest.mark.parametrize("name", sorted(TEMPLATES))
def test_every_symbol_in_the_pdf_reads_back_exactly_when_rasterised(
    name: str, dpi: int, sample: LabelData
) -> None:
    content = _content(name, sample)
    document = pypdfium2.PdfDocument(render_pdf(content, dpi=dpi))
    try:
        page = document[0]
        width_pt, height_pt = page.get_size()
        assert width_pt == pytest.approx(TEMPLATES[name].width_mm / 25.4 * 72, abs=0.01)
        assert height_pt == pytest.approx(TEMPLATES[name].height_mm / 25.4 * 72, abs=0.01)
        image = page.render(scale=DOTS_PER_MM[dpi] * 25.4 / 72).to_pil().convert("L")
        page.close()
    finally:
        document.close()
    check_scan(image, content)


def test_the_case_label_carries_gtin_lot_pack_date_and_weight_in_gs1_128(
    sample: LabelData,
) -> None:
    found = decode(render_image(_content("case", sample), dpi=203))
    linear = {text for identifier, text in found if identifier == "]C1"}
    assert linear == {
        "01189955550000103103012500",
        "01189955550000101325071510BTU-2507-A1",
    }


def test_the_case_label_links_to_the_digital_link_with_the_pack_date_and_weight(
    sample: LabelData,
) -> None:
    found = decode(render_image(_content("case", sample), dpi=300))
    assert (
        "]Q1",
        "https://id.gs1.org/01/18995555000010/10/BTU-2507-A1"
        "?13=250715&3103=012500&15=250729&422=360",
    ) in found


def test_the_resolver_domain_is_configurable(sample: LabelData) -> None:
    content = resolve(TEMPLATES["case"], sample, resolver="qr.lumbung.id")
    found = decode(render_image(content, dpi=203))
    assert any(text.startswith("https://qr.lumbung.id/01/") for _, text in found)


def test_the_pallet_sscc_is_the_lowest_symbol(sample: LabelData) -> None:
    content = _content("pallet", sample)
    image = render_image(content, dpi=203)
    results = zxingcpp.read_barcodes(image)
    lowest = max(results, key=lambda r: r.position.bottom_left.y)
    assert lowest.text == "(00)089955550000000013"


@pytest.mark.parametrize("name", sorted(TEMPLATES))
def test_labels_in_bahasa_and_english_still_fit_and_scan(name: str, sample: LabelData) -> None:
    content = _content(name, sample, languages=("id", "en"))
    check_scan(render_image(content, dpi=203), content)


def test_the_case_label_speaks_bahasa_indonesia_with_a_decimal_comma(sample: LabelData) -> None:
    content = _content("case", sample)
    texts = {
        item.name: " ".join(item.lines)
        for item in place(content, dpi=300, measure=measure).items
        if isinstance(item, PlacedText)
    }
    assert texts["net_weight"] == "Berat Bersih: 12,50 kg"
    assert texts["pack_date"] == "Tanggal Kemas: 15 JUL 2025"
    assert texts["lot"] == "Kode Produksi: BTU-2507-A1"
    assert texts["grade"] == "Kelas Mutu: A"
    assert texts["origin"] == "Asal usul: Desa Bulukerto, Indonesia"
    assert texts["packer_caption"] == "Dikemas oleh"
    assert texts["pack_date_box"] == "JUL 15"
    assert (texts["voice_pick_small"], texts["voice_pick_large"]) == ("55", "72")


@pytest.mark.parametrize("dpi", DPIS)
def test_long_text_shrinks_and_wraps_but_stays_inside_its_box(dpi: int, sample: LabelData) -> None:
    data = replace(
        sample,
        product="Kentang Granola Super Pilihan Dataran Tinggi Batu",
        packer_address="Jalan Raya Bumiaji Nomor 12, Dusun Krajan, Desa Bulukerto, "
        "Kecamatan Bumiaji, Kota Batu, Provinsi Jawa Timur 65334, Indonesia",
    )
    content = _content("case", data)
    texts = {i.field.name: i.text for i in content.items if isinstance(i, TextItem)}
    for item in place(content, dpi=dpi, measure=measure).items:
        if isinstance(item, PlacedText):
            for line in item.lines:
                assert measure(line, item.size, item.bold) <= item.width, item.name
            if item.name in texts:
                assert " ".join(item.lines).split() == texts[item.name].split()
    image = render_image(content, dpi=dpi)
    box = TEMPLATES["case"].fields[0].box
    per_mm = DOTS_PER_MM[dpi]
    top, right = round(box.y * per_mm), round((box.x + box.w) * per_mm)
    bottom = round((box.y + box.h) * per_mm)
    ink = ImageChops.invert(image.convert("L"))
    assert ink.crop((right, top, image.width, bottom)).getbbox() is None, "text spilled out"
    assert ink.crop((0, top, right, bottom)).getbbox() is not None
    check_scan(image, content)


def test_text_that_cannot_fit_even_at_the_smallest_size_is_refused_naming_the_field(
    sample: LabelData,
) -> None:
    tiny = Template(
        name="tiny",
        description="one small box",
        width_mm=30,
        height_mm=10,
        fields=(TextField(name="product", box=Box(1, 1, 28, 4), source="product"),),
    )
    with pytest.raises(LabelFitError) as caught:
        render_image(resolve(tiny, replace(sample, product="X" * 80)), dpi=203)
    assert caught.value.field == "product"


def test_fitting_prefers_the_largest_size_that_fits() -> None:
    def fixed(text: str, size: int, bold: bool) -> float:
        return len(text) * size * 0.5

    fitted = fit_text(
        "aaaa bbbb cccc", width=100, height=60, size=40, min_size=10, max_lines=2,
        bold=False, measure=fixed,
    )  # fmt: skip
    # 9 characters at 0.5 em must fit 100 dots: size 22; two lines need 22 + 25 <= 60 dots.
    assert fitted == (22, ("aaaa bbbb", "cccc"))


def test_a_lot_too_long_for_the_crate_symbol_is_refused_naming_the_field(
    sample: LabelData,
) -> None:
    content = _content("crate", replace(sample, lot="ABCDEFGHIJKLMNOPQRST"))
    with pytest.raises(LabelFitError) as caught:
        render_image(content, dpi=203)
    assert caught.value.field == "gs1_128"
    assert "quiet zones" in str(caught.value)


def test_an_unsupported_density_is_refused(sample: LabelData) -> None:
    with pytest.raises(LabelDataError) as caught:
        render_png(_content("crate", sample), dpi=600)
    assert caught.value.field == "dpi"


def test_missing_pallet_data_names_the_label_data_field(sample: LabelData) -> None:
    with pytest.raises(LabelDataError) as caught:
        resolve(TEMPLATES["pallet"], replace(sample, sscc=None))
    assert caught.value.field == "sscc"
    with pytest.raises(LabelDataError) as caught:
        resolve(TEMPLATES["pallet"], replace(sample, count=None))
    assert caught.value.field == "count"


def test_an_invalid_gtin_fails_before_anything_is_drawn(sample: LabelData) -> None:
    with pytest.raises(gs1.CheckDigitError):
        resolve(TEMPLATES["crate"], replace(sample, gtin="18995555000011"))


def test_labels_are_aligned_left_centre_and_right_as_the_template_says(
    sample: LabelData,
) -> None:
    placed = place(_content("crate", sample), dpi=203, measure=measure)
    aligns = {i.name: i.align for i in placed.items if isinstance(i, PlacedText)}
    assert aligns["product"] is Align.LEFT
    assert aligns["grade"] is Align.CENTER
    assert aligns["pack_date"] is Align.RIGHT


@pytest.mark.parametrize("version", range(1, len(QR_BYTES_LEVEL_M) + 1))
def test_the_qr_capacity_table_matches_segno(version: int) -> None:
    capacity = QR_BYTES_LEVEL_M[version - 1]
    exact = segno.make_qr(b"a" * capacity, error="m", mode="byte", boost_error=False)
    over = segno.make_qr(b"a" * (capacity + 1), error="m", mode="byte", boost_error=False)
    assert (exact.version, over.version) == (version, version + 1)


@pytest.mark.parametrize("lot_length", [1, 5, 10, 15, 20])
def test_the_datamatrix_size_bound_is_never_smaller_than_what_zint_draws(
    lot_length: int,
) -> None:
    data = (
        gs1.sscc("089955550000000013"),
        gs1.gtin("18995555000010", ai="02"),
        gs1.Element("37", "40"),
        gs1.Element("10", ("A1" * 10)[:lot_length]),
    )
    rows = datamatrix_modules(data)
    assert len(rows) == len(rows[0]), "square symbols only"
    codewords = 1 + len(gs1.element_string(data))
    bound = next(m for m, capacity in DATAMATRIX_SQUARE if codewords <= capacity)
    assert len(rows) <= bound
