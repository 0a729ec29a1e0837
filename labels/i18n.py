"""Words printed on labels, by message key, in Bahasa Indonesia (default) and English.

Peraturan Badan Pangan Nasional No. 1/2023 (label pangan segar) wants Bahasa Indonesia on
fresh-food labels; other languages may be added, so a label's ``languages`` is a tuple whose
first entry also decides how numbers and dates are written (Indonesian: decimal comma,
``1.234,50 kg``). Captions join the languages with `` / `` ("Berat Bersih / Net Weight").
"""

from __future__ import annotations

from datetime import date

__all__ = [
    "CATALOGUES",
    "COUNTRY_NAMES",
    "DEFAULT_LANGUAGES",
    "caption",
    "format_date",
    "format_day_month",
    "format_kg",
]

DEFAULT_LANGUAGES: tuple[str, ...] = ("id",)

CATALOGUES: dict[str, dict[str, str]] = {
    "id": {
        "grade": "Kelas Mutu",
        "net_weight": "Berat Bersih",
        "gross_weight": "Berat Kotor",
        "packer": "Dikemas oleh",
        "pack_date": "Tanggal Kemas",
        "lot": "Kode Produksi",
        "best_before": "Baik digunakan sebelum",
        "origin": "Asal usul",
        "village": "Desa",
        "crate": "Peti",
        "content": "Isi",
        "count": "Jumlah",
        "from": "Dari",
        "voice_pick": "Kode Suara",
    },
    "en": {
        "grade": "Grade",
        "net_weight": "Net Weight",
        "gross_weight": "Gross Weight",
        "packer": "Packed by",
        "pack_date": "Pack Date",
        "lot": "Lot",
        "best_before": "Best Before",
        "origin": "Origin",
        "village": "Village",
        "crate": "Crate",
        "content": "Content",
        "count": "Count",
        "from": "From",
        "voice_pick": "Voice Pick",
    },
}

MONTHS: dict[str, tuple[str, ...]] = {
    "id": ("JAN", "FEB", "MAR", "APR", "MEI", "JUN", "JUL", "AGU", "SEP", "OKT", "NOV", "DES"),
    "en": ("JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC"),
}

SEPARATORS: dict[str, tuple[str, str]] = {"id": (",", "."), "en": (".", ",")}
"""Decimal separator and thousands separator."""

COUNTRY_NAMES: dict[str, dict[str, str]] = {
    "360": {"id": "Indonesia", "en": "Indonesia"},
}
"""ISO 3166-1 numeric codes (as in AI 422) of the countries our produce comes from."""


def caption(key: str, languages: tuple[str, ...]) -> str:
    return " / ".join(CATALOGUES[lang][key] for lang in languages)


def format_kg(grams: int, lang: str) -> str:
    """Kilograms with two or three decimals: ``12500`` → ``12,50 kg`` in Bahasa Indonesia."""
    decimal_sep, thousands_sep = SEPARATORS[lang]
    whole, rest = divmod(grams, 1000)
    fraction = f"{rest:03d}"
    if fraction.endswith("0"):
        fraction = fraction[:2]
    return f"{whole:,}".replace(",", thousands_sep) + f"{decimal_sep}{fraction} kg"


def format_date(day: date, lang: str) -> str:
    return f"{day.day:02d} {MONTHS[lang][day.month - 1]} {day.year}"


def format_day_month(day: date, lang: str) -> str:
    """The PTI pack-date box: three-letter month and day (``JUL 15``)."""
    return f"{MONTHS[lang][day.month - 1]} {day.day:02d}"
