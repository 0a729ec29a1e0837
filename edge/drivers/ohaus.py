"""Ohaus print/continuous output (Defender, Ranger, Scout, Navigator), read by tokens.

A line is polarity, weight, unit, a ``?`` while unstable and a legend, then CR LF (Defender
3000 manual 5.2 "Output Format"; Defender 5000 manual, printout string; Ranger RC manual
5.1.4, reply to ``P``).  Field widths differ by model and setting (captures show a 6-wide
weight where the manual says 7), so the line is read as tokens, not columns:

``[-] weight unit [?] [legend]`` where the legend is ``G``/``B/G``/``GROSS`` (gross),
``N``/``NET`` (net) or ``T``/``PT`` (a tare line: an acknowledgement carrying the tare).

Commands (Ranger RC 5.1.4 and the Ohaus RS232 interface manuals): ``P`` print, ``Z`` zero,
``T`` tare, each ending CR LF.
"""

from __future__ import annotations

import re

from edge.drivers.base import Reading, ReadingKind
from edge.drivers.fields import ascii_text, error, weight_or_error
from edge.drivers.framing import Frame, FramedParser, Framer

__all__ = ["decode", "encode_print", "encode_tare", "encode_zero", "make_parser"]

_LINE = re.compile(
    r" *(?P<sign>-)? *(?P<w>[0-9]+(?:\.[0-9]*)?|\.[0-9]+) +(?P<u>[A-Za-z]{1,5})"
    r" *(?P<unstable>\?)? *(?P<legend>G|B/G|GROSS|N|NET|T|PT)? *"
)
# Legend -> (net, tare line)
_LEGENDS = {
    None: (False, False),
    "G": (False, False),
    "B/G": (False, False),
    "GROSS": (False, False),
    "N": (True, False),
    "NET": (True, False),
    "T": (False, True),
    "PT": (False, True),
}


def decode(frame: Frame) -> Reading:
    text = ascii_text(frame.body)
    if text is None:
        return error(frame.raw, "byte with bit 7 set in an Ohaus line")
    match = _LINE.fullmatch(text)
    if match is None:
        return error(frame.raw, "not an Ohaus weight line")
    number = (match.group("sign") or "") + match.group("w")
    net, tare = _LEGENDS[match.group("legend")]
    stable = match.group("unstable") is None
    if tare:
        return weight_or_error(
            frame.raw, number, match.group("u"), stable=stable, kind=ReadingKind.ACK
        )
    return weight_or_error(frame.raw, number, match.group("u"), stable=stable, net=net)


def make_parser() -> FramedParser:
    return FramedParser(Framer(end=b"\r\n"), decode)


def encode_print() -> bytes:
    return b"P\r\n"


def encode_zero() -> bytes:
    return b"Z\r\n"


def encode_tare() -> bytes:
    return b"T\r\n"
