"""The station agent killed with SIGKILL at random moments while weighing and publishing.

A simulated packer weighs crates without pause on a pty scale; the real agent process is
killed and restarted again and again.  Afterwards the hub's view is compared, event by event,
with what the packers were told (every TERSIMPAN the display showed): nothing told saved is
missing, nothing is stored twice, and no crate is captured twice.
"""

from __future__ import annotations

import random
import re
import signal
import subprocess
import sys
import threading
import time
from collections import Counter
from pathlib import Path

import pytest
from sqlalchemy import select

from edge.config import load_config
from edge.sim.devices import Crate, Pace, PtyPort, SimulatedStation
from hub.broker import MosquittoProcess
from hub.db.engine import make_engine, upgrade
from hub.db.models import StationEvent, StationStatusRow
from hub.ingest import IngestWorker
from hub.stations import register_stations

pytestmark = pytest.mark.slow

SAVED = re.compile(r"display: TERSIMPAN — krat (\S+), neto")


def station_file(tmp_path: Path, broker_url: str) -> Path:
    path = tmp_path / "station.toml"
    path.write_text(
        f"""
[station]
id = "punten-1"
coop = "kdmp-punten"
name = "Punten"
[scale]
port = "{tmp_path / "scale"}"
protocol = "and"
settle_ms = 200
# A pseudo-terminal refuses parity settings once it has been opened (EINVAL), and this test
# reopens the scale after every kill; a real serial port keeps the protocol's 7E1 default.
bytesize = 8
parity = "N"
[scanner]
kind = "serial"
device = "{tmp_path / "scanner"}"
[workflow]
require = ["crate"]
default_tare_g = 1800
[mqtt]
url = "{broker_url}"
resend_after_s = 5
[outbox]
path = "{tmp_path / "outbox.sqlite3"}"
[display]
port = 0
""",
        encoding="utf-8",
    )
    return path


def test_killing_the_agent_at_random_loses_and_duplicates_nothing(
    tmp_path: Path, broker: MosquittoProcess
) -> None:
    config = station_file(tmp_path, broker.url)
    engine = make_engine(f"sqlite:///{tmp_path / 'hub.sqlite3'}")
    upgrade(engine)
    register_stations(engine, [load_config(config)])
    hub = IngestWorker(engine, broker.url, client_id="hub-1")
    hub.start()
    assert hub.subscribed.wait(10)

    scale, scanner = PtyPort(tmp_path / "scale"), PtyPort(tmp_path / "scanner")
    pace = Pace(before_load_s=0.2, settling_s=0.2, steady_s=0.7, empty_s=0.4)
    packer = SimulatedStation("and", scale, scanner, pace)
    packing = threading.Event()
    packing.set()

    def pack() -> None:
        for n in range(1, 10_000):
            if not packing.is_set():
                return
            packer.weigh(Crate(f"KRT-{n:05d}", 9_000 + 13 * n))

    worker = threading.Thread(target=pack, daemon=True)
    log_path = tmp_path / "agent.log"
    rng = random.Random(20261124)
    kills = 0

    def start_agent() -> subprocess.Popen[bytes]:
        with log_path.open("ab") as log:
            return subprocess.Popen(
                [sys.executable, "-m", "lumbung.cli", "edge", "run", "--config", str(config)],
                stdout=log,
                stderr=subprocess.STDOUT,
            )

    worker.start()
    agent = start_agent()
    try:
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            time.sleep(rng.uniform(0.5, 3.0))
            agent.send_signal(signal.SIGKILL)
            agent.wait()
            kills += 1
            agent = start_agent()
        packing.clear()
        packer.stop()
        time.sleep(2)
        told_saved = SAVED.findall(log_path.read_text(encoding="utf-8", errors="replace"))

        def hub_crates() -> list[str]:
            with engine.connect() as connection:
                return [c for c in connection.execute(select(StationEvent.crate)).scalars() if c]

        deadline = time.monotonic() + 40
        while set(told_saved) - set(hub_crates()) and time.monotonic() < deadline:
            time.sleep(0.2)
        stored = hub_crates()
        with engine.connect() as connection:
            seqs = sorted(connection.execute(select(StationEvent.seq)).scalars())
    finally:
        agent.terminate()
        agent.wait(10)
        packing.clear()
        packer.stop()
        worker.join(10)
        hub.stop()
        scale.close()
        scanner.close()

    assert kills >= 8
    assert len(told_saved) >= 5, "the packer should have saved crates between the kills"
    assert set(told_saved) - set(stored) == set(), "a crate the packer saw saved is missing"
    assert [c for c, n in Counter(stored).items() if n > 1] == [], "a crate was stored twice"
    assert seqs == list(range(1, len(seqs) + 1)), "the hub's events have a gap or a repeat"


def test_a_killed_agent_is_marked_offline_by_its_last_will(
    tmp_path: Path, broker: MosquittoProcess
) -> None:
    config = station_file(tmp_path, broker.url)
    engine = make_engine(f"sqlite:///{tmp_path / 'hub.sqlite3'}")
    upgrade(engine)
    register_stations(engine, [load_config(config)])
    hub = IngestWorker(engine, broker.url, client_id="hub-1")
    hub.start()

    def online() -> bool | None:
        with engine.connect() as connection:
            row = connection.execute(select(StationStatusRow.online)).first()
        return None if row is None else bool(row[0])

    scale, scanner = PtyPort(tmp_path / "scale"), PtyPort(tmp_path / "scanner")
    agent = subprocess.Popen(
        [sys.executable, "-m", "lumbung.cli", "edge", "run", "--config", str(config)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 20
        while online() is not True and time.monotonic() < deadline:
            time.sleep(0.1)
        assert online() is True
        agent.send_signal(signal.SIGKILL)
        agent.wait()
        deadline = time.monotonic() + 20
        while online() is not False and time.monotonic() < deadline:
            time.sleep(0.1)
        assert online() is False
    finally:
        if agent.poll() is None:
            agent.kill()
            agent.wait()
        hub.stop()
        scale.close()
        scanner.close()
