"""Words a hub operator reads, by message key: Bahasa Indonesia by default, English on request.

Both catalogues hold the same keys with the same ``{placeholders}`` (a test holds them
together); templates and code never write a word a person reads other than through a key.
Numbers follow the language: a decimal comma in Indonesian.  Times are shown in WIB.
"""

from __future__ import annotations

import json
from datetime import datetime
from decimal import Decimal
from functools import cache
from pathlib import Path

from hub.domain.projection import HUB_TZ

LANGUAGES = ("id", "en")
DEFAULT_LANGUAGE = "id"
_LOCALES = Path(__file__).resolve().parent / "locales"


@cache
def catalogue(language: str) -> dict[str, str]:
    data: dict[str, str] = json.loads((_LOCALES / f"{language}.json").read_text(encoding="utf-8"))
    return data


def language_or_default(language: str | None) -> str:
    return language if language in LANGUAGES else DEFAULT_LANGUAGE


def translate(language: str, key: str, **values: object) -> str:
    text = catalogue(language_or_default(language))[key]
    return text.format(**values) if values else text


def kilograms(grams: int | None, language: str) -> str:
    """Grams as kilograms with three places, with the decimal comma Indonesian uses."""
    if grams is None:
        return "—"
    text = f"{Decimal(grams) / 1000:,.3f}"
    if language == "id":
        return text.replace(",", " ").replace(".", ",").replace(" ", ".")
    return text


def clock_time(moment: datetime | None) -> str:
    """A time as the hub's operators read it: WIB, to the second."""
    if moment is None:
        return "—"
    return moment.astimezone(HUB_TZ).strftime("%Y-%m-%d %H:%M:%S")


def ago(moment: datetime | None, *, now: datetime, language: str) -> str:
    """How long ago, in the largest whole unit: "3 menit lalu"."""
    if moment is None:
        return translate(language, "time.never")
    seconds = max(0, int((now - moment).total_seconds()))
    for unit, size in (("days", 86_400), ("hours", 3_600), ("minutes", 60)):
        if seconds >= size:
            return translate(language, f"time.{unit}_ago", n=seconds // size)
    return translate(language, "time.seconds_ago", n=seconds)


def describe(language: str, code: str, field: str | None, detail: str) -> str:
    """An error for a person: ``error.{code}.{field}``, else ``error.{code}`` (which may quote
    the technical ``{detail}``), else the detail itself."""
    known = catalogue(language_or_default(language))
    for key in (f"error.{code}.{field}", f"error.{code}"):
        if key in known:
            return known[key].format(detail=detail)
    return detail
