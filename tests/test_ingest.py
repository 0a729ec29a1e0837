"""Hub ingest against a real Mosquitto, on SQLite and PostgreSQL: each event stored once, by one
worker or two sharing a subscription, across a worker killed mid-stream; station status."""

from __future__ import annotations

import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path

import paho.mqtt.client as mqtt
import pytest
from paho.mqtt.enums import CallbackAPIVersion
from paho.mqtt.packettypes import PacketTypes
from paho.mqtt.reasoncodes import ReasonCode
from sqlalchemy import Engine, func, select

from edge.config import StationConfig
from edge.wire import (
    HubAck,
    StationClock,
    StationStatus,
    TopicKind,
    WeighingEvent,
    make_event_id,
    topic,
)
from hub.broker import MosquittoProcess
from hub.db.engine import NotMigratedError, make_engine, require_migrated
from hub.db.models import (
    DeadLetter,
    StationEvent,
    StationStatusHistory,
    StationStatusRow,
    StockMoveRow,
    WeighingRow,
)
from hub.ingest import IngestWorker
from hub.stations import register_stations

COOP, STATION = "kdmp-punten", "punten-1"


def station_config(station: str, coop: str) -> StationConfig:
    return StationConfig.model_validate(
        {
            "station": {"id": station, "coop": coop, "name": station},
            "scale": {"port": "loop://", "protocol": "and"},
            "scanner": {"kind": "serial", "device": "loop://"},
            "mqtt": {"url": "mqtt://127.0.0.1:1883"},
            "outbox": {"path": "/tmp/unused"},
        }
    )


def event(seq: int, *, station: str = STATION, coop: str = COOP, boot: int = 1) -> bytes:
    return WeighingEvent(
        event_id=make_event_id(station, boot, seq),
        seq=seq,
        coop=coop,
        station=station,
        clock=StationClock(
            station_time=datetime(2026, 11, 24, 7, 0, tzinfo=UTC),
            clock_synced=True,
            monotonic_ms=seq * 1000,
            boot=boot,
        ),
        crate=f"KRT-{seq:05d}",
        gross_g=10_000 + seq,
        tare_g=1_800,
        net_g=8_200 + seq,
        stable=True,
        driver="and",
    ).to_json()


class Station:
    """A bare MQTT client publishing as a station and collecting the hub's acks."""

    def __init__(self, url: str, station: str = STATION, coop: str = COOP) -> None:
        self.acks: list[int] = []
        self.resends: list[bytes] = []
        self._lock = threading.Lock()
        port = int(url.rsplit(":", 1)[1])
        self.client = mqtt.Client(
            callback_api_version=CallbackAPIVersion.VERSION2,
            client_id=f"test-{station}",
            protocol=mqtt.MQTTv5,
        )
        self.client.on_message = self._on_message
        self.client.connect("127.0.0.1", port)
        self.client.loop_start()
        self.client.subscribe(
            [(topic(coop, station, TopicKind.ACK), 1), (topic(coop, station, TopicKind.RESEND), 1)]
        )
        self.station, self.coop = station, coop

    def _on_message(self, _c: mqtt.Client, _u: object, message: mqtt.MQTTMessage) -> None:
        with self._lock:
            if message.topic.endswith("/ack"):
                self.acks.append(HubAck.model_validate_json(message.payload).seq)
            else:
                self.resends.append(message.payload)

    def publish(self, payload: bytes, kind: TopicKind = TopicKind.WEIGHING) -> None:
        info = self.client.publish(topic(self.coop, self.station, kind), payload, qos=1)
        info.wait_for_publish(5)

    def close(self) -> None:
        self.client.loop_stop()
        self.client.disconnect()


def wait_for(check: Callable[[], bool], timeout_s: float = 15.0) -> None:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if check():
            return
        time.sleep(0.05)
    raise AssertionError(f"condition not met within {timeout_s} s")


def count(engine: Engine, model: type[StationEvent] | type[DeadLetter] | type[WeighingRow]) -> int:
    with engine.connect() as connection:
        return int(connection.execute(select(func.count()).select_from(model)).scalar_one())


@pytest.fixture
def hub(engine: Engine, broker: MosquittoProcess) -> Iterator[IngestWorker]:
    register_stations(
        engine, [station_config(STATION, COOP), station_config("sisir-1", "kkmp-sisir")]
    )
    worker = IngestWorker(engine, broker.url, client_id="hub-test")
    worker.start()
    assert worker.subscribed.wait(10), "the hub did not subscribe"
    yield worker
    worker.stop()


def test_duplicates_and_reordering_are_stored_once_and_acked_contiguously(
    engine: Engine, broker: MosquittoProcess, hub: IngestWorker
) -> None:
    station = Station(broker.url)
    try:
        for seq in (1, 3, 2, 2, 1, 4, 3):
            station.publish(event(seq))
        wait_for(lambda: bool(station.acks) and station.acks[-1] == 4)
        assert count(engine, StationEvent) == 4
        assert station.acks == sorted(station.acks)
    finally:
        station.close()


def test_a_gap_holds_the_ack_back_until_the_missing_event_arrives(
    engine: Engine, broker: MosquittoProcess, hub: IngestWorker
) -> None:
    station = Station(broker.url)
    try:
        for seq in (1, 2, 5):
            station.publish(event(seq))
        wait_for(lambda: count(engine, StationEvent) == 3)
        time.sleep(0.3)
        assert station.acks[-1] == 2
        station.publish(event(3))
        station.publish(event(4))
        wait_for(lambda: station.acks[-1] == 5)
    finally:
        station.close()


@pytest.mark.parametrize(
    ("payload", "reason"),
    [
        (b"{not json", "payload does not match the wire contract"),
        (event(1).replace(b'"schema":1', b'"schema":7'), "schema version 7 is not supported"),
        (
            event(1, station="sisir-1", coop="kkmp-sisir"),
            "payload says kkmp-sisir/sisir-1 but was published on kdmp-punten/punten-1",
        ),
        (b"\xff\xfe" * 10, "payload does not match the wire contract"),
    ],
)
def test_what_the_hub_cannot_accept_is_dead_lettered_with_its_reason(
    engine: Engine, broker: MosquittoProcess, hub: IngestWorker, payload: bytes, reason: str
) -> None:
    station = Station(broker.url)
    try:
        station.publish(payload)
        station.publish(event(1))
        wait_for(lambda: count(engine, StationEvent) == 1 and count(engine, DeadLetter) == 1)
        with engine.connect() as connection:
            letter = connection.execute(select(DeadLetter)).one()
        assert reason in letter.reason
        assert letter.payload == payload
    finally:
        station.close()


def test_an_unregistered_station_is_refused(
    engine: Engine, broker: MosquittoProcess, hub: IngestWorker
) -> None:
    stranger = Station(broker.url, station="pujon-1", coop="kdmp-pujon")
    try:
        stranger.publish(event(1, station="pujon-1", coop="kdmp-pujon"))
        wait_for(lambda: count(engine, DeadLetter) == 1)
        assert count(engine, StationEvent) == 0
    finally:
        stranger.close()


def test_the_hub_refuses_an_unmigrated_database_and_names_the_command(db_url: str) -> None:
    engine = make_engine(db_url)
    with pytest.raises(NotMigratedError, match="run: lumbung hub db upgrade --db "):
        require_migrated(engine)
    engine.dispose()


def test_two_workers_on_one_shared_subscription_store_each_event_once(
    engine: Engine, broker: MosquittoProcess
) -> None:
    register_stations(engine, [station_config(STATION, COOP)])
    workers = [
        IngestWorker(engine, broker.url, client_id=f"hub-{name}", shared_group="hub")
        for name in ("a", "b")
    ]
    for worker in workers:
        worker.start()
    station = Station(broker.url)
    try:
        assert all(worker.subscribed.wait(10) for worker in workers)
        infos = [
            station.client.publish(topic(COOP, STATION, TopicKind.WEIGHING), event(seq), qos=1)
            for seq in range(1, 401)
        ]
        for info in infos:
            info.wait_for_publish(10)
        wait_for(lambda: count(engine, StationEvent) == 400, 30)
        # Two workers publish acks independently, so an older one may land last; the station
        # keeps the highest it has seen, which must reach the last event.
        wait_for(lambda: bool(station.acks) and max(station.acks) == 400)
        assert all(worker.stored > 0 for worker in workers), "the broker shares the stream"
        assert sum(worker.stored for worker in workers) == 400
        wait_for(lambda: count(engine, WeighingRow) == 400, 30)
    finally:
        station.close()
        for worker in workers:
            worker.stop()
    with engine.connect() as connection:
        moved = connection.execute(select(func.count()).select_from(StockMoveRow)).scalar_one()
    assert moved == 400, "both workers' projectors together project each event once"


def test_station_status_follows_the_retained_status_and_the_last_will(
    engine: Engine, broker: MosquittoProcess, hub: IngestWorker
) -> None:
    port = int(broker.url.rsplit(":", 1)[1])
    status_topic = topic(COOP, STATION, TopicKind.STATUS)
    client = mqtt.Client(
        callback_api_version=CallbackAPIVersion.VERSION2, client_id=STATION, protocol=mqtt.MQTTv5
    )
    offline = StationStatus(coop=COOP, station=STATION, online=False)
    client.will_set(status_topic, offline.to_json(), qos=1, retain=True)
    client.connect("127.0.0.1", port)
    client.loop_start()
    try:
        online = StationStatus(
            coop=COOP, station=STATION, online=True, backlog=3, clock_synced=False, last_seq=7
        )
        client.publish(status_topic, online.to_json(), qos=1, retain=True).wait_for_publish(5)
        wait_for(lambda: _status(engine) == (True, 3, False))
        client.disconnect(
            reasoncode=ReasonCode(PacketTypes.DISCONNECT, "Disconnect with will message")
        )
        wait_for(lambda: _status(engine)[0] is False)
    finally:
        client.loop_stop()
    with engine.connect() as connection:
        history = connection.execute(
            select(StationStatusHistory.online, StationStatusHistory.backlog).order_by(
                StationStatusHistory.id
            )
        ).all()
        last_seen = connection.execute(select(StationStatusRow.last_seen)).scalar_one()
    assert [tuple(row) for row in history] == [(True, 3), (False, 0)]
    assert last_seen is not None


def _status(engine: Engine) -> tuple[bool | None, int | None, bool | None]:
    with engine.connect() as connection:
        row = connection.execute(
            select(StationStatusRow.online, StationStatusRow.backlog, StationStatusRow.clock_synced)
        ).one_or_none()
    return (None, None, None) if row is None else (row.online, row.backlog, row.clock_synced)


@pytest.mark.slow
def test_a_worker_killed_between_receive_and_commit_loses_and_duplicates_nothing(
    engine: Engine, db_url: str, broker: MosquittoProcess, tmp_path: Path
) -> None:
    register_stations(engine, [station_config(STATION, COOP)])
    total = 6_000
    serve = [
        sys.executable,
        "-m",
        "lumbung.cli",
        "hub",
        "serve",
        "--db",
        db_url,
        "--mqtt",
        broker.url,
        "--no-web",
        "--client-id",
        "hub-crash",
    ]
    log = (tmp_path / "hub.log").open("ab")
    first = subprocess.Popen(serve, stdout=log, stderr=subprocess.STDOUT)
    station = Station(broker.url)
    try:
        deadline = time.monotonic() + 20
        while count(engine, StationEvent) == 0:  # until the hub has subscribed, events are lost
            assert time.monotonic() < deadline, "the hub did not start"
            station.publish(event(1))
            time.sleep(0.2)
        infos = [
            station.client.publish(topic(COOP, STATION, TopicKind.WEIGHING), event(seq), qos=1)
            for seq in range(2, total + 1)
        ]
        wait_for(lambda: count(engine, StationEvent) >= 1_000, 30)
        first.kill()
        first.wait(10)
        stored_at_kill = count(engine, StationEvent)
        for info in infos:
            info.wait_for_publish(30)
        second = subprocess.Popen(serve, stdout=log, stderr=subprocess.STDOUT)
        try:
            wait_for(lambda: count(engine, StationEvent) == total, 60)
            wait_for(lambda: bool(station.acks) and station.acks[-1] == total, 30)
            wait_for(lambda: count(engine, WeighingRow) == total, 60)
        finally:
            second.terminate()
            second.wait(10)
    finally:
        station.close()
        if first.poll() is None:
            first.kill()
            first.wait(10)
        log.close()
    assert stored_at_kill < total, "the worker was killed mid-stream"
    with engine.connect() as connection:
        seqs = connection.execute(select(StationEvent.seq).order_by(StationEvent.seq)).scalars()
        assert list(seqs) == list(range(1, total + 1))
