"""Fault-injection soak: N stations weigh crates into the hub while faults are injected.

Everything is real and runs on this machine: a Mosquitto broker, hub ingest workers on one
MQTT 5 shared subscription writing to PostgreSQL (``--db``; SQLite with ``--db sqlite``), and
per station a simulated packer on pseudo-terminal scale and scanner, read by the real station
agent process, connected to the broker through a TCP relay the soak can cut.

A scheduler injects, in turn: SIGKILL of a station agent, SIGKILL of the broker, SIGKILL of a
hub worker, a station cut off the network (its broker connection refused), a station's disk
filled (its outbox sits on a small tmpfs; needs root, else skipped and reported), and garbage
on a scale's serial line.  At the end every station's outbox (what was committed before any
packer was told TERSIMPAN) is compared, event by event, with what the hub stored.

Prints human lines, then one JSON object on the last line with ``lost``, ``duplicated``,
``reordered``, the fault counts, recovery times and the fault log.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import random
import re
import resource
import select
import socket
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import create_engine, text
from sqlalchemy.exc import OperationalError

from edge.sim.devices import Crate, Pace, PtyPort, SimulatedStation
from hub.broker import BrokerSettings, MosquittoProcess, free_port
from hub.db.engine import make_engine, normalise_url

SAVED = re.compile(r"display: TERSIMPAN — krat (\S+), neto")
PROTOCOLS = ("and", "xk3190-tf0", "cas", "mt-continuous", "ohaus")
VILLAGES = (
    "punten", "tulungrejo", "sumberbrantas", "bumiaji", "pandanrejo", "giripurno", "gunungsari",
    "bulukerto", "sumbergondo", "sidomulyo", "sumberejo", "pesanggrahan", "oro-oro-ombo",
    "ngaglik", "sisir", "songgokerto", "temas", "dadaprejo", "beji", "junrejo", "mojorejo",
    "pendem", "tlekung", "torongrejo",
)  # fmt: skip
STARTUP_GAP_S = 0.1
FAULT_KINDS = ("kill_agent", "kill_broker", "kill_hub_worker", "cut_network", "fill_disk",
               "corrupt_scale")  # fmt: skip


def lumbung(*args: str) -> list[str]:
    return [sys.executable, "-m", "lumbung.cli", *args]


class Relay:
    """A TCP relay between a station and the broker that can refuse connections on demand."""

    def __init__(self, target_port: int) -> None:
        self.port = free_port()
        self._target = target_port
        self._listener: socket.socket | None = None
        self._open: list[socket.socket] = []
        self._lock = threading.Lock()
        self.restore()

    def restore(self) -> None:
        listener = socket.socket()
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        listener.bind(("127.0.0.1", self.port))
        listener.listen(16)
        self._listener = listener
        threading.Thread(target=self._accept, args=(listener,), daemon=True).start()

    def cut(self) -> None:
        """Close the listener (new connections are refused) and end every open connection; each
        connection's thread closes its own sockets, so no descriptor is closed under it."""
        with self._lock:
            listener, self._listener = self._listener, None
            sockets = list(self._open)
        if listener is not None:
            # Shut down first: a bare close would leave the accepting thread blocked in
            # accept(), which lets one more connection through, for the whole cut.
            with contextlib.suppress(OSError):
                listener.shutdown(socket.SHUT_RDWR)
            listener.close()
        for sock in sockets:
            with contextlib.suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)

    def _accept(self, listener: socket.socket) -> None:
        while True:
            try:
                client, _ = listener.accept()
            except OSError:
                return
            try:
                upstream = socket.create_connection(("127.0.0.1", self._target), timeout=2)
            except OSError:
                client.close()
                continue
            with self._lock:
                self._open += [client, upstream]
            threading.Thread(target=self._pipe, args=(client, upstream), daemon=True).start()

    def _pipe(self, client: socket.socket, upstream: socket.socket) -> None:
        """Carry bytes both ways on one thread until either side ends, then close both: a
        station that reconnects all day must not leave a pair of descriptors behind each time
        (200 stations ran the soak out of open files)."""
        ends = {client.fileno(): (client, upstream), upstream.fileno(): (upstream, client)}
        poller = select.poll()
        for fd in ends:
            poller.register(fd, select.POLLIN)
        try:
            while True:
                for fd, _events in poller.poll():
                    source, sink = ends[fd]
                    data = source.recv(65536)
                    if not data:
                        return
                    sink.sendall(data)
        except (OSError, ValueError):
            return
        finally:
            with self._lock:
                self._open = [sock for sock in self._open if sock not in (client, upstream)]
            for sock in (client, upstream):
                with contextlib.suppress(OSError):
                    sock.shutdown(socket.SHUT_RDWR)
                sock.close()


@dataclass
class Station:
    id: str
    coop: str
    protocol: str
    work: Path
    relay: Relay
    disk: Path | None
    scale: PtyPort | None = None
    scanner: PtyPort | None = None
    packer: SimulatedStation | None = None
    agent: subprocess.Popen[bytes] | None = None
    packing: threading.Event = field(default_factory=threading.Event)

    @property
    def outbox(self) -> Path:
        return (self.disk or self.work) / "outbox.sqlite3"

    @property
    def config(self) -> Path:
        return self.work / "station.toml"

    @property
    def log(self) -> Path:
        return self.work / "agent.log"

    def write_config(self) -> None:
        self.config.write_text(
            f"""[station]
id = "{self.id}"
coop = "{self.coop}"
name = "Soak {self.id}"
[scale]
port = "{self.work / "scale"}"
protocol = "{self.protocol}"
settle_ms = 300
bytesize = 8
parity = "N"
[scanner]
kind = "serial"
device = "{self.work / "scanner"}"
[workflow]
require = ["crate"]
default_tare_g = 1800
[mqtt]
url = "mqtt://127.0.0.1:{self.relay.port}"
resend_after_s = 10
[outbox]
path = "{self.outbox}"
[display]
port = 0
""",
            encoding="utf-8",
        )

    def start_agent(self) -> None:
        with self.log.open("ab") as log:
            self.agent = subprocess.Popen(
                lumbung("edge", "run", "--config", str(self.config)),
                stdout=log,
                stderr=subprocess.STDOUT,
            )

    def kill_agent(self) -> None:
        if self.agent is not None and self.agent.poll() is None:
            self.agent.kill()
            self.agent.wait()

    def acked_and_last(self) -> tuple[int, int]:
        """(hub_acked, last seq) read from the station's outbox, or (0, 0) before it exists."""
        if not self.outbox.exists():
            return 0, 0
        try:
            with contextlib.closing(sqlite3.connect(f"file:{self.outbox}?mode=ro", uri=True)) as db:
                meta = dict(db.execute("SELECT key, value FROM meta").fetchall())
        except sqlite3.Error:
            return 0, 0
        return int(meta.get("hub_acked", 0)), int(meta.get("next_seq", 1)) - 1


def mount_tmpfs(path: Path, size: str) -> bool:
    path.mkdir(parents=True, exist_ok=True)
    result = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs", str(path)],
        capture_output=True,
        check=False,
    )
    return result.returncode == 0


class Soak:
    def __init__(self, args: argparse.Namespace) -> None:
        self.args = args
        self.rng = random.Random(args.seed)
        self.work = Path(tempfile.mkdtemp(prefix="lumbung-soak-"))
        self.broker = MosquittoProcess(
            BrokerSettings(port=free_port(), data_dir=self.work / "broker")
        )
        self.stations: list[Station] = []
        self.workers: list[subprocess.Popen[bytes] | None] = []
        self.fault_log: list[dict[str, object]] = []
        self.skipped: list[str] = []
        self.database_name: str | None = None
        self.t0 = time.monotonic()
        self.pace = (
            Pace(before_load_s=0.3, settling_s=0.4, steady_s=1.0, empty_s=0.8)
            if args.fast
            else Pace(before_load_s=2.0, settling_s=1.5, steady_s=3.0, empty_s=6.0)
        )
        self.db_url = self._database()

    def _database(self) -> str:
        if self.args.db == "sqlite":
            return f"sqlite:///{self.work / 'hub.sqlite3'}"
        self.database_name = f"lumbung_soak_{uuid.uuid4().hex[:8]}"
        self._admin(f'CREATE DATABASE "{self.database_name}"')
        return f"{self.args.db.rsplit('/', 1)[0]}/{self.database_name}"

    def _admin(self, statement: str) -> None:
        admin = create_engine(normalise_url(self.args.db), isolation_level="AUTOCOMMIT")
        with admin.connect() as connection:
            connection.execute(text(statement))
        admin.dispose()

    def start(self) -> None:
        self.broker.start()
        disks_ok = True
        for number in range(self.args.stations):
            village = VILLAGES[number % len(VILLAGES)]
            station_id = f"{village}-{number // len(VILLAGES) + 1}"
            work = self.work / "stations" / station_id
            work.mkdir(parents=True)
            disk = work / "disk"
            if disks_ok and not mount_tmpfs(disk, self.args.disk_size):
                disks_ok = False
                self.skipped.append("fill_disk: cannot mount a tmpfs (needs root)")
            station = Station(
                id=station_id,
                coop=f"kdmp-{village}",
                protocol=PROTOCOLS[number % len(PROTOCOLS)],
                work=work,
                relay=Relay(self.broker.settings.probe_port),
                disk=disk if disks_ok else None,
            )
            station.write_config()
            self.stations.append(station)
        subprocess.run(lumbung("hub", "db", "upgrade", "--db", self.db_url), check=True,
                       stdout=subprocess.DEVNULL)  # fmt: skip
        subprocess.run(
            lumbung("hub", "register-stations", "--db", self.db_url,
                    *(str(s.config) for s in self.stations)),
            check=True,
            stdout=subprocess.DEVNULL,
        )  # fmt: skip
        self.workers = [self._start_worker(n) for n in range(self.args.workers)]
        for station in self.stations:
            station.scale = PtyPort(station.work / "scale")
            station.scanner = PtyPort(station.work / "scanner")
            station.packer = SimulatedStation(
                station.protocol, station.scale, station.scanner, self.pace
            )
            station.packing.set()
            threading.Thread(target=self._pack, args=(station,), daemon=True).start()
            station.start_agent()
            # Staggered, as stations come up in the field: 200 interpreters starting at once
            # would spend the first minute fighting over the cores.
            time.sleep(STARTUP_GAP_S)

    def _start_worker(self, number: int) -> subprocess.Popen[bytes]:
        with (self.work / f"hub-{number}.log").open("ab") as log:
            return subprocess.Popen(
                lumbung("hub", "serve", "--no-web", "--db", self.db_url, "--mqtt",
                        self.broker.url, "--shared-group", "soak", "--client-id",
                        f"hub-worker-{number}"),
                stdout=log,
                stderr=subprocess.STDOUT,
            )  # fmt: skip

    def _pack(self, station: Station) -> None:
        assert station.packer is not None
        number = 0
        while station.packing.is_set():
            number += 1
            grams = self.rng.randrange(8000, 25000, 5) + 1800
            station.packer.weigh(Crate(f"KRT-{station.id}-{number:05d}", grams))

    # -- faults --

    def _pause(self, low: float, high: float) -> float:
        return self.rng.uniform(low, high) * (0.2 if self.args.fast else 1.0)

    def inject(self, kind: str) -> dict[str, object]:
        station = self.rng.choice(self.stations)
        started = time.monotonic()
        entry: dict[str, object] = {"fault": kind, "at_s": round(started - self.t0, 1)}
        affected = self.stations
        if kind == "kill_agent":
            station.kill_agent()
            time.sleep(self._pause(1, 5))
            station.start_agent()
            entry["station"], affected = station.id, [station]
        elif kind == "kill_broker":
            self.broker.kill()
            time.sleep(self._pause(1, 4))
            self.broker.start()
        elif kind == "kill_hub_worker":
            number = self.rng.randrange(len(self.workers))
            worker = self.workers[number]
            if worker is not None:
                worker.kill()
                worker.wait()
            time.sleep(self._pause(1, 5))
            self.workers[number] = self._start_worker(number)
            entry["worker"] = number
        elif kind == "cut_network":
            station.relay.cut()
            time.sleep(self._pause(60, 180))
            station.relay.restore()
            entry["station"], affected = station.id, [station]
        elif kind == "fill_disk":
            assert station.disk is not None
            ballast = station.disk / "ballast"
            with ballast.open("wb") as filler, contextlib.suppress(OSError):
                while True:
                    filler.write(b"\0" * (1 << 20))
                    filler.flush()
            time.sleep(self._pause(10, 40))
            ballast.unlink()
            entry["station"], affected = station.id, [station]
        elif kind == "corrupt_scale":
            assert station.scale is not None
            for _ in range(20):
                station.scale.write(bytes(self.rng.randrange(256) for _ in range(64)))
                time.sleep(0.05)
            entry["station"], affected = station.id, [station]
        entry["lasted_s"] = round(time.monotonic() - started, 1)
        entry["recovery_s"] = self._recovery(affected)
        return entry

    def _recovery(self, stations: list[Station]) -> float | None:
        """Seconds until the hub acknowledged everything these stations held when it ended."""
        ended = time.monotonic()
        targets = {s.id: s.acked_and_last()[1] for s in stations}
        deadline = ended + (120 if not self.args.fast else 60)
        while time.monotonic() < deadline:
            if all(s.acked_and_last()[0] >= targets[s.id] for s in stations):
                return round(time.monotonic() - ended, 2)
            time.sleep(0.25)
        return None

    def run_faults(self) -> None:
        kinds = [k for k in FAULT_KINDS if k != "fill_disk" or not self.skipped]
        end = self.t0 + self.args.minutes * 60
        order: list[str] = []
        while time.monotonic() < end:
            time.sleep(self._pause(self.args.fault_every * 0.5, self.args.fault_every * 1.5))
            if time.monotonic() >= end:
                break
            if not order:
                order = self.rng.sample(kinds, len(kinds))
            entry = self.inject(order.pop())
            self.fault_log.append(entry)
            print(f"  fault {entry}", flush=True)

    # -- the verdict --

    def drain(self, timeout_s: float) -> bool:
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            if all(a >= last for a, last in (s.acked_and_last() for s in self.stations)):
                return True
            time.sleep(0.5)
        return False

    def stored_events(self) -> list[Any]:
        """Every event the hub stored; a connection refused on a machine still loaded by the
        soak's last moments is tried again rather than ending the soak without its verdict."""
        engine = make_engine(self.db_url)
        query = text(
            "SELECT station_id, seq, event_id, crate, type FROM station_events ORDER BY id"
        )
        try:
            for attempt in range(10):
                try:
                    with engine.connect() as connection:
                        return list(connection.execute(query).all())
                except OperationalError as exc:
                    print(f"reading the hub's events failed ({exc.orig}); again", flush=True)
                    time.sleep(2 + attempt)
            raise SystemExit("the hub's database could not be read for the verdict")
        finally:
            engine.dispose()

    def verdict(self) -> dict[str, object]:
        stored = self.stored_events()
        hub_ids = Counter(row.event_id for row in stored)
        lost: list[str] = []
        committed = 0
        told = 0
        reordered = 0
        duplicated_crates = 0
        by_station: dict[str, list[Any]] = {}
        for row in stored:
            by_station.setdefault(row.station_id, []).append(row)
        for station in self.stations:
            with contextlib.closing(
                sqlite3.connect(f"file:{station.outbox}?mode=ro", uri=True)
            ) as db:
                events = db.execute("SELECT event_id FROM events ORDER BY seq").fetchall()
            committed += len(events)
            lost += [eid for (eid,) in events if eid not in hub_ids]
            saved = SAVED.findall(station.log.read_text(encoding="utf-8", errors="replace"))
            told += len(saved)
            mine = by_station.get(station.id, [])
            crates = {r.crate for r in mine if r.type == "weighing"}
            lost += [f"{station.id}: told saved {crate}" for crate in saved if crate not in crates]
            counts = Counter(r.crate for r in mine if r.type == "weighing")
            duplicated_crates += sum(n - 1 for n in counts.values() if n > 1)
            highest = 0
            for row in mine:
                if row.seq < highest:
                    reordered += 1
                highest = max(highest, row.seq)
        duplicated = sum(n - 1 for n in hub_ids.values() if n > 1) + duplicated_crates
        faults = Counter(str(entry["fault"]) for entry in self.fault_log)
        recovery: dict[str, float | None] = {}
        for entry in self.fault_log:
            kind, seconds = str(entry["fault"]), entry["recovery_s"]
            if seconds is None or not isinstance(seconds, float | int):
                recovery[kind] = None
            elif recovery.get(kind, 0.0) is not None:
                recovery[kind] = max(float(seconds), recovery.get(kind) or 0.0)
        return {
            "bench": "soak",
            "stations": self.args.stations,
            "minutes": self.args.minutes,
            "db": "sqlite" if self.args.db == "sqlite" else "postgresql",
            "hub_workers": self.args.workers,
            "events_committed": committed,
            "told_saved": told,
            "events_stored": len(stored),
            "lost": len(lost),
            "duplicated": duplicated,
            "reordered": reordered,
            "faults": dict(faults),
            "max_recovery_s": recovery,
            "skipped": self.skipped,
            "lost_examples": lost[:10],
            "fault_log": self.fault_log,
        }

    def stop(self) -> None:
        for station in self.stations:
            station.packing.clear()
            if station.packer is not None:
                station.packer.stop()
        for station in self.stations:
            if station.agent is not None and station.agent.poll() is None:
                station.agent.terminate()
        for station in self.stations:
            if station.agent is not None:
                with contextlib.suppress(subprocess.TimeoutExpired):
                    station.agent.wait(10)
            station.relay.cut()
            for port in (station.scale, station.scanner):
                if port is not None:
                    port.close()
            if station.disk is not None:
                subprocess.run(["umount", "-l", str(station.disk)], check=False)
        for worker in self.workers:
            if worker is not None and worker.poll() is None:
                worker.terminate()
                worker.wait(10)
        self.broker.stop()
        if self.database_name is not None and not self.args.keep:
            self._admin(f'DROP DATABASE IF EXISTS "{self.database_name}" WITH (FORCE)')


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--stations", type=int, default=24)
    parser.add_argument("--minutes", type=float, default=10.0)
    parser.add_argument("--workers", type=int, default=2, help="hub ingest worker processes")
    parser.add_argument(
        "--db",
        default="postgresql://postgres@127.0.0.1:5432/postgres",
        help="PostgreSQL server URL (a fresh database is created), or 'sqlite'",
    )
    parser.add_argument(
        "--fault-every", type=float, default=20.0, help="mean seconds between faults"
    )
    parser.add_argument("--disk-size", default="64m", help="size of each station's tmpfs")
    parser.add_argument("--seed", type=int, default=20261124)
    parser.add_argument("--fast", action="store_true", help="fast packers and short faults (tests)")
    parser.add_argument("--keep", action="store_true", help="keep the soak's database afterwards")
    args = parser.parse_args()  # fmt: skip

    # Each station holds two ptys, a listener and a relayed connection in this process.
    _soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    soak = Soak(args)
    try:
        soak.start()
        print(f"{args.stations} stations weighing; faults every ~{args.fault_every} s", flush=True)
        soak.t0 = time.monotonic()
        soak.run_faults()
        for station in soak.stations:
            station.packing.clear()
            if station.packer is not None:
                station.packer.stop()
        drained = soak.drain(300)
        result = soak.verdict()
        result["drained"] = drained
        result["undrained"] = {
            s.id: list(s.acked_and_last())
            for s in soak.stations
            if s.acked_and_last()[0] < s.acked_and_last()[1]
        }
    finally:
        soak.stop()
    print(
        f"committed {result['events_committed']}, stored {result['events_stored']}, "
        f"lost {result['lost']}, duplicated {result['duplicated']}, faults {result['faults']}"
    )
    print(json.dumps(result))


if __name__ == "__main__":
    main()
