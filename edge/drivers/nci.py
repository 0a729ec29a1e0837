"""NCI / Weigh-Tronix general POS protocol: single-letter commands, ``LF … CR ETX`` replies.

Replies (Ohaus Aviator 7000 service manual, NCI commands and status bytes; DIVA Service Manual
6.1.4; Adam MDW manual 8.5; a public SCP-01/02 simulator reproducing the status table):

* weight: ``LF`` weight and unit ``CR LF`` status ``CR ETX``.  SCP-02 writes ``S`` before the
  status bytes (``LF 01.234KG CR LF S00 CR ETX``), SCP-01 does not.  Units are upper case on
  Weigh-Tronix/Ohaus, lower case on Adam/Brecknell.  Adam/Brecknell fill the weight with ``^``
  over capacity, ``_`` under capacity and ``-`` on a zero-point error.
* status only (motion, under zero, zero error, over capacity, or the reply to ``Z``):
  ``LF S hh CR ETX``; ``LF ? CR ETX`` answers an unknown command.

Status bytes have bits 4 and 5 set (a clean byte is ``0``).  Byte 1: bit 0 motion, bit 1 at
zero, bit 2 RAM error, bit 3 EEPROM error.  Byte 2: bit 0 under capacity, bit 1 over capacity,
bit 2 ROM error, bit 3 faulty calibration, bit 6 a third byte follows.  Byte 3: bits 0-1 range,
bit 2 net, bit 3 initial zero error.  Adam MDW always sends three bytes, so a third byte is
accepted with or without that bit.  The frame starts with LF and also holds CR LF inside, so
the framer does not restart on LF.
"""

from __future__ import annotations

import re

from edge.drivers.base import Reading, ReadingKind
from edge.drivers.fields import ascii_text, error, signal, weight_or_error
from edge.drivers.framing import Frame, FramedParser, Framer

__all__ = [
    "decode",
    "encode_status",
    "encode_tare",
    "encode_weight",
    "encode_zero",
    "make_parser",
]

_STATUS = re.compile(r"(?:S ?)?(?P<b1>[0-?])(?P<b2>[0-?p-\x7f])(?P<b3>[0-?])?")
_WEIGHT = re.compile(r" ?(?P<w>[+-]?[0-9.]+|\^{10}|_{10}|-{10})(?P<u>[A-Za-z]{1,2})?")
_FILLS = {
    "^" * 10: (ReadingKind.OVERLOAD, "over capacity"),
    "_" * 10: (ReadingKind.UNDERLOAD, "under capacity"),
    "-" * 10: (ReadingKind.ERROR, "zero point error"),
}
# (byte index, bit) -> what it means, in the order they decide the reading.
_STATUS_BITS = (
    (0, 0x04, ReadingKind.ERROR, "RAM error"),
    (0, 0x08, ReadingKind.ERROR, "EEPROM error"),
    (1, 0x04, ReadingKind.ERROR, "ROM error"),
    (1, 0x08, ReadingKind.ERROR, "faulty calibration"),
    (2, 0x08, ReadingKind.ERROR, "initial zero error"),
    (1, 0x02, ReadingKind.OVERLOAD, "over capacity"),
    (1, 0x01, ReadingKind.UNDERLOAD, "under capacity"),
)
_MOTION = (0, 0x01)
_AT_ZERO = (0, 0x02)
_NET = (2, 0x04)


def _status_bytes(text: str) -> tuple[int, int, int] | None:
    match = _STATUS.fullmatch(text)
    if match is None:
        return None
    return ord(match.group("b1")), ord(match.group("b2")), ord(match.group("b3") or "0")


def _has(status: tuple[int, int, int], flag: tuple[int, int]) -> bool:
    return bool(status[flag[0]] & flag[1])


def decode(frame: Frame) -> Reading:
    text = ascii_text(frame.body)
    if text is None:
        return error(frame.raw, "byte with bit 7 set in an NCI reply")
    if not text.endswith("\r"):
        return error(frame.raw, "NCI reply without CR before ETX")
    parts = text[:-1].split("\r\n")
    if parts == ["?"]:
        return error(frame.raw, "unknown command")
    status = _status_bytes(parts[-1])
    if status is None or len(parts) > 2:
        return error(frame.raw, "not an NCI reply")
    for index, bit, kind, detail in _STATUS_BITS:
        if status[index] & bit:
            return signal(frame.raw, kind, detail)
    stable = not _has(status, _MOTION)
    if len(parts) == 1:
        if not stable:
            return signal(frame.raw, ReadingKind.WEIGHT, "in motion", stable=False)
        return signal(frame.raw, ReadingKind.ACK, "at zero" if _has(status, _AT_ZERO) else "status")
    match = _WEIGHT.fullmatch(parts[0])
    if match is None:
        return error(frame.raw, "weight line is not a number and a unit")
    number, unit = match.group("w", "u")
    if number in _FILLS:
        kind, detail = _FILLS[number]
        return signal(frame.raw, kind, detail)
    if unit is None:
        return error(frame.raw, "weight line without a unit")
    return weight_or_error(frame.raw, number, unit, stable=stable, net=_has(status, _NET))


def make_parser() -> FramedParser:
    return FramedParser(Framer(start=b"\n", end=b"\x03", restart=False), decode)


def encode_weight() -> bytes:
    return b"W\r"


def encode_status() -> bytes:
    return b"S\r"


def encode_zero() -> bytes:
    return b"Z\r"


def encode_tare() -> bytes:
    """``T``: tare (Adam MDW, Brecknell; not every NCI scale has it)."""
    return b"T\r"
