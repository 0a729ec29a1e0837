"""A small Kota Batu day at a real hub database, for the planning API tests.

Three villages of the Batu fixture (Tulungrejo, Punten, Sumberbrantas) with a packing station
each, carrots in grades A and B, and station events written as the wire contract says:

* lot ``L-PTN-1`` (Punten, packed the day before) and ``L-TLG-1`` (Tulungrejo) are dispatched
  and received at the hub; ``L-PTN-1`` is then recalled, so FEFO would pick it first if the
  recall were ignored;
* lot ``L-PTN-2`` is closed at Punten and waits there: a village pickup;
* Tulungrejo has a GS1 company prefix, so its pallets get SSCCs.

``planning_api`` serves the hub's application on such a database to an operator's token;
``audit_log`` reads what the services wrote to the audit log.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import Engine, insert, select

from edge.config import StationConfig
from edge.wire import EventType, StationClock, WeighingEvent, make_event_id
from hub.api.app import create_app
from hub.auth.domain import Role
from hub.auth.store import AuthStore
from hub.db.models import AuditEntry, StationEvent
from hub.domain.catalog import GradeRecord, ProductRecord
from hub.domain.stock import Location, StockKey
from hub.domain.trace import RecallScope
from hub.ingest import event_row, refresh_contiguous
from hub.services.projection import project_pending
from hub.services.stock import dispatch, receive, register_catalog
from hub.services.trace import create_recall
from hub.services.unit_of_work import Gs1Identity, SqlAlchemyUnitOfWork
from hub.stations import register_stations
from hub.web.settings import WebSettings

T0 = datetime(2026, 11, 24, 1, 0, tzinfo=UTC)
"""08:00 WIB on 24 November 2026, the day before the planned day."""
DAY = date(2026, 11, 25)
WORTEL_A, WORTEL_B = "PRD-WORTEL-A", "PRD-WORTEL-B"
STATIONS = {
    "tulungrejo-1": "kdmp-tulungrejo",
    "punten-1": "kdmp-punten",
    "sumberbrantas-1": "kdmp-sumberbrantas",
}
COMPANY_PREFIX = "8995555"


def _config(station: str, coop: str) -> StationConfig:
    return StationConfig.model_validate(
        {
            "station": {"id": station, "coop": coop, "name": f"Stasiun {station}"},
            "scale": {"port": "loop://", "protocol": "and"},
            "scanner": {"kind": "serial", "device": "loop://"},
            "mqtt": {"url": "mqtt://127.0.0.1:1883"},
            "outbox": {"path": "/tmp/unused"},
        }
    )


@dataclass
class Script:
    """One station's events, numbered as its outbox would number them."""

    station: str
    coop: str
    at: datetime
    events: list[WeighingEvent] = field(default_factory=list)

    def _next(self, **fields: object) -> None:
        seq = len(self.events) + 1
        self.at += timedelta(seconds=30)
        clock = StationClock(
            station_time=self.at, clock_synced=True, monotonic_ms=seq * 30_000, boot=1
        )
        self.events.append(
            WeighingEvent.model_validate(
                {
                    "event_id": make_event_id(self.station, 1, seq),
                    "seq": seq,
                    "coop": self.coop,
                    "station": self.station,
                    "clock": clock,
                    **fields,
                }
            )
        )

    def weigh(self, crate: str, net_g: int, product: str = WORTEL_A) -> None:
        self._next(
            crate=crate,
            member="AGT-001",
            product=product,
            gross_g=net_g + 1_800,
            tare_g=1_800,
            net_g=net_g,
            raw_weight=f"{(net_g + 1_800) / 1000:.3f}",
            raw_unit="kg",
            stable=True,
            driver="and",
        )

    def close_lot(self, lot: str, crates: Iterable[str], net_g: int) -> None:
        self._next(type=EventType.LOT_CLOSE, lot=lot, lot_crates=list(crates), lot_net_g=net_g)


def _store(engine: Engine, scripts: Iterable[Script]) -> None:
    with engine.begin() as connection:
        for script in scripts:
            rows = [event_row(event, T0) for event in script.events]
            connection.execute(insert(StationEvent), rows)
            refresh_contiguous(connection, script.station)


def build_world(engine: Engine) -> None:
    register_stations(engine, [_config(s, c) for s, c in STATIONS.items()])
    uow = SqlAlchemyUnitOfWork(engine)
    register_catalog(
        uow,
        at=T0,
        products=[ProductRecord("wortel", "Wortel", 14)],
        grades=[GradeRecord(WORTEL_A, "wortel", "A"), GradeRecord(WORTEL_B, "wortel", "B")],
        gs1={"kdmp-tulungrejo": Gs1Identity(COMPANY_PREFIX, 0)},
    )
    tulungrejo = Script("tulungrejo-1", "kdmp-tulungrejo", T0)
    for crate in ("KRT-T1", "KRT-T2", "KRT-T3"):
        tulungrejo.weigh(crate, 20_000)
    tulungrejo.close_lot("L-TLG-1", ["KRT-T1", "KRT-T2", "KRT-T3"], 60_000)
    punten = Script("punten-1", "kdmp-punten", T0 - timedelta(days=1))
    punten.weigh("KRT-P1", 20_000)
    punten.weigh("KRT-P2", 20_000)
    punten.close_lot("L-PTN-1", ["KRT-P1", "KRT-P2"], 40_000)
    punten.at = T0
    punten.weigh("KRT-P3", 19_000)
    punten.weigh("KRT-P4", 18_500, product=WORTEL_B)
    punten.close_lot("L-PTN-2", ["KRT-P3", "KRT-P4"], 37_500)
    _store(engine, [tulungrejo, punten])
    project_pending(uow)
    for lot in ("L-TLG-1", "L-PTN-1"):
        sent = dispatch(uow, lots=[lot], departed_at=T0 + timedelta(hours=1), operator="sari")
        receive(uow, received_at=T0 + timedelta(hours=2), operator="sari", dispatch_code=sent.code)
    create_recall(
        uow,
        scope=RecallScope(lot="L-PTN-1"),
        reason="pesticide residue above the limit",
        operator="sari",
        at=T0 + timedelta(hours=3),
    )


@dataclass
class PlanningApi:
    """The hub's API as an operator (``token:sari``) calls it, and the ledger it moves."""

    engine: Engine
    client: TestClient

    def post(self, path: str, body: object = None, **params: Any) -> Any:
        response = self.client.post(path, json=body, params=params)
        assert response.status_code < 300, response.text
        return response.json()

    def get(self, path: str, **params: Any) -> Any:
        response = self.client.get(path, params=params)
        assert response.status_code == 200, response.text
        return response.json()

    def import_csv(self, text: str, name: str) -> Any:
        """``text`` sent to the import route as the file ``name``; the response as it came."""
        files = {"file": (name, text.encode(), "text/csv")}
        return self.client.post("/api/v1/orders/import", files=files, params={"lang": "en"})

    def balance(self, key: StockKey, location: Location) -> int:
        uow = SqlAlchemyUnitOfWork(self.engine)
        with uow:
            return uow.moves.balances(location=location, lots=[key.lot]).get((key, location), 0)


@contextmanager
def planning_api(engine: Engine) -> Iterator[PlanningApi]:
    """The application on ``engine`` (the world built first), signed in with an operator's
    token."""
    build_world(engine)
    token, _ = AuthStore(engine).create_token(name="sari", role=Role.OPERATOR, actor="test")
    client = TestClient(create_app(engine, WebSettings()), base_url="http://hub.test")
    client.headers["Authorization"] = f"Bearer {token}"
    with client:
        yield PlanningApi(engine, client)


def audit_log(engine: Engine, action: str) -> list[tuple[str, str, dict[str, Any]]]:
    """(actor, subject, detail) of every audit entry of ``action``, oldest first."""
    query = select(AuditEntry).where(AuditEntry.action == action).order_by(AuditEntry.id)
    with engine.connect() as connection:
        return [(r.actor, r.subject, dict(r.detail)) for r in connection.execute(query)]
