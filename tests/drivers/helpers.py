"""Small helpers shared by the driver tests."""

from __future__ import annotations

from edge.drivers.base import Reading, ReadingKind

from .frames import Expect


def summary(reading: Reading) -> Expect:
    """A reading in the shape of ``Expect`` (the weight as the Decimal's text)."""
    return Expect(
        reading.kind,
        None if reading.weight is None else str(reading.weight),
        reading.unit,
        reading.grams,
        reading.stable,
        reading.net,
        reading.tare_g,
    )


def weights(readings: list[Reading]) -> list[Reading]:
    """The readings that carry a usable weight."""
    return [r for r in readings if r.kind is ReadingKind.WEIGHT and r.grams is not None]
