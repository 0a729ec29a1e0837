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
5. Every status a station reports is kept (``station_status_history``) besides the latest
   (``station_status``), for uptime and backlog over a period.
6. A projector thread turns what is stored and contiguous into weighings, lots and stock moves
   (``hub.services.projection``) in its own transactions.  Storing and acknowledging come
   first: the projector works while the writer has been idle for ``project_idle_s``; during a
   burst it projects one batch every ``project_max_lag_s`` and catches up when the burst ends.
"""

from __future__ import annotations

import logging
import queue
import threading
import time
from collections.abc import Collection
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Final
from urllib.parse import urlsplit

import paho.mqtt.client as mqtt
from paho.mqtt.enums import CallbackAPIVersion
from paho.mqtt.packettypes import PacketTypes
from paho.mqtt.properties import Properties
from sqlalchemy import Connection, Engine, bindparam, insert, select, update
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
from hub.db.models import (
    DeadLetter,
    Station,
    StationEvent,
    StationProgress,
    StationStatusHistory,
    StationStatusRow,
)
from hub.domain.ingest import (
    UNREGISTERED,
    AcceptedEvent,
    AcceptedStatus,
    GapTracker,
    Rejected,
    advance_contiguous,
    judge,
)
from hub.services.projection import project_pending
from hub.services.unit_of_work import SqlAlchemyUnitOfWork

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


_EVENT_COLUMNS: Final = tuple(
    column.name for column in StationEvent.__table__.columns if column.name != "id"
)
_TIME_COLUMNS: Final = frozenset({"station_time", "received_at"})


def _sqlite_time(moment: datetime) -> str:
    """How SQLAlchemy's SQLite ``DateTime`` stores a time; the hub stores UTC."""
    return moment.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S.%f")


def _insert_ignoring_duplicates(connection: Connection, rows: list[dict[str, Any]]) -> None:
    """One ``executemany`` straight to the driver: this is the hot path of ingest, and
    SQLAlchemy's per-parameter processing would cost a fifth of the writer's time."""
    postgres = connection.dialect.name == "postgresql"
    marks = ", ".join(["%s" if postgres else "?"] * len(_EVENT_COLUMNS))
    statement = (
        f"INSERT INTO station_events ({', '.join(_EVENT_COLUMNS)}) VALUES ({marks}) "
        "ON CONFLICT (event_id) DO NOTHING"
    )
    if postgres:
        values = [tuple(row[name] for name in _EVENT_COLUMNS) for row in rows]
    else:
        values = [
            tuple(
                _sqlite_time(row[name]) if name in _TIME_COLUMNS else row[name]
                for name in _EVENT_COLUMNS
            )
            for row in rows
        ]
    connection.exec_driver_sql(statement, values)


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
    return refresh_contiguous_many(connection, [station])[station]


def refresh_contiguous_many(
    connection: Connection, stations: Collection[str]
) -> dict[str, tuple[int, int]]:
    """``refresh_contiguous`` for several stations in a fixed number of statements."""
    names = sorted(set(stations))
    dialect = postgresql if connection.dialect.name == "postgresql" else sqlite
    connection.execute(
        dialect.insert(StationProgress).on_conflict_do_nothing(index_elements=["station_id"]),
        [{"station_id": name, "contiguous_seq": 0, "projected_seq": 0} for name in names],
    )
    current = {
        name: seq
        for name, seq in connection.execute(
            select(StationProgress.station_id, StationProgress.contiguous_seq).where(
                StationProgress.station_id.in_(names)
            )
        )
    }
    above: dict[str, list[int]] = {name: [] for name in names}
    for name, seq in connection.execute(
        select(StationEvent.station_id, StationEvent.seq)
        .join(StationProgress, StationProgress.station_id == StationEvent.station_id)
        .where(
            StationEvent.station_id.in_(names),
            StationEvent.seq > StationProgress.contiguous_seq,
        )
        .order_by(StationEvent.station_id, StationEvent.seq)
    ):
        above[name].append(seq)
    found: dict[str, tuple[int, int]] = {}
    advanced: list[dict[str, Any]] = []
    for name in names:
        contiguous = advance_contiguous(current[name], above[name])
        found[name] = (contiguous, max([contiguous, *above[name][-1:]]))
        if contiguous > current[name]:
            advanced.append({"name": name, "seq": contiguous})
    if advanced:
        connection.execute(
            update(StationProgress)
            .where(
                StationProgress.station_id == bindparam("name"),
                StationProgress.contiguous_seq < bindparam("seq"),
            )
            .values(contiguous_seq=bindparam("seq")),
            advanced,
        )
    return found


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
        project: bool = True,
        project_idle_s: float = 0.25,
        project_max_lag_s: float = 10.0,
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
        self._project_idle_s = project_idle_s
        self._project_max_lag_s = project_max_lag_s
        self._last_store = 0.0
        self._stored_since_projection = threading.Event()
        self._projector = (
            threading.Thread(target=self._project_loop, name="ingest-projector", daemon=True)
            if project
            else None
        )

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
        if self._projector is not None:
            self._projector.start()

    def stop(self) -> None:
        self._stop.set()
        self._writer.join(timeout=10)
        if self._projector is not None:
            self._stored_since_projection.set()
            self._projector.join(timeout=30)
        self._client.disconnect()
        self._client.loop_stop()

    def _project_loop(self) -> None:
        uow = SqlAlchemyUnitOfWork(self._engine)
        projected_at = time.monotonic()
        while not self._stop.is_set():
            self._stored_since_projection.wait(self._project_max_lag_s)
            self._stored_since_projection.clear()
            while (
                not self._stop.is_set()
                and time.monotonic() - self._last_store < self._project_idle_s
                and time.monotonic() - projected_at < self._project_max_lag_s
            ):
                self._stop.wait(self._project_idle_s)
            try:
                project_pending(uow, keep_going=self._writer_idle)
            except Exception:
                log.exception("projecting stored events failed; retrying")
                self._stop.wait(self._project_idle_s)
                self._stored_since_projection.set()
            projected_at = time.monotonic()

    def _writer_idle(self) -> bool:
        idle = time.monotonic() - self._last_store >= self._project_idle_s
        if not idle:
            self._stored_since_projection.set()
        return idle and not self._stop.is_set()

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
        self._last_store = time.monotonic()
        if touched:
            self._stored_since_projection.set()

    def _load_registry(self, connection: Connection) -> None:
        rows = connection.execute(select(Station.id, Station.coop_id)).all()
        self._registry = {station: coop for station, coop in rows}

    def _store(self, batch: list[_Received]) -> dict[str, tuple[str, int, int]]:
        now = datetime.now(UTC)
        events: dict[str, dict[str, Any]] = {}
        statuses: dict[str, dict[str, Any]] = {}
        dead: list[dict[str, Any]] = []
        history: list[dict[str, Any]] = []
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
                    history.append(
                        {
                            "station_id": status.station,
                            "at": now,
                            "online": status.online,
                            "backlog": status.backlog,
                            "clock_synced": status.clock_synced,
                        }
                    )
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
            if history:
                connection.execute(insert(StationStatusHistory), history)
            if dead:
                connection.execute(insert(DeadLetter), dead)
            coops = {row["station_id"]: row["coop_id"] for row in events.values()}
            progress = refresh_contiguous_many(connection, coops) if coops else {}
            touched = {
                station: (coops[station], contiguous, highest)
                for station, (contiguous, highest) in progress.items()
            }
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
