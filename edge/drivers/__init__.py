"""Scale protocols: one pure module per family, registered by name in ``DRIVERS``."""

from edge.drivers.base import (
    DriverError,
    DriverSpec,
    FrameParser,
    LineSettings,
    Reading,
    ReadingKind,
    UnknownProtocolError,
)
from edge.drivers.registry import DRIVERS, get_driver

__all__ = [
    "DRIVERS",
    "DriverError",
    "DriverSpec",
    "FrameParser",
    "LineSettings",
    "Reading",
    "ReadingKind",
    "UnknownProtocolError",
    "get_driver",
]
