"""A continuous format a technician describes in the station config, for indicators we lack.

Many no-name indicators stream a line per reading in a layout of their own.  Instead of a new
module for each, the technician writes the layout down, either as

* ``pattern``: a regular expression matched against the whole frame body, with named groups
  ``weight`` (required), ``unit``, ``stable`` and ``net``; or
* ``fields``: fixed columns, ``{"weight": [first, last], ...}`` with 1-based inclusive
  positions as manuals print them, and ``length``, the body length every frame must have.

and the framing: ``terminator`` (``CRLF``: CR or LF, ``CR``, ``LF``, ``ETX``, or ``none`` for
frames of fixed ``length`` after a ``start`` character), ``start`` (``STX`` or one character).
``unit`` applies when there is no unit group; ``decimals`` places an implied decimal point in a
weight written without one.  The text of the ``stable`` group is looked up in ``stable_marks``,
``unstable_marks``, ``overload_marks`` and ``underload_marks``; any other text is an error.
The ``net`` group means net when its text is in ``net_marks``.  Spaces inside the weight group
are removed (``- 12.5`` is -12.5).

Every setting is checked when the parser is built; a bad one raises ``ProtocolSetupError``
naming the setting.  The default reads any line holding one number and an optional unit.
"""

from __future__ import annotations

import inspect
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from edge.drivers.base import ProtocolSetupError, Reading, ReadingKind
from edge.drivers.fields import (
    ascii_text,
    check_unit,
    error,
    parse_number,
    signal,
    unit_name,
    weight,
)
from edge.drivers.framing import Frame, FramedParser, Framer

__all__ = ["DEFAULT_PATTERN", "OPTIONS", "make_parser"]

DEFAULT_PATTERN = r" *(?P<weight>[+-]? *[0-9]+(?:\.[0-9]+)?) *(?P<unit>kg|g|lb|oz)? *"
_GROUPS = ("weight", "unit", "stable", "net")
_TERMINATORS = {"CRLF": b"\r\n", "CR": b"\r", "LF": b"\n", "ETX": b"\x03", "none": b""}
_STARTS = {"STX": b"\x02", "LF": b"\n", "": b""}


@dataclass(frozen=True, slots=True)
class _Format:
    match: _Matcher
    unit: str
    decimals: int | None
    stable_marks: frozenset[str]
    unstable_marks: frozenset[str]
    overload_marks: frozenset[str]
    underload_marks: frozenset[str]
    net_marks: frozenset[str]

    def decode(self, frame: Frame) -> Reading:
        text = ascii_text(frame.body)
        groups = self.match(text) if text is not None else None
        if groups is None:
            return error(frame.raw, "frame does not match the configured format")
        stable: bool | None = None
        mark = groups.get("stable")
        if mark is not None:
            mark = mark.strip()
            if mark in self.overload_marks:
                return signal(frame.raw, ReadingKind.OVERLOAD)
            if mark in self.underload_marks:
                return signal(frame.raw, ReadingKind.UNDERLOAD)
            if mark not in self.stable_marks | self.unstable_marks:
                return error(frame.raw, f"status {mark!r} is not a configured mark")
            stable = mark in self.stable_marks
        number = parse_number((groups.get("weight") or "").replace(" ", ""))
        if number is None:
            return error(frame.raw, "weight is not a number")
        if self.decimals and "." not in groups["weight"]:
            number = number.scaleb(-self.decimals)
        unit = self.unit
        if groups.get("unit") is not None:
            shown = unit_name(groups["unit"])
            if shown is None:
                return error(frame.raw, f"unit {groups['unit'].strip()!r} is not a weight unit")
            unit = shown
        net = (groups.get("net") or "").strip() in self.net_marks
        return weight(frame.raw, number, unit, stable=stable, net=net)


class _Matcher:
    """Cuts a body into named groups, by regular expression or by fixed columns."""

    def __init__(
        self, pattern: re.Pattern[str] | None, fields: dict[str, slice], length: int | None
    ) -> None:
        self._pattern = pattern
        self._fields = fields
        self._length = length

    def __call__(self, text: str) -> dict[str, str] | None:
        if self._pattern is not None:
            match = self._pattern.fullmatch(text)
            return None if match is None else match.groupdict()
        if len(text) != self._length:
            return None
        return {name: text[cut] for name, cut in self._fields.items()}


def _marks(setting: str, value: object) -> frozenset[str]:
    if isinstance(value, str) or not isinstance(value, Sequence):
        raise ProtocolSetupError(f"{setting}: expected a list of strings, got {value!r}")
    if not all(isinstance(mark, str) for mark in value):
        raise ProtocolSetupError(f"{setting}: every mark must be a string, got {value!r}")
    return frozenset(mark.strip() for mark in value)


def _pattern(value: object) -> re.Pattern[str]:
    if not isinstance(value, str):
        raise ProtocolSetupError(f"pattern: expected a regular expression, got {value!r}")
    try:
        pattern = re.compile(value)
    except re.error as exc:
        raise ProtocolSetupError(f"pattern: {value!r} is not a regular expression: {exc}") from exc
    if "weight" not in pattern.groupindex:
        raise ProtocolSetupError(f"pattern: {value!r} has no (?P<weight>...) group")
    unknown = sorted(set(pattern.groupindex) - set(_GROUPS))
    if unknown:
        raise ProtocolSetupError(f"pattern: unknown group {unknown[0]!r}; use {', '.join(_GROUPS)}")
    return pattern


def _fields(value: object) -> dict[str, slice]:
    if not isinstance(value, Mapping) or "weight" not in value:
        raise ProtocolSetupError(f"fields: expected a table with a 'weight' column, got {value!r}")
    cuts: dict[str, slice] = {}
    for name, span in value.items():
        if name not in _GROUPS:
            raise ProtocolSetupError(f"fields: unknown field {name!r}; use {', '.join(_GROUPS)}")
        if (
            not isinstance(span, Sequence)
            or len(span) != 2
            or not all(isinstance(pos, int) and not isinstance(pos, bool) for pos in span)
            or not 1 <= span[0] <= span[1]
        ):
            raise ProtocolSetupError(
                f"fields: {name} must be [first, last] positions, got {span!r}"
            )
        cuts[name] = slice(span[0] - 1, span[1])
    return cuts


def _positive(setting: str, value: object) -> int:
    if not isinstance(value, int) or isinstance(value, bool) or value < 1:
        raise ProtocolSetupError(f"{setting}: expected a positive whole number, got {value!r}")
    return value


def make_parser(
    *,
    pattern: object = None,
    fields: object = None,
    length: object = None,
    terminator: object = "CRLF",
    start: object = "",
    unit: object = "kg",
    decimals: object = None,
    stable_marks: object = ("ST", "S"),
    unstable_marks: object = ("US", "D", "M", "?"),
    overload_marks: object = ("OL",),
    underload_marks: object = ("UL",),
    net_marks: object = ("NT", "N"),
    max_length: object = 128,
) -> FramedParser:
    """A parser for the layout the settings describe; see the module docstring."""
    if pattern is not None and fields is not None:
        raise ProtocolSetupError("pattern: give either pattern or fields, not both")
    size = None if length is None else _positive("length", length)
    cuts = _fields(fields) if fields is not None else {}
    if fields is not None:
        size = size or max(cut.stop for cut in cuts.values())
        if any(cut.stop > size for cut in cuts.values()):
            raise ProtocolSetupError(f"fields: a column ends after the frame length {size}")
    regex = (
        None if fields is not None else _pattern(DEFAULT_PATTERN if pattern is None else pattern)
    )
    if terminator not in _TERMINATORS:
        raise ProtocolSetupError(
            f"terminator: {terminator!r}; use one of {', '.join(_TERMINATORS)}"
        )
    if not isinstance(start, str) or (start not in _STARTS and len(start) != 1):
        raise ProtocolSetupError(f"start: {start!r}; use STX, LF or one character")
    start_byte = _STARTS.get(start, start.encode("latin-1"))
    end = _TERMINATORS[str(terminator)]
    if not end and (not start_byte or size is None):
        raise ProtocolSetupError("terminator: 'none' needs a start character and a length")
    if decimals is not None and (
        not isinstance(decimals, int) or isinstance(decimals, bool) or not 0 <= decimals <= 6
    ):
        raise ProtocolSetupError(f"decimals: expected 0 to 6, got {decimals!r}")
    if not isinstance(unit, str):
        raise ProtocolSetupError(f"unit: expected a unit name, got {unit!r}")
    frame_format = _Format(
        match=_Matcher(regex, cuts, size),
        unit=check_unit(unit),
        decimals=decimals,
        stable_marks=_marks("stable_marks", stable_marks),
        unstable_marks=_marks("unstable_marks", unstable_marks),
        overload_marks=_marks("overload_marks", overload_marks),
        underload_marks=_marks("underload_marks", underload_marks),
        net_marks=_marks("net_marks", net_marks),
    )
    framer = Framer(
        start=start_byte,
        end=end,
        length=size if not end else None,
        max_length=_positive("max_length", max_length),
    )
    return FramedParser(framer, frame_format.decode)


# The settings a station file may give, for the registry's check of setting names.
OPTIONS = frozenset(inspect.signature(make_parser).parameters)
