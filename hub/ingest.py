"""The hub's MQTT ingest worker: receive, judge, store once, then acknowledge.

Rules:

1. MQTT 5 with ``manual_ack``: a message is acknowledged to the broker only after the
   transaction that stored it (or its dead letter) committed.  A crash before that makes the
   broker deliver it again; ``event_id`` is unique, so storing it twice stores it once.
2. Messages are written in batches (up to ``batch_max`` or ``flush_s``), one transaction each.
   The broker may send two batches' worth unacknowledged (``ReceiveMaximum``), so the network
   thread receives the next batch while the writer stores this one; a batch never exceeds the
   window, or the broker would stall.
3. After each commit the worker publishes, per station touched, the retained ``ack`` with the
   highest contiguous ``seq`` the database holds, and asks for a resend when a hole persists.
4. Several workers may share one subscription (``$share/{group}/…``) with no coordination:
   every write is idempotent, and the contiguous ``seq`` is recomputed from the table with the
   station's progress row locked, so a worker sees what another committed before it.
5. Every status a station reports is kept (``station_status_history``) besides the latest
   (``station_status``), for uptime and backlog over a period.
6. A projector thread turns what is stored and contiguous into weighings, lots and stock moves
   (``hub.services.projection``) in its own transactions.  Storing and acknowledging come
   first: the projector works while the writer has been idle for ``project_idle_s``; during a
   burst it projects a small batch (``BURST_PROJECTION`` events of one station) every
   ``project_max_lag_s``, so that it holds the database (SQLite's single write lock above all)
   only briefly, and catches up when the burst ends.
7. A database error means one of two things.  The database is *unavailable* (connection lost,
   server restarting, file locked): nothing is acknowledged, the batch waits with a growing
   pause and is tried again, for as long as it takes.  Or it *refused* what it was given (a
   constraint, a value out of a column's range; ``refused_by_database``): the batch is split in
   halves and each half stored on its own, down to single messages, so every good message is
   stored and acknowledged; a message refused on its own is dead-lettered with the database's
   reason and its raw payload, then acknowledged, and the broker stops delivering it.  The
   dead letter stands for a refused event in its station's contiguous ``seq``: the event is
   kept, for a person to mend, and a station whose ``ack`` stopped short of it would offer it
   again and again and never free its outbox.  The dead letter records the event's station
   and seq, so every worker, after any restart, counts it when it advances the contiguous seq.
8. The hot path stays lean: one connection held by the writer, events as tuples straight to
   the driver (``executemany`` on SQLite; ``COPY`` into a temporary table, then one
   ``INSERT … SELECT … ON CONFLICT DO NOTHING`` on PostgreSQL), and the payload stored as it
   arrived, not serialised again.
"""

from __future__ import annotations

import gc
import logging
import queue
import threading
import time
from collections.abc import Callable, Collection
from contextlib import suppress
from datetime import UTC, datetime
from functools import cache, partial
from typing import Any, Final, NamedTuple, TypeVar
from urllib.parse import urlsplit

import paho.mqtt.client as mqtt
from paho.mqtt.enums import CallbackAPIVersion
from paho.mqtt.packettypes import PacketTypes
from paho.mqtt.properties import Properties
from sqlalchemy import Connection, Engine, insert, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import DBAPIError, StatementError

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
    Verdict,
    advance_contiguous,
    judge,
)
from hub.services.projection import BATCH, project_pending
from hub.services.unit_of_work import SqlAlchemyUnitOfWork

log = logging.getLogger(__name__)

T = TypeVar("T")

BURST_PROJECTION: Final = 250
"""Events of one station the projector takes while the writer is busy (rule 6)."""
YOUNG_COLLECTION_EVERY: Final = 50_000
"""Allocations between collections of the youngest generation (see ``start``)."""
GATHER_NAP_S: Final = 0.005
"""How long the writer sleeps between looks at the queue while a batch gathers."""
FIRST_PAUSE_S: Final = 0.2
LONGEST_PAUSE_S: Final = 30.0
"""While the database is unavailable, the pause before the next try doubles up to this."""


class _Received(NamedTuple):
    topic: str
    payload: bytes
    mid: int
    qos: int


class _Judged(NamedTuple):
    message: _Received
    verdict: Verdict
    refused: WeighingEvent | None = None
    """The event behind a dead letter the database's refusal made (rule 7)."""


Touched = dict[str, tuple[str, int, int]]
"""Station → (its coop, the contiguous seq stored, the highest seq stored)."""

EVENT_COLUMNS: Final = (
    "event_id",
    "coop_id",
    "station_id",
    "seq",
    "type",
    "crate",
    "member",
    "product",
    "gross_g",
    "tare_g",
    "net_g",
    "raw_weight",
    "raw_unit",
    "stable",
    "driver",
    "voids_event_id",
    "lot",
    "lot_net_g",
    "station_time",
    "clock_synced",
    "monotonic_ms",
    "boot",
    "received_at",
    "payload",
)
"""The columns of ``station_events`` that ingest writes, in the order of ``_event_values``."""


def _as_is(moment: datetime) -> datetime:
    return moment


def _sqlite_time(moment: datetime) -> str:
    """How SQLAlchemy's SQLite ``DateTime`` stores a time; the hub stores UTC."""
    return moment.astimezone(UTC).replace(tzinfo=None).isoformat(" ", "microseconds")


def _event_values(
    event: WeighingEvent,
    received_at: object,
    payload: str,
    stored_time: Callable[[datetime], object],
) -> tuple[Any, ...]:
    clock = event.clock
    return (
        event.event_id,
        event.coop,
        event.station,
        event.seq,
        event.type.value,
        event.crate,
        event.member,
        event.product,
        event.gross_g,
        event.tare_g,
        event.net_g,
        event.raw_weight,
        event.raw_unit,
        event.stable,
        event.driver,
        event.voids_event_id,
        event.lot,
        event.lot_net_g,
        stored_time(clock.station_time),
        clock.clock_synced,
        clock.monotonic_ms,
        clock.boot,
        received_at,
        payload,
    )


def event_row(event: WeighingEvent, received_at: datetime) -> dict[str, Any]:
    """The ``station_events`` row of an event, for tools and tests that store events."""
    payload = event.model_dump_json(by_alias=True)
    return dict(zip(EVENT_COLUMNS, _event_values(event, received_at, payload, _as_is), strict=True))


_COLUMN_LIST: Final = ", ".join(EVENT_COLUMNS)
_SQLITE_INSERT: Final = (
    f"INSERT INTO station_events ({_COLUMN_LIST}) VALUES ({', '.join('?' * len(EVENT_COLUMNS))}) "
    "ON CONFLICT (event_id) DO NOTHING"
)
_STAGING: Final = "lumbung_ingest_staging"
_PG_CREATE_STAGING: Final = (
    f"CREATE TEMPORARY TABLE IF NOT EXISTS {_STAGING} ON COMMIT DELETE ROWS AS "
    f"SELECT {_COLUMN_LIST} FROM station_events WITH NO DATA"
)
_PG_COPY: Final = f"COPY {_STAGING} ({_COLUMN_LIST}) FROM STDIN"
_PG_INSERT: Final = (
    f"INSERT INTO station_events ({_COLUMN_LIST}) SELECT {_COLUMN_LIST} FROM {_STAGING} "
    "ON CONFLICT (event_id) DO NOTHING"
)


def _insert_events(connection: Connection, values: list[tuple[Any, ...]]) -> None:
    """Insert or ignore, straight to the driver (rule 8): SQLAlchemy's per-parameter work would
    cost a fifth of the writer's time, and on PostgreSQL ``COPY`` costs the writer a third of
    what ``executemany`` does.  On PostgreSQL the connection holds the staging table."""
    if connection.dialect.name != "postgresql":
        connection.exec_driver_sql(_SQLITE_INSERT, values)
        return
    psycopg: Any = connection.connection.driver_connection
    with psycopg.cursor() as cursor, cursor.copy(_PG_COPY) as copy:
        for row in values:
            copy.write_row(row)
    connection.exec_driver_sql(_PG_INSERT)


def _upsert_statuses(connection: Connection, rows: list[dict[str, Any]]) -> None:
    """One statement, rows in station order: two workers upserting the same stations in
    different orders deadlocked on PostgreSQL."""
    dialect = postgresql if connection.dialect.name == "postgresql" else sqlite
    statement = dialect.insert(StationStatusRow).values(rows)
    statement = statement.on_conflict_do_update(
        index_elements=["station_id"],
        set_={key: statement.excluded[key] for key in rows[0] if key != "station_id"},
    )
    connection.execute(statement)


def refresh_contiguous(connection: Connection, station: str) -> tuple[int, int]:
    """Advance the station's stored contiguous seq; return it and the highest seq stored."""
    return refresh_contiguous_many(connection, [station])[station]


@cache
def _progress_statements(count: int, *, postgres: bool) -> tuple[str, str, str]:
    """For ``count`` stations: lock their progress rows and read their contiguous seqs, in one
    order for every worker (SQLite has a single writer and no ``FOR UPDATE``); read the seqs
    stored or dead-lettered (rule 7) above them, one range of each (station, seq) index per
    station (a join with ``station_progress`` made PostgreSQL scan the whole event log on every
    batch); advance.
    Plain SQL, built once per count: building the expressions cost more than running them."""
    mark = "%s" if postgres else "?"
    lock = (
        f"SELECT station_id, contiguous_seq FROM station_progress "
        f"WHERE station_id IN ({', '.join([mark] * count)}) ORDER BY station_id"
    ) + (" FOR UPDATE" if postgres else "")
    ranges = " OR ".join([f"(station_id = {mark} AND seq > {mark})"] * count)
    above = (
        f"SELECT station_id, seq FROM station_events WHERE {ranges} "
        f"UNION ALL SELECT station_id, seq FROM dead_letters WHERE {ranges}"
    )
    advance = (
        f"UPDATE station_progress SET contiguous_seq = {mark} "
        f"WHERE station_id = {mark} AND contiguous_seq < {mark}"
    )
    return lock, above, advance


def _contiguous(connection: Connection, lock: str, names: list[str]) -> dict[str, int]:
    return {name: seq for name, seq in connection.exec_driver_sql(lock, tuple(names))}


def refresh_contiguous_many(
    connection: Connection, stations: Collection[str]
) -> dict[str, tuple[int, int]]:
    """``refresh_contiguous`` for several stations in a fixed number of statements; the seqs of
    dead-lettered events count as stored (rule 7).

    The progress rows are locked before the events are read (rule 4): a second worker storing
    for the same station waits for the first to commit, then reads its events too, so neither
    leaves the contiguous seq short of what both stored."""
    names = sorted(set(stations))
    postgres = connection.dialect.name == "postgresql"
    lock, above_sql, advance = _progress_statements(len(names), postgres=postgres)
    current = _contiguous(connection, lock, names)
    if len(current) < len(names):
        dialect = postgresql if postgres else sqlite
        connection.execute(
            dialect.insert(StationProgress).on_conflict_do_nothing(index_elements=["station_id"]),
            [
                {"station_id": name, "contiguous_seq": 0, "projected_seq": 0}
                for name in names
                if name not in current
            ],
        )
        current = _contiguous(connection, lock, names)
    above: dict[str, list[int]] = {name: [] for name in names}
    ranges = tuple(value for name in names for value in (name, current[name]))
    for name, seq in connection.exec_driver_sql(above_sql, ranges + ranges):
        above[name].append(seq)
    found: dict[str, tuple[int, int]] = {}
    advanced: list[tuple[int, str, int]] = []
    for name in names:
        seqs = above[name]
        contiguous = advance_contiguous(current[name], seqs)
        found[name] = (contiguous, max([contiguous, *seqs]))
        if contiguous > current[name]:
            advanced.append((contiguous, name, contiguous))
    if advanced:
        connection.exec_driver_sql(advance, advanced)
    return found


def refused_by_database(exc: BaseException, dbapi: Any) -> bool:
    """Whether the database refused the data it was given (rule 7), as opposed to being
    unavailable.  ``dbapi`` is the driver module, which names its exception classes (PEP 249).
    A refusal is a constraint or a value the column cannot hold: ``IntegrityError``,
    ``DataError``, or sqlite3's ``OverflowError`` for an integer beyond 64 bits, raised before
    SQLAlchemy sees it (as psycopg's ``COPY`` errors are).  Anything else, a lost connection
    above all, is not the data's fault."""
    if isinstance(exc, DBAPIError) and exc.connection_invalidated:
        return False
    cause = exc.orig if isinstance(exc, StatementError) and exc.orig is not None else exc
    return isinstance(cause, (OverflowError, dbapi.IntegrityError, dbapi.DataError))


def database_says(exc: BaseException) -> str:
    """The first line of what the database or its driver said, without our SQL."""
    cause = exc.orig if isinstance(exc, StatementError) and exc.orig is not None else exc
    lines = str(cause).strip().splitlines()
    return f"{type(cause).__name__}: {lines[0] if lines else ''}"


def _text(value: str) -> str:
    """PostgreSQL's text cannot hold NUL, and a dead letter must always be storable."""
    return value.replace("\x00", "\\u0000")


def _unregistered(verdict: Verdict) -> bool:
    return isinstance(verdict, Rejected) and verdict.reason.endswith(UNREGISTERED)


class IngestWorker:
    def __init__(
        self,
        engine: Engine,
        mqtt_url: str,
        *,
        client_id: str = "lumbung-hub",
        shared_group: str | None = None,
        batch_max: int = 1000,
        flush_s: float = 0.1,
        username: str | None = None,
        password: str | None = None,
        project: bool = True,
        project_idle_s: float = 0.25,
        project_max_lag_s: float = 10.0,
    ) -> None:
        self._engine = engine
        self._postgres = engine.dialect.name == "postgresql"
        self._dbapi = engine.dialect.loaded_dbapi
        self._db: Connection | None = None
        self._url = urlsplit(mqtt_url)
        self._client_id = client_id
        self._shared_group = shared_group
        self._batch_max = batch_max
        self._flush_s = flush_s
        self._queue: queue.SimpleQueue[_Received] = queue.SimpleQueue()
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
        # What the process has loaded by now (modules, tables, the wire contract's validators)
        # lives as long as it does.  Frozen, the collector no longer walks it in every full
        # collection, which the batches' short-lived objects set off often: that walk cost the
        # writer about a quarter of its time per event.  Once per process is enough.
        # Each message leaves a few dozen short-lived containers (paho's packet, properties and
        # message, ours, the validated event), so at the default threshold of 700 the youngest
        # generation was collected every few dozen messages; every 50,000 costs the hub 5–10
        # µs less per event (bench/ingest.py) for a few more MB held between collections.
        if gc.get_freeze_count() == 0:
            gc.freeze()
            gc.set_threshold(YOUNG_COLLECTION_EVERY, 20, 100)
        properties = Properties(PacketTypes.CONNECT)  # type: ignore[no-untyped-call]
        properties.SessionExpiryInterval = 7 * 86400
        properties.ReceiveMaximum = min(2 * self._batch_max, 65_535)
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
            busy = time.monotonic() - self._last_store < self._project_idle_s
            try:
                project_pending(
                    uow, limit=BURST_PROJECTION if busy else BATCH, keep_going=self._writer_idle
                )
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

    @property
    def ready(self) -> bool:
        """Connected to the broker with its subscriptions granted: what the stations publish
        now reaches this worker (or, while it is away, waits in its session)."""
        return self._client.is_connected() and self.subscribed.is_set()

    def _on_subscribe(self, _c: mqtt.Client, _u: Any, _mid: int, codes: Any, _p: Any) -> None:
        if any(code.is_failure for code in codes):
            log.error("the broker refused the hub's subscriptions: %s", codes)
            return
        self.subscribed.set()

    def _on_message(self, _client: mqtt.Client, _u: Any, message: mqtt.MQTTMessage) -> None:
        self._queue.put(_Received(message.topic, bytes(message.payload), message.mid, message.qos))

    def _write_loop(self) -> None:
        try:
            while not self._stop.is_set():
                batch = self._next_batch()
                if batch:
                    self._store_batch(batch)
        finally:
            if self._db is not None:
                self._db.close()

    def _next_batch(self) -> list[_Received]:
        """Up to ``batch_max`` messages, waiting at most ``flush_s`` after the first.

        While a batch gathers the writer sleeps in short naps and counts the queue, rather than
        waiting on it: a thread waiting on the queue is woken by every message put, and at
        thousands of messages a second those hand-overs between the network thread and the
        writer took a tenth of the hub's time under the interpreter lock."""
        try:
            batch = [self._queue.get(timeout=0.2)]
        except queue.Empty:
            return []
        deadline = time.monotonic() + self._flush_s
        while self._queue.qsize() < self._batch_max - 1:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                break
            time.sleep(min(remaining, GATHER_NAP_S))
        while len(batch) < self._batch_max:
            try:
                batch.append(self._queue.get_nowait())
            except queue.Empty:
                break
        return batch

    def _store_batch(self, batch: list[_Received]) -> None:
        """Store, acknowledge and report a batch (rules 1, 3 and 7)."""
        received_at = datetime.now(UTC)
        judged = self._retrying(partial(self._judge, batch), may_refuse=False)
        if judged is None:
            return
        touched: Touched = {}
        pending = [judged]
        while pending:
            part = pending.pop()
            may_refuse = any(not isinstance(item.verdict, Rejected) for item in part)
            try:
                done = self._retrying(
                    partial(self._store, part, received_at), may_refuse=may_refuse
                )
            except Exception as exc:
                pending.extend(self._after_refusal(part, exc))
                continue
            if done is None:
                return
            for message, _verdict, _refused in part:
                if message.qos > 0:
                    self._client.ack(message.mid, message.qos)
            for station, (coop, contiguous, highest) in done.items():
                _coop, was_contiguous, was_highest = touched.get(station, (coop, 0, 0))
                touched[station] = (
                    coop,
                    max(contiguous, was_contiguous),
                    max(highest, was_highest),
                )
        self._publish_progress(touched)
        self._last_store = time.monotonic()
        if touched:
            self._stored_since_projection.set()

    def _after_refusal(self, part: list[_Judged], exc: Exception) -> list[list[_Judged]]:
        """What to store next when the database refused ``part``: its halves (the first one
        last, to be taken first), or, for a single message, its dead letter (rule 7)."""
        if len(part) > 1:
            log.warning(
                "the database refused a batch of %d (%s); storing it in halves",
                len(part),
                database_says(exc),
            )
            half = len(part) // 2
            return [part[half:], part[:half]]
        message, verdict, _refused = part[0]
        reason = Rejected(f"the database refused it: {database_says(exc)}")
        event = verdict.event if isinstance(verdict, AcceptedEvent) else None
        return [[_Judged(message, reason, event)]]

    def _retrying(self, attempt: Callable[[], T], *, may_refuse: bool = True) -> T | None:
        """``attempt()`` until it succeeds, pausing longer each time; ``None`` if the worker
        stops first.  A refusal of the data is raised when ``may_refuse``: trying again would
        only be refused again.  Without it (reading the registry, storing dead letters only) it
        is waited out like an outage, because a message leaves the broker only once something
        of it is stored."""
        pause = FIRST_PAUSE_S
        while not self._stop.is_set():
            try:
                return attempt()
            except Exception as exc:
                if may_refuse and refused_by_database(exc, self._dbapi):
                    raise
                self._drop_connection()
                if isinstance(exc, DBAPIError | self._dbapi.Error):
                    log.warning(
                        "storing failed, nothing acknowledged (%s); retrying in %.1f s",
                        database_says(exc),
                        pause,
                    )
                else:
                    log.exception("storing failed, nothing acknowledged; retrying in %.1f s", pause)
            self._stop.wait(pause)
            pause = min(pause * 2, LONGEST_PAUSE_S)
        return None

    def _connection(self) -> Connection:
        """The writer's own connection: no pool checkout and no ping per batch."""
        connection = self._db
        if connection is None:
            connection = self._db = self._engine.connect()
        if self._postgres and _STAGING not in connection.info:
            # Outside the batch's transaction, which a refusal rolls back.
            with connection.begin():
                connection.exec_driver_sql(_PG_CREATE_STAGING)
            connection.info[_STAGING] = True
        return connection

    def _drop_connection(self) -> None:
        """Throw the writer's connection away after a failure; the next try opens another."""
        connection, self._db = self._db, None
        if connection is not None:
            # It may be dead already; what it says on its way out changes nothing.
            with suppress(Exception):
                connection.invalidate()
            with suppress(Exception):
                connection.close()

    def _judge(self, batch: list[_Received]) -> list[_Judged]:
        verdicts = [judge(m.topic, m.payload, self._registry) for m in batch]
        if any(_unregistered(verdict) for verdict in verdicts):
            connection = self._connection()
            with connection.begin():
                rows = connection.execute(select(Station.id, Station.coop_id))
                self._registry = {station: coop for station, coop in rows}
            verdicts = [
                judge(m.topic, m.payload, self._registry) if _unregistered(verdict) else verdict
                for m, verdict in zip(batch, verdicts, strict=True)
            ]
        return [_Judged(m, verdict) for m, verdict in zip(batch, verdicts, strict=True)]

    def _store(self, part: list[_Judged], received_at: datetime) -> Touched:
        """One transaction: the part's events, statuses and dead letters, then the progress."""
        stored_time = _as_is if self._postgres else _sqlite_time
        stamp = stored_time(received_at)
        events: dict[str, tuple[Any, ...]] = {}
        coops: dict[str, str] = {}
        statuses: dict[str, dict[str, Any]] = {}
        history: list[dict[str, Any]] = []
        dead: list[dict[str, Any]] = []
        for message, verdict, refused in part:
            if isinstance(verdict, AcceptedEvent):
                event = verdict.event
                if event.event_id not in events:
                    # The payload as it arrived: it passed the wire contract, so it is UTF-8.
                    payload = message.payload.decode()
                    events[event.event_id] = _event_values(event, stamp, payload, stored_time)
                    coops[event.station] = event.coop
            elif isinstance(verdict, AcceptedStatus):
                status = verdict.status
                statuses[status.station] = {
                    "station_id": status.station,
                    "online": status.online,
                    "last_seen": received_at,
                    "backlog": status.backlog,
                    "clock_synced": status.clock_synced,
                    "payload": status.model_dump_json(by_alias=True),
                }
                history.append(
                    {
                        "station_id": status.station,
                        "at": received_at,
                        "online": status.online,
                        "backlog": status.backlog,
                        "clock_synced": status.clock_synced,
                    }
                )
            elif isinstance(verdict, Rejected):
                dead.append(
                    {
                        "received_at": received_at,
                        "topic": _text(message.topic[:512]),
                        "reason": _text(verdict.reason),
                        "payload": message.payload,
                        "station_id": refused.station if refused else None,
                        "seq": refused.seq if refused else None,
                    }
                )
                if refused is not None:
                    coops[refused.station] = refused.coop
        connection = self._connection()
        with connection.begin():
            if events:
                _insert_events(connection, list(events.values()))
            if statuses:
                _upsert_statuses(connection, [statuses[name] for name in sorted(statuses)])
            if history:
                connection.execute(insert(StationStatusHistory), history)
            if dead:
                connection.execute(insert(DeadLetter), dead)
            progress = refresh_contiguous_many(connection, coops) if coops else {}
        self.stored += len(events)
        self.dead_lettered += len(dead)
        for reason in {d["reason"] for d in dead}:
            log.warning("dead-lettered: %s", reason)
        return {
            station: (coops[station], contiguous, highest)
            for station, (contiguous, highest) in progress.items()
        }

    def _publish_progress(self, touched: Touched) -> None:
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
