"""ZPL output: exact structure, and what a printer draws from it (zplkit) reads back exactly."""

from __future__ import annotations

import io
from dataclasses import replace

import pytest
import zplkit
from label_scan import check_scan, decode
from PIL import Image, ImageChops

from labels.code128 import gs1_128
from labels.content import Content, resolve
from labels.gs1 import Element, element_string, gtin
from labels.layout import DOTS_PER_MM, PlacedLinear, place
from labels.render_image import measure, render_image
from labels.render_zpl import bc_field_data, render_zpl
from labels.templates import (
    TEMPLATES,
    Align,
    Box,
    LabelData,
    Template,
    TextField,
)

DPIS = sorted(DOTS_PER_MM)

CRATE_203_ZPL = r"""^XA
^CI28
^PW800
^LL400
^LH0,0
^FT24,68^A0N,52,52^FB528,1,0,L^FH\^FDKENTANG GRANOLA^FS
^FO576,20^GB200,108,3^FS
^FT584,46^A0N,21,21^FB184,1,0,C^FH\^FDKelas Mutu^FS
^FT584,104^A0N,56,56^FB184,1,0,C^FH\^FDA^FS
^FT24,119^A0N,37,37^FB528,1,0,L^FH\^FDBerat Bersih: 12,50 kg^FS
^FT24,163^A0N,24,24^FB368,1,0,L^FH\^FDDesa: Bulukerto^FS
^FT400,163^A0N,24,24^FB376,1,0,R^FH\^FDTanggal Kemas: 15 JUL 2025^FS
^FT24,195^A0N,24,24^FB368,1,0,L^FH\^FDPeti: C-000123^FS
^FT400,195^A0N,24,24^FB376,1,0,R^FH\^FDKode Produksi: BTU-2507-A1^FS
^FO68,212^BY2^BCN,146,N,N,N,N^FH\^FD>;>80118995555000010310301250010>6BTU->52507>6-A1^FS
^FT0,379^A0N,21,21^FB800,1,0,C^FH\^FD(01)18995555000010(3103)012500(10)BTU-2507-A1^FS
^XZ
"""


def _printed(zpl: bytes, dpi: int) -> Image.Image:
    """What a ZPL printer would print, as zplkit rasterises it."""
    document = zplkit.render(zpl, zplkit.Options(dpi=dpi))
    assert len(document.labels) == 1
    return Image.open(io.BytesIO(document.labels[0].png())).convert("1")


def _content(name: str, data: LabelData) -> Content:
    if name == "pallet":
        data = replace(data, net_g=500_000)
    return resolve(TEMPLATES[name], data)


def test_the_crate_label_at_203_dpi_is_exactly_this_zpl(sample: LabelData) -> None:
    assert render_zpl(_content("crate", sample), dpi=203).decode() == CRATE_203_ZPL


@pytest.mark.parametrize("dpi", DPIS)
@pytest.mark.parametrize("name", sorted(TEMPLATES))
def test_the_page_size_comes_from_the_template(name: str, dpi: int, sample: LabelData) -> None:
    zpl = render_zpl(_content(name, sample), dpi=dpi).decode()
    template = TEMPLATES[name]
    per_mm = DOTS_PER_MM[dpi]
    assert f"\n^PW{round(template.width_mm * per_mm)}\n" in zpl
    assert f"\n^LL{round(template.height_mm * per_mm)}\n" in zpl
    assert zpl.startswith("^XA\n^CI28\n") and zpl.endswith("^XZ\n")


@pytest.mark.parametrize("dpi", DPIS)
@pytest.mark.parametrize("name", sorted(TEMPLATES))
def test_every_symbol_a_printer_draws_from_the_zpl_reads_back_exactly(
    name: str, dpi: int, sample: LabelData
) -> None:
    content = _content(name, sample)
    check_scan(_printed(render_zpl(content, dpi=dpi), dpi), content)


@pytest.mark.parametrize("dpi", DPIS)
@pytest.mark.parametrize("name", sorted(TEMPLATES))
def test_printer_and_png_paint_identical_gs1_128_bars(
    name: str, dpi: int, sample: LabelData
) -> None:
    content = _content(name, sample)
    printed = _printed(render_zpl(content, dpi=dpi), dpi)
    png = render_image(content, dpi=dpi)
    for item in place(content, dpi=dpi, measure=measure).items:
        if isinstance(item, PlacedLinear):
            quiet = 10 * item.module
            area = (
                item.x - quiet,
                item.y,
                item.x + len(item.symbol.modules) * item.module + quiet,
                item.y + item.height,
            )
            difference = ImageChops.logical_xor(png.crop(area), printed.crop(area))
            assert difference.getbbox() is None, item.name


@pytest.mark.parametrize(
    "lot",
    [
        "A(1)B",  # parentheses: mode D would strip them
        "12345",  # odd digit count: the last digit must not vanish in subset C
        "AB12345678CD",  # subset C inside subset B
        "x>y<z",  # '>' is an invocation code character in ^BC field data
        "lot_7%",
        "'\"!&*+,-./:;=?",
    ],
)
def test_lots_with_awkward_characters_survive_bc_mode_n(lot: str) -> None:
    items = [gtin("18995555000010"), Element("13", "250715"), Element("10", lot)]
    symbol = gs1_128(items)
    zpl = (
        f"^XA^PW800^LL160^FO10,10^BY2^BCN,120,N,N,N,N^FH\\^FD{bc_field_data(symbol)}^FS^XZ"
    ).encode()
    found = decode(_printed(zpl, 203))
    assert found == {("]C1", element_string(items))}


def test_zpl_special_characters_in_text_are_hex_escaped(sample: LabelData) -> None:
    content = _content("crate", replace(sample, product="Tomat ^Cherry~ \\ Lokal"))
    zpl = render_zpl(content, dpi=203).decode()
    assert "^FDTOMAT \\5ECHERRY\\7E \\5C LOKAL^FS" in zpl
    check_scan(_printed(zpl.encode(), 203), content)


@pytest.mark.parametrize("dpi", DPIS)
@pytest.mark.parametrize("align", list(Align))
def test_text_sized_for_font_0_stays_inside_its_box_on_the_printer(
    dpi: int, align: Align, sample: LabelData
) -> None:
    box = Box(10, 5, 50, 8)
    field = TextField(name="packer", box=box, source="packer_name", size_mm=8, align=align)
    template = Template(name="one", description="", width_mm=70, height_mm=18, fields=(field,))
    name = "Koperasi Tani Makmur Bumiaji, Batu (WWW MMM)"
    content = resolve(template, replace(sample, packer_name=name))
    printed = _printed(render_zpl(content, dpi=dpi), dpi)
    ink = ImageChops.invert(printed.convert("L")).getbbox()
    per_mm = DOTS_PER_MM[dpi]
    assert ink is not None
    left, top, right, bottom = ink
    assert left >= box.x * per_mm and right <= (box.x + box.w) * per_mm
    assert top >= box.y * per_mm and bottom <= (box.y + box.h) * per_mm
    assert right - left > 0.8 * box.w * per_mm, "text should be shrunk only as far as needed"
