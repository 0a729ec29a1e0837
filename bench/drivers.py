"""Scale parser cost: frames per second per protocol, and CPU share at a real indicator's rate.

Two figures per protocol, from frames its own emulator renders (so every frame is valid):

* throughput: a recorded stream of frames fed in 64-byte reads, as a serial port delivers them;
* the CPU a station spends on a continuous indicator sending 10 frames a second: ``--seconds``
  simulated seconds (600 by default) of frames, each read on its own and pushed through the
  parser, the stability filter and the capture gate, as the agent does.  CPU% is the process
  time spent divided by the simulated time, so it is the share of one core.  Target: < 1 %.

The load pattern repeats every 8 s: empty, a crate swinging in, settling with +-2 g of noise,
then lifted off.  Prints human lines, then one JSON object on the last line.
"""

from __future__ import annotations

import argparse
import json
import time

from edge.drivers.registry import DRIVERS, make_parser
from edge.drivers.stability import CaptureGate, StabilityFilter
from edge.sim.emulators import ScaleState, emulator_for

FRAMES_PER_S = 10
TARGET_CPU_PERCENT = 1.0
READ_SIZE = 64


def load_g(tick: int) -> tuple[int, bool]:
    """The weight and motion at a 100 ms tick of the repeating 8-second crate cycle."""
    phase = tick % 80
    if phase < 10 or phase >= 70:
        return 0, True
    if phase < 20:
        return 1500 * (phase - 9), False
    return 12_500 + (tick * 7919) % 5 - 2, phase >= 25


def frames_for(protocol: str, ticks: int) -> list[bytes]:
    emulator = emulator_for(protocol)
    poll = DRIVERS[protocol].poll
    frames = []
    for tick in range(ticks):
        grams, stable = load_g(tick)
        state = ScaleState(grams=grams, stable=stable)
        if emulator.continuous or poll is None:
            frames.append(emulator.frame(state))
        else:
            frames.append(emulator.receive(poll, state))
    return frames


def throughput(protocol: str, frames: list[bytes]) -> float:
    stream = b"".join(frames)
    parser = make_parser(protocol)
    start = time.perf_counter()
    decoded = 0
    for at in range(0, len(stream), READ_SIZE):
        decoded += len(parser.feed(stream[at : at + READ_SIZE]))
    elapsed = time.perf_counter() - start
    return decoded / elapsed


def cpu_percent(protocol: str, frames: list[bytes], seconds: int) -> tuple[float, int]:
    """CPU share of one core for ``seconds`` at 10 frames/s, and how many loads were captured."""
    parser = make_parser(protocol)
    stability = StabilityFilter(span_g=20, window_ms=600)
    gate = CaptureGate(zero_band_g=50)
    captured = 0
    start = time.process_time()
    for tick, frame in enumerate(frames):
        now_ms = tick * 1000 // FRAMES_PER_S
        for reading in parser.feed(frame):
            captured += gate.offer(reading, stable=stability.push(reading, now_ms))
    return (time.process_time() - start) / seconds * 100, captured


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=int, default=600, help="simulated seconds at 10 Hz")
    parser.add_argument("--frames", type=int, default=20_000, help="frames for throughput")
    args = parser.parse_args()

    rates: dict[str, int] = {}
    shares: dict[str, float] = {}
    for protocol in DRIVERS:
        rates[protocol] = round(throughput(protocol, frames_for(protocol, args.frames)))
        share, captured = cpu_percent(
            protocol, frames_for(protocol, args.seconds * FRAMES_PER_S), args.seconds
        )
        shares[protocol] = round(share, 4)
        print(
            f"{protocol:18} {rates[protocol]:>9,} frames/s   "
            f"{share:.3f} % of a core at {FRAMES_PER_S} frames/s   ({captured} crates captured)"
        )
    worst = max(shares, key=lambda name: shares[name])
    print(f"worst: {worst} at {shares[worst]:.3f} % of a core (target < {TARGET_CPU_PERCENT} %)")
    print(
        json.dumps(
            {
                "bench": "drivers",
                "frames_per_s": rates,
                "cpu_percent_at_10_frames_per_s": shares,
                "cpu_percent_max": shares[worst],
                "target_cpu_percent": TARGET_CPU_PERCENT,
                "simulated_seconds": args.seconds,
                "ok": shares[worst] < TARGET_CPU_PERCENT,
            }
        )
    )


if __name__ == "__main__":
    main()
