"""End-to-end latency: from the first stable frame a scale sends to the row in the hub's database.

The path is the real one: a simulated A&D scale on a pseudo-terminal, the station agent as its
own process (stability window, workflow, durable outbox, MQTT uplink), a Mosquitto broker, and
the hub's ingest worker writing to SQLite (or ``--db URL``).  The simulator notes when it first
sends a stable frame for each crate; a poller notes when that crate's row is in the database.
The figure includes the station's software settling window (``--settle-ms``), which is there
on purpose: a reading must stay steady that long before it counts.

Prints human lines, then one JSON object on the last line.
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

from sqlalchemy import select

from edge.sim.devices import Crate, Pace, PtyPort, SimulatedStation
from hub.broker import BrokerSettings, MosquittoProcess, free_port
from hub.db.engine import make_engine, upgrade
from hub.db.models import StationEvent
from hub.ingest import IngestWorker
from hub.stations import register_stations


class TimedStation(SimulatedStation):
    """A simulated packer that notes when each crate first shows a stable weight."""

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.stable_at: dict[str, float] = {}
        self._current: str | None = None

    def weigh(self, crate: Crate) -> None:
        self._current = crate.code
        super().weigh(crate)

    def _run_for(self, seconds: float) -> None:
        if (
            self._current
            and self.state.stable
            and self.state.grams
            and (self._current not in self.stable_at)
        ):
            self.stable_at[self._current] = time.time()
        super()._run_for(seconds)


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(fraction * (len(ordered) - 1))))
    return ordered[index]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--crates", type=int, default=30)
    parser.add_argument("--db", help="database URL (default: a fresh SQLite file)")
    parser.add_argument("--settle-ms", type=int, default=300)
    args = parser.parse_args()

    work = Path(tempfile.mkdtemp(prefix="lumbung-latency-"))
    broker = MosquittoProcess(BrokerSettings(port=free_port(), data_dir=work / "broker"))
    broker.start()
    db_url = args.db or f"sqlite:///{work / 'hub.sqlite3'}"
    engine = make_engine(db_url)
    upgrade(engine)
    config_path = work / "station.toml"
    config_path.write_text(
        f"""[station]
id = "bench-1"
coop = "kdmp-bench"
name = "Latency bench"
[scale]
port = "{work / "scale"}"
protocol = "and"
settle_ms = {args.settle_ms}
[scanner]
kind = "serial"
device = "{work / "scanner"}"
[workflow]
require = ["crate"]
default_tare_g = 1800
[mqtt]
url = "{broker.url}"
[outbox]
path = "{work / "outbox.sqlite3"}"
[display]
port = 0
""",
        encoding="utf-8",
    )
    from edge.config import load_config

    register_stations(engine, [load_config(config_path)])
    worker = IngestWorker(engine, broker.url, client_id="bench-hub")
    worker.start()
    worker.subscribed.wait(10)

    scale, scanner = PtyPort(work / "scale"), PtyPort(work / "scanner")
    pace = Pace(before_load_s=0.3, settling_s=0.4, steady_s=1.0, empty_s=0.6)
    station = TimedStation("and", scale, scanner, pace)
    agent = subprocess.Popen(
        [sys.executable, "-m", "lumbung.cli", "edge", "run", "--config", str(config_path)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    crates = [Crate(f"KRT-{n:05d}", 10_000 + 37 * n) for n in range(1, args.crates + 1)]
    seen_at: dict[str, float] = {}
    done = threading.Event()

    def poll_database() -> None:
        while not done.is_set():
            with engine.connect() as connection:
                for crate in connection.execute(select(StationEvent.crate)).scalars():
                    if crate and crate not in seen_at:
                        seen_at[crate] = time.time()
            time.sleep(0.005)

    poller = threading.Thread(target=poll_database, daemon=True)
    poller.start()
    try:
        time.sleep(1.5)
        for crate in crates:
            station.weigh(crate)
        deadline = time.monotonic() + 20
        while len(seen_at) < len(crates) and time.monotonic() < deadline:
            time.sleep(0.05)
    finally:
        done.set()
        agent.terminate()
        agent.wait(10)
        worker.stop()
        broker.stop()
        scale.close()
        scanner.close()

    latencies = [
        (seen_at[c.code] - station.stable_at[c.code]) * 1000
        for c in crates
        if c.code in seen_at and c.code in station.stable_at
    ]
    if not latencies:
        print("no crate reached the database", file=sys.stderr)
        sys.exit(1)
    result = {
        "bench": "latency",
        "db": "postgresql" if db_url.startswith("postgres") else "sqlite",
        "crates": len(crates),
        "arrived": len(latencies),
        "settle_ms": args.settle_ms,
        "p50_ms": round(statistics.median(latencies), 1),
        "p99_ms": round(percentile(latencies, 0.99), 1),
        "max_ms": round(max(latencies), 1),
        "p50_minus_settle_ms": round(statistics.median(latencies) - args.settle_ms, 1),
    }
    print(f"{len(latencies)}/{len(crates)} crates; stable frame -> hub row:")
    print(f"  p50 {result['p50_ms']} ms, p99 {result['p99_ms']} ms")
    print(f"  (including the settling window of {args.settle_ms} ms)")
    print(json.dumps(result))


if __name__ == "__main__":
    main()
