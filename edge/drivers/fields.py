"""Turning the fields of one frame into a ``Reading``: numbers, units, reading kinds.

Every protocol module decodes with these helpers so that the rules hold everywhere:

* A number is a plain decimal written in ASCII (an optional sign, digits, at most one point).
  ``Decimal("1e3")``, ``"NaN"``, ``"1_000"`` or a stray space are layout errors, not weights.
* A unit is one of ``GRAMS_PER_UNIT`` once trimmed and lower-cased; anything else (``PC``,
  ``%``) is not a weight and becomes an error reading.
* Frames are bytes.  Text fields are decoded as ASCII only: a byte with bit 7 set inside a text
  field means the line settings are wrong, and the frame is an error.
"""

from __future__ import annotations

import re
from decimal import Decimal

from edge.drivers.base import GRAMS_PER_UNIT, ProtocolSetupError, Reading, ReadingKind, to_grams

__all__ = [
    "ascii_text",
    "check_unit",
    "error",
    "parse_number",
    "signal",
    "unit_name",
    "weight",
    "weight_or_error",
]

_NUMBER = re.compile(r"[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)")

# Spellings seen on the wire (upper case on NCI and Weigh-Tronix, "lbs" on some printers).
_UNIT_SPELLINGS = {"lbs": "lb"}


def parse_number(text: str) -> Decimal | None:
    """The number exactly as written (places kept), or ``None`` if it is not a plain decimal."""
    if _NUMBER.fullmatch(text) is None:
        return None
    return Decimal(text)


def unit_name(text: str) -> str | None:
    """The canonical weight unit for a unit field, or ``None`` if it is not a weight unit."""
    unit = text.strip().lower()
    unit = _UNIT_SPELLINGS.get(unit, unit)
    return unit if unit in GRAMS_PER_UNIT else None


def check_unit(unit: str, setting: str = "unit") -> str:
    """Validate a configured unit; the error names the setting and the units we know."""
    name = unit_name(unit)
    if name is None:
        raise ProtocolSetupError(
            f"{setting}: {unit!r} is not a weight unit; use one of {', '.join(GRAMS_PER_UNIT)}"
        )
    return name


def ascii_text(data: bytes) -> str | None:
    """``data`` as text if every byte is 7-bit ASCII, else ``None``."""
    return data.decode("ascii") if data.isascii() else None


def error(raw: bytes, detail: str) -> Reading:
    return Reading(ReadingKind.ERROR, raw, detail=detail)


def signal(
    raw: bytes, kind: ReadingKind, detail: str = "", *, stable: bool | None = None
) -> Reading:
    """A reading without a number: over/under range, an acknowledgement, motion only."""
    return Reading(kind, raw, stable=stable, detail=detail)


def weight(
    raw: bytes,
    value: Decimal,
    unit: str,
    *,
    stable: bool | None,
    net: bool = False,
    tare_g: int | None = None,
    kind: ReadingKind = ReadingKind.WEIGHT,
    detail: str = "",
) -> Reading:
    """A reading with a number: ``unit`` must already be canonical (see ``unit_name``)."""
    return Reading(kind, raw, value, unit, to_grams(value, unit), stable, net, tare_g, detail)


def weight_or_error(
    raw: bytes,
    number: str,
    unit: str,
    *,
    stable: bool | None,
    net: bool = False,
    kind: ReadingKind = ReadingKind.WEIGHT,
    detail: str = "",
) -> Reading:
    """Decode a number field and a unit field, or say which of them is wrong.

    ``number`` is trimmed of outer spaces only; ``unit`` is a unit field as sent.  A tare
    readout (``kind=ACK``) carries its value both as ``weight`` and as ``tare_g``.
    """
    value = parse_number(number.strip())
    if value is None:
        return error(raw, f"weight field {number!r} is not a number")
    name = unit_name(unit)
    if name is None:
        return error(raw, f"unit {unit.strip()!r} is not a weight unit")
    reading = weight(raw, value, name, stable=stable, net=net, kind=kind, detail=detail)
    if kind is ReadingKind.ACK:
        return weight(
            raw, value, name, stable=stable, tare_g=reading.grams, kind=kind, detail=detail
        )
    return reading
