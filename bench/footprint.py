"""The station agent's footprint: memory idle and draining, CPU idle with a streaming scale.

The agent runs as its own process (``lumbung edge run``) against a real Mosquitto and a
simulated continuous-output scale sending 10 frames/s on a pseudo-terminal.  Idle: memory and
CPU over ``--idle-s`` seconds with the scale streaming and nothing weighed.  Draining: the same
agent restarted with ``--backlog`` events waiting in its outbox, memory sampled while it
publishes them.  Targets: under 60 MB resident; CPU idle well under a few % of one core.
Prints human lines, then one JSON object on the last line.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

from edge.outbox import Outbox
from edge.sim.devices import Pace, PtyPort, SimulatedStation
from hub.broker import BrokerSettings, MosquittoProcess, free_port

TICKS = os.sysconf("SC_CLK_TCK")
PAYLOAD = b'{"schema":1,"event_id":"bench-1-1-1","seq":1,"coop":"kdmp-bench","crate":"KRT-1"}' * 2


def rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


def cpu_s(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / TICKS


def start_agent(config: Path) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        [sys.executable, "-m", "lumbung.cli", "edge", "run", "--config", str(config)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--idle-s", type=float, default=20.0)
    parser.add_argument("--backlog", type=int, default=50_000)
    parser.add_argument("--protocol", default="mt-continuous")
    args = parser.parse_args()

    work = Path(tempfile.mkdtemp(prefix="lumbung-footprint-"))
    broker = MosquittoProcess(BrokerSettings(port=free_port(), data_dir=work / "broker"))
    broker.start()
    config = work / "station.toml"
    config.write_text(
        f"""[station]
id = "bench-1"
coop = "kdmp-bench"
name = "Footprint bench"
[scale]
port = "{work / "scale"}"
protocol = "{args.protocol}"
bytesize = 8
parity = "N"
[scanner]
kind = "serial"
device = "{work / "scanner"}"
[mqtt]
url = "{broker.url}"
[outbox]
path = "{work / "outbox.sqlite3"}"
capacity_events = {max(200_000, 2 * args.backlog)}
[display]
port = 0
""",
        encoding="utf-8",
    )
    scale, scanner = PtyPort(work / "scale"), PtyPort(work / "scanner")
    station = SimulatedStation(args.protocol, scale, scanner, Pace())
    streaming = threading.Event()
    streaming.set()

    def stream() -> None:
        while streaming.is_set():
            station._run_for(0.5)

    streamer = threading.Thread(target=stream, daemon=True)
    streamer.start()
    try:
        agent = start_agent(config)
        time.sleep(3.0)
        cpu_before, started = cpu_s(agent.pid), time.monotonic()
        idle_rss = []
        while time.monotonic() - started < args.idle_s:
            idle_rss.append(rss_mb(agent.pid))
            time.sleep(0.5)
        idle_cpu_pct = (cpu_s(agent.pid) - cpu_before) / (time.monotonic() - started) * 100
        agent.terminate()
        agent.wait(10)

        outbox = Outbox(work / "outbox.sqlite3", station="bench-1", capacity=2 * args.backlog)
        for _ in range(args.backlog):
            outbox.append(lambda _seq, _event_id: PAYLOAD)
        outbox.close()
        agent = start_agent(config)
        drain_rss = []
        started = time.monotonic()
        while time.monotonic() - started < 10.0:
            drain_rss.append(rss_mb(agent.pid))
            time.sleep(0.05)
        agent.terminate()
        agent.wait(10)
        check = Outbox(work / "outbox.sqlite3", station="bench-1", capacity=2 * args.backlog)
        still_due = len(check.due(args.backlog))
        check.close()
    finally:
        streaming.clear()
        streamer.join(5)
        broker.stop()
        scale.close()
        scanner.close()

    result = {
        "bench": "footprint",
        "protocol": args.protocol,
        "frames_per_s": 10,
        "idle_rss_mb": round(max(idle_rss), 1),
        "idle_cpu_percent_of_one_core": round(idle_cpu_pct, 2),
        "draining_rss_mb_max": round(max(drain_rss), 1),
        "backlog": args.backlog,
        "published_in_10_s": args.backlog - still_due,
        "target_rss_mb": 60,
    }
    print(
        f"idle: {result['idle_rss_mb']} MB, {result['idle_cpu_percent_of_one_core']}% of a core; "
        f"draining: {result['draining_rss_mb_max']} MB max"
    )
    print(json.dumps(result))


if __name__ == "__main__":
    main()
