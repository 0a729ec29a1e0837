"""Words a hub operator reads, by message key: Bahasa Indonesia by default, English on request."""

from __future__ import annotations

import json
from decimal import Decimal
from functools import cache
from pathlib import Path

LANGUAGES = ("id", "en")
DEFAULT_LANGUAGE = "id"
_LOCALES = Path(__file__).resolve().parent / "locales"


@cache
def catalogue(language: str) -> dict[str, str]:
    data: dict[str, str] = json.loads((_LOCALES / f"{language}.json").read_text(encoding="utf-8"))
    return data


def translate(language: str, key: str, **values: object) -> str:
    text = catalogue(language if language in LANGUAGES else DEFAULT_LANGUAGE)[key]
    return text.format(**values) if values else text


def kilograms(grams: int | None, language: str) -> str:
    """Grams as kilograms with three places, with the decimal comma Indonesian uses."""
    if grams is None:
        return "—"
    text = f"{Decimal(grams) / 1000:.3f}"
    return text.replace(".", ",") if language == "id" else text
