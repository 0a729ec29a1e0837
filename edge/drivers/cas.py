"""CAS indicators (CI-150A, CI-200, CI-400, CI-600D, NT-200): 22-, 10- and 18-byte formats.

The three output formats the indicators offer are told apart by length, so one name reads them
all (CI-400, CI-150A, CI-600D and NT-200 manuals, "Data format" appendices):

* 22 bytes: header1 (``ST``/``US``/``OL``) ``,`` header2 (``GS``/``NT``) ``,`` device ID (one
  byte from 0x30: ID 1 is ``1``), lamp byte ``,`` data (8, point included) SP ``kg`` CR LF.
  The lamp byte is binary: bit 7 set, bit 6 stable, bit 5 model-dependent, bit 4 hold, bit 3
  printer, bit 2 gross, bit 1 tare, bit 0 zero.  The frame is matched as bytes, never text.
  A weight counts as stable only if header1 says ``ST`` *and* the lamp says stable.  The
  sign is not documented; a leading ``-`` in the data is read as negative.
* 10 bytes: data (8) CR LF, no status and no unit: the configured ``unit`` applies.
* 18 bytes: "18 bytes for AND", the A&D indicator format (see ``and_indicator``).
"""

from __future__ import annotations

import re
from functools import partial

from edge.drivers import and_indicator
from edge.drivers.base import Reading, ReadingKind
from edge.drivers.fields import check_unit, error, signal, weight_or_error
from edge.drivers.framing import Frame, FramedParser, Framer

__all__ = ["decode", "make_parser"]

_CAS_22 = re.compile(
    rb"(?P<h1>ST|US|OL),(?P<h2>GS|NT),(?P<id>[\x30-\x7e])(?P<lamp>[\x80-\xff]),"
    rb"(?P<data>[ 0-9.+-]{8}) (?P<u>kg|lb| g)"
)
_CAS_10 = re.compile(rb"[ 0-9.+-]{8}")
_AND_18_BODY = 16
_LAMP_STABLE = 0x40


def decode(frame: Frame, *, unit: str) -> Reading:
    body = frame.body
    if len(body) == _AND_18_BODY:
        return and_indicator.decode(frame)
    if match := _CAS_22.fullmatch(body):
        return _decode_22(frame.raw, match)
    if _CAS_10.fullmatch(body):
        return weight_or_error(frame.raw, body.decode("ascii"), unit, stable=None)
    return error(frame.raw, "not a CAS 22-, 10- or 18-byte frame")


def _decode_22(raw: bytes, match: re.Match[bytes]) -> Reading:
    header, kind, data, unit = (
        part.decode("ascii") for part in match.group("h1", "h2", "data", "u")
    )
    if header == "OL":
        under = data.lstrip().startswith("-")
        return signal(raw, ReadingKind.UNDERLOAD if under else ReadingKind.OVERLOAD)
    stable = header == "ST" and bool(match.group("lamp")[0] & _LAMP_STABLE)
    return weight_or_error(raw, data, unit, stable=stable, net=kind == "NT")


def make_parser(*, unit: str = "kg") -> FramedParser:
    """``unit``: the unit of the 10-byte format, which carries none."""
    return FramedParser(Framer(end=b"\r\n"), partial(decode, unit=check_unit(unit)))
