"""PTI Voice Pick Code: CRC-16/ARC of GTIN + lot (+ pack date), mod 10000."""

from __future__ import annotations

from datetime import date

import pytest
from label_vectors import VOICE_PICK_EXAMPLES

from labels.voice_pick import crc16_arc, voice_pick_code


@pytest.mark.parametrize(("gtin", "lot", "pack_date", "code"), VOICE_PICK_EXAMPLES)
def test_published_voice_pick_codes_are_reproduced(
    gtin: str, lot: str, pack_date: date | None, code: str
) -> None:
    assert voice_pick_code(gtin, lot, pack_date).code == code


def test_the_teklynx_example_prints_63_small_and_59_large() -> None:
    code = voice_pick_code("10850510002011", "46587443HG234")
    assert (code.small, code.large, str(code)) == ("63", "59", "6359")


def test_the_crc_is_the_arc_variant() -> None:
    # The CRC catalogue's check value for CRC-16/ARC over ASCII "123456789".
    assert crc16_arc(b"123456789") == 0xBB3D


def test_the_pack_date_changes_the_code_and_is_hashed_as_yymmdd() -> None:
    without = voice_pick_code("61414100734933", "32ABCD")
    with_date = voice_pick_code("61414100734933", "32ABCD", date(2001, 1, 1))
    assert without != with_date
    assert with_date.code == f"{crc16_arc(b'6141410073493332ABCD010101') % 10000:04d}"


def test_codes_below_1000_keep_their_leading_zeros() -> None:
    codes = {voice_pick_code("10850510002011", f"L{n}").code for n in range(200)}
    assert all(len(c) == 4 and c.isdigit() for c in codes)
    assert any(c.startswith("0") for c in codes)


def test_a_lot_outside_ascii_is_refused() -> None:
    with pytest.raises(ValueError, match="not ASCII"):
        voice_pick_code("10850510002011", "LÖT")
