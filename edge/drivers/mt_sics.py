"""Mettler Toledo MT-SICS level 0/1: request/response lines ending CR LF.

A reply is an ID, a status and, for weights, a value and a unit separated by spaces:
``S S     100.00 g``.  The value sits right-aligned in a 10-character field, but third-party
fixtures show the padding off by one, so the line is split on whitespace rather than cut by
columns (MT-SICS Reference Manual, "Response format with weight value"; Atlantis-Software
mt-sics test fixtures).

Statuses (MT-SICS Reference Manual, commands S, SI, SIR, Z, ZI, T, TA, TAC and "Error
messages"): ``S S`` stable weight, ``S D`` dynamic weight, ``S I`` not executable now, ``S +``
/ ``S -`` over / under range; ``Z A`` zeroed; ``T S`` tare taken (with the tare value;
InstrumentKit's fixture sends ``T A``, accepted too); ``TA A`` the tare value; ``TAC A`` tare
cleared.  ``I`` as a status means not executable, ``L`` a wrong parameter, ``+``/``-`` out of
range.  ``ES``, ``ET``, ``EL`` (syntax, transmission, logical error) come without an ID.  Any
other ``A`` reply (identification, reset: the fixtures disagree on its ID) is an
acknowledgement.
"""

from __future__ import annotations

from decimal import Decimal

from edge.drivers.base import Reading, ReadingKind
from edge.drivers.fields import ascii_text, check_unit, error, signal, weight_or_error
from edge.drivers.framing import Frame, FramedParser, Framer

__all__ = [
    "decode",
    "encode_reset",
    "encode_tare",
    "encode_tare_clear",
    "encode_tare_preset",
    "encode_tare_read",
    "encode_weight_immediate",
    "encode_weight_repeat",
    "encode_weight_stable",
    "encode_zero",
    "encode_zero_immediate",
    "make_parser",
]

# (ID, status) of a weight reply -> the scale's stable flag.
_WEIGHTS = {("S", "S"): True, ("S", "D"): False}
# (ID, status) of a tare reply carrying the tare value -> the stable flag.
_TARES = {
    ("T", "S"): True,
    ("T", "A"): True,
    ("TI", "S"): True,
    ("TI", "D"): False,
    ("TA", "A"): None,
}
# (ID, status) replies without a value.
_REPLIES = {
    ("S", "I"): (ReadingKind.ERROR, "not executable now: busy or no stable weight in time"),
    ("S", "+"): (ReadingKind.OVERLOAD, ""),
    ("S", "-"): (ReadingKind.UNDERLOAD, ""),
    ("Z", "A"): (ReadingKind.ACK, "zeroed"),
    ("ZI", "S"): (ReadingKind.ACK, "zeroed on a stable weight"),
    ("ZI", "D"): (ReadingKind.ACK, "zeroed on a dynamic weight"),
    ("TAC", "A"): (ReadingKind.ACK, "tare cleared"),
}
# Status characters that mean the same for every command.
_STATUS_ERRORS = {
    "I": "not executable now",
    "L": "wrong parameter",
    "+": "upper limit exceeded",
    "-": "lower limit exceeded",
}
_GENERAL_ERRORS = {
    "ES": "syntax error: command not known",
    "ET": "transmission error: parity or length",
    "EL": "logical error: cannot execute",
}


def decode(frame: Frame) -> Reading:
    text = ascii_text(frame.body)
    if text is None:
        return error(frame.raw, "byte with bit 7 set in an MT-SICS line")
    tokens = text.split()
    if len(tokens) == 1 and tokens[0] in _GENERAL_ERRORS:
        return error(frame.raw, f"{tokens[0]}: {_GENERAL_ERRORS[tokens[0]]}")
    if len(tokens) < 2:
        return error(frame.raw, "not an MT-SICS reply")
    key = (tokens[0], tokens[1])
    if key in _WEIGHTS or key in _TARES:
        if len(tokens) != 4:
            return error(frame.raw, f"{key[0]} {key[1]} reply without value and unit")
        if key in _WEIGHTS:
            return weight_or_error(frame.raw, tokens[2], tokens[3], stable=_WEIGHTS[key])
        return weight_or_error(
            frame.raw, tokens[2], tokens[3], stable=_TARES[key], kind=ReadingKind.ACK
        )
    if len(tokens) == 2 and key in _REPLIES:
        kind, detail = _REPLIES[key]
        return signal(frame.raw, kind, detail)
    if tokens[1] in _STATUS_ERRORS:
        return error(frame.raw, f"{tokens[0]}: {_STATUS_ERRORS[tokens[1]]}")
    if tokens[1] in ("A", "B"):
        return signal(frame.raw, ReadingKind.ACK, f"{tokens[0]} reply")
    return error(frame.raw, "not an MT-SICS reply")


def make_parser() -> FramedParser:
    return FramedParser(Framer(end=b"\r\n"), decode)


def encode_weight_stable() -> bytes:
    """``S``: send the next stable weight."""
    return b"S\r\n"


def encode_weight_immediate() -> bytes:
    """``SI``: send the weight now, stable (``S S``) or dynamic (``S D``)."""
    return b"SI\r\n"


def encode_weight_repeat() -> bytes:
    """``SIR``: send ``SI`` replies continuously until any other command."""
    return b"SIR\r\n"


def encode_zero() -> bytes:
    """``Z``: zero on the next stable weight."""
    return b"Z\r\n"


def encode_zero_immediate() -> bytes:
    """``ZI``: zero now, stable or not."""
    return b"ZI\r\n"


def encode_tare() -> bytes:
    """``T``: tare on the next stable weight; the reply carries the tare value."""
    return b"T\r\n"


def encode_tare_read() -> bytes:
    """``TA``: read the tare value."""
    return b"TA\r\n"


def encode_tare_preset(value: Decimal, unit: str) -> bytes:
    """``TA <value> <unit>``: preset a tare value."""
    return f"TA {value} {check_unit(unit)}\r\n".encode("ascii")


def encode_tare_clear() -> bytes:
    """``TAC``: clear the tare."""
    return b"TAC\r\n"


def encode_reset() -> bytes:
    """``@``: reset without zeroing; the balance answers with its serial number."""
    return b"@\r\n"
