"""SMA SCP-0499 (Scale Manufacturers Association): ``LF`` + fields + ``CR`` replies.

Standard reply (Cardinal 190 manual "Request Displayed Weight Command (SMA Format)"; Fairbanks
FB2550 manual Appendix III "SMA protocol"; SCP-0499 as quoted by a public SMA client):

``LF s r n m f <weight: 10> <unit: 3> CR``

* ``s`` status: space none, ``Z`` centre of zero, ``O`` over capacity, ``U`` under capacity,
  ``E`` zero error, ``I`` initial-zero error, ``T`` tare error, ``e`` weight not displayed
  (Cardinal).  The error statuses come with ten dashes as the weight.
* ``r`` range (``1`` on single-range scales); ``n`` ``G`` gross, ``N`` net, ``T`` tare (reply
  to ``M``), lower case for high resolution; ``m`` ``M`` in motion, else space; ``f`` reserved.
* The weight is right-justified in 10 characters; the unit is 3 characters whose justification
  the sources disagree on, so it is trimmed.  Ten dashes with no status are Fairbanks' "no
  stable weight before the timeout".  ``LF ? CR`` answers an unknown command.

Commands are ``LF`` + letter + ``CR``: ``W`` weight, ``Z`` zero, ``T`` tare, ``C`` clear tare,
``M`` read tare, ``R`` repeat ``W`` until the next command.
"""

from __future__ import annotations

import re

from edge.drivers.base import Reading, ReadingKind
from edge.drivers.fields import ascii_text, error, signal, weight_or_error
from edge.drivers.framing import Frame, FramedParser, Framer

__all__ = [
    "decode",
    "encode_clear_tare",
    "encode_repeat",
    "encode_tare",
    "encode_tare_read",
    "encode_weight",
    "encode_zero",
    "make_parser",
]

_REPLY = re.compile(
    r"(?P<s>[ ZOUEITe])(?P<r>[1-9])(?P<n>[GNTgn])(?P<m>[M ])(?P<f>.)(?P<w>.{10})(?P<u>.{3})"
)
_STATUS = {
    "O": (ReadingKind.OVERLOAD, "over capacity"),
    "U": (ReadingKind.UNDERLOAD, "under capacity"),
    "E": (ReadingKind.ERROR, "zero error"),
    "I": (ReadingKind.ERROR, "initial zero error"),
    "T": (ReadingKind.ERROR, "tare error"),
    "e": (ReadingKind.ERROR, "weight not displayed"),
}
_DASHES = "-" * 10


def decode(frame: Frame) -> Reading:
    text = ascii_text(frame.body)
    if text is None:
        return error(frame.raw, "byte with bit 7 set in an SMA reply")
    if text == "?":
        return error(frame.raw, "unknown command")
    match = _REPLY.fullmatch(text)
    if match is None:
        return error(frame.raw, "not an SMA reply")
    status, kind, motion, number, unit = match.group("s", "n", "m", "w", "u")
    if status in _STATUS:
        reading_kind, detail = _STATUS[status]
        return signal(frame.raw, reading_kind, detail)
    if number == _DASHES:
        return error(frame.raw, "no stable weight before the timeout")
    if kind == "T":
        return weight_or_error(frame.raw, number, unit, stable=None, kind=ReadingKind.ACK)
    return weight_or_error(frame.raw, number, unit, stable=motion != "M", net=kind in "Nn")


def make_parser() -> FramedParser:
    return FramedParser(Framer(start=b"\n", end=b"\r"), decode)


def _command(letter: str) -> bytes:
    return b"\n" + letter.encode("ascii") + b"\r"


def encode_weight() -> bytes:
    return _command("W")


def encode_zero() -> bytes:
    return _command("Z")


def encode_tare() -> bytes:
    return _command("T")


def encode_clear_tare() -> bytes:
    return _command("C")


def encode_tare_read() -> bytes:
    return _command("M")


def encode_repeat() -> bytes:
    """``R``: repeat the ``W`` reply until the next command (about every 100 ms)."""
    return _command("R")
