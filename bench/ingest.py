"""Hub ingest throughput: weighing events through a real Mosquitto into the hub's database.

One run has two phases on the same broker, with the same publisher and the same events:

1. **bare**: a bare paho-mqtt subscriber (MQTT 5, QoS 1, counts only) receives them; its rate
   is the ceiling a Python MQTT client reaches on this machine.
2. **hub**: ``--workers`` hub processes (``lumbung hub serve --no-web``; more than one share
   the subscription as ``$share/bench/…``) validate, store and acknowledge them into ``--db`` and
   project them into weighings and stock moves, as in production.

Each process is its own OS process (publisher, subscriber, hub workers), as in a deployment;
``time.monotonic`` is shared by processes on one machine.  A rate is events over (last event
received or stored − first event published).  ``ratio`` = hub rate / bare rate.  The publisher
keeps 100 messages in flight, the window the stations use.  Events come from 24 stations.

Progress is watched through ``station_progress`` (24 rows: each station's contiguous and
projected ``seq`` move in the transaction that stores or projects), not by counting the event
table, which would spend the cores being measured; the counts are checked once at the end.
Rates depend on what else the two cores run, so the CPU each side spends per event
(``*_cpu_us_per_event``: the bare subscriber; the hub processes, all threads, summed over
workers, from the first publish until everything is stored; Mosquitto in each phase) is
printed too: it moves far less with foreign load.  The broker runs as deployed: the hub keeps a
persistent session, which Mosquitto saves on its timer (``bench/broker_backlog.py`` shows why
not on changes).  Reading a process's CPU time uses Linux's ``/proc``.

``--db`` defaults to a new SQLite file; a PostgreSQL URL names a database the benchmark owns:
it is dropped and created again.  Prints human lines, then one JSON object on the last line.
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, datetime
from multiprocessing.synchronize import Event as EventType
from pathlib import Path
from typing import Any

# Run as ``python bench/…``, this folder comes first on the path and bench/labels.py would
# shadow the labels package the hub imports; the repository root goes first instead.
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import paho.mqtt.client as mqtt
from paho.mqtt.enums import CallbackAPIVersion
from sqlalchemy import create_engine, func, select, text
from sqlalchemy.engine import make_url
from sqlalchemy.orm import InstrumentedAttribute

from edge.config import StationConfig
from edge.wire import StationClock, TopicKind, WeighingEvent, make_event_id, subscription, topic
from hub.broker import BrokerSettings, MosquittoProcess, free_port
from hub.db.engine import make_engine, normalise_url, upgrade
from hub.db.models import StationEvent, StationProgress, WeighingRow
from hub.stations import register_stations

COOP = "kdmp-bench"
STATIONS = [f"bench-{n:02d}" for n in range(1, 25)]
WINDOW = 100


def payloads(count: int) -> list[tuple[str, bytes]]:
    """``count`` weighing events, round-robin over the stations, each station's seq from 1."""
    found = []
    start = datetime(2026, 11, 24, 1, 0, tzinfo=UTC)
    for n in range(count):
        station = STATIONS[n % len(STATIONS)]
        seq = n // len(STATIONS) + 1
        event = WeighingEvent(
            event_id=make_event_id(station, 1, seq),
            seq=seq,
            coop=COOP,
            station=station,
            clock=StationClock(
                station_time=start, clock_synced=True, monotonic_ms=seq * 15_000, boot=1
            ),
            crate=f"KRT-{n:07d}",
            member=f"AGT-{n % 500:04d}",
            product="PRD-APEL-A",
            gross_g=14_000 + n % 900,
            tare_g=1_800,
            net_g=12_200 + n % 900,
            raw_weight=f"{(14_000 + n % 900) / 1000:.3f}",
            raw_unit="kg",
            stable=True,
            driver="and",
        )
        found.append((topic(COOP, station, TopicKind.WEIGHING), event.to_json()))
    return found


def publish(port: int, count: int, started: Any) -> None:
    """Publish at QoS 1 keeping ``WINDOW`` messages in flight; note the first publish time."""
    messages = payloads(count)
    client = mqtt.Client(
        CallbackAPIVersion.VERSION2, client_id="bench-publisher", protocol=mqtt.MQTTv5
    )
    client.max_inflight_messages_set(WINDOW)
    client.connect("127.0.0.1", port)
    client.loop_start()
    started.value = time.monotonic()
    infos: list[mqtt.MQTTMessageInfo] = []
    for index, (name, payload) in enumerate(messages):
        if index >= WINDOW * 10:
            infos[index - WINDOW * 10].wait_for_publish(60)
        infos.append(client.publish(name, payload, qos=1))
    for info in infos:
        info.wait_for_publish(60)
    client.loop_stop()
    client.disconnect()


def bare_subscriber(port: int, count: int, ready: EventType, last: Any, cpu: Any) -> None:
    """Count QoS 1 messages; note when the last one arrived and the CPU time spent until then."""
    received = 0
    done = multiprocessing.Event()
    cpu_at_start = time.process_time()

    def on_message(_c: mqtt.Client, _u: object, _m: mqtt.MQTTMessage) -> None:
        nonlocal received
        received += 1
        if received == count:
            last.value = time.monotonic()
            cpu.value = time.process_time() - cpu_at_start
            done.set()

    client = mqtt.Client(CallbackAPIVersion.VERSION2, client_id="bench-bare", protocol=mqtt.MQTTv5)
    client.on_message = on_message
    client.on_subscribe = lambda *_args: ready.set()
    client.connect("127.0.0.1", port)
    client.subscribe(subscription(TopicKind.WEIGHING), qos=1)
    client.loop_start()
    done.wait(600)
    client.loop_stop()
    client.disconnect()


def fresh_database(url: str | None, workdir: Path) -> str:
    if url is None:
        return f"sqlite:///{workdir / 'hub.sqlite3'}"
    full = make_url(normalise_url(url))
    if full.get_backend_name() != "postgresql":
        path = Path(full.database or "")
        path.unlink(missing_ok=True)
        return url
    admin = create_engine(full.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'DROP DATABASE IF EXISTS "{full.database}" WITH (FORCE)'))
        connection.execute(text(f'CREATE DATABASE "{full.database}"'))
    admin.dispose()
    return url


def broker_pid(broker: MosquittoProcess) -> int:
    """The broker's process id, found by its config file (Linux)."""
    wanted = str(broker.config_file).encode()
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                if wanted in (entry / "cmdline").read_bytes().split(b"\0"):
                    return int(entry.name)
            except OSError:
                continue
    raise SystemExit(f"no process runs mosquitto -c {broker.config_file}")


def cpu_seconds(pid: int) -> float:
    """User and system CPU time of a running process, all its threads (Linux)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def wait_until(check: Callable[[], bool], timeout_s: float, what: str) -> None:
    deadline = time.monotonic() + timeout_s
    while not check():
        if time.monotonic() > deadline:
            raise SystemExit(f"{what} did not happen within {timeout_s:.0f} s")
        time.sleep(0.02)


def run_bare(port: int, count: int) -> tuple[float, float]:
    """The bare subscriber's rate, and its CPU time per event in µs."""
    ready, last = multiprocessing.Event(), multiprocessing.Value("d", 0.0)
    started, cpu = multiprocessing.Value("d", 0.0), multiprocessing.Value("d", 0.0)
    subscriber = multiprocessing.Process(
        target=bare_subscriber, args=(port, count, ready, last, cpu)
    )
    subscriber.start()
    ready.wait(10)
    publisher = multiprocessing.Process(target=publish, args=(port, count, started))
    publisher.start()
    publisher.join()
    subscriber.join(600)
    return float(count / (last.value - started.value)), cpu.value * 1e6 / count


def run_hub(
    port: int, count: int, db_url: str, workers: int, logs: Path, broker: int
) -> tuple[float, float, float, float]:
    """Rates stored and projected, and the CPU time per event stored, in µs, of the hub
    processes and of the ``broker`` process."""
    engine = make_engine(db_url)
    upgrade(engine)
    register_stations(
        engine,
        [
            StationConfig.model_validate(
                {
                    "station": {"id": s, "coop": COOP, "name": s},
                    "scale": {"port": "loop://", "protocol": "and"},
                    "scanner": {"kind": "serial", "device": "loop://"},
                    "mqtt": {"url": f"mqtt://127.0.0.1:{port}"},
                    "outbox": {"path": "/tmp/unused"},
                }
            )
            for s in STATIONS
        ],
    )
    command = [
        sys.executable,
        "-m",
        "lumbung.cli",
        "hub",
        "serve",
        "--db",
        db_url,
        "--mqtt",
        f"mqtt://127.0.0.1:{port}",
        "--no-web",
    ]
    if workers > 1:
        command += ["--shared-group", "bench"]
    processes = []
    for n in range(workers):
        log = logs / f"hub-{n}.log"
        with log.open("wb") as out:
            processes.append(
                subprocess.Popen(
                    [*command, "--client-id", f"bench-hub-{n}"],
                    stdout=out,
                    stderr=subprocess.STDOUT,
                )
            )

    def connected() -> bool:
        return all("connected" in (logs / f"hub-{n}.log").read_text() for n in range(workers))

    def progress(column: InstrumentedAttribute[int]) -> int:
        with engine.connect() as connection:
            return int(connection.execute(select(func.coalesce(func.sum(column), 0))).scalar_one())

    def rows(model: type[StationEvent] | type[WeighingRow]) -> int:
        with engine.connect() as connection:
            return int(connection.execute(select(func.count()).select_from(model)).scalar_one())

    try:
        wait_until(connected, 30, "the hub workers connecting")
        time.sleep(1.0)
        started = multiprocessing.Value("d", 0.0)
        publisher = multiprocessing.Process(target=publish, args=(port, count, started))
        cpu_before = sum(cpu_seconds(process.pid) for process in processes)
        broker_before = cpu_seconds(broker)
        publisher.start()
        wait_until(
            lambda: progress(StationProgress.contiguous_seq) >= count, 600, "storing every event"
        )
        all_stored = time.monotonic()
        cpu_used = sum(cpu_seconds(process.pid) for process in processes) - cpu_before
        broker_used = cpu_seconds(broker) - broker_before
        wait_until(
            lambda: progress(StationProgress.projected_seq) >= count,
            600,
            "projecting every event",
        )
        all_projected = time.monotonic()
        publisher.join()
        for model in (StationEvent, WeighingRow):
            if rows(model) != count:
                raise SystemExit(f"{model.__tablename__} holds {rows(model)} rows, not {count}")
    finally:
        for process in processes:
            process.terminate()
        for process in processes:
            process.wait(30)
        engine.dispose()
    return (
        count / (all_stored - started.value),
        count / (all_projected - started.value),
        cpu_used * 1e6 / count,
        broker_used * 1e6 / count,
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--events", type=int, default=100_000)
    parser.add_argument("--db", help="database URL (default: a new SQLite file)")
    parser.add_argument("--workers", type=int, choices=(1, 2, 3, 4, 6, 8), default=1)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="lumbung-bench-") as tmp:
        workdir = Path(tmp)
        port = free_port()
        broker = MosquittoProcess(BrokerSettings(port=port, data_dir=workdir / "broker"))
        broker.start()
        try:
            pid = broker_pid(broker)
            broker_before = cpu_seconds(pid)
            bare, bare_cpu = run_bare(port, args.events)
            bare_broker_cpu = (cpu_seconds(pid) - broker_before) * 1e6 / args.events
            print(
                f"bare paho subscriber: {bare:,.0f} events/s, {bare_cpu:.0f} µs CPU per event, "
                f"broker {bare_broker_cpu:.0f} µs"
            )
            db_url = fresh_database(args.db, workdir)
            hub, projected, hub_cpu, hub_broker_cpu = run_hub(
                port, args.events, db_url, args.workers, workdir, pid
            )
            print(
                f"hub, {args.workers} worker(s): {hub:,.0f} events/s stored, "
                f"{projected:,.0f} events/s projected into weighings and moves, "
                f"{hub_cpu:.0f} µs CPU per event stored, broker {hub_broker_cpu:.0f} µs"
            )
        finally:
            broker.stop()
    backend = "postgresql" if db_url.startswith(("postgres", "postgresql")) else "sqlite"
    result = {
        "bench": "ingest",
        "events": args.events,
        "db": backend,
        "workers": args.workers,
        "stored_per_s": round(hub),
        "projected_per_s": round(projected),
        "bare_subscriber_per_s": round(bare),
        "ratio": round(hub / bare, 3),
        "bare_cpu_us_per_event": round(bare_cpu, 1),
        "hub_cpu_us_per_event": round(hub_cpu, 1),
        "broker_cpu_us_per_event_bare": round(bare_broker_cpu, 1),
        "broker_cpu_us_per_event_hub": round(hub_broker_cpu, 1),
    }
    print(json.dumps(result))
    return 0


if __name__ == "__main__":
    sys.exit(main())
