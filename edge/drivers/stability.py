"""When a reading counts as stable, and when a stable load counts as a new capture.

Two small pure classes the station workflow runs over the reading stream; time comes in as a
monotonic millisecond count because readings carry none.

``StabilityFilter`` rules:

1. Only a ``WEIGHT`` reading with grams can be stable.  Anything else (over/under range, an
   error, a motion-only status) empties the window.
2. The software window: the readings of the last ``window_ms`` must all lie within
   ``span_g`` of each other, and the window must be full (the first of them at least
   ``window_ms`` old).  A silence longer than ``window_ms`` or a clock that goes backwards
   restarts it, so a gap is never mistaken for a steady load.
3. The scale's own flag must agree: a reading flagged unstable is never stable.  Formats
   without a flag (``stable is None``) rely on the window alone.
4. A switch between gross and net restarts the window: the numbers are not comparable.

``CaptureGate`` rules:

1. A stable reading above ``zero_band_g`` is a load and is captured, once.
2. After a capture the gate is shut until a weight reading at or below ``zero_band_g``
   arrives: the load came off (a negative net, after taring a crate that was then lifted,
   counts too).  Swapping one crate for another without emptying the platform is not a new
   load, so one crate is never weighed twice.
3. The gate starts open, so a load already on the scale when the station starts is captured.
"""

from __future__ import annotations

from collections import deque

from edge.drivers.base import Reading, ReadingKind

__all__ = ["CaptureGate", "StabilityFilter"]


class StabilityFilter:
    """Scale flag AND software settling window; see the module rules."""

    def __init__(self, *, span_g: int = 10, window_ms: int = 1000) -> None:
        if span_g < 0 or window_ms <= 0:
            raise ValueError(f"span_g must be >= 0 and window_ms > 0, got {span_g}, {window_ms}")
        self.span_g = span_g
        self.window_ms = window_ms
        self._samples: deque[tuple[int, int]] = deque()
        self._net = False

    def push(self, reading: Reading, now_ms: int) -> bool:
        """Add a reading taken at ``now_ms``; is it stable by both rules?"""
        grams = reading.grams
        if reading.kind is not ReadingKind.WEIGHT or grams is None:
            self._samples.clear()
            return False
        samples = self._samples
        if samples and (
            now_ms < samples[-1][0]
            or now_ms - samples[-1][0] > self.window_ms
            or reading.net != self._net
        ):
            samples.clear()
        self._net = reading.net
        samples.append((now_ms, grams))
        start = now_ms - self.window_ms
        # Keep one sample at or before the window start: it proves the window is full.
        while len(samples) > 1 and samples[1][0] <= start:
            samples.popleft()
        if samples[0][0] > start or reading.stable is False:
            return False
        values = [value for _, value in samples]
        return max(values) - min(values) <= self.span_g


class CaptureGate:
    """Captures each load once; the scale must come back near zero in between."""

    def __init__(self, *, zero_band_g: int = 20) -> None:
        if zero_band_g < 0:
            raise ValueError(f"zero_band_g must be >= 0, got {zero_band_g}")
        self.zero_band_g = zero_band_g
        self.open = True

    def offer(self, reading: Reading, *, stable: bool) -> bool:
        """Should this reading be captured?  ``stable`` is the filter's verdict on it."""
        grams = reading.grams
        if reading.kind is not ReadingKind.WEIGHT or grams is None:
            return False
        if grams <= self.zero_band_g:
            self.open = True
            return False
        if stable and self.open:
            self.open = False
            return True
        return False
