"""Simulated scales and scanners on pseudo-terminals, for the demo and the tests.

The station agent cannot tell these from real devices: it opens a tty (``--link`` is a symlink
to the pty's slave side) and reads the bytes a real indicator sends, produced by the pure
emulators in ``edge.sim.emulators``.  This module is only the I/O around them: the pty, the
clock, and a packer who scans a crate and puts it on the scale.

A packer's cycle for one crate: scan the crate code, put the crate on (a second of unstable
readings), leave it while the weight is steady, take it off, wait with the scale empty.
"""

from __future__ import annotations

import os
import random
import select
import signal
import termios
import time
import tty
from collections.abc import Iterator
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

from edge.sim.emulators import ScaleEmulator, ScaleState, emulator_for

FRAME_INTERVAL_S = 0.1


@dataclass(frozen=True, slots=True)
class Crate:
    code: str
    grams: int


@dataclass(frozen=True, slots=True)
class Pace:
    """Seconds for each step of the packer's cycle."""

    before_load_s: float = 1.0
    settling_s: float = 1.0
    steady_s: float = 2.5
    empty_s: float = 2.0


DEMO_PACE = Pace(before_load_s=3.0, settling_s=1.5, steady_s=4.0, empty_s=6.0)


class PtyPort:
    """One pseudo-terminal whose slave side is reachable through a symlink."""

    def __init__(self, link: Path) -> None:
        self.master, slave = os.openpty()
        tty.setraw(slave, termios.TCSANOW)
        self.slave_name = os.ttyname(slave)
        self._slave = slave
        self.link = link
        link.parent.mkdir(parents=True, exist_ok=True)
        if link.is_symlink() or link.exists():
            link.unlink()
        link.symlink_to(self.slave_name)

    def write(self, data: bytes) -> None:
        os.write(self.master, data)

    def read_ready(self, timeout_s: float) -> bytes:
        ready, _, _ = select.select([self.master], [], [], max(0.0, timeout_s))
        if not ready:
            return b""
        try:
            return os.read(self.master, 4096)
        except OSError:
            return b""

    def close(self) -> None:
        if self.link.is_symlink():
            self.link.unlink()
        os.close(self.master)
        os.close(self._slave)


def parse_script(script: str) -> list[Crate]:
    """``"KRT-1=12.5,KRT-2=8.25"`` or ``"12.5,8.25"`` (kg) into crates."""
    crates = []
    for number, item in enumerate(filter(None, (p.strip() for p in script.split(","))), start=1):
        code, _, kilos = item.rpartition("=")
        grams = int(Decimal(kilos) * 1000)
        crates.append(Crate(code or f"KRT-{number:05d}", grams))
    return crates


def random_crates(prefix: str, seed: int | None = None) -> Iterator[Crate]:
    """An endless day of crates: 8–25 kg of produce each, in 5 g steps."""
    rng = random.Random(seed)
    number = 0
    while True:
        number += 1
        yield Crate(f"KRT-{prefix}-{number:05d}", rng.randrange(8000, 25000, 5) + 1800)


class SimulatedStation:
    """A scale and (optionally) a scanner, worked by a simulated packer."""

    def __init__(self, protocol: str, scale: PtyPort, scanner: PtyPort | None, pace: Pace) -> None:
        self._emulator: ScaleEmulator = emulator_for(protocol)
        self._scale = scale
        self._scanner = scanner
        self._pace = pace
        self.state = ScaleState()
        self._stopping = False

    def stop(self, *_args: object) -> None:
        self._stopping = True

    def _run_for(self, seconds: float) -> None:
        """Keep the scale talking (streaming or answering polls) for ``seconds``."""
        end = time.monotonic() + seconds
        next_frame = time.monotonic()
        while not self._stopping and (now := time.monotonic()) < end:
            if self._emulator.continuous and now >= next_frame:
                self._scale.write(self._emulator.frame(self.state))
                next_frame = now + FRAME_INTERVAL_S
            incoming = self._scale.read_ready(min(FRAME_INTERVAL_S, end - now))
            if incoming:
                reply = self._emulator.receive(incoming, self.state)
                if reply:
                    self._scale.write(reply)

    def weigh(self, crate: Crate) -> None:
        if self._scanner is not None:
            self._scanner.write(crate.code.encode() + b"\r")
        self._run_for(self._pace.before_load_s)
        wobble = [crate.grams + delta for delta in (-900, 450, -120, 35)]
        for grams in wobble:
            self.state.grams, self.state.stable = grams, False
            self._run_for(self._pace.settling_s / len(wobble))
        self.state.grams, self.state.stable = crate.grams, True
        self._run_for(self._pace.steady_s)
        self.state.grams, self.state.stable = 0, True
        self._run_for(self._pace.empty_s)

    def work(self, crates: Iterator[Crate] | list[Crate]) -> None:
        signal.signal(signal.SIGTERM, self.stop)
        self._run_for(self._pace.empty_s)
        for crate in crates:
            if self._stopping:
                break
            self.weigh(crate)
        while not self._stopping:
            self._run_for(1.0)


def serve_scale(*, protocol: str, link: Path, script: str | None) -> int:
    port = PtyPort(link)
    print(f"simulated {protocol} scale on {port.slave_name} (link {link})", flush=True)
    station = SimulatedStation(protocol, port, None, Pace())
    try:
        station.work(parse_script(script) if script else random_crates(link.stem))
    except KeyboardInterrupt:
        pass
    finally:
        port.close()
    return 0


def serve_station(
    *, protocol: str, scale_link: Path, scanner_link: Path, script: str | None, demo_pace: bool
) -> int:
    scale, scanner = PtyPort(scale_link), PtyPort(scanner_link)
    print(f"simulated station: scale {scale.slave_name}, scanner {scanner.slave_name}", flush=True)
    station = SimulatedStation(protocol, scale, scanner, DEMO_PACE if demo_pace else Pace())
    try:
        station.work(parse_script(script) if script else random_crates(scale_link.parent.name))
    except KeyboardInterrupt:
        pass
    finally:
        scale.close()
        scanner.close()
    return 0


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
