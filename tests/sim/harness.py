"""A simulated scale on a real pty, and the station agent's way of reading it.

``Listener`` wires ``SerialLink`` to a protocol's parser the way the station agent does (the
driver's line settings and poll request), with test timings, and keeps what arrived so a test
can wait for it.  Every wait has a short deadline and fails with what did arrive.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from edge.drivers.base import Reading
from edge.drivers.registry import get_driver, make_parser
from edge.serial_port import LinkState, SerialLink
from edge.sim.devices import PtyPort, SimulatedScale

FRAME_INTERVAL_S = 0.02
POLL_S = 0.02
SILENT_AFTER_S = 0.15
RETRY_S = 0.02
RETRY_MAX_S = 0.1
DEADLINE_S = 3.0


class Listener:
    """What a ``SerialLink`` on ``url`` delivered through the protocol's parser."""

    def __init__(self, url: str, protocol: str, **link: Any) -> None:
        """``link`` overrides ``SerialLink`` settings (the driver's poll, the test timings)."""
        spec = get_driver(protocol)
        self._parser = make_parser(protocol)
        self._changed = threading.Condition()
        self.readings: list[Reading] = []
        self.states: list[LinkState] = []
        self.reasons: list[str] = []
        settings: dict[str, Any] = {
            "poll": spec.poll,
            "poll_s": POLL_S,
            "silent_after_s": SILENT_AFTER_S,
            "retry_s": RETRY_S,
            "retry_max_s": RETRY_MAX_S,
        }
        self.link = SerialLink(
            url,
            spec.line,
            on_data=self._data,
            on_state=self._state,
            **(settings | link),
        )

    def _data(self, data: bytes) -> None:
        readings = self._parser.feed(data)
        with self._changed:
            self.readings.extend(readings)
            self._changed.notify_all()

    def _state(self, state: LinkState, why: str) -> None:
        with self._changed:
            self.states.append(state)
            self.reasons.append(why)
            self._changed.notify_all()

    def _wait(self, done: Callable[[], bool], what: str, timeout_s: float) -> None:
        with self._changed:
            if not self._changed.wait_for(done, timeout_s):
                raise AssertionError(
                    f"{what} within {timeout_s} s; link states {self.states}, "
                    f"last readings {self.readings[-5:]}"
                )

    def first_readings(self, count: int, *, after: int = 0) -> list[Reading]:
        """The ``count`` readings that arrived after the first ``after`` ones."""
        self._wait(lambda: len(self.readings) >= after + count, f"no {count} readings", DEADLINE_S)
        with self._changed:
            return self.readings[after : after + count]

    def reading_where(
        self, check: Callable[[Reading], bool], *, after: int = 0, timeout_s: float = DEADLINE_S
    ) -> Reading:
        """The first reading, after the first ``after``, that passes ``check``."""

        def found() -> Reading | None:
            return next(filter(check, self.readings[after:]), None)

        self._wait(lambda: found() is not None, "no such reading", timeout_s)
        with self._changed:
            reading = found()
        assert reading is not None
        return reading

    def state_after(self, state: LinkState, *, after: int = 0) -> int:
        """Wait until the link reports ``state`` after its first ``after`` reports; return
        how many reports there were up to and including it."""

        def index() -> int | None:
            return next(
                (at + 1 for at in range(after, len(self.states)) if self.states[at] is state),
                None,
            )

        self._wait(lambda: index() is not None, f"no {state.value}", DEADLINE_S)
        with self._changed:
            found = index()
        assert found is not None
        return found

    def count(self) -> int:
        with self._changed:
            return len(self.readings)


@contextmanager
def listening(url: str | Path, protocol: str, **link: Any) -> Iterator[Listener]:
    listener = Listener(str(url), protocol, **link)
    listener.link.start()
    try:
        yield listener
    finally:
        listener.link.stop()


@contextmanager
def serving(scale: SimulatedScale) -> Iterator[SimulatedScale]:
    """``scale`` served from a thread until the block ends; its pty is closed after."""
    thread = threading.Thread(target=scale.serve, name=f"sim-{scale.protocol}", daemon=True)
    thread.start()
    try:
        yield scale
    finally:
        scale.stop()
        thread.join(timeout=5)
        scale.close()


def simulated_scale(protocol: str, link: Path, **state: object) -> SimulatedScale:
    scale = SimulatedScale(protocol, PtyPort(link), frame_interval_s=FRAME_INTERVAL_S)
    scale.update(**state)
    return scale


def pause(seconds: float) -> None:
    """Let the link run; used only where a test must show that nothing arrives."""
    time.sleep(seconds)
