"""Formats without a stable flag (the XK3190 family, ``generic``): the station's settling window
alone decides when a load counts, through the pure pieces the station agent chains: the
protocol's parser, ``StabilityFilter`` and ``CaptureGate``, with the station file's defaults.

The scale side is the protocol's emulator, sending a frame every 100 ms (continuous formats) or
answering the weight request every ``poll_ms`` (command modes), as the indicator would.
"""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from edge.config import ScaleSection
from edge.drivers.registry import DRIVERS, make_parser
from edge.drivers.stability import CaptureGate, StabilityFilter
from edge.sim.emulators import EMULATORS, ScaleState, emulator_for

FLAGLESS = sorted(name for name, emulator in EMULATORS.items() if not emulator.has_stable_flag)
SETTLE_MS = ScaleSection.model_fields["settle_ms"].default
SPAN_G = ScaleSection.model_fields["settle_span_g"].default
ZERO_BAND_G = ScaleSection.model_fields["zero_band_g"].default
POLL_MS = ScaleSection.model_fields["poll_ms"].default
STREAM_MS = 100
# A crate being put down: grams off its final weight, 250 ms each (the simulated packer's).
WOBBLE_G = (-900, 450, -120, 35)


@dataclass(frozen=True)
class Capture:
    at_ms: int
    grams: int


class Station:
    """An emulated indicator feeding the parser, the stability filter and the capture gate."""

    def __init__(self, name: str) -> None:
        self._emulator = emulator_for(name)
        self._parser = make_parser(name)
        self._poll = DRIVERS[name].poll
        self._every_ms = STREAM_MS if self._poll is None else POLL_MS
        self._filter = StabilityFilter(span_g=SPAN_G, window_ms=SETTLE_MS)
        self._gate = CaptureGate(zero_band_g=ZERO_BAND_G)
        self.now_ms = 0
        self.captures: list[Capture] = []
        self.flags: set[bool | None] = set()

    def hold(self, state: ScaleState, ms: int) -> None:
        """Keep the scale in ``state`` for ``ms``, passing everything it sends along."""
        end = self.now_ms + ms
        while self.now_ms < end:
            if self._poll is None:
                data = self._emulator.frame(state)
            else:
                data = self._emulator.receive(self._poll, state)
            for reading in self._parser.feed(data):
                self.flags.add(reading.stable)
                stable = self._filter.push(reading, self.now_ms)
                if self._gate.offer(reading, stable=stable):
                    assert reading.grams is not None
                    self.captures.append(Capture(self.now_ms, reading.grams))
            self.now_ms += self._every_ms

    def put_down(self, grams: int) -> int:
        """A crate put down the way a packer does; returns when it came to rest."""
        for delta in WOBBLE_G:
            self.hold(ScaleState(grams=grams + delta, stable=False), 250)
        return self.now_ms


def test_the_flagless_formats_are_the_xk3190_family_and_generic() -> None:
    assert FLAGLESS == [
        "generic",
        "keli-xk3118",
        "xk3190-a12e",
        "xk3190-eq",
        "xk3190-eq-forward",
        "xk3190-tf0",
        "xk3190-tf1",
        "xk3190-ww",
    ]


@pytest.mark.parametrize("name", FLAGLESS)
def test_a_crate_is_captured_once_at_its_settled_weight_after_the_window(name: str) -> None:
    station = Station(name)
    station.hold(ScaleState(), 1000)
    at_rest = station.put_down(12_345)
    station.hold(ScaleState(grams=12_345), 2500)
    station.hold(ScaleState(), 2000)
    assert station.flags == {None}
    (capture,) = station.captures
    assert capture.grams == 12_345
    assert at_rest + SETTLE_MS <= capture.at_ms <= at_rest + SETTLE_MS + POLL_MS


@pytest.mark.parametrize("name", FLAGLESS)
def test_a_crate_that_keeps_moving_is_never_captured(name: str) -> None:
    station = Station(name)
    for _ in range(6):
        station.put_down(12_345)
    station.hold(ScaleState(), 2000)
    assert station.captures == []


@pytest.mark.parametrize("name", FLAGLESS)
def test_a_load_creeping_beyond_the_span_is_captured_only_once_it_stops(name: str) -> None:
    station, step_ms = Station(name), station_step_ms(name)
    grams = 10_000
    # A sack slumping at 100 g/s: within the span from one reading to the next, never
    # within it over a whole window.
    while station.now_ms < 3000:
        grams += step_ms // 10
        station.hold(ScaleState(grams=grams), step_ms)
    stopped = station.now_ms
    station.hold(ScaleState(grams=grams), 2000)
    (capture,) = station.captures
    assert capture.grams == grams
    assert capture.at_ms >= stopped


@pytest.mark.parametrize("name", FLAGLESS)
def test_an_overload_in_between_neither_weighs_the_crate_twice_nor_shortens_the_window(
    name: str,
) -> None:
    station = Station(name)
    station.put_down(30_000)
    station.hold(ScaleState(grams=30_000), 300)
    station.hold(ScaleState(grams=30_000, overload=True), 1000)
    back = station.now_ms
    station.hold(ScaleState(grams=30_000), 2000)
    station.hold(ScaleState(), 1000)
    station.put_down(30_000)
    station.hold(ScaleState(grams=30_000), 2000)
    first, second = station.captures
    assert first.at_ms >= back + SETTLE_MS
    assert second.at_ms > first.at_ms + 1000
    assert first.grams == second.grams == 30_000


def station_step_ms(name: str) -> int:
    """How often the station hears from this scale: its stream, or the poll."""
    return STREAM_MS if DRIVERS[name].poll is None else POLL_MS
