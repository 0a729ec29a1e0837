"""Words an operator reads about orders, allocation and plans, by message key.

Every shortfall, unserved stop and import problem carries a ``Message``: a key from the
catalogues in ``locales/`` and the values for its placeholders, kept typed (``Grams``,
``Clock``, dates) so that each language formats them its own way.  Bahasa Indonesia is the
default, as on the hub's operator pages; ``str(message)`` is English, for logs and tests.

Rules:

1. Values stay typed until rendering: a weight is ``Grams``, a time of day is ``Clock``.
2. A key missing from a catalogue is a bug and raises ``KeyError``; the tests render every key
   in both languages.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date
from functools import cache
from importlib import resources

LANGUAGES = ("id", "en")
DEFAULT_LANGUAGE = "id"


@dataclass(frozen=True, slots=True)
class Grams:
    """A weight to show in kilograms."""

    grams: int


@dataclass(frozen=True, slots=True)
class Clock:
    """A time of day, as seconds since midnight, to show as ``HH:MM`` (rounded up)."""

    seconds: int


@dataclass(frozen=True, slots=True)
class Duration:
    """A length of time in seconds, to show in hours and minutes (rounded up)."""

    seconds: int


Value = str | int | date | Grams | Clock | Duration


@dataclass(frozen=True, slots=True)
class Message:
    key: str
    values: tuple[tuple[str, Value], ...] = ()

    def text(self, language: str = DEFAULT_LANGUAGE) -> str:
        return render(self, language)

    def __str__(self) -> str:
        return render(self, "en")


def message(key: str, **values: Value) -> Message:
    return Message(key, tuple(values.items()))


@cache
def catalogue(language: str) -> dict[str, str]:
    source = resources.files("hub.schedule") / "locales" / f"{language}.json"
    data: dict[str, str] = json.loads(source.read_text(encoding="utf-8"))
    return data


def render(msg: Message, language: str = DEFAULT_LANGUAGE) -> str:
    language = language if language in LANGUAGES else DEFAULT_LANGUAGE
    values = {name: format_value(value, language) for name, value in msg.values}
    return catalogue(language)[msg.key].format(**values)


def format_value(value: Value, language: str) -> str:
    match value:
        case Grams(grams=grams):
            return kilograms(grams, language)
        case Clock(seconds=seconds):
            return clock(seconds)
        case Duration(seconds=seconds):
            return hours_minutes(seconds, language)
        case date():
            return value.isoformat()
        case bool() | str():
            return str(value)
        case int():
            return _grouped(value, language)


def kilograms(grams: int, language: str = "en") -> str:
    """``7,500 kg`` or ``120.5 kg`` in English; ``7.500 kg`` and ``120,5 kg`` in Indonesian."""
    whole, rest = divmod(abs(grams), 1000)
    sign = "-" if grams < 0 else ""
    decimals = f"{rest:03d}".rstrip("0")
    point = "," if language == "id" else "."
    fraction = f"{point}{decimals}" if decimals else ""
    return f"{sign}{_grouped(whole, language)}{fraction} kg"


def clock(seconds: int) -> str:
    """Seconds since midnight as ``HH:MM``, rounded up to the minute.

    Rounding up keeps "cannot arrive before 07:24" true and never shows an arrival earlier
    than it happens.
    """
    hours, minutes = divmod(-(-seconds // 60), 60)
    return f"{hours:02d}:{minutes:02d}"


def hours_minutes(seconds: int, language: str = "en") -> str:
    """``7 h 05 min`` in English, ``7 jam 05 menit`` in Indonesian; rounded up to the minute."""
    hours, minutes = divmod(-(-seconds // 60), 60)
    h, m = ("jam", "menit") if language == "id" else ("h", "min")
    return f"{hours} {h} {minutes:02d} {m}" if hours else f"{minutes} {m}"


def _grouped(number: int, language: str) -> str:
    text = f"{number:,}"
    return text.replace(",", ".") if language == "id" else text
