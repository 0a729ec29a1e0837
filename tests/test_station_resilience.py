"""The station's outbox and uplink against real Mosquitto failures: nothing saved is lost.

Each test drives the real ``Outbox`` and ``Uplink`` (the station side) and the real
``IngestWorker`` (the hub side) through a broker that drops, dies or disappears, and then
compares, event by event, what the station committed with what the hub stored.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import Engine, select

from edge.config import MqttSection, StationConfig
from edge.outbox import Outbox
from edge.uplink import Uplink
from edge.wire import StationClock, StationStatus, WeighingEvent
from hub.broker import BrokerSettings, MosquittoProcess, free_port
from hub.db.models import StationEvent
from hub.ingest import IngestWorker
from hub.stations import register_stations

COOP, STATION = "kdmp-punten", "punten-1"

pytestmark = pytest.mark.slow


def build(seq: int, event_id: str) -> bytes:
    return WeighingEvent(
        event_id=event_id,
        seq=seq,
        coop=COOP,
        station=STATION,
        clock=StationClock(
            station_time=datetime.now(UTC), clock_synced=True, monotonic_ms=seq, boot=1
        ),
        crate=f"KRT-{seq:06d}",
        gross_g=10_000,
        tare_g=1_800,
        net_g=8_200,
        stable=True,
        driver="and",
    ).to_json()


def status(online: bool) -> StationStatus:
    return StationStatus(coop=COOP, station=STATION, online=online)


def wait_for(check: Callable[[], bool], timeout_s: float, what: str) -> None:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if check():
            return
        time.sleep(0.1)
    raise AssertionError(f"{what} did not happen within {timeout_s} s")


def stored_seqs(engine: Engine) -> list[int]:
    with engine.connect() as connection:
        return list(
            connection.execute(
                select(StationEvent.seq).where(StationEvent.station_id == STATION)
            ).scalars()
        )


@pytest.fixture
def registered(engine: Engine) -> Engine:
    config = StationConfig.model_validate(
        {
            "station": {"id": STATION, "coop": COOP, "name": "Punten"},
            "scale": {"port": "loop://", "protocol": "and"},
            "scanner": {"kind": "serial", "device": "loop://"},
            "mqtt": {"url": "mqtt://127.0.0.1:1883"},
            "outbox": {"path": "unused"},
        }
    )
    register_stations(engine, [config])
    return engine


@pytest.fixture
def outbox(tmp_path: Path) -> Iterator[Outbox]:
    box = Outbox(tmp_path / "outbox.sqlite3", station=STATION)
    yield box
    box.close()


def uplink_for(broker: MosquittoProcess, outbox: Outbox, *, resend_after_s: int = 60) -> Uplink:
    settings = MqttSection(url=broker.url, inflight=100, resend_after_s=resend_after_s)
    return Uplink(coop=COOP, station=STATION, settings=settings, outbox=outbox, status=status)


def hub_worker(engine: Engine, broker: MosquittoProcess) -> IngestWorker:
    worker = IngestWorker(engine, broker.url, client_id="hub-1")
    worker.start()
    assert worker.subscribed.wait(10)
    return worker


def assert_every_event_stored_once(engine: Engine, outbox: Outbox, count: int) -> None:
    seqs = stored_seqs(engine)
    assert sorted(seqs) == list(range(1, count + 1))
    assert len(seqs) == len(set(seqs))
    wait_for(lambda: outbox.stats().hub_acked == count, 15, "the hub's ack reaching the station")


def test_a_hub_offline_while_the_broker_drops_its_queue_still_ends_with_every_event(
    tmp_path: Path, registered: Engine, outbox: Outbox
) -> None:
    """Mosquitto's queue for the offline hub holds 100 messages and silently drops the rest,
    while the station gets a PUBACK for every one; the station resends what the hub never
    acknowledged."""
    broker = MosquittoProcess(
        BrokerSettings(port=free_port(), data_dir=tmp_path / "broker", max_queued_messages=100)
    )
    broker.start()
    try:
        hub = hub_worker(registered, broker)
        hub.stop()
        for _ in range(1000):
            outbox.append(build)
        uplink = uplink_for(broker, outbox, resend_after_s=5)
        uplink.start()
        wait_for(lambda: not outbox.due(1), 20, "the station publishing all")
        hub = hub_worker(registered, broker)
        try:
            wait_for(lambda: len(stored_seqs(registered)) == 1000, 60, "every event at the hub")
            assert_every_event_stored_once(registered, outbox, 1000)
        finally:
            uplink.stop()
            hub.stop()
        log = (tmp_path / "broker" / "mosquitto.log").read_text()
        assert "Outgoing messages are being dropped" in log
    finally:
        broker.kill()


def test_a_broker_killed_mid_drain_loses_nothing_and_duplicates_nothing(
    broker: MosquittoProcess, registered: Engine, outbox: Outbox
) -> None:
    for _ in range(5000):
        outbox.append(build)
    hub = hub_worker(registered, broker)
    uplink = uplink_for(broker, outbox, resend_after_s=5)
    uplink.start()
    try:
        wait_for(lambda: len(stored_seqs(registered)) > 500, 20, "the drain starting")
        broker.kill()
        time.sleep(1.0)
        broker.start()
        wait_for(lambda: len(stored_seqs(registered)) == 5000, 90, "every event at the hub")
        assert_every_event_stored_once(registered, outbox, 5000)
    finally:
        uplink.stop()
        hub.stop()


def test_a_broker_killed_with_the_hubs_queue_unsaved_still_ends_with_every_event(
    broker: MosquittoProcess, registered: Engine, outbox: Outbox
) -> None:
    """The broker saves its state on a timer, so a kill loses what it queued for the offline
    hub since the last save, though it acknowledged every message; the station, which keeps
    each event until the hub acknowledges it, publishes them again when it reconnects."""
    hub = hub_worker(registered, broker)
    hub.stop()
    for _ in range(500):
        outbox.append(build)
    uplink = uplink_for(broker, outbox)
    uplink.start()
    try:
        wait_for(lambda: not outbox.due(1), 20, "the station publishing all")
        broker.kill()
        assert not (broker.settings.data_dir / "mosquitto.db").exists(), "nothing saved yet"
        broker.start()
        hub = hub_worker(registered, broker)
        wait_for(lambda: len(stored_seqs(registered)) == 500, 60, "every event at the hub")
        assert_every_event_stored_once(registered, outbox, 500)
    finally:
        uplink.stop()
        hub.stop()


def test_a_month_offline_backlog_drains_when_the_network_returns(
    broker: MosquittoProcess, registered: Engine, outbox: Outbox
) -> None:
    hub = hub_worker(registered, broker)
    uplink = uplink_for(broker, outbox)
    uplink.start()
    try:
        wait_for(lambda: uplink.connected, 10, "the station connecting")
        broker.stop()
        for _ in range(3000):
            outbox.append(build)
        time.sleep(1.0)
        assert not uplink.connected
        assert outbox.stats().backlog == 3000
        broker.start()
        wait_for(lambda: len(stored_seqs(registered)) == 3000, 90, "the backlog at the hub")
        assert_every_event_stored_once(registered, outbox, 3000)
    finally:
        uplink.stop()
        hub.stop()


def test_the_hubs_resend_request_is_answered_from_the_retained_window(
    broker: MosquittoProcess, registered: Engine, outbox: Outbox
) -> None:
    hub = hub_worker(registered, broker)
    uplink = uplink_for(broker, outbox)
    uplink.start()
    try:
        for _ in range(20):
            outbox.append(build)
        uplink.wake()
        wait_for(lambda: outbox.stats().hub_acked == 20, 20, "the first acks")
        with registered.begin() as connection:
            connection.execute(StationEvent.__table__.delete().where(StationEvent.seq >= 15))
        from hub.db.models import StationProgress

        with registered.begin() as connection:
            connection.execute(StationProgress.__table__.update().values(contiguous_seq=14))
        import paho.mqtt.publish as publish

        from edge.wire import ResendRequest, TopicKind, topic

        port = int(broker.url.rsplit(":", 1)[1])
        publish.single(
            topic(COOP, STATION, TopicKind.RESEND),
            ResendRequest(station=STATION, from_seq=15).to_json(),
            qos=1,
            hostname="127.0.0.1",
            port=port,
            protocol=5,
        )
        wait_for(lambda: len(stored_seqs(registered)) == 20, 20, "the resent events")
        assert sorted(stored_seqs(registered)) == list(range(1, 21))
    finally:
        uplink.stop()
        hub.stop()


def test_the_watchdog_restarts_an_uplink_loop_that_died(
    broker: MosquittoProcess, registered: Engine, outbox: Outbox
) -> None:
    hub = hub_worker(registered, broker)
    uplink = uplink_for(broker, outbox)
    uplink.start()
    try:
        wait_for(lambda: uplink.connected, 10, "the station connecting")
        uplink._stop.set()
        wait_for(lambda: not uplink.alive(), 10, "the loop ending")
        outbox.append(build)
        uplink.restart()
        wait_for(lambda: outbox.stats().hub_acked == 1, 20, "the event sent by the new loop")
    finally:
        uplink.stop()
        hub.stop()
