"""Sartorius SBI output: 16-character lines (22 with an ID code), ending CR LF.

Layout (Sartorius CP/LE/CB series operating instructions, "Data Output Format"; WZA/WZ-L
manuals, "Data Output Format with 16 Characters"): position 1 sign (``+``, ``-`` or space),
positions 2-10 the value with its point (blank digits as spaces), 11 a space, 12-14 the unit,
which stays **blank while the value is not stable**, then CR LF.  The 22-character format puts
a 6-character ID code in front (``N`` net, ``G``/``G#`` gross, ``T`` tare, ...).

Special codes (``H`` overload, ``L`` underload, ``C`` adjustment, ``Err ###``) replace the
value; their exact columns are not documented in what we read, so they are recognised by their
text alone.  A blank unit takes the configured ``unit``.

Commands (Cubis MSE operating instructions, "SBI Commands (Data Input Format)"): ``ESC P``
print, ``ESC T`` tare/zero (the TARE key), ``ESC U`` tare, ``ESC V`` zero; CR LF optional.
"""

from __future__ import annotations

import re
from functools import partial

from edge.drivers.base import Reading, ReadingKind
from edge.drivers.fields import ascii_text, check_unit, error, signal, weight_or_error
from edge.drivers.framing import Frame, FramedParser, Framer

__all__ = ["decode", "encode_print", "encode_tare", "encode_zero", "make_parser"]

_LINE = re.compile(r"(?P<sign>[+\- ])(?P<w>[ 0-9.]{9}) (?P<u>[ A-Za-z%]{3})")
_SPECIAL = re.compile(r"[+\- ] *(?P<code>H|L|C|Err *[0-9]+) *")
_SPECIALS = {
    "H": (ReadingKind.OVERLOAD, "overload"),
    "L": (ReadingKind.UNDERLOAD, "underload"),
    "C": (ReadingKind.ERROR, "adjustment running"),
}
# First character of the 22-character format's ID code -> (net, tare line).
_ID_CODES = {"G": (False, False), "N": (True, False), "T": (False, True)}
_ID_WIDTH = 6


def decode(frame: Frame, *, unit: str) -> Reading:
    text = ascii_text(frame.body)
    if text is None:
        return error(frame.raw, "byte with bit 7 set in an SBI line")
    net, tare = False, False
    if len(text) == 14 + _ID_WIDTH:
        code, text = text[:_ID_WIDTH].strip(), text[_ID_WIDTH:]
        if not code or code[0] not in _ID_CODES:
            return error(frame.raw, f"unknown ID code {code!r}")
        net, tare = _ID_CODES[code[0]]
    if len(text) != 14:
        return error(frame.raw, "not a 16- or 22-character SBI line")
    if special := _SPECIAL.fullmatch(text):
        found = special.group("code")
        kind, detail = _SPECIALS.get(found, (ReadingKind.ERROR, found))
        return signal(frame.raw, kind, detail)
    match = _LINE.fullmatch(text)
    if match is None:
        return error(frame.raw, "not an SBI weight line")
    sign, number, shown_unit = match.group("sign", "w", "u")
    stable = bool(shown_unit.strip())
    number = ("-" if sign == "-" else "") + number.strip()
    kind = ReadingKind.ACK if tare else ReadingKind.WEIGHT
    return weight_or_error(
        frame.raw, number, shown_unit if stable else unit, stable=stable, net=net, kind=kind
    )


def make_parser(*, unit: str = "kg") -> FramedParser:
    """``unit``: the unit of the value while the balance blanks it (not yet stable)."""
    return FramedParser(Framer(end=b"\r\n"), partial(decode, unit=check_unit(unit)))


def encode_print() -> bytes:
    return b"\x1bP\r\n"


def encode_tare() -> bytes:
    """``ESC U``: tare."""
    return b"\x1bU\r\n"


def encode_zero() -> bytes:
    """``ESC V``: zero."""
    return b"\x1bV\r\n"
