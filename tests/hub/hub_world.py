"""A small Batu world for hub tests: one cooperative with two stations, apples and oranges,
three members, and station event scripts written as the wire contract says."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from sqlalchemy import Engine, insert

from edge.config import StationConfig
from edge.wire import EventType, StationClock, WeighingEvent, make_event_id
from hub.db.models import StationEvent
from hub.domain.catalog import GradeRecord, ProductRecord
from hub.domain.projection import StationEventRecord
from hub.domain.trace import MemberRecord
from hub.ingest import event_row, refresh_contiguous
from hub.services.stock import register_catalog
from hub.services.unit_of_work import AbstractUnitOfWork, Gs1Identity, SqlAlchemyUnitOfWork
from hub.stations import register_stations

COOP = "kdmp-punten"
STATION = "punten-1"
OTHER_STATION = "punten-2"
APEL_A, APEL_B, JERUK_A = "PRD-APEL-A", "PRD-APEL-B", "PRD-JERUK-A"
APEL_A_GTIN = "18995555000010"
COMPANY_PREFIX = "8995555"
T0 = datetime(2026, 11, 24, 1, 0, tzinfo=UTC)
"""08:00 WIB on 24 November 2026."""

PRODUCTS = [ProductRecord("apel", "Apel Manalagi", 14), ProductRecord("jeruk", "Jeruk Batu", 10)]
GRADES = [
    GradeRecord(APEL_A, "apel", "A", APEL_A_GTIN),
    GradeRecord(APEL_B, "apel", "B"),
    GradeRecord(JERUK_A, "jeruk", "A"),
]
MEMBERS = [
    MemberRecord("AGT-001", COOP, "Ibu Sulastri", "Punten"),
    MemberRecord("AGT-002", COOP, "Pak Wahyudi", "Punten"),
    MemberRecord("AGT-003", COOP, "Pak Slamet", "Punten"),
]


def station_config(station: str, coop: str = COOP) -> StationConfig:
    return StationConfig.model_validate(
        {
            "station": {"id": station, "coop": coop, "name": f"Stasiun {station}"},
            "scale": {"port": "loop://", "protocol": "and"},
            "scanner": {"kind": "serial", "device": "loop://"},
            "mqtt": {"url": "mqtt://127.0.0.1:1883"},
            "outbox": {"path": "/tmp/unused"},
        }
    )


def setup_world(engine: Engine, *, sscc: bool = True) -> SqlAlchemyUnitOfWork:
    register_stations(engine, [station_config(STATION), station_config(OTHER_STATION)])
    uow = SqlAlchemyUnitOfWork(engine)
    seed_catalog(uow, sscc=sscc)
    return uow


def seed_catalog(uow: AbstractUnitOfWork, *, sscc: bool = True) -> None:
    register_catalog(
        uow,
        at=T0,
        products=PRODUCTS,
        grades=GRADES,
        members=MEMBERS,
        gs1={COOP: Gs1Identity(COMPANY_PREFIX, 0)} if sscc else None,
    )


@dataclass
class Script:
    """A station's events, numbered as its outbox would number them."""

    station: str = STATION
    coop: str = COOP
    boot: int = 1
    synced: bool = True
    at: datetime = T0
    events: list[WeighingEvent] = field(default_factory=list)

    def _next(self, **fields: object) -> WeighingEvent:
        seq = len(self.events) + 1
        self.at += timedelta(seconds=30)
        event = WeighingEvent.model_validate(
            {
                "event_id": make_event_id(self.station, self.boot, seq),
                "seq": seq,
                "coop": self.coop,
                "station": self.station,
                "clock": StationClock(
                    station_time=self.at,
                    clock_synced=self.synced,
                    monotonic_ms=seq * 30_000,
                    boot=self.boot,
                ),
                **fields,
            }
        )
        self.events.append(event)
        return event

    def weigh(
        self,
        crate: str,
        net_g: int,
        *,
        member: str = "AGT-001",
        product: str = APEL_A,
        tare_g: int = 1_800,
    ) -> WeighingEvent:
        return self._next(
            crate=crate,
            member=member,
            product=product,
            gross_g=net_g + tare_g,
            tare_g=tare_g,
            net_g=net_g,
            raw_weight=f"{(net_g + tare_g) / 1000:.3f}",
            raw_unit="kg",
            stable=True,
            driver="and",
        )

    def void(self, event: WeighingEvent, supervisor: str = "SPV-01") -> WeighingEvent:
        return self._next(
            type=EventType.VOID,
            voids_event_id=event.event_id,
            voided_by=supervisor,
            crate=event.crate,
            net_g=event.net_g,
        )

    def close_lot(self, lot: str, crates: Iterable[str], net_g: int) -> WeighingEvent:
        return self._next(
            type=EventType.LOT_CLOSE, lot=lot, lot_crates=list(crates), lot_net_g=net_g
        )


def store(engine: Engine, events: Iterable[WeighingEvent], received_at: datetime = T0) -> None:
    """Store events as ingest does (insert, then advance the contiguous seq)."""
    rows = [event_row(event, received_at) for event in events]
    with engine.begin() as connection:
        if rows:
            connection.execute(insert(StationEvent), rows)
        for station in {row["station_id"] for row in rows}:
            refresh_contiguous(connection, station)


def records(
    events: Iterable[WeighingEvent], received_at: datetime = T0, *, first_id: int = 1
) -> list[StationEventRecord]:
    """The events as the event log hands them to projection (for ``FakeUnitOfWork``)."""
    found = []
    for offset, e in enumerate(events):
        found.append(
            StationEventRecord(
                id=first_id + offset,
                event_id=e.event_id,
                coop=e.coop,
                station=e.station,
                seq=e.seq,
                type=e.type.value,
                station_time=e.clock.station_time,
                clock_synced=e.clock.clock_synced,
                monotonic_ms=e.clock.monotonic_ms,
                boot=e.clock.boot,
                received_at=received_at,
                crate=e.crate,
                member=e.member,
                product=e.product,
                gross_g=e.gross_g,
                tare_g=e.tare_g,
                net_g=e.net_g,
                raw_weight=e.raw_weight,
                raw_unit=e.raw_unit,
                stable=e.stable,
                driver=e.driver,
                voids_event_id=e.voids_event_id,
                voided_by=e.voided_by,
                lot=e.lot,
                lot_crates=tuple(e.lot_crates or ()),
                lot_net_g=e.lot_net_g,
            )
        )
    return found
