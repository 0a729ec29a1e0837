"""Simulated scales and scanners on pseudo-terminals, for the demo, the tests and practice.

The station agent cannot tell these from real devices: it opens a tty (``--link`` is a symlink
to the pty's slave side) and reads the bytes a real indicator sends, produced by the pure
emulators in ``edge.sim.emulators``.  This module is only the I/O around them: the pty, the
clock, and a packer who follows a script.

Rules:

1. While it is plugged in and talking, the scale streams (continuous protocols) and answers
   every host command (weight requests, zero, tare) through its emulator, whatever the packer
   is doing.
2. Writes never block: bytes the pty cannot hold are lost, as on a serial line with nobody
   listening.  The simulator keeps the slave side open itself, so a reader may close and
   reopen the port freely.
3. The scale's state, talk and plug may be changed from another thread while it serves (tests
   do).  The pty is read, written and closed only under the scale's lock; waiting for the
   host happens outside it, and what arrives for a pty unplugged meanwhile is dropped.

A script (``--script``) lists what the packer does, comma-separated:

* ``12.5`` or ``KRT-7=12.5``: a crate of 12.5 kg.  Scan its code, put it on (a second of
  unstable readings), leave it while the weight is steady, take it off, wait with the scale
  empty.  Crates without a code are numbered ``KRT-00001``, ``KRT-00002``, …
* ``~12.5`` or ``KRT-7=~12.5``: a crate that never settles (the packer keeps shifting it);
  it is taken off again unweighed.
* ``OL``: a load beyond capacity; ``ERR``: the indicator shows an error.  What goes on the
  wire is the protocol's own (an overload or error frame, or nothing at all).
* ``SILENT``: the indicator stops talking (output switched off, a broken wire); the port stays.
* ``UNPLUG``: the USB adapter is pulled out: the pty closes, and a new one appears at the same
  link when it is plugged back in.

Each fault lasts the pace's fault time (5 s: longer than the station waits before it calls a
quiet scale silent); then the scale is empty for the pace's empty time.
"""

from __future__ import annotations

import contextlib
import dataclasses
import enum
import itertools
import logging
import math
import os
import random
import select
import signal
import sys
import termios
import threading
import time
import tty
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from pathlib import Path
from types import TracebackType
from typing import Any

from edge.drivers.base import UnknownProtocolError
from edge.sim.emulators import ScaleEmulator, ScaleState, emulator_for

log = logging.getLogger(__name__)

FRAME_INTERVAL_S = 0.1


@dataclass(frozen=True, slots=True)
class Crate:
    code: str
    grams: int
    settles: bool = True


class Fault(enum.StrEnum):
    """A script item that is not a crate; the value is its word in the script."""

    OVERLOAD = "OL"
    ERROR = "ERR"
    SILENT = "SILENT"
    UNPLUG = "UNPLUG"


Episode = Crate | Fault


class ScriptError(ValueError):
    """A ``--script`` item that is neither a crate nor a fault word."""


@dataclass(frozen=True, slots=True)
class Pace:
    """Seconds for each step of the packer's cycle."""

    before_load_s: float = 1.0
    settling_s: float = 1.0
    steady_s: float = 2.5
    empty_s: float = 2.0
    fault_s: float = 5.0


DEMO_PACE = Pace(before_load_s=3.0, settling_s=1.5, steady_s=4.0, empty_s=6.0, fault_s=8.0)
# How a load moves while it is being put down: grams off its final weight, one step each.
WOBBLE_G = (-900, 450, -120, 35)


class PtyPort:
    """One pseudo-terminal whose slave side is reachable through a symlink."""

    def __init__(self, link: Path) -> None:
        if link.exists() and not link.is_symlink():
            raise FileExistsError(f"{link} exists and is not a symlink; it is left alone")
        link.parent.mkdir(parents=True, exist_ok=True)
        self.master, slave = os.openpty()
        tty.setraw(slave, termios.TCSANOW)
        os.set_blocking(self.master, False)
        self.slave_name = os.ttyname(slave)
        self._slave = slave
        self.closed = False
        self.link = link
        link.unlink(missing_ok=True)
        link.symlink_to(self.slave_name)

    def __enter__(self) -> PtyPort:
        return self

    def __exit__(
        self,
        _type: type[BaseException] | None,
        _value: BaseException | None,
        _traceback: TracebackType | None,
    ) -> None:
        self.close()

    def write(self, data: bytes) -> None:
        """Send ``data``; what the pty cannot hold now is lost (rule 2)."""
        if data:
            with contextlib.suppress(BlockingIOError):
                os.write(self.master, data)

    def wait(self, timeout_s: float) -> bool:
        """Has the host sent something within ``timeout_s``?  False once closed (rule 3: it
        may be unplugged from another thread while this waits)."""
        try:
            poller = select.poll()
            poller.register(self.master, select.POLLIN)
            return bool(poller.poll(max(0, round(timeout_s * 1000))))
        except (OSError, ValueError):
            return False

    def read(self) -> bytes:
        """What the host has sent, without waiting."""
        try:
            return os.read(self.master, 4096)
        except OSError:
            return b""

    def close(self) -> None:
        if self.closed:
            return
        self.closed = True
        # A newer pty may have taken the link over; its link stays.
        if self.link.is_symlink() and os.readlink(self.link) == self.slave_name:
            self.link.unlink()
        os.close(self.master)
        os.close(self._slave)


class SimulatedScale:
    """An emulated indicator on a pty that can be loaded, muted and unplugged while it serves."""

    def __init__(
        self, protocol: str, port: PtyPort, *, frame_interval_s: float = FRAME_INTERVAL_S
    ) -> None:
        self._emulator: ScaleEmulator = emulator_for(protocol)
        self.protocol = protocol
        self.port: PtyPort | None = port
        self.link = port.link
        self.state = ScaleState()
        self.talking = True
        self._interval = frame_interval_s
        self._next_frame = 0.0
        self._lock = threading.Lock()
        self._stopping = threading.Event()

    @property
    def stopping(self) -> bool:
        return self._stopping.is_set()

    def stop(self, *_args: object) -> None:
        self._stopping.set()

    def update(self, **changes: Any) -> None:
        """Change what is on the scale (``ScaleState`` fields by name)."""
        with self._lock:
            self.state = dataclasses.replace(self.state, **changes)

    def mute(self, quiet: bool = True) -> None:
        """Stop (or resume) talking; host bytes sent meanwhile are read and ignored."""
        with self._lock:
            self.talking = not quiet

    def unplug(self) -> None:
        with self._lock:
            if self.port is not None:
                self.port.close()
                self.port = None
        log.info("scale unplugged from %s", self.link)

    def plug_in(self) -> None:
        """Plug back in: a new pty behind the same link (an unplugged scale only)."""
        with self._lock:
            if self.port is None:
                self.port = PtyPort(self.link)
            port = self.port
        log.info("scale plugged in again on %s", port.slave_name)

    def close(self) -> None:
        self.stop()
        with self._lock:
            if self.port is not None:
                self.port.close()
                self.port = None

    def run_for(self, seconds: float) -> None:
        """Stream and answer the host for ``seconds`` (rule 1), or until ``stop``."""
        end = time.monotonic() + seconds
        while not self.stopping and (now := time.monotonic()) < end:
            wait = min(self._interval, end - now)
            with self._lock:
                port = self.port
                if port is not None and self.talking and self._emulator.continuous:
                    if now >= self._next_frame:
                        port.write(self._emulator.frame(self.state))
                        self._next_frame = now + self._interval
                    wait = min(wait, self._next_frame - now)
            if port is None:
                self._stopping.wait(wait)
            elif port.wait(wait):
                self._answer(port)

    def serve(self) -> None:
        """Run until ``stop``: the target for a scale served from a thread."""
        while not self.stopping:
            self.run_for(1.0)

    def _answer(self, port: PtyPort) -> None:
        with self._lock:
            # The port may have been unplugged (and its descriptors reused) while we waited.
            if port is not self.port:
                return
            incoming = port.read()
            if incoming and self.talking:
                port.write(self._emulator.receive(incoming, self.state))


def parse_script(script: str) -> list[Episode]:
    """The packer's script (see the module docstring) as crates and faults, in order."""
    faults = {fault.value: fault for fault in Fault}
    episodes: list[Episode] = []
    crates = 0
    for item in filter(None, (part.strip() for part in script.split(","))):
        fault = faults.get(item.upper())
        if fault is not None:
            episodes.append(fault)
            continue
        code, _, kilos = item.rpartition("=")
        settles = not kilos.startswith("~")
        try:
            grams = Decimal(kilos.removeprefix("~")) * 1000
        except InvalidOperation:
            grams = Decimal("NaN")
        if not grams.is_finite():
            raise ScriptError(
                f"script item {item!r} is not a crate (12.5, KRT-7=12.5, ~12.5 in kg) "
                f"nor one of {', '.join(faults)}"
            )
        crates += 1
        episodes.append(Crate(code or f"KRT-{crates:05d}", int(grams), settles))
    return episodes


def random_crates(prefix: str, seed: int | None = None) -> Iterator[Crate]:
    """An endless day of crates: 8–25 kg of produce each, in 5 g steps."""
    rng = random.Random(seed)
    number = 0
    while True:
        number += 1
        yield Crate(f"KRT-{prefix}-{number:05d}", rng.randrange(8000, 25000, 5) + 1800)


class SimulatedStation:
    """A scale and (optionally) a scanner, worked by a simulated packer."""

    def __init__(
        self,
        protocol: str,
        scale: PtyPort,
        scanner: PtyPort | None,
        pace: Pace,
        *,
        frame_interval_s: float = FRAME_INTERVAL_S,
    ) -> None:
        self.scale = SimulatedScale(protocol, scale, frame_interval_s=frame_interval_s)
        self._scanner = scanner
        self._pace = pace

    @property
    def state(self) -> ScaleState:
        return self.scale.state

    def stop(self, *_args: object) -> None:
        self.scale.stop()

    def _run_for(self, seconds: float) -> None:
        self.scale.run_for(seconds)

    def _hold(self, seconds: float, **changes: Any) -> None:
        self.scale.update(**changes)
        self._run_for(seconds)

    def weigh(self, crate: Crate) -> None:
        pace = self._pace
        if self._scanner is not None:
            self._scanner.write(crate.code.encode() + b"\r")
        self._run_for(pace.before_load_s)
        step_s = pace.settling_s / len(WOBBLE_G)
        moves = len(WOBBLE_G)
        if not crate.settles:
            moves = max(moves, math.ceil((pace.settling_s + pace.steady_s) / step_s))
        for delta in itertools.islice(itertools.cycle(WOBBLE_G), moves):
            self._hold(step_s, grams=crate.grams + delta, stable=False)
        if crate.settles:
            self._hold(pace.steady_s, grams=crate.grams, stable=True)
        self._hold(pace.empty_s, grams=0, stable=True)

    def fault(self, fault: Fault) -> None:
        pace, scale = self._pace, self.scale
        log.info("packer: %s for %.1f s", fault.name.lower(), pace.fault_s)
        match fault:
            case Fault.OVERLOAD:
                self._hold(pace.fault_s, overload=True)
            case Fault.ERROR:
                self._hold(pace.fault_s, error=True)
            case Fault.SILENT:
                scale.mute()
                self._run_for(pace.fault_s)
                scale.mute(False)
            case Fault.UNPLUG:
                scale.unplug()
                self._run_for(pace.fault_s)
                scale.plug_in()
        self._hold(pace.empty_s, grams=0, stable=True, overload=False, error=False)

    def play(self, episode: Episode) -> None:
        if isinstance(episode, Crate):
            self.weigh(episode)
        else:
            self.fault(episode)

    def work(self, episodes: Iterable[Episode]) -> None:
        """Play ``episodes``, then keep the scale talking until ``stop``."""
        self._run_for(self._pace.empty_s)
        for episode in episodes:
            if self.scale.stopping:
                break
            self.play(episode)
        self.scale.serve()


def _serve(station: SimulatedStation, episodes: Iterable[Episode], ports: list[PtyPort]) -> int:
    signal.signal(signal.SIGTERM, station.stop)
    try:
        station.work(episodes)
    except KeyboardInterrupt:
        pass
    finally:
        station.scale.close()
        for port in ports:
            port.close()
    return 0


def serve_scale(*, protocol: str, link: Path, script: str | None) -> int:
    try:
        episodes = parse_script(script) if script else random_crates(link.stem)
        emulator_for(protocol)  # an unknown protocol fails before any pty is made
        port = PtyPort(link)
    except (ScriptError, UnknownProtocolError, OSError) as exc:
        print(f"sim: {exc}", file=sys.stderr)
        return 2
    print(f"simulated {protocol} scale on {port.slave_name} (link {link})", flush=True)
    return _serve(SimulatedStation(protocol, port, None, Pace()), episodes, [])


def serve_station(
    *, protocol: str, scale_link: Path, scanner_link: Path, script: str | None, demo_pace: bool
) -> int:
    try:
        episodes = parse_script(script) if script else random_crates(scale_link.parent.name)
        emulator_for(protocol)
        scale = PtyPort(scale_link)
    except (ScriptError, UnknownProtocolError, OSError) as exc:
        print(f"sim: {exc}", file=sys.stderr)
        return 2
    try:
        scanner = PtyPort(scanner_link)
    except OSError as exc:
        scale.close()
        print(f"sim: {exc}", file=sys.stderr)
        return 2
    print(f"simulated station: scale {scale.slave_name}, scanner {scanner.slave_name}", flush=True)
    station = SimulatedStation(protocol, scale, scanner, DEMO_PACE if demo_pace else Pace())
    return _serve(station, episodes, [scanner])


def serve_scanner(*, link: Path, codes: list[str], every_s: float) -> int:
    port = PtyPort(link)
    print(f"simulated scanner on {port.slave_name} (link {link})", flush=True)
    try:
        for code in codes:
            time.sleep(every_s)
            port.write(code.encode() + b"\r")
        while True:
            time.sleep(3600)
    except KeyboardInterrupt:
        pass
    finally:
        port.close()
    return 0
