"""Hub ingest against a real Mosquitto, on SQLite and PostgreSQL: each event stored once."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime

import paho.mqtt.client as mqtt
import pytest
from paho.mqtt.enums import CallbackAPIVersion
from sqlalchemy import Engine, func, select

from edge.config import StationConfig
from edge.wire import HubAck, StationClock, TopicKind, WeighingEvent, make_event_id, topic
from hub.broker import MosquittoProcess
from hub.db.engine import NotMigratedError, make_engine, require_migrated
from hub.db.models import DeadLetter, StationEvent
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


def count(engine: Engine, model: type[StationEvent] | type[DeadLetter]) -> int:
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
