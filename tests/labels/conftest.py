"""Shared label data for the label tests."""

from __future__ import annotations

from datetime import date

import pytest

from labels.templates import LabelData

SAMPLE = LabelData(
    gtin="18995555000010",
    lot="BTU-2507-A1",
    net_g=12_500,
    pack_date=date(2025, 7, 15),
    product="Kentang Granola",
    grade="A",
    village="Bulukerto",
    packer_name="Koperasi Tani Makmur Batu",
    packer_address="Jl. Raya Bumiaji No. 12, Desa Bulukerto, Kec. Bumiaji, Kota Batu, "
    "Jawa Timur 65334",
    crate_id="C-000123",
    sscc="089955550000000013",
    best_before=date(2025, 7, 29),
    count=40,
    gross_g=540_000,
)


@pytest.fixture
def sample() -> LabelData:
    return SAMPLE
