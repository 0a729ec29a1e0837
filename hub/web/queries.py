"""Read models for the operators' pages and ``/metrics``: what the hub's tables say right now.

These only read, and only what the core's services do not already answer: station health
(``station_status``), today's kilograms (the ``weighings`` projection, voids left out),
counts for monitoring, the dispatches still on the road, where a crate is (to say why it
cannot be received), the members to choose a statement for, and the active recalls.  Trace,
stock, receipts, statements and recalls themselves go through the core's services, never
through here.  "Today" is the hub's day in WIB.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Final, Literal

from pydantic import ValidationError
from sqlalchemy import Engine, func, select

from edge.wire import StationStatus
from hub.auth.store import AuditRecord, utc
from hub.db.auth_models import StationCredential
from hub.db.models import (
    AuditEntry,
    Cooperative,
    DeadLetter,
    DispatchLot,
    DispatchRow,
    Member,
    Product,
    RecallRow,
    ReceiptLineRow,
    ReceiptRow,
    Station,
    StationEvent,
    StationStatusRow,
    WeighingRow,
)
from hub.domain.projection import HUB_TZ


def day_start(day: date) -> datetime:
    """Midnight WIB of ``day``, in UTC, as the tables store times."""
    return datetime.combine(day, time(0), HUB_TZ).astimezone(UTC)


@dataclass(frozen=True, slots=True)
class StationHealth:
    id: str
    name: str
    coop: str
    kecamatan: str | None
    online: bool | None
    """``None``: the station never reported a status."""
    last_seen: datetime | None
    backlog: int | None
    clock_synced: bool | None
    oldest_unsent_s: int | None
    outbox_fill_pct: int | None
    scale: str | None
    scanner: str | None
    software: str | None
    provisioned: bool


def station_health(engine: Engine) -> list[StationHealth]:
    query = (
        select(
            Station.id,
            Station.name,
            Station.coop_id,
            Station.kecamatan,
            StationStatusRow.online,
            StationStatusRow.last_seen,
            StationStatusRow.backlog,
            StationStatusRow.clock_synced,
            StationStatusRow.payload,
            StationCredential.station_id.label("provisioned"),
        )
        .outerjoin(StationStatusRow, StationStatusRow.station_id == Station.id)
        .outerjoin(StationCredential, StationCredential.station_id == Station.id)
        .order_by(Station.id)
    )
    with engine.connect() as connection:
        rows = connection.execute(query).all()
    found = []
    for row in rows:
        status: StationStatus | None = None
        if row.payload:
            try:
                status = StationStatus.model_validate_json(row.payload)
            except ValidationError:
                status = None
        found.append(
            StationHealth(
                id=row.id,
                name=row.name,
                coop=row.coop_id,
                kecamatan=row.kecamatan,
                online=row.online,
                last_seen=None if row.last_seen is None else utc(row.last_seen),
                backlog=row.backlog,
                clock_synced=row.clock_synced,
                oldest_unsent_s=status.oldest_unsent_s if status else None,
                outbox_fill_pct=status.outbox_fill_pct if status else None,
                scale=status.scale if status else None,
                scanner=status.scanner if status else None,
                software=status.software if status else None,
                provisioned=row.provisioned is not None,
            )
        )
    return found


@dataclass(frozen=True, slots=True)
class KgLine:
    coop: str
    village: str
    product: str
    crates: int
    net_g: int


def kilograms_on(engine: Engine, day: date) -> list[KgLine]:
    """Kilograms weighed on ``day`` (WIB) by village cooperative and product, after voids."""
    start, end = day_start(day), day_start(day + timedelta(days=1))
    query = (
        select(
            WeighingRow.coop_id,
            func.coalesce(Cooperative.name, WeighingRow.coop_id).label("village"),
            func.coalesce(Product.name, WeighingRow.product_id).label("product"),
            func.count().label("crates"),
            func.coalesce(func.sum(WeighingRow.net_g), 0).label("net_g"),
        )
        .outerjoin(Cooperative, Cooperative.id == WeighingRow.coop_id)
        .outerjoin(Product, Product.id == WeighingRow.product_id)
        .where(
            WeighingRow.weighed_at >= start,
            WeighingRow.weighed_at < end,
            WeighingRow.voided_by_event_id.is_(None),
        )
        .group_by(WeighingRow.coop_id, Cooperative.name, WeighingRow.product_id, Product.name)
        .order_by(WeighingRow.coop_id, WeighingRow.product_id)
    )
    with engine.connect() as connection:
        rows = connection.execute(query).all()
    return [KgLine(r.coop_id, r.village, r.product, r.crates, int(r.net_g)) for r in rows]


@dataclass(frozen=True, slots=True)
class Counts:
    events_by_type: dict[str, int]
    dead_letters: int
    stations_by_state: dict[str, int]
    backlog_by_station: dict[str, int]
    weighings_today: int
    net_g_today: int


def counts(engine: Engine, *, today: date) -> Counts:
    start = day_start(today)
    with engine.connect() as connection:
        events: dict[str, int] = {
            kind: n
            for kind, n in connection.execute(
                select(StationEvent.type, func.count()).group_by(StationEvent.type)
            )
        }
        dead = connection.execute(select(func.count()).select_from(DeadLetter)).scalar_one()
        states = {"online": 0, "offline": 0, "unknown": 0}
        backlog: dict[str, int] = {}
        for station, online, waiting in connection.execute(
            select(Station.id, StationStatusRow.online, StationStatusRow.backlog).outerjoin(
                StationStatusRow, StationStatusRow.station_id == Station.id
            )
        ):
            states["unknown" if online is None else "online" if online else "offline"] += 1
            if waiting is not None:
                backlog[station] = waiting
        weighings, net_g = connection.execute(
            select(func.count(), func.coalesce(func.sum(WeighingRow.net_g), 0)).where(
                WeighingRow.weighed_at >= start, WeighingRow.voided_by_event_id.is_(None)
            )
        ).one()
    return Counts(
        events_by_type=events,
        dead_letters=dead,
        stations_by_state=states,
        backlog_by_station=backlog,
        weighings_today=weighings,
        net_g_today=int(net_g),
    )


def core_audit(engine: Engine, *, limit: int) -> list[AuditRecord]:
    """The core's audit log (stock adjustments, recalls, dispatches), newest first."""
    query = select(AuditEntry).order_by(AuditEntry.at.desc(), AuditEntry.id.desc()).limit(limit)
    with engine.connect() as connection:
        rows = connection.execute(query).all()
    return [
        AuditRecord(
            at=utc(r.at),
            actor=r.actor,
            action=r.action,
            subject=r.subject,
            remote=None,
            detail=dict(r.detail or {}),
        )
        for r in rows
    ]


CHUNK: Final = 500
"""Ids per ``IN (…)``: far below SQLite's and PostgreSQL's limits on bound parameters."""


def _chunks(ids: Iterable[str]) -> Iterator[list[str]]:
    listed = sorted(set(ids))
    for start in range(0, len(listed), CHUNK):
        yield listed[start : start + CHUNK]


@dataclass(frozen=True, slots=True)
class DispatchInTransit:
    """A dispatch with crates the hub has not received yet: how many, and their village net."""

    code: str
    coop: str
    station: str
    sscc: str | None
    departed_at: datetime
    due_at: datetime | None
    vehicle: str | None
    lots: tuple[str, ...]
    crates: int
    net_g: int


def dispatches_in_transit(engine: Engine) -> list[DispatchInTransit]:
    """Dispatches awaiting receipt, the earliest departure first: each with the crates of its
    lots (voids left out) that no receipt line holds yet."""
    waiting = (
        select(
            DispatchRow.id,
            DispatchRow.code,
            DispatchRow.coop_id,
            DispatchRow.station_id,
            DispatchRow.sscc,
            DispatchRow.departed_at,
            DispatchRow.due_at,
            DispatchRow.vehicle,
            func.count(WeighingRow.id).label("crates"),
            func.coalesce(func.sum(WeighingRow.net_g), 0).label("net_g"),
        )
        .join(DispatchLot, DispatchLot.dispatch_id == DispatchRow.id)
        .join(WeighingRow, WeighingRow.lot_id == DispatchLot.lot_id)
        .outerjoin(ReceiptLineRow, ReceiptLineRow.weighing_id == WeighingRow.id)
        .where(WeighingRow.voided_by_event_id.is_(None), ReceiptLineRow.id.is_(None))
        .group_by(DispatchRow.id)
        .order_by(DispatchRow.departed_at, DispatchRow.id)
    )
    with engine.connect() as connection:
        rows = connection.execute(waiting).all()
        lots: defaultdict[int, list[str]] = defaultdict(list)
        if rows:
            for dispatch_id, lot in connection.execute(
                select(DispatchLot.dispatch_id, DispatchLot.lot_id)
                .where(DispatchLot.dispatch_id.in_([r.id for r in rows]))
                .order_by(DispatchLot.lot_id)
            ):
                lots[dispatch_id].append(lot)
    return [
        DispatchInTransit(
            code=r.code,
            coop=r.coop_id,
            station=r.station_id,
            sscc=r.sscc,
            departed_at=utc(r.departed_at),
            due_at=None if r.due_at is None else utc(r.due_at),
            vehicle=r.vehicle,
            lots=tuple(lots[r.id]),
            crates=r.crates,
            net_g=int(r.net_g),
        )
        for r in rows
    ]


@dataclass(frozen=True, slots=True)
class CrateState:
    """Where a crate is, as far as receiving goes.

    ``in_transit``: a weighing of it is on ``dispatch`` and not received; otherwise its latest
    weighing was ``received`` (at ``received_at``), is still ``at_station`` (not dispatched),
    or the hub never saw the crate (``unknown``)."""

    crate: str
    kind: Literal["in_transit", "received", "at_station", "unknown"]
    dispatch: str | None = None
    received_at: datetime | None = None


def crate_states(engine: Engine, crates: Iterable[str]) -> dict[str, CrateState]:
    """The state of each crate named, voided weighings left out."""
    names = list(crates)
    seen: defaultdict[str, list[tuple[str | None, datetime | None]]] = defaultdict(list)
    with engine.connect() as connection:
        for chunk in _chunks(names):
            query = (
                select(WeighingRow.crate_id, DispatchRow.code, ReceiptRow.received_at)
                .outerjoin(DispatchLot, DispatchLot.lot_id == WeighingRow.lot_id)
                .outerjoin(DispatchRow, DispatchRow.id == DispatchLot.dispatch_id)
                .outerjoin(ReceiptLineRow, ReceiptLineRow.weighing_id == WeighingRow.id)
                .outerjoin(ReceiptRow, ReceiptRow.id == ReceiptLineRow.receipt_id)
                .where(WeighingRow.crate_id.in_(chunk), WeighingRow.voided_by_event_id.is_(None))
                .order_by(WeighingRow.weighed_at, WeighingRow.id)
            )
            for row in connection.execute(query):
                seen[row.crate_id].append((row.code, row.received_at))
    states = {}
    for crate in names:
        history = seen.get(crate, [])
        waiting = [dispatch for dispatch, received_at in history if dispatch and not received_at]
        if waiting:
            states[crate] = CrateState(crate, "in_transit", dispatch=waiting[-1])
        elif not history:
            states[crate] = CrateState(crate, "unknown")
        elif (last := history[-1][1]) is not None:
            states[crate] = CrateState(crate, "received", received_at=utc(last))
        else:
            states[crate] = CrateState(crate, "at_station")
    return states


def crates_of_weighings(engine: Engine, weighing_ids: Iterable[int]) -> dict[int, str | None]:
    """Weighing id → the crate it weighed (``None`` for a weighing without a crate)."""
    found: dict[int, str | None] = {}
    listed = sorted(set(weighing_ids))
    with engine.connect() as connection:
        for start in range(0, len(listed), CHUNK):
            query = select(WeighingRow.id, WeighingRow.crate_id).where(
                WeighingRow.id.in_(listed[start : start + CHUNK])
            )
            found.update({row.id: row.crate_id for row in connection.execute(query)})
    return found


@dataclass(frozen=True, slots=True)
class MemberChoice:
    id: str
    name: str
    village: str | None
    coop: str
    coop_name: str


def members(engine: Engine) -> list[MemberChoice]:
    """Every registered member, by cooperative, then by name."""
    query = (
        select(Member.id, Member.name, Member.village, Member.coop_id, Cooperative.name)
        .join(Cooperative, Cooperative.id == Member.coop_id)
        .order_by(Member.coop_id, Member.name, Member.id)
    )
    with engine.connect() as connection:
        return [MemberChoice(*row) for row in connection.execute(query)]


def product_names(engine: Engine) -> dict[str, str]:
    with engine.connect() as connection:
        return {row.id: row.name for row in connection.execute(select(Product.id, Product.name))}


@dataclass(frozen=True, slots=True)
class ActiveRecall:
    id: int
    created_at: datetime
    created_by: str
    reason: str
    lot: str | None
    member: str | None
    station: str | None
    from_time: datetime | None
    to_time: datetime | None


def active_recalls(engine: Engine) -> list[ActiveRecall]:
    """Recalls not released yet, the newest first."""
    query = (
        select(RecallRow)
        .where(RecallRow.released_at.is_(None))
        .order_by(RecallRow.created_at.desc(), RecallRow.id.desc())
    )
    with engine.connect() as connection:
        rows = connection.execute(query).all()
    return [
        ActiveRecall(
            id=r.id,
            created_at=utc(r.created_at),
            created_by=r.created_by,
            reason=r.reason,
            lot=r.lot_id,
            member=r.member_id,
            station=r.station_id,
            from_time=None if r.from_time is None else utc(r.from_time),
            to_time=None if r.to_time is None else utc(r.to_time),
        )
        for r in rows
    ]
