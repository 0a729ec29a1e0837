"""Hub ingest when the database says no, against a real Mosquitto, on SQLite and PostgreSQL.

A batch holding one event the database refuses is stored in halves: every other event is stored
once and acknowledged, the refused one is dead-lettered and acknowledged, and nothing comes back
from the broker.  A lost database connection is an outage, not a refusal: nothing is lost and
nothing is dead-lettered.

How the database is made to refuse one row: ``gross_g`` is an integer without bounds in the
wire contract, so a station (a scale driver gone wrong, or anyone holding a station's
credentials) can send 2**63 grams, which passes validation but fits no ``BIGINT``.  SQLite's
driver refuses it (``OverflowError``), PostgreSQL's ``COPY`` refuses it (``bigint out of
range``).  Nothing is patched: it is the real database path.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Iterator

import pytest
from sqlalchemy import Engine, select, text
from test_ingest import COOP, STATION, Station, count, event, station_config, wait_for

from edge.wire import TopicKind, WeighingEvent, topic
from hub.broker import MosquittoProcess
from hub.db.models import DeadLetter, StationEvent
from hub.ingest import IngestWorker
from hub.stations import register_stations

BIGINT_MAX = 2**63 - 1
HUB = "hub-poison"


def refused_event(seq: int) -> bytes:
    """A weighing the wire contract accepts and no BIGINT column can hold."""
    valid = WeighingEvent.model_validate_json(event(seq))
    return valid.model_copy(update={"gross_g": BIGINT_MAX + 1}).to_json()


def started(engine: Engine, url: str) -> IngestWorker:
    worker = IngestWorker(engine, url, client_id=HUB)
    worker.start()
    assert worker.subscribed.wait(10), "the hub did not subscribe"
    return worker


@pytest.fixture
def offline_hub(engine: Engine, broker: MosquittoProcess) -> Iterator[None]:
    """A hub session on the broker with the hub away: what is published now waits for it and
    reaches it in one go, as after an outage, so the refused event shares a batch."""
    register_stations(engine, [station_config(STATION, COOP)])
    started(engine, broker.url).stop()
    yield


def stored_seqs(engine: Engine) -> list[int]:
    with engine.connect() as connection:
        return list(
            connection.execute(select(StationEvent.seq).order_by(StationEvent.seq)).scalars()
        )


def test_an_event_the_database_refuses_is_dead_lettered_and_the_rest_stored_once(
    engine: Engine, broker: MosquittoProcess, offline_hub: None, caplog: pytest.LogCaptureFixture
) -> None:
    total, refused = 60, 23
    poison = refused_event(refused)
    station = Station(broker.url)
    try:
        for seq in range(1, total + 1):
            station.publish(poison if seq == refused else event(seq))
        with caplog.at_level(logging.WARNING, logger="hub.ingest"):
            hub = started(engine, broker.url)
            try:
                wait_for(lambda: count(engine, DeadLetter) == 1 and count(engine, StationEvent) > 0)
                # The dead letter holds the refused seq: the ack passes it, the outbox is freed.
                wait_for(lambda: bool(station.acks) and station.acks[-1] == total)
            finally:
                hub.stop()
        assert stored_seqs(engine) == [seq for seq in range(1, total + 1) if seq != refused]
        assert "storing it in halves" in caplog.text, "the batch was split, not stored whole"
        with engine.connect() as connection:
            letter = connection.execute(select(DeadLetter)).one()
        assert letter.reason.startswith("the database refused it: ")
        assert "range" in letter.reason or "too large" in letter.reason
        assert letter.payload == poison
        assert letter.topic == topic(COOP, STATION, TopicKind.WEIGHING)

        again = started(engine, broker.url)
        try:
            time.sleep(1.0)
            assert (again.stored, again.dead_lettered) == (0, 0), "the broker delivered again"
        finally:
            again.stop()
        assert count(engine, DeadLetter) == 1
        assert count(engine, StationEvent) == total - 1
    finally:
        station.close()


def test_a_refused_seq_counts_for_a_worker_that_never_saw_it(
    engine: Engine, broker: MosquittoProcess, offline_hub: None
) -> None:
    """Seq 3 arrives only after the hub that dead-lettered seq 4 has gone: the next worker
    learns of 4 from its dead letter, and the ack reaches 5."""
    station = Station(broker.url)
    try:
        for seq in (1, 2, 4, 5):
            station.publish(refused_event(seq) if seq == 4 else event(seq))
        first = started(engine, broker.url)
        try:
            wait_for(lambda: count(engine, DeadLetter) == 1 and count(engine, StationEvent) == 3)
            # Seq 3 is missing: nothing past it is safe yet.
            wait_for(lambda: bool(station.acks) and station.acks[-1] == 2)
        finally:
            first.stop()
        station.publish(event(3))
        second = started(engine, broker.url)
        try:
            wait_for(lambda: station.acks[-1] == 5)
        finally:
            second.stop()
        with engine.connect() as connection:
            letter = connection.execute(select(DeadLetter)).one()
        assert (letter.station_id, letter.seq) == (STATION, 4)
    finally:
        station.close()


def test_a_dead_letter_whose_reason_holds_nul_is_still_stored(
    engine: Engine, broker: MosquittoProcess, offline_hub: None
) -> None:
    """Pydantic names an unknown key in its reason; PostgreSQL text cannot hold NUL."""
    station = Station(broker.url)
    try:
        strange = event(1).replace(b'{"schema":1,', b'{"schema":1,"x\\u0000y":1,')
        station.publish(strange)
        station.publish(event(1))
        hub = started(engine, broker.url)
        try:
            wait_for(lambda: count(engine, DeadLetter) == 1 and count(engine, StationEvent) == 1)
        finally:
            hub.stop()
        with engine.connect() as connection:
            letter = connection.execute(select(DeadLetter)).one()
        assert "x\\u0000y: Extra inputs are not permitted" in letter.reason
        assert letter.payload == strange
    finally:
        station.close()


def publish_all(station: Station, seqs: range) -> None:
    name = topic(COOP, STATION, TopicKind.WEIGHING)
    infos = [station.client.publish(name, event(seq), qos=1) for seq in seqs]
    for info in infos:
        info.wait_for_publish(30)


TERMINATE_OTHERS = text(
    # In the select list, not the WHERE clause, whose conditions PostgreSQL may evaluate in
    # any order: only this test's database is touched.
    "SELECT pid, pg_terminate_backend(pid) FROM pg_stat_activity "
    "WHERE datname = current_database() AND pid <> pg_backend_pid()"
)


@pytest.mark.parametrize("db_url", ["postgresql"], indirect=True)
def test_a_killed_database_connection_loses_and_dead_letters_nothing(
    engine: Engine, broker: MosquittoProcess, caplog: pytest.LogCaptureFixture
) -> None:
    register_stations(engine, [station_config(STATION, COOP)])
    total, kills = 4_000, 3
    station = Station(broker.url)
    killed: list[int] = []
    with caplog.at_level(logging.WARNING, logger="hub.ingest"):
        hub = started(engine, broker.url)
        publisher = threading.Thread(target=publish_all, args=(station, range(1, total + 1)))
        try:
            publisher.start()
            with engine.connect() as admin:
                # Every backend of the database but this one: the hub's writer and projector.
                while (stored := count(engine, StationEvent)) < total and len(killed) < kills:
                    if stored > (len(killed) + 1) * total // (kills + 2):
                        killed += [pid for pid, done in admin.execute(TERMINATE_OTHERS) if done]
                        admin.commit()
                    time.sleep(0.01)
            publisher.join(60)
            wait_for(lambda: count(engine, StationEvent) == total, 60)
            wait_for(lambda: bool(station.acks) and station.acks[-1] == total)
        finally:
            hub.stop()
            station.close()
    assert killed, "the hub's connections were terminated mid-stream"
    assert "storing failed, nothing acknowledged" in caplog.text
    assert stored_seqs(engine) == list(range(1, total + 1))
    assert count(engine, DeadLetter) == 0
