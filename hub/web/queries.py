"""Read models for the operators' pages and ``/metrics``: what the hub's tables say right now.

These only read, and only what the core's services do not already answer: station health
(``station_status``), today's kilograms (the ``weighings`` projection, voids left out) and
counts for monitoring.  Trace and stock go through the core's services, never through here.
"Today" is the hub's day in WIB.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from pydantic import ValidationError
from sqlalchemy import Engine, func, select

from edge.wire import StationStatus
from hub.auth.store import AuditRecord, utc
from hub.db.auth_models import StationCredential
from hub.db.models import (
    AuditEntry,
    Cooperative,
    DeadLetter,
    Product,
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
