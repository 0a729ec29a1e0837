"""Rinstrum R320 / C500 automatic output, ``STX … ETX`` about ten times a second.

Formats (R320 reference manual 9.4 "Auto Weight Format String"):

* FMT_1: ``STX`` sign (space or ``-``), weight (7, point included, leading spaces), status
  (``G`` gross, ``N`` net, ``U`` underload, ``O`` overload, ``M`` motion, ``E`` error) ``ETX``.
  No unit: the configured ``unit`` applies.
* FMT_2: ``STX`` sign, weight (7), S1 (``G``/``N``/``U``/``O``/``E``), S2 (``M`` motion or
  space), S3 (``Z`` centre of zero or space), S4 (``-`` single range, ``1``/``2``), units
  (3, e.g. `` kg``; three spaces while not stable, when the configured ``unit`` applies)
  ``ETX``.

The status decides first: over/under range and errors are reported whatever the weight field
holds; otherwise the weight field must be a number.

The indicator also offers a CR LF terminated variant; it is not decoded here.
"""

from __future__ import annotations

import re
from functools import partial

from edge.drivers.base import Reading, ReadingKind
from edge.drivers.fields import ascii_text, check_unit, error, signal, weight_or_error
from edge.drivers.framing import Frame, FramedParser, Framer

__all__ = ["decode", "make_parser"]

_FMT_1 = re.compile(r"(?P<sign>[ -])(?P<w>.{7})(?P<s1>[GNUOME])")
_FMT_2 = re.compile(
    r"(?P<sign>[ -])(?P<w>.{7})"
    r"(?P<s1>[GNUOE])(?P<s2>[M ])(?P<s3>[Z ])(?P<s4>[-12])(?P<u>[ A-Za-z]{3})"
)
_SIGNALS = {
    "U": (ReadingKind.UNDERLOAD, "underload"),
    "O": (ReadingKind.OVERLOAD, "overload"),
    "E": (ReadingKind.ERROR, "error"),
}


def decode(frame: Frame, *, unit: str) -> Reading:
    text = ascii_text(frame.body)
    if text is None:
        return error(frame.raw, "byte with bit 7 set in a Rinstrum frame")
    match = _FMT_2.fullmatch(text) or _FMT_1.fullmatch(text)
    if match is None:
        return error(frame.raw, "not a Rinstrum FMT_1 or FMT_2 frame")
    status = match.group("s1")
    if status in _SIGNALS:
        kind, detail = _SIGNALS[status]
        return signal(frame.raw, kind, detail)
    groups = match.groupdict()
    stable = status != "M" and groups.get("s2") != "M"
    shown_unit = (groups.get("u") or "").strip() or unit
    number = match.group("sign").strip() + match.group("w").strip()
    return weight_or_error(frame.raw, number, shown_unit, stable=stable, net=status == "N")


def make_parser(*, unit: str = "kg") -> FramedParser:
    """``unit``: the unit for FMT_1 frames and FMT_2 frames that blank it."""
    return FramedParser(Framer(start=b"\x02", end=b"\x03"), partial(decode, unit=check_unit(unit)))
