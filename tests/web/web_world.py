"""A small hub for the web tests: two Batu stations, apples and potatoes, three farmers, and
weighing events stored the way ingest stores them, then projected as ingest's projector does.

Times are relative to now, so the dashboard's "today" sees them whatever day the tests run.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from sqlalchemy import Engine, insert
from sqlalchemy.dialects import postgresql, sqlite

from edge.config import StationConfig
from edge.wire import EventType, StationClock, StationStatus, WeighingEvent, make_event_id
from hub.db.models import StationEvent, StationStatusRow
from hub.domain.catalog import GradeRecord, ProductRecord
from hub.domain.trace import MemberRecord
from hub.ingest import event_row, refresh_contiguous
from hub.services.projection import project_pending
from hub.services.stock import dispatch, receive, register_catalog
from hub.services.unit_of_work import SqlAlchemyUnitOfWork
from hub.stations import register_stations

COOP = "kdmp-punten"
STATION = "punten-1"
OTHER_COOP = "kdmp-tulungrejo"
OTHER_STATION = "tulungrejo-1"
APEL = "PRD-APEL-A"
KENTANG = "PRD-KENTANG-A"
LOT = "PNT-LOT-1"


def station_config(station: str, coop: str, name: str) -> StationConfig:
    return StationConfig.model_validate(
        {
            "station": {"id": station, "coop": coop, "name": name, "kecamatan": "Bumiaji"},
            "scale": {"port": "loop://", "protocol": "and"},
            "scanner": {"kind": "serial", "device": "loop://"},
            "mqtt": {"url": "mqtt://127.0.0.1:1883"},
            "outbox": {"path": "/tmp/unused"},
        }
    )


def register(engine: Engine) -> None:
    register_stations(
        engine,
        [
            station_config(STATION, COOP, "Stasiun Punten"),
            station_config(OTHER_STATION, OTHER_COOP, "Stasiun Tulungrejo"),
        ],
    )
    register_catalog(
        SqlAlchemyUnitOfWork(engine),
        at=datetime.now(UTC) - timedelta(days=30),
        products=[
            ProductRecord("apel", "Apel Manalagi", 14),
            ProductRecord("kentang", "Kentang Granola", 30),
        ],
        grades=[GradeRecord(APEL, "apel", "A"), GradeRecord(KENTANG, "kentang", "A")],
        members=[
            MemberRecord("AGT-001", COOP, "Ibu Sulastri", "Punten"),
            MemberRecord("AGT-002", COOP, "Pak Wahyudi", "Punten"),
            MemberRecord("AGT-101", OTHER_COOP, "Bu Lestari", "Tulungrejo"),
        ],
    )


@dataclass
class Station:
    """A station's events, numbered as its outbox numbers them."""

    station: str = STATION
    coop: str = COOP
    at: datetime = field(default_factory=lambda: datetime.now(UTC) - timedelta(minutes=30))
    events: list[WeighingEvent] = field(default_factory=list)

    def _next(self, **fields: object) -> WeighingEvent:
        seq = len(self.events) + 1
        self.at += timedelta(seconds=20)
        event = WeighingEvent.model_validate(
            {
                "event_id": make_event_id(self.station, 1, seq),
                "seq": seq,
                "coop": self.coop,
                "station": self.station,
                "clock": StationClock(
                    station_time=self.at, clock_synced=True, monotonic_ms=seq * 20_000, boot=1
                ),
                **fields,
            }
        )
        self.events.append(event)
        return event

    def weigh(
        self, crate: str, net_g: int, *, member: str = "AGT-001", product: str = APEL
    ) -> WeighingEvent:
        return self._next(
            crate=crate,
            member=member,
            product=product,
            gross_g=net_g + 1_800,
            tare_g=1_800,
            net_g=net_g,
            raw_weight=f"{(net_g + 1_800) / 1000:.3f}",
            raw_unit="kg",
            stable=True,
            driver="and",
        )

    def close_lot(self, lot: str, crates: Iterable[str], net_g: int) -> WeighingEvent:
        return self._next(
            type=EventType.LOT_CLOSE, lot=lot, lot_crates=list(crates), lot_net_g=net_g
        )


def store(engine: Engine, events: Iterable[WeighingEvent]) -> None:
    """Store events as ingest does, then project them as its projector does."""
    rows = [event_row(event, event.clock.station_time + timedelta(seconds=2)) for event in events]
    with engine.begin() as connection:
        connection.execute(insert(StationEvent), rows)
        for station in {row["station_id"] for row in rows}:
            refresh_contiguous(connection, station)
    project_pending(SqlAlchemyUnitOfWork(engine))


def report_status(engine: Engine, status: StationStatus, *, seen: datetime) -> None:
    row = {
        "station_id": status.station,
        "online": status.online,
        "last_seen": seen,
        "backlog": status.backlog,
        "clock_synced": status.clock_synced,
        "payload": status.model_dump_json(by_alias=True),
    }
    with engine.begin() as connection:
        dialect = postgresql if connection.dialect.name == "postgresql" else sqlite
        statement = dialect.insert(StationStatusRow).values(row)
        connection.execute(
            statement.on_conflict_do_update(
                index_elements=["station_id"],
                set_={key: statement.excluded[key] for key in row if key != "station_id"},
            )
        )


def seed_today(engine: Engine) -> None:
    """Punten weighs three crates of apples (one lot, dispatched and received at the hub) and
    a crate of potatoes; Tulungrejo weighs one crate; Punten is online, Tulungrejo offline."""
    register(engine)
    punten = Station()
    punten.weigh("KRT-00001", 12_000)
    punten.weigh("KRT-00002", 10_500, member="AGT-002")
    punten.weigh("KRT-00003", 9_250)
    punten.close_lot(LOT, ["KRT-00001", "KRT-00002", "KRT-00003"], 31_750)
    punten.weigh("KRT-00004", 20_000, product=KENTANG)
    tulungrejo = Station(
        station=OTHER_STATION, coop=OTHER_COOP, at=datetime.now(UTC) - timedelta(minutes=10)
    )
    tulungrejo.weigh("KRT-10001", 15_000, member="AGT-101")
    store(engine, punten.events + tulungrejo.events)
    uow = SqlAlchemyUnitOfWork(engine)
    now = datetime.now(UTC)
    sent = dispatch(
        uow,
        lots=[LOT],
        departed_at=now - timedelta(minutes=10),
        operator="budi",
        vehicle="N 1234 AB",
    )
    receive(uow, received_at=now - timedelta(minutes=2), operator="budi", dispatch_code=sent.code)
    report_status(
        engine,
        StationStatus(coop=COOP, station=STATION, online=True, clock_synced=True, backlog=2,
                      scale="ok", scanner="ok", outbox_fill_pct=1, software="0.1.0"),
        seen=now - timedelta(seconds=90),
    )  # fmt: skip
    report_status(
        engine,
        StationStatus(coop=OTHER_COOP, station=OTHER_STATION, online=False, clock_synced=False),
        seen=now - timedelta(hours=3),
    )


def weighing_event(seq: int, crate: str, net_g: int, *, station: str = STATION) -> WeighingEvent:
    """A weighing as a station would publish it now, with sequence number ``seq``."""
    return WeighingEvent.model_validate(
        {
            "event_id": make_event_id(station, 1, seq),
            "seq": seq,
            "coop": COOP,
            "station": station,
            "clock": StationClock(
                station_time=datetime.now(UTC), clock_synced=True, monotonic_ms=seq * 20_000, boot=1
            ),
            "crate": crate,
            "member": "AGT-001",
            "product": APEL,
            "gross_g": net_g + 1_800,
            "tare_g": 1_800,
            "net_g": net_g,
            "raw_weight": f"{(net_g + 1_800) / 1000:.3f}",
            "raw_unit": "kg",
            "stable": True,
            "driver": "and",
        }
    )
