"""Mettler Toledo standard continuous output: ``STX SWA SWB SWC weight tare CR [CKS]``.

Layout (WILDCAT Technical Manual, Appendix 2 "Continuous Mode Output", tables 6-8 to 6-11;
KERN FTC / IND445 manuals "TOLEDO Continuous mode"):

====  =============================================================================
1     STX
2-4   status words A, B, C
5-10  displayed weight, 6 digits, no point and no sign (SWA gives the point, SWB the sign)
11-16 tare, 6 digits (absent in the Cardinal 225 "SHORT" form)
17    CR
18    checksum, if enabled: two's complement of the 7-bit sum of every byte before it
====  =============================================================================

SWA bits 0-2 place the decimal point (0: ``XXXX00`` ... 2: ``XXXXXX`` ... 7: ``X.XXXXX``);
bit 5 is always 1 and bit 6 always 0.  SWB: bit 0 net, bit 1 negative, bit 2 out of range,
bit 3 motion, bit 4 kg (else lb), bit 5 always 1, bit 6 not zeroed since power-up.  SWC bits
0-2 extend the unit: 0 use SWB's kg/lb, 1 grams; other codes are not decoded.  SWC bit 5 is
always 1.  The constant bits are checked: a frame that breaks them is not this format.

A scale not zeroed since power-up is reported as an error: its weight is not trustworthy.
"""

from __future__ import annotations

from decimal import Decimal
from functools import partial

from edge.drivers.base import Reading, ReadingKind, to_grams
from edge.drivers.fields import error, signal, weight
from edge.drivers.framing import Frame, FramedParser, Framer

__all__ = [
    "checksum",
    "decode",
    "encode_clear_tare",
    "encode_print",
    "encode_tare",
    "encode_zero",
    "make_parser",
]

STX = 0x02
CR = 0x0D
_LONG = 15  # SWA SWB SWC + 6 weight digits + 6 tare digits
_SHORT = 9
# SWC unit extension codes (WILDCAT table 6-11); 0 defers to SWB bit 4.
_SWC_UNITS = {1: "g"}


def checksum(data: bytes) -> int:
    """The 7-bit two's complement of the sum of ``data`` (STX through CR)."""
    return -sum(data) & 0x7F


def _value(digits: bytes, point: int) -> Decimal:
    """Six digits placed by SWA's decimal code: codes 0 and 1 multiply, 3 to 7 divide."""
    if point < 2:
        return Decimal(int(digits) * 10 ** (2 - point))
    return Decimal(digits.decode("ascii")).scaleb(2 - point)


def decode(frame: Frame, *, with_checksum: bool) -> Reading:
    body = frame.body
    if len(body) not in (_LONG, _SHORT) or not body.isascii():
        return error(frame.raw, "not a Toledo continuous frame: wrong length")
    if with_checksum and frame.tail != bytes([checksum(bytes([STX]) + body + bytes([CR]))]):
        return error(frame.raw, "checksum mismatch")
    swa, swb, swc = body[0], body[1], body[2]
    if swa & 0x60 != 0x20 or swb & 0x20 != 0x20 or swc & 0x20 != 0x20:
        return error(frame.raw, "status word with a constant bit wrong")
    digits, tare_digits = body[3:9], body[9:]
    if not digits.isdigit() or not (tare_digits.isdigit() or not tare_digits):
        return error(frame.raw, "weight or tare field is not six digits")
    if swb & 0x04:
        return signal(frame.raw, ReadingKind.UNDERLOAD if swb & 0x02 else ReadingKind.OVERLOAD)
    if swb & 0x40:
        return error(frame.raw, "scale not zeroed since power-up")
    unit_code = swc & 0x07
    if unit_code and unit_code not in _SWC_UNITS:
        return error(frame.raw, f"unit extension code {unit_code} not supported")
    unit = _SWC_UNITS.get(unit_code) or ("kg" if swb & 0x10 else "lb")
    point = swa & 0x07
    value = _value(digits, point)
    tare_g = to_grams(_value(tare_digits, point), unit) if tare_digits else None
    return weight(
        frame.raw,
        -value if swb & 0x02 else value,
        unit,
        stable=not swb & 0x08,
        net=bool(swb & 0x01),
        tare_g=tare_g,
    )


def make_parser(*, checksum: bool = True) -> FramedParser:
    """``checksum``: the terminal sends the checksum byte after CR (a menu setting)."""
    framer = Framer(start=bytes([STX]), end=bytes([CR]), tail=1 if checksum else 0)
    return FramedParser(framer, partial(decode, with_checksum=checksum))


def encode_print() -> bytes:
    """``P``: print (KERN FTC / IND445 "TOLEDO Continuous" commands)."""
    return b"P\r\n"


def encode_tare() -> bytes:
    """``T``: tare (KERN FTC / IND445)."""
    return b"T\r\n"


def encode_zero() -> bytes:
    """``Z``: zero (KERN FTC / IND445)."""
    return b"Z\r\n"


def encode_clear_tare() -> bytes:
    """``C``: clear tare (KERN FTC / IND445)."""
    return b"C\r\n"
