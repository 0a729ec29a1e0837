"""Mettler Toledo 8217 "ECR weight-only" protocol: one command byte, ``STX … CR`` replies.

From the DIVA Service Manual, host interface 6.1.3-6.1.4 (also Odoo's IoT driver, which uses it
as its default scale protocol):

* ``W`` asks for the weight.  The reply is ``STX`` + weight + ``CR``, with ``N`` before the CR
  for a net weight.  ``WW.WWW`` (three decimals) is kilograms; ``WW.WW`` or ``0WW.WW`` (two)
  is pounds: the decimal count is the only unit information.
* Instead of a weight the scale may answer ``STX ? status CR``.  The status character, read with
  7 data bits: bit 0 motion, bit 1 over capacity, bit 2 under zero, bit 3 outside the zero
  capture range, bit 4 centre of zero, bit 5 net, bit 6 always 1.  A status with bit 6 clear is
  malformed.  A status with no fault bit is the reply to ``Z``/``T``/``C``, or what some scales
  send instead of repeating an unchanged weight: an acknowledgement, never "weight 0".
* ``E`` starts echo mode; the scale answers ``STX E CR`` and echoes what follows.

The line is 9600 baud, 7 data bits, even parity.  Read at 8N1 the parity shows in bit 7; the
framer reports that as a line-settings error.
"""

from __future__ import annotations

import re

from edge.drivers.base import Reading, ReadingKind
from edge.drivers.fields import ascii_text, error, signal, weight_or_error
from edge.drivers.framing import Frame, FramedParser, Framer

__all__ = [
    "decode",
    "encode_clear_tare",
    "encode_tare",
    "encode_weight",
    "encode_zero",
    "make_parser",
]

_WEIGHT = re.compile(
    r"(?P<kg>[0-9]{2}\.[0-9]{3})(?P<net>N?)|(?P<lb>[0-9]{2,3}\.[0-9]{2})(?P<lbnet>N?)"
)
# Status bits in the order they decide the reading: faults first, then motion.
_FAULTS = (
    (0x02, ReadingKind.OVERLOAD, "over capacity"),
    (0x04, ReadingKind.UNDERLOAD, "under zero"),
    (0x08, ReadingKind.ERROR, "outside the zero capture range"),
)
_MOTION = 0x01
_NET = 0x20
_ALWAYS = 0x40


def decode(frame: Frame) -> Reading:
    text = ascii_text(frame.body)
    if text is None:
        return error(frame.raw, "byte with bit 7 set in an 8217 reply")
    if text == "E":
        return signal(frame.raw, ReadingKind.ACK, "echo mode")
    if len(text) == 2 and text[0] == "?":
        return _decode_status(frame.raw, ord(text[1]))
    match = _WEIGHT.fullmatch(text)
    if match is None:
        return error(frame.raw, "not an 8217 weight reply")
    if match.group("kg"):
        return weight_or_error(
            frame.raw, match.group("kg"), "kg", stable=True, net=bool(match.group("net"))
        )
    return weight_or_error(
        frame.raw, match.group("lb"), "lb", stable=True, net=bool(match.group("lbnet"))
    )


def _decode_status(raw: bytes, status: int) -> Reading:
    if not status & _ALWAYS:
        return error(raw, f"status byte 0x{status:02x} without bit 6")
    for bit, kind, detail in _FAULTS:
        if status & bit:
            return signal(raw, kind, detail)
    if status & _MOTION:
        return signal(raw, ReadingKind.WEIGHT, "in motion", stable=False)
    return signal(raw, ReadingKind.ACK, "net mode" if status & _NET else "status")


def make_parser() -> FramedParser:
    return FramedParser(Framer(start=b"\x02", end=b"\r"), decode)


def encode_weight() -> bytes:
    """``W``: send the weight (no terminator)."""
    return b"W"


def encode_zero() -> bytes:
    """``Z``: zero, if stable, in gross mode and inside the capture range."""
    return b"Z"


def encode_tare() -> bytes:
    """``T``: tare the item on the platter (tare must be enabled in calibration)."""
    return b"T"


def encode_clear_tare() -> bytes:
    """``C``: clear the tare (ignored while not stable)."""
    return b"C"
