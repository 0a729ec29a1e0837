"""What every scale protocol shares: the reading it yields and the spec it registers.

A protocol module is sans-I/O (see h11): bytes go in through ``FrameParser.feed`` and
``Reading`` objects come out.  It never imports ``serial`` or ``paho``; the transport that
owns the port lives in ``edge.serial_port``.

Rules every parser keeps:

1. Line noise never raises.  Bytes that cannot start or complete a frame are dropped and
   counted in ``discarded``; the parser resynchronises on the next frame start.
2. A frame whose layout or checksum is wrong never becomes a weight; it may be reported as a
   ``ReadingKind.ERROR`` reading so a technician sees that the line is bad.
3. Weights are ``Decimal`` text as the scale sent it plus integer grams; never a float.

Exception tree::

    DriverError
    ├── UnknownProtocolError   a config or command names a protocol we do not have
    └── ProtocolSetupError     a generic/custom format is configured wrongly
"""

from __future__ import annotations

import enum
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Protocol

__all__ = [
    "GRAMS_PER_UNIT",
    "DriverError",
    "DriverSpec",
    "FrameParser",
    "LineSettings",
    "ProtocolSetupError",
    "Reading",
    "ReadingKind",
    "UnknownProtocolError",
    "to_grams",
]


class DriverError(Exception):
    """Base of every error raised by ``edge.drivers``."""


class UnknownProtocolError(DriverError, LookupError):
    def __init__(self, name: str, known: list[str]) -> None:
        super().__init__(f"unknown scale protocol {name!r}; known protocols: {', '.join(known)}")
        self.name = name
        self.known = known


class ProtocolSetupError(DriverError, ValueError):
    """A configurable protocol was given settings it cannot work with."""


class ReadingKind(enum.StrEnum):
    WEIGHT = "weight"
    OVERLOAD = "overload"
    UNDERLOAD = "underload"
    ERROR = "error"
    ACK = "ack"


# Exact conversion factors to grams: 1 lb = 453.59237 g and 1 oz = 28.349523125 g by the
# international yard and pound agreement (1959).
GRAMS_PER_UNIT: dict[str, Decimal] = {
    "g": Decimal(1),
    "kg": Decimal(1000),
    "t": Decimal(1_000_000),
    "lb": Decimal("453.59237"),
    "oz": Decimal("28.349523125"),
}


def to_grams(weight: Decimal, unit: str) -> int:
    """Normalise a weight to whole grams, rounding half away from zero."""
    grams = weight * GRAMS_PER_UNIT[unit]
    return int(grams.to_integral_value(rounding="ROUND_HALF_UP"))


@dataclass(frozen=True, slots=True)
class Reading:
    """One thing the scale said.

    ``weight`` is the number exactly as the scale sent it (``Decimal("-0.120")`` keeps its
    places), ``unit`` the unit it sent (or the configured unit for formats without one), and
    ``grams`` the same weight as whole grams.  ``stable`` is the scale's own motion flag;
    ``None`` where the format has none (the stability filter then decides alone).
    """

    kind: ReadingKind
    raw: bytes
    weight: Decimal | None = None
    unit: str | None = None
    grams: int | None = None
    stable: bool | None = None
    net: bool = False
    tare_g: int | None = None
    detail: str = ""


class FrameParser(Protocol):
    """Bytes in, readings out.  ``discarded`` counts bytes dropped while resynchronising."""

    discarded: int

    def feed(self, data: bytes) -> list[Reading]: ...


@dataclass(frozen=True, slots=True)
class LineSettings:
    baudrate: int = 9600
    bytesize: int = 8
    parity: str = "N"
    stopbits: float = 1


@dataclass(frozen=True, slots=True)
class DriverSpec:
    """One registered protocol: how to parse it, how to talk to it, where it is documented.

    ``poll`` is the request a polled protocol needs sent at the configured rate (``None`` for
    continuous output).  ``options`` names the keyword settings ``make_parser`` accepts (for
    example ``unit``, the unit assumed by formats whose frames carry none).
    """

    name: str
    summary: str
    manual: str
    make_parser: Callable[..., FrameParser]
    line: LineSettings = field(default_factory=LineSettings)
    poll: bytes | None = None
    zero: bytes | None = None
    tare: bytes | None = None
    options: frozenset[str] = frozenset()
