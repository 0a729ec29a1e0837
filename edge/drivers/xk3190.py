"""Yaohua XK3190 family (A9, A12/A12E, A22, A26, DS1/DS3) and Keli XK3118: one parser per frame.

The ``tF`` menu number selects different frames on different models, so the station config
names the frame format, never a ``tF`` value.  Formats (numbers are positions, 1-based):

``tf0`` A9 continuous, 12 bytes (XK3190-A9+ manual, tF=0; A26 manual format 0; DS1 manual):
    STX, sign, 6 digits without point, decimal count ``0``-``4``, XOR of bytes 2-9 as two
    hex nibbles, ETX.  No unit, no stability flag.
``tf1`` A9/DS1 command mode (A9+ manual tF=1; DS1 manual): the host sends STX, address
    (``A`` = 1), command, XOR, ETX; the indicator answers STX, address, command, sign + 6
    digits + decimal count, XOR of bytes 2..n, ETX.  Commands ``A`` handshake, ``B`` gross,
    ``C`` tare, ``D`` net.  EOT in the command position means a refused command.
``keli`` Keli XK3118K9 command mode (XK3118K9-R manual appendix 1): as ``tf1`` but the 7
    characters after the sign are digits with the decimal point in place.
``eq`` / ``eq-forward`` "=" big-display formats (A26 manual formats 1 and 2; A22 manual
    appendix I): ``=``, then the 7 displayed characters lowest digit first and the sign (``0``
    or ``-``) last; or forward, sign first.  9 bytes, no terminator, back to back.  The two
    cannot be told apart by their bytes.
``a12e`` A12(E) "W" format, 15 bytes (XK3190-A12(E) manual, communication mode): ``W``,
    ``G``/``N``, weight (7, point included, ``-`` first when negative), ``kg``, XOR of bytes
    1-11 as two hex nibbles, CR LF.  ``OL``/``LO`` after nine spaces: over/under range.
``ww`` A12 lower-case format (public drivers only, no manual found): ``w``, ``w``/``n``/``t``
    (gross/net/tare), weight (7), unit (2), CR LF.

XOR checksums are sent as two nibbles, ``0x30 + n`` up to 9 and ``0x37 + n`` above (upper-case
hex).  The A22 manual adds ``0x30`` to both nibbles, so ``:``-``?`` stand for 10-15; both are
accepted.  A frame whose checksum does not match is an error, never a weight.
"""

from __future__ import annotations

import re
from decimal import Decimal
from functools import partial, reduce

from edge.drivers.base import Reading, ReadingKind
from edge.drivers.fields import ascii_text, check_unit, error, signal, weight, weight_or_error
from edge.drivers.framing import Frame, FramedParser, Framer

__all__ = [
    "checksum_ok",
    "decode_a12e",
    "decode_command_reply",
    "decode_eq",
    "decode_tf0",
    "decode_ww",
    "encode_request",
    "make_a12e_parser",
    "make_eq_forward_parser",
    "make_eq_parser",
    "make_keli_parser",
    "make_tf0_parser",
    "make_tf1_parser",
    "make_ww_parser",
    "nibbles",
    "xor",
]

STX = b"\x02"
ETX = b"\x03"
EOT = "\x04"


def xor(data: bytes) -> int:
    return reduce(lambda acc, byte: acc ^ byte, data, 0)


def nibbles(value: int) -> bytes:
    """``value`` (0-255) as the two checksum characters, upper-case hex encoding."""
    return f"{value:02X}".encode("ascii")


def checksum_ok(data: bytes, sent: bytes) -> bool:
    """Do the two characters ``sent`` encode the XOR of ``data`` (either nibble encoding)?"""
    value = xor(data)
    return len(sent) == 2 and all(
        byte == 0x30 + nibble or (nibble > 9 and byte == 0x37 + nibble)
        for byte, nibble in zip(sent, (value >> 4, value & 0x0F), strict=True)
    )


def _scaled(sign: str, digits: str, decimals: str) -> Decimal | None:
    """Sign, six digits and a decimal count as the number they stand for."""
    if sign not in "+-" or len(sign) != 1 or not digits.isdigit() or decimals not in "01234":
        return None
    return Decimal(sign + digits).scaleb(-int(decimals))


# --- tF=0 continuous ----------------------------------------------------------------------


def decode_tf0(frame: Frame, *, unit: str) -> Reading:
    body = frame.body
    if len(body) != 10 or not body.isascii():
        return error(frame.raw, "not a 12-byte XK3190 tF=0 frame")
    if not checksum_ok(body[:8], body[8:]):
        return error(frame.raw, "checksum mismatch")
    text = body.decode("ascii")
    value = _scaled(text[0], text[1:7], text[7])
    if value is None:
        return error(frame.raw, "weight field is not sign, six digits and a decimal count")
    return weight(frame.raw, value, unit, stable=None)


def make_tf0_parser(*, unit: str = "kg") -> FramedParser:
    return FramedParser(Framer(start=STX, end=ETX), partial(decode_tf0, unit=check_unit(unit)))


# --- tF=1 command mode (A9, DS1) and Keli XK3118 -------------------------------------------

# Command letter of a reply -> (kind, net, what it is).
_COMMANDS = {
    "B": (ReadingKind.WEIGHT, False, "gross"),
    "D": (ReadingKind.WEIGHT, True, "net"),
    "C": (ReadingKind.ACK, False, "tare"),
}


def decode_command_reply(frame: Frame, *, unit: str, embedded_point: bool) -> Reading:
    body = frame.body
    if len(body) < 4 or not body.isascii():
        return error(frame.raw, "not an XK3190 command reply")
    if not checksum_ok(body[:-2], body[-2:]):
        return error(frame.raw, "checksum mismatch")
    text = body[:-2].decode("ascii")
    address, command, data = text[0], text[1], text[2:]
    if not "A" <= address <= "Z":
        return error(frame.raw, f"address {address!r} is not A-Z")
    if command == EOT:
        return error(frame.raw, "indicator refused the command")
    if command not in _COMMANDS:
        return signal(frame.raw, ReadingKind.ACK, f"reply to command {command}")
    kind, net, what = _COMMANDS[command]
    if len(data) != 8:
        return error(frame.raw, f"{what} reply without an 8-character value")
    if embedded_point:
        if data[0] not in "+-":
            return error(frame.raw, "value without a sign")
        return weight_or_error(frame.raw, data, unit, stable=None, net=net, kind=kind)
    value = _scaled(data[0], data[1:7], data[7])
    if value is None:
        return error(frame.raw, f"{what} is not sign, six digits and a decimal count")
    reading = weight(frame.raw, value, unit, stable=None, net=net, kind=kind)
    if kind is ReadingKind.ACK:
        return weight(frame.raw, value, unit, stable=None, tare_g=reading.grams, kind=kind)
    return reading


def make_tf1_parser(*, unit: str = "kg") -> FramedParser:
    decode = partial(decode_command_reply, unit=check_unit(unit), embedded_point=False)
    return FramedParser(Framer(start=STX, end=ETX), decode)


def make_keli_parser(*, unit: str = "kg") -> FramedParser:
    decode = partial(decode_command_reply, unit=check_unit(unit), embedded_point=True)
    return FramedParser(Framer(start=STX, end=ETX), decode)


def encode_request(command: str = "B", *, address: int = 1) -> bytes:
    """A tF=1 request: ``B`` gross, ``C`` tare, ``D`` net, ``A`` handshake; address 1-26."""
    if not 1 <= address <= 26 or len(command) != 1 or not command.isascii():
        raise ValueError(f"no XK3190 request for command {command!r} at address {address}")
    payload = bytes([0x40 + address]) + command.encode("ascii")
    return STX + payload + nibbles(xor(payload)) + ETX


# --- "=" formats ---------------------------------------------------------------------------

_EQ_SIGNS = {"0": "", "-": "-"}
_EQ_NUMBER = re.compile(r"[0-9]*\.?[0-9]*")


def decode_eq(frame: Frame, *, unit: str, reversed_digits: bool) -> Reading:
    text = ascii_text(frame.body)
    if text is None or len(text) != 8:
        return error(frame.raw, "not an 8-character '=' frame")
    if reversed_digits:
        digits, sign = text[6::-1], text[7]
    else:
        sign, digits = text[0], text[1:]
    if sign not in _EQ_SIGNS or _EQ_NUMBER.fullmatch(digits) is None:
        return error(frame.raw, "'=' frame is not seven digits with a point and a sign")
    return weight_or_error(frame.raw, _EQ_SIGNS[sign] + digits, unit, stable=None)


def make_eq_parser(*, unit: str = "kg") -> FramedParser:
    decode = partial(decode_eq, unit=check_unit(unit), reversed_digits=True)
    return FramedParser(Framer(start=b"=", length=8), decode)


def make_eq_forward_parser(*, unit: str = "kg") -> FramedParser:
    decode = partial(decode_eq, unit=check_unit(unit), reversed_digits=False)
    return FramedParser(Framer(start=b"=", length=8), decode)


# --- A12E "W" format and the lower-case "ww" format -----------------------------------------

_A12E = re.compile(r"W(?P<kind>[GN])(?P<w>[ 0-9.-]{7})(?P<u>kg|lb)")
_A12E_RANGE = {"OL": ReadingKind.OVERLOAD, "LO": ReadingKind.UNDERLOAD}
_BLANK = " " * 9


def decode_a12e(frame: Frame) -> Reading:
    text = ascii_text(frame.body)
    if text is None or len(text) != 13:
        return error(frame.raw, "not a 15-byte A12E frame")
    if not checksum_ok(frame.body[:11], frame.body[11:]):
        return error(frame.raw, "checksum mismatch")
    if text[:9] == _BLANK and text[9:11] in _A12E_RANGE:
        return signal(frame.raw, _A12E_RANGE[text[9:11]])
    match = _A12E.fullmatch(text[:11])
    if match is None:
        return error(frame.raw, "not a W format frame")
    return weight_or_error(
        frame.raw, match.group("w"), match.group("u"), stable=None, net=match.group("kind") == "N"
    )


def make_a12e_parser() -> FramedParser:
    return FramedParser(Framer(end=b"\r\n"), decode_a12e)


_WW = re.compile(r"w(?P<kind>[wnt])(?P<w>[ 0-9.-]{7})(?P<u>kg|lb)")


def decode_ww(frame: Frame) -> Reading:
    text = ascii_text(frame.body)
    match = _WW.fullmatch(text) if text is not None else None
    if match is None:
        return error(frame.raw, "not a 'ww' format line")
    kind = match.group("kind")
    if kind == "t":
        return weight_or_error(
            frame.raw, match.group("w"), match.group("u"), stable=None, kind=ReadingKind.ACK
        )
    return weight_or_error(
        frame.raw, match.group("w"), match.group("u"), stable=None, net=kind == "n"
    )


def make_ww_parser() -> FramedParser:
    return FramedParser(Framer(end=b"\r\n"), decode_ww)
