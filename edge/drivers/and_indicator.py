"""A&D standard format: ``ST,GS,+0012.34kg`` lines from A&D indicators, balances and copies.

One parser reads three layouts, told apart by their length and shape (all end CR LF):

* A&D indicator, 16 characters + CR LF (18 bytes): header1 ``,`` header2 ``,`` 8 data
  characters (sign first; the point may be a comma) and a 2-character unit, 3 with CF07=1
  (AD-4402/4404 data sheets "A&D Data Format"; AD-4406 manual 13.2 "Data Format").  CAS
  indicators offer the same frame as "18 bytes for AND" (CI-400 manual, data format appendix).
* A&D balance, 15 characters + CR LF: header ``,`` 9 data characters, 3-character unit
  (A&D EK-L manual 9-2 "Data format"; GH-252/202 manual 10.6).
* Relatives with the same headers but no sign and their own padding, exactly 16 characters:
  T-Scale NHB/QHW (public hex-dump captures) and Tiger TI-02-P (manual 7.1).

Header1 says stable (``ST``), unstable (``US``), held (``HD``, the AD-4406 reply to ``RW``:
left to the stability window) or out of range (``OL``; ``LO`` on AD-4402 sheets).  Out of
range with a ``-`` sign is underload.  Header2 says gross, net or tare; a tare line is a tare
readout (an ``ACK`` carrying ``tare_g``).  ``QT`` (counting) is not a weight.

Commands are the AD-4406 manual 13.3 set, ending CR LF.  The indicator echoes a control
command when it performs it, replies ``I`` when busy and ``?`` to an unknown command.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from edge.drivers.base import Reading, ReadingKind
from edge.drivers.fields import ascii_text, error, signal, weight_or_error
from edge.drivers.framing import Frame, FramedParser, Framer

__all__ = [
    "decode",
    "encode_clear_tare",
    "encode_request",
    "encode_tare",
    "encode_zero",
    "make_parser",
]


@dataclass(frozen=True, slots=True)
class _Layout:
    lengths: frozenset[int]
    pattern: re.Pattern[str]


_LAYOUTS = (
    # A&D indicator (AD-4406 manual 13.2): 2-character unit, 3 with CF07=1.
    _Layout(
        frozenset({16, 17}),
        re.compile(
            r"(?P<h1>ST|US|OL|LO|HD),(?P<h2>GS|G |NT|N |TR|T |PT),"
            r"(?P<data>[+-][0-9., ]{7})(?P<unit>[ a-z]{2,3})"
        ),
    ),
    # A&D balance (EK-L manual 9-2; GH-252 manual 10.6).
    _Layout(
        frozenset({15}),
        re.compile(r"(?P<h1>ST|US|OL|QT),(?P<data>[+-][0-9., E+]{8})(?P<unit>[ A-Za-z%]{3})"),
    ),
    # T-Scale NHB/QHW captures and Tiger TI-02-P 7.1: no sign, own padding, 16 characters.
    _Layout(
        frozenset({16}),
        re.compile(
            r"(?P<h1>ST|US|OL),(?P<h2>GS|NT|TR),?(?P<data> *-?[0-9.]+),? *(?P<unit>[a-z]{1,2}) *"
        ),
    ),
)

# Header1 of a weight line -> the scale's stable flag.
_STABLE = {"ST": True, "US": False, "HD": None}
_OUT_OF_RANGE = frozenset({"OL", "LO"})
# Header2 -> (net, tare readout).
_WEIGHT_TYPE = {
    None: (False, False),
    "GS": (False, False),
    "G ": (False, False),
    "NT": (True, False),
    "N ": (True, False),
    "TR": (False, True),
    "T ": (False, True),
    "PT": (False, True),
}

# Whole-line replies: AK (balances, EK-L 9-2 / FX-i "Acknowledge code"), busy, unknown command
# and memory overflow (AD-4406 manual 13.3).
_REPLIES = {
    "\x06": (ReadingKind.ACK, "acknowledged"),
    "I": (ReadingKind.ERROR, "busy: command not performed"),
    "?": (ReadingKind.ERROR, "unknown command"),
    "M": (ReadingKind.ERROR, "memory overflow"),
}
# Control commands the indicator echoes when it performs them (AD-4406 manual 13.3.2).
_ECHOED = frozenset({"MZ", "MT", "CT", "MG", "MN"})
# Balance error codes (FX-i/FZ-i "Acknowledge code and error codes"; GC series for E11).
_ERROR_CODES = {
    "E01": "undefined command",
    "E02": "not executable",
    "E04": "too many characters",
    "E05": "no such ID",
    "E06": "format error",
    "E07": "value out of range",
    "E11": "unstable: zero or tare not done",
}
_ERROR_LINE = re.compile(r"EC,(E\d\d)")


def decode(frame: Frame) -> Reading:
    text = ascii_text(frame.body)
    if text is None:
        return error(frame.raw, "byte with bit 7 set in an A&D line")
    if text in _REPLIES:
        kind, detail = _REPLIES[text]
        return signal(frame.raw, kind, detail)
    if text in _ECHOED:
        return signal(frame.raw, ReadingKind.ACK, f"command {text} performed")
    if match := _ERROR_LINE.fullmatch(text):
        code = match.group(1)
        return error(frame.raw, f"{code}: {_ERROR_CODES.get(code, 'error code')}")
    for layout in _LAYOUTS:
        if len(text) in layout.lengths and (match := layout.pattern.fullmatch(text)):
            return _decode_weight_line(frame.raw, match)
    return error(frame.raw, "not an A&D line")


def _decode_weight_line(raw: bytes, match: re.Match[str]) -> Reading:
    header, data, unit = match.group("h1", "data", "unit")
    if header in _OUT_OF_RANGE:
        under = data.lstrip().startswith("-")
        return signal(raw, ReadingKind.UNDERLOAD if under else ReadingKind.OVERLOAD)
    if header == "QT":
        return error(raw, "counting mode: a count is not a weight")
    net, tare = _WEIGHT_TYPE[match.groupdict().get("h2")]
    number = data if "." in data else data.replace(",", ".")
    if tare:
        return weight_or_error(raw, number, unit, stable=_STABLE[header], kind=ReadingKind.ACK)
    detail = "held data" if header == "HD" else ""
    return weight_or_error(raw, number, unit, stable=_STABLE[header], net=net, detail=detail)


def make_parser() -> FramedParser:
    return FramedParser(Framer(end=b"\r\n"), decode)


def encode_request() -> bytes:
    """``RW``: request the displayed weight now (AD-4406 manual 13.3.1)."""
    return b"RW\r\n"


def encode_zero() -> bytes:
    """``MZ``: set the display to zero (AD-4406 manual 13.3.2)."""
    return b"MZ\r\n"


def encode_tare() -> bytes:
    """``MT``: tare, so the display shows net zero (AD-4406 manual 13.3.2)."""
    return b"MT\r\n"


def encode_clear_tare() -> bytes:
    """``CT``: clear the tare and show gross (AD-4406 manual 13.3.2)."""
    return b"CT\r\n"
