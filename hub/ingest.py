"""The hub's MQTT ingest worker: receive, judge, store once, then acknowledge.

Rules:

1. MQTT 5 with ``manual_ack``: a message is acknowledged to the broker only after the
   transaction that stored it (or its dead letter) committed.  A crash before that makes the
   broker deliver it again; ``event_id`` is unique, so storing it twice stores it once.
2. Messages are written in batches (up to ``batch_max`` or ``flush_s``), one transaction each;
   the batch never exceeds the ``ReceiveMaximum`` window, or the broker would stall.
3. After each commit the worker publishes, per station touched, the retained ``ack`` with the
   highest contiguous ``seq`` the database holds, and asks for a resend when a hole persists.
4. Several workers may share one subscription (``$share/{group}/…``) with no coordination:
   every write is idempotent, and the contiguous ``seq`` is recomputed from the table.
"""

from __future__ import annotations

import logging
import queue
import threading
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlsplit

import paho.mqtt.client as mqtt
from paho.mqtt.enums import CallbackAPIVersion
from paho.mqtt.packettypes import PacketTypes
from paho.mqtt.properties import Properties
from sqlalchemy import Connection, Engine, insert, select, update
from sqlalchemy.dialects import postgresql, sqlite

from edge.mqtt_socket import disable_nagle
from edge.wire import (
    HubAck,
    ResendRequest,
    TopicKind,
    WeighingEvent,
    subscription,
    topic,
)
from hub.db.models import DeadLetter, Station, StationEvent, StationProgress, StationStatusRow
from hub.domain.ingest import (
    UNREGISTERED,
    AcceptedEvent,
    AcceptedStatus,
    GapTracker,
    Rejected,
    advance_contiguous,
    judge,
)

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class _Received:
    topic: str
    payload: bytes
    mid: int
    qos: int


def event_row(event: WeighingEvent, received_at: datetime) -> dict[str, Any]:
    return {
        "event_id": event.event_id,
        "coop_id": event.coop,
        "station_id": event.station,
        "seq": event.seq,
        "type": event.type.value,
        "crate": event.crate,
        "member": event.member,
        "product": event.product,
        "gross_g": event.gross_g,
        "tare_g": event.tare_g,
        "net_g": event.net_g,
        "raw_weight": event.raw_weight,
        "raw_unit": event.raw_unit,
        "stable": event.stable,
        "driver": event.driver,
        "voids_event_id": event.voids_event_id,
        "lot": event.lot,
        "lot_net_g": event.lot_net_g,
        "station_time": event.clock.station_time,
        "clock_synced": event.clock.clock_synced,
        "monotonic_ms": event.clock.monotonic_ms,
        "boot": event.clock.boot,
        "received_at": received_at,
        "payload": event.model_dump_json(by_alias=True),
    }


def _insert_ignoring_duplicates(connection: Connection, rows: list[dict[str, Any]]) -> None:
    dialect = postgresql if connection.dialect.name == "postgresql" else sqlite
    statement = dialect.insert(StationEvent).on_conflict_do_nothing(index_elements=["event_id"])
    connection.execute(statement, rows)


def _upsert_status(connection: Connection, row: dict[str, Any]) -> None:
    dialect = postgresql if connection.dialect.name == "postgresql" else sqlite
    statement = dialect.insert(StationStatusRow).values(row)
    statement = statement.on_conflict_do_update(
        index_elements=["station_id"],
        set_={key: statement.excluded[key] for key in row if key != "station_id"},
    )
    connection.execute(statement)


def refresh_contiguous(connection: Connection, station: str) -> tuple[int, int]:
    """Advance the station's stored contiguous seq; return it and the highest seq stored."""
    dialect = postgresql if connection.dialect.name == "postgresql" else sqlite
    connection.execute(
        dialect.insert(StationProgress)
        .values(station_id=station, contiguous_seq=0)
        .on_conflict_do_nothing(index_elements=["station_id"])
    )
    current = connection.execute(
        select(StationProgress.contiguous_seq).where(StationProgress.station_id == station)
    ).scalar_one()
    while True:
        seqs = (
            connection.execute(
                select(StationEvent.seq)
                .where(StationEvent.station_id == station, StationEvent.seq > current)
                .order_by(StationEvent.seq)
                .limit(5000)
            )
            .scalars()
            .all()
        )
        advanced = advance_contiguous(current, seqs)
        if advanced == current or len(seqs) < 5000 or advanced < seqs[-1]:
            current = advanced
            break
        current = advanced
    connection.execute(
        update(StationProgress)
        .where(StationProgress.station_id == station, StationProgress.contiguous_seq < current)
        .values(contiguous_seq=current)
    )
    highest = connection.execute(
        select(StationEvent.seq)
        .where(StationEvent.station_id == station)
        .order_by(StationEvent.seq.desc())
        .limit(1)
    ).scalar()
    return current, int(highest or 0)


class IngestWorker:
    def __init__(
        self,
        engine: Engine,
        mqtt_url: str,
        *,
        client_id: str = "lumbung-hub",
        shared_group: str | None = None,
        batch_max: int = 500,
        flush_s: float = 0.05,
        username: str | None = None,
        password: str | None = None,
    ) -> None:
        self._engine = engine
        self._url = urlsplit(mqtt_url)
        self._client_id = client_id
        self._shared_group = shared_group
        self._batch_max = batch_max
        self._flush_s = flush_s
        self._queue: queue.Queue[_Received] = queue.Queue()
        self._stop = threading.Event()
        self._gaps = GapTracker()
        self._registry: dict[str, str] = {}
        self.stored = 0
        self.dead_lettered = 0
        self.subscribed = threading.Event()
        client = mqtt.Client(
            callback_api_version=CallbackAPIVersion.VERSION2,
            client_id=client_id,
            protocol=mqtt.MQTTv5,
            manual_ack=True,
        )
        if username:
            client.username_pw_set(username, password)
        if self._url.scheme == "mqtts":
            client.tls_set()
        client.on_socket_open = disable_nagle
        client.on_connect = self._on_connect
        client.on_subscribe = self._on_subscribe
        client.on_message = self._on_message
        client.reconnect_delay_set(1, 30)
        self._client = client
        self._writer = threading.Thread(target=self._write_loop, name="ingest-writer", daemon=True)

    def start(self) -> None:
        properties = Properties(PacketTypes.CONNECT)  # type: ignore[no-untyped-call]
        properties.SessionExpiryInterval = 7 * 86400
        properties.ReceiveMaximum = self._batch_max
        self._client.connect_async(
            self._url.hostname or "localhost",
            self._url.port or 1883,
            keepalive=30,
            clean_start=False,
            properties=properties,
        )
        self._client.loop_start()
        self._writer.start()

    def stop(self) -> None:
        self._stop.set()
        self._writer.join(timeout=10)
        self._client.disconnect()
        self._client.loop_stop()

    def _on_connect(self, client: mqtt.Client, _u: Any, _f: Any, reason: Any, _p: Any) -> None:
        if reason.is_failure:
            log.error("broker refused the hub: %s", reason)
            return
        log.info("hub ingest connected to %s", self._url.netloc)
        client.subscribe(
            [
                (subscription(TopicKind.WEIGHING, shared_group=self._shared_group), 1),
                (subscription(TopicKind.STATUS, shared_group=self._shared_group), 1),
            ]
        )

    def _on_subscribe(self, _c: mqtt.Client, _u: Any, _mid: int, codes: Any, _p: Any) -> None:
        if any(code.is_failure for code in codes):
            log.error("the broker refused the hub's subscriptions: %s", codes)
            return
        self.subscribed.set()

    def _on_message(self, _client: mqtt.Client, _u: Any, message: mqtt.MQTTMessage) -> None:
        self._queue.put(_Received(message.topic, bytes(message.payload), message.mid, message.qos))

    def _write_loop(self) -> None:
        while not self._stop.is_set():
            try:
                first = self._queue.get(timeout=0.2)
            except queue.Empty:
                continue
            batch = [first]
            deadline = time.monotonic() + self._flush_s
            while len(batch) < self._batch_max:
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    break
                try:
                    batch.append(self._queue.get(timeout=remaining))
                except queue.Empty:
                    break
            self._store_with_retry(batch)

    def _store_with_retry(self, batch: list[_Received]) -> None:
        delay = 0.5
        while not self._stop.is_set():
            try:
                touched = self._store(batch)
                break
            except Exception:
                log.exception("storing a batch of %d failed; retrying in %.1f s", len(batch), delay)
                self._stop.wait(delay)
                delay = min(delay * 2, 30.0)
        else:
            return
        for message in batch:
            if message.qos > 0:
                self._client.ack(message.mid, message.qos)
        self._publish_progress(touched)

    def _load_registry(self, connection: Connection) -> None:
        rows = connection.execute(select(Station.id, Station.coop_id)).all()
        self._registry = {station: coop for station, coop in rows}

    def _store(self, batch: list[_Received]) -> dict[str, tuple[str, int, int]]:
        now = datetime.now(UTC)
        events: dict[str, dict[str, Any]] = {}
        statuses: dict[str, dict[str, Any]] = {}
        dead: list[dict[str, Any]] = []
        with self._engine.begin() as connection:
            verdicts = [judge(m.topic, m.payload, self._registry) for m in batch]
            if any(isinstance(v, Rejected) and v.reason.endswith(UNREGISTERED) for v in verdicts):
                self._load_registry(connection)
                verdicts = [judge(m.topic, m.payload, self._registry) for m in batch]
            for message, verdict in zip(batch, verdicts, strict=True):
                if isinstance(verdict, AcceptedEvent):
                    event = verdict.event
                    events.setdefault(event.event_id, event_row(event, now))
                elif isinstance(verdict, AcceptedStatus):
                    status = verdict.status
                    statuses[status.station] = {
                        "station_id": status.station,
                        "online": status.online,
                        "last_seen": now,
                        "backlog": status.backlog,
                        "clock_synced": status.clock_synced,
                        "payload": status.model_dump_json(by_alias=True),
                    }
                elif isinstance(verdict, Rejected):
                    dead.append(
                        {
                            "received_at": now,
                            "topic": message.topic[:512],
                            "reason": verdict.reason,
                            "payload": message.payload,
                        }
                    )
            if events:
                _insert_ignoring_duplicates(connection, list(events.values()))
            for row in statuses.values():
                _upsert_status(connection, row)
            if dead:
                connection.execute(insert(DeadLetter), dead)
            touched: dict[str, tuple[str, int, int]] = {}
            for row in events.values():
                station = row["station_id"]
                if station not in touched:
                    contiguous, highest = refresh_contiguous(connection, station)
                    touched[station] = (row["coop_id"], contiguous, highest)
        self.stored += len(events)
        self.dead_lettered += len(dead)
        for reason in {d["reason"] for d in dead}:
            log.warning("dead-lettered: %s", reason)
        return touched

    def _publish_progress(self, touched: dict[str, tuple[str, int, int]]) -> None:
        now = time.monotonic()
        for station, (coop, contiguous, highest) in touched.items():
            ack = HubAck(station=station, seq=contiguous)
            self._client.publish(topic(coop, station, TopicKind.ACK), ack.to_json(), 1, True)
            resend_from = self._gaps.observe(
                station, contiguous=contiguous, highest=highest, now_s=now
            )
            if resend_from is not None:
                log.info("station %s has a gap after seq %d; asking a resend", station, contiguous)
                request = ResendRequest(station=station, from_seq=resend_from)
                self._client.publish(topic(coop, station, TopicKind.RESEND), request.to_json(), 1)
