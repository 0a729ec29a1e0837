"""What the packer reads: message keys resolved from Bahasa Indonesia (default) or English.

Weights on the display are kilograms with the decimal comma Indonesians write (``12,345``).
"""

from __future__ import annotations

import json
from decimal import Decimal
from functools import cache
from pathlib import Path

_LOCALES = Path(__file__).resolve().parent / "locales"
_GRAM_FIELDS = {"net_g": "net", "min_g": "min"}


@cache
def catalogue(language: str) -> dict[str, str]:
    data: dict[str, str] = json.loads((_LOCALES / f"{language}.json").read_text(encoding="utf-8"))
    return data


def kilograms(grams: int, language: str) -> str:
    text = f"{Decimal(grams) / 1000:.3f}"
    return text.replace(".", ",") if language == "id" else text


def render(language: str, key: str, values: dict[str, str | int]) -> str:
    """The sentence for ``key``; gram values (``*_g``) are shown as kilograms."""
    words = catalogue(language)
    shown: dict[str, str] = {}
    for name, value in values.items():
        if name in _GRAM_FIELDS and isinstance(value, int):
            shown[_GRAM_FIELDS[name]] = kilograms(value, language)
        elif name == "what":
            shown[name] = words.get(str(value), str(value))
        else:
            shown[name] = str(value)
    return words[key].format(**shown)
