"""The repositories of ``hub.services.unit_of_work`` over SQLAlchemy Core, on one connection.

Rules:

1. Every query is a batch: callers hand in the whole set of ids they need, so a trace or a
   projection costs a handful of round trips, not one per crate.
2. Times are written in UTC and read back as aware UTC datetimes (SQLite keeps no zone).
3. ``stock_moves`` is only ever inserted into; balances are sums over it (``hub.domain.stock``).
4. Only the unit of work creates these; nothing outside ``hub.services`` uses them.
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from datetime import UTC, date, datetime, timedelta
from functools import cache
from itertools import product, zip_longest
from typing import Any, Final

from sqlalchemy import (
    ARRAY,
    ColumnElement,
    Connection,
    Integer,
    Row,
    and_,
    any_,
    bindparam,
    case,
    false,
    func,
    insert,
    literal,
    or_,
    select,
    union_all,
    update,
)
from sqlalchemy.sql.expression import Executable

from hub.db.models import (
    AuditEntry,
    CrateType,
    DispatchLot,
    DispatchRow,
    Grade,
    GS1Settings,
    LotRow,
    Member,
    OrderRow,
    Product,
    RecallRow,
    ReceiptLineRow,
    ReceiptRow,
    Station,
    StationEvent,
    StationProgress,
    StationStatusHistory,
    StockMoveRow,
    TripRow,
    WeighingRow,
)
from hub.domain.catalog import CrateTypeRecord, GradeRecord, ProductRecord
from hub.domain.projection import (
    HUB_TZ,
    Anchor,
    LotRecord,
    StationEventRecord,
    WeighingRecord,
)
from hub.domain.reports import KgLine, ReceiptFact, StatusReport
from hub.domain.stock import Location, LocationKind, Move, StockKey
from hub.domain.trace import (
    Deliveries,
    DispatchRecord,
    MemberRecord,
    MemberTally,
    OrderRecord,
    ProductTally,
    RecallScope,
    ReceiptLine,
    ReceiptRecord,
    ReceiptTally,
    StationRecord,
    Tallies,
    Tally,
    TripRecord,
)
from hub.printing.sscc import allocate_sscc
from hub.services.unit_of_work import (
    AuditRecord,
    AuditRepository,
    CatalogRepository,
    DispatchRepository,
    EventRepository,
    Gs1Identity,
    LotRepository,
    MoveRepository,
    OrderRepository,
    RecallRecord,
    RecallRepository,
    ReceiptRepository,
    ReportRepository,
    WeighingRepository,
)

CHUNK: Final = 900
"""Ids per ``IN (…)``: under SQLite's limit on bound parameters."""


def utc(moment: datetime) -> datetime:
    """An aware UTC datetime, from whatever the database handed back."""
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def _opt_utc(moment: datetime | None) -> datetime | None:
    return None if moment is None else utc(moment)


def _chunks(values: Iterable[Any]) -> Iterable[list[Any]]:
    batch = sorted(set(values), key=str)
    for start in range(0, len(batch), CHUNK):
        yield batch[start : start + CHUNK]


class _Repository:
    def __init__(self, connection: Connection) -> None:
        self.connection = connection

    def _rows(self, statement: Any) -> Sequence[Row[Any]]:
        return self.connection.execute(statement).all()


# ---- station events and weighings ----


def weighing_from_row(row: Any) -> WeighingRecord:
    return WeighingRecord(
        id=row.id,
        event_id=row.event_id,
        coop=row.coop_id,
        station=row.station_id,
        seq=row.seq,
        member=row.member_id,
        product_code=row.product_code,
        product=row.product_id,
        grade=row.grade,
        crate=row.crate_id,
        gross_g=row.gross_g,
        tare_g=row.tare_g,
        net_g=row.net_g,
        raw_weight=row.raw_weight,
        raw_unit=row.raw_unit,
        stable=row.stable,
        driver=row.driver,
        station_time=utc(row.station_time),
        clock_synced=row.clock_synced,
        weighed_at=utc(row.weighed_at),
        time_source=row.time_source,
        received_at=utc(row.received_at),
        lot=row.lot_id,
        voided_by_event_id=row.voided_by_event_id,
        voided_by=row.voided_by,
    )


def weighing_to_row(weighing: WeighingRecord) -> dict[str, Any]:
    return {
        "id": weighing.id,
        "event_id": weighing.event_id,
        "coop_id": weighing.coop,
        "station_id": weighing.station,
        "seq": weighing.seq,
        "member_id": weighing.member,
        "product_code": weighing.product_code,
        "product_id": weighing.product,
        "grade": weighing.grade,
        "crate_id": weighing.crate,
        "gross_g": weighing.gross_g,
        "tare_g": weighing.tare_g,
        "net_g": weighing.net_g,
        "raw_weight": weighing.raw_weight,
        "raw_unit": weighing.raw_unit,
        "stable": weighing.stable,
        "driver": weighing.driver,
        "station_time": utc(weighing.station_time),
        "clock_synced": weighing.clock_synced,
        "weighed_at": utc(weighing.weighed_at),
        "time_source": weighing.time_source,
        "received_at": utc(weighing.received_at),
        "lot_id": weighing.lot,
        "voided_by_event_id": weighing.voided_by_event_id,
        "voided_by": weighing.voided_by,
    }


class SqlEventRepository(_Repository, EventRepository):
    def stations_behind(self) -> list[str]:
        return list(
            self.connection.execute(
                select(StationProgress.station_id).where(
                    StationProgress.projected_seq < StationProgress.contiguous_seq
                )
            ).scalars()
        )

    def claim(self, station: str, limit: int) -> tuple[int, int] | None:
        mine = StationProgress.station_id == station
        # Lock the station's row first: a second projector waits here until the first commits,
        # then reads the cursor the first one left.
        self.connection.execute(
            update(StationProgress).where(mine).values(projected_seq=StationProgress.projected_seq)
        )
        row = self.connection.execute(
            select(StationProgress.projected_seq, StationProgress.contiguous_seq).where(mine)
        ).one_or_none()
        if row is None or row.projected_seq >= row.contiguous_seq:
            return None
        up_to = min(row.contiguous_seq, row.projected_seq + limit)
        self.connection.execute(update(StationProgress).where(mine).values(projected_seq=up_to))
        return row.projected_seq, up_to

    def load(self, station: str, after: int, up_to: int) -> list[StationEventRecord]:
        e = StationEvent
        rows = self._rows(
            select(e).where(e.station_id == station, e.seq > after, e.seq <= up_to).order_by(e.seq)
        )
        records = []
        for row in rows:
            extra: dict[str, Any] = {}
            if row.type != "weighing":
                payload = json.loads(row.payload)
                extra = {
                    "voided_by": payload.get("voided_by"),
                    "lot_crates": tuple(payload.get("lot_crates") or ()),
                }
            records.append(
                StationEventRecord(
                    id=row.id,
                    event_id=row.event_id,
                    coop=row.coop_id,
                    station=row.station_id,
                    seq=row.seq,
                    type=row.type,
                    station_time=utc(row.station_time),
                    clock_synced=row.clock_synced,
                    monotonic_ms=row.monotonic_ms,
                    boot=row.boot,
                    received_at=utc(row.received_at),
                    crate=row.crate,
                    member=row.member,
                    product=row.product,
                    gross_g=row.gross_g,
                    tare_g=row.tare_g,
                    net_g=row.net_g,
                    raw_weight=row.raw_weight,
                    raw_unit=row.raw_unit,
                    stable=row.stable,
                    driver=row.driver,
                    voids_event_id=row.voids_event_id,
                    lot=row.lot,
                    lot_net_g=row.lot_net_g,
                    **extra,
                )
            )
        return records

    def anchors(self, station: str, boots: Iterable[int]) -> dict[int, Anchor]:
        found: dict[int, Anchor] = {}
        e = StationEvent
        for boot in boots:
            row = self.connection.execute(
                select(e.station_time, e.monotonic_ms)
                .where(e.station_id == station, e.boot == boot, e.clock_synced.is_(True))
                .order_by(e.seq)
                .limit(1)
            ).one_or_none()
            if row is not None:
                found[boot] = Anchor(utc(row.station_time), row.monotonic_ms)
        return found


def _open() -> ColumnElement[bool]:
    return and_(WeighingRow.lot_id.is_(None), WeighingRow.voided_by_event_id.is_(None))


class SqlWeighingRepository(_Repository, WeighingRepository):
    def add(self, weighings: list[WeighingRecord]) -> None:
        if weighings:
            self.connection.execute(insert(WeighingRow), [weighing_to_row(w) for w in weighings])

    def open_by_crates(
        self, station: str, crates: Iterable[str]
    ) -> dict[str, list[WeighingRecord]]:
        found: defaultdict[str, list[WeighingRecord]] = defaultdict(list)
        for chunk in _chunks(crates):
            for row in self._rows(
                select(WeighingRow).where(
                    WeighingRow.station_id == station, WeighingRow.crate_id.in_(chunk), _open()
                )
            ):
                found[row.crate_id].append(weighing_from_row(row))
        return dict(found)

    def by_event_ids(self, event_ids: Iterable[str]) -> dict[str, WeighingRecord]:
        found: dict[str, WeighingRecord] = {}
        for chunk in _chunks(event_ids):
            for row in self._rows(select(WeighingRow).where(WeighingRow.event_id.in_(chunk))):
                found[row.event_id] = weighing_from_row(row)
        return found

    def assign_lots(self, lots: Mapping[int, str]) -> None:
        if lots:
            self.connection.execute(
                update(WeighingRow)
                .where(WeighingRow.id == bindparam("wid"))
                .values(lot_id=bindparam("lot")),
                [{"wid": wid, "lot": lot} for wid, lot in lots.items()],
            )

    def mark_voids(self, voids: Mapping[int, tuple[str, str | None]]) -> None:
        if voids:
            self.connection.execute(
                update(WeighingRow)
                .where(WeighingRow.id == bindparam("wid"))
                .values(voided_by_event_id=bindparam("event"), voided_by=bindparam("by")),
                [{"wid": wid, "event": event, "by": by} for wid, (event, by) in voids.items()],
            )

    def of_lots(self, lots: Iterable[str]) -> list[WeighingRecord]:
        found: list[WeighingRecord] = []
        for chunk in _chunks(lots):
            rows = self._rows(select(WeighingRow).where(WeighingRow.lot_id.in_(chunk)))
            found.extend(weighing_from_row(row) for row in rows)
        return found

    def in_transit_by_crates(self, crates: Iterable[str]) -> dict[str, WeighingRecord]:
        found: dict[str, WeighingRecord] = {}
        for chunk in _chunks(crates):
            rows = self._rows(
                select(WeighingRow)
                .join(DispatchLot, DispatchLot.lot_id == WeighingRow.lot_id)
                .outerjoin(ReceiptLineRow, ReceiptLineRow.weighing_id == WeighingRow.id)
                .where(
                    WeighingRow.crate_id.in_(chunk),
                    WeighingRow.voided_by_event_id.is_(None),
                    ReceiptLineRow.id.is_(None),
                )
                .order_by(WeighingRow.id)
            )
            for row in rows:
                found[row.crate_id] = weighing_from_row(row)
        return found

    def matching(self, scope: RecallScope) -> list[WeighingRecord]:
        w = WeighingRow
        conditions: list[ColumnElement[bool]] = []
        if scope.lot is not None:
            conditions.append(w.lot_id == scope.lot)
        if scope.member is not None:
            conditions.append(w.member_id == scope.member)
        if scope.station is not None:
            conditions.append(w.station_id == scope.station)
        if scope.from_time is not None:
            conditions.append(w.weighed_at >= utc(scope.from_time))
        if scope.to_time is not None:
            conditions.append(w.weighed_at < utc(scope.to_time))
        rows = self._rows(select(w).where(*conditions).order_by(w.weighed_at, w.id))
        return [weighing_from_row(row) for row in rows]


# ---- lots, moves, dispatches, receipts ----


def lot_from_row(row: Any) -> LotRecord:
    return LotRecord(
        id=row.id,
        coop=row.coop_id,
        station=row.station_id,
        event_id=row.event_id,
        closed_at=utc(row.closed_at),
        pack_date=row.pack_date,
        station_net_g=row.station_net_g,
        net_g=row.net_g,
        crate_count=row.crate_count,
    )


class SqlLotRepository(_Repository, LotRepository):
    def add(self, lots: list[LotRecord]) -> None:
        if lots:
            self.connection.execute(
                insert(LotRow),
                [
                    {
                        "id": lot.id,
                        "coop_id": lot.coop,
                        "station_id": lot.station,
                        "event_id": lot.event_id,
                        "closed_at": utc(lot.closed_at),
                        "pack_date": lot.pack_date,
                        "station_net_g": lot.station_net_g,
                        "net_g": lot.net_g,
                        "crate_count": lot.crate_count,
                    }
                    for lot in lots
                ],
            )

    def get(self, ids: Iterable[str]) -> dict[str, LotRecord]:
        found: dict[str, LotRecord] = {}
        for chunk in _chunks(ids):
            for row in self._rows(select(LotRow).where(LotRow.id.in_(chunk))):
                found[row.id] = lot_from_row(row)
        return found

    def best_before(self, ids: Iterable[str]) -> dict[tuple[str, str], date]:
        found: dict[tuple[str, str], date] = {}
        for chunk in _chunks(ids):
            products = (
                select(StockMoveRow.lot_id, StockMoveRow.product_id)
                .where(StockMoveRow.lot_id.in_(chunk))
                .distinct()
                .subquery()
            )
            rows = self._rows(
                select(products.c.lot_id, products.c.product_id, LotRow.pack_date)
                .add_columns(Product.shelf_life_days)
                .join(LotRow, LotRow.id == products.c.lot_id)
                .join(Product, Product.id == products.c.product_id)
            )
            for row in rows:
                found[(row.lot_id, row.product_id)] = row.pack_date + timedelta(
                    days=row.shelf_life_days
                )
        return found

    def at_station(self, coop: str | None) -> list[LotRecord]:
        query = (
            select(LotRow)
            .outerjoin(DispatchLot, DispatchLot.lot_id == LotRow.id)
            .where(DispatchLot.lot_id.is_(None))
            .order_by(LotRow.closed_at, LotRow.id)
        )
        if coop is not None:
            query = query.where(LotRow.coop_id == coop)
        return [lot_from_row(row) for row in self._rows(query)]


def move_from_row(row: Any) -> Move:
    return Move(
        key=StockKey(row.coop_id, row.product_id, row.grade, row.lot_id),
        source=Location.parse(row.from_location),
        destination=Location.parse(row.to_location),
        quantity_g=row.quantity_g,
        at=utc(row.at),
        reason=row.reason,
        operator=row.operator,
        weighing_id=row.weighing_id,
        dispatch_id=row.dispatch_id,
        receipt_id=row.receipt_id,
        order_id=row.order_id,
        reverses=row.reverses_move_id,
        id=row.id,
    )


def move_to_row(move: Move) -> dict[str, Any]:
    return {
        "at": utc(move.at),
        "coop_id": move.key.coop,
        "product_id": move.key.product,
        "grade": move.key.grade,
        "lot_id": move.key.lot,
        "from_location": str(move.source),
        "to_location": str(move.destination),
        "quantity_g": move.quantity_g,
        "reason": move.reason,
        "operator": move.operator,
        "weighing_id": move.weighing_id,
        "dispatch_id": move.dispatch_id,
        "receipt_id": move.receipt_id,
        "order_id": move.order_id,
        "reverses_move_id": move.reverses,
    }


def _physical(column: Any) -> ColumnElement[bool]:
    return or_(
        column.like(f"{LocationKind.STATION.value}/%"),
        column.in_([LocationKind.HUB.value, LocationKind.IN_TRANSIT.value]),
    )


class SqlMoveRepository(_Repository, MoveRepository):
    def add(self, moves: list[Move]) -> list[Move]:
        if moves:
            self.connection.execute(insert(StockMoveRow), [move_to_row(m) for m in moves])
        return moves

    def balances(
        self,
        *,
        location: Location | None = None,
        lots: Iterable[str] | None = None,
        coop: str | None = None,
    ) -> dict[tuple[StockKey, Location], int]:
        m = StockMoveRow
        lot_chunks: list[list[str] | None] = list(_chunks(lots)) if lots is not None else [None]
        totals: defaultdict[tuple[StockKey, Location], int] = defaultdict(int)
        for chunk in lot_chunks:
            sides = []
            for column, sign in ((m.to_location, 1), (m.from_location, -1)):
                conditions = [_physical(column)]
                if location is not None:
                    conditions = [column == str(location)]
                if chunk is not None:
                    conditions.append(m.lot_id.in_(chunk))
                if coop is not None:
                    conditions.append(m.coop_id == coop)
                sides.append(
                    select(
                        m.coop_id,
                        m.product_id,
                        m.grade,
                        m.lot_id,
                        column.label("location"),
                        (m.quantity_g * literal(sign)).label("grams"),
                    ).where(*conditions)
                )
            both = union_all(*sides).subquery()
            rows = self._rows(
                select(
                    both.c.coop_id,
                    both.c.product_id,
                    both.c.grade,
                    both.c.lot_id,
                    both.c.location,
                    func.sum(both.c.grams).label("grams"),
                ).group_by(
                    both.c.coop_id,
                    both.c.product_id,
                    both.c.grade,
                    both.c.lot_id,
                    both.c.location,
                )
            )
            for row in rows:
                key = StockKey(row.coop_id, row.product_id, row.grade, row.lot_id)
                totals[(key, Location.parse(row.location))] += int(row.grams)
        return {place: grams for place, grams in totals.items() if grams != 0}

    def picks_of_lots(self, lots: Iterable[str]) -> list[Move]:
        found: list[Move] = []
        for chunk in _chunks(lots):
            rows = self._rows(
                select(StockMoveRow)
                .where(
                    StockMoveRow.lot_id.in_(chunk),
                    StockMoveRow.to_location.like(f"{LocationKind.PARTNER.value}/%"),
                )
                .order_by(StockMoveRow.id)
            )
            found.extend(move_from_row(row) for row in rows)
        return found


def dispatch_from_row(row: Any, lots: Sequence[str]) -> DispatchRecord:
    return DispatchRecord(
        id=row.id,
        code=row.code,
        coop=row.coop_id,
        station=row.station_id,
        sscc=row.sscc,
        departed_at=utc(row.departed_at),
        due_at=_opt_utc(row.due_at),
        vehicle=row.vehicle,
        operator=row.operator,
        lots=tuple(sorted(lots)),
    )


class SqlDispatchRepository(_Repository, DispatchRepository):
    def add(self, dispatch: DispatchRecord) -> int:
        new_id = self.connection.execute(
            insert(DispatchRow)
            .values(
                code=dispatch.code,
                coop_id=dispatch.coop,
                station_id=dispatch.station,
                sscc=dispatch.sscc,
                departed_at=utc(dispatch.departed_at),
                due_at=_opt_utc(dispatch.due_at),
                vehicle=dispatch.vehicle,
                operator=dispatch.operator,
            )
            .returning(DispatchRow.id)
        ).scalar_one()
        self.connection.execute(
            insert(DispatchLot), [{"dispatch_id": new_id, "lot_id": lot} for lot in dispatch.lots]
        )
        return int(new_id)

    def _with_lots(self, rows: Sequence[Any]) -> list[DispatchRecord]:
        lots: defaultdict[int, list[str]] = defaultdict(list)
        for chunk in _chunks(row.id for row in rows):
            for link in self._rows(select(DispatchLot).where(DispatchLot.dispatch_id.in_(chunk))):
                lots[link.dispatch_id].append(link.lot_id)
        return [dispatch_from_row(row, lots[row.id]) for row in rows]

    def by_code(self, code: str) -> DispatchRecord | None:
        found = self._with_lots(self._rows(select(DispatchRow).where(DispatchRow.code == code)))
        return found[0] if found else None

    def of_lots(self, lots: Iterable[str]) -> list[DispatchRecord]:
        rows: dict[int, Any] = {}
        for chunk in _chunks(lots):
            for row in self._rows(
                select(DispatchRow)
                .join(DispatchLot, DispatchLot.dispatch_id == DispatchRow.id)
                .where(DispatchLot.lot_id.in_(chunk))
            ):
                rows[row.id] = row
        return self._with_lots(list(rows.values()))

    def between(self, coop: str, start: datetime, end: datetime) -> list[DispatchRecord]:
        return self._with_lots(
            self._rows(
                select(DispatchRow).where(
                    DispatchRow.coop_id == coop,
                    DispatchRow.departed_at >= utc(start),
                    DispatchRow.departed_at < utc(end),
                )
            )
        )


class SqlReceiptRepository(_Repository, ReceiptRepository):
    def add(self, receipt: ReceiptRecord) -> int:
        new_id = self.connection.execute(
            insert(ReceiptRow)
            .values(
                dispatch_id=receipt.dispatch_id,
                received_at=utc(receipt.received_at),
                operator=receipt.operator,
            )
            .returning(ReceiptRow.id)
        ).scalar_one()
        if receipt.lines:
            self.connection.execute(
                insert(ReceiptLineRow),
                [
                    {
                        "receipt_id": new_id,
                        "weighing_id": line.weighing_id,
                        "lot_id": line.lot,
                        "village_net_g": line.village_net_g,
                        "hub_net_g": line.hub_net_g,
                        "shrinkage_g": line.shrinkage_g,
                    }
                    for line in receipt.lines
                ],
            )
        return int(new_id)

    def received(self, weighing_ids: Iterable[int]) -> set[int]:
        found: set[int] = set()
        for chunk in _chunks(weighing_ids):
            found.update(
                self.connection.execute(
                    select(ReceiptLineRow.weighing_id).where(ReceiptLineRow.weighing_id.in_(chunk))
                ).scalars()
            )
        return found

    def _with_lines(
        self, rows: Sequence[Any], lots: Iterable[str] | None = None
    ) -> list[ReceiptRecord]:
        lines: defaultdict[int, list[ReceiptLine]] = defaultdict(list)
        only = None if lots is None else sorted(set(lots))
        for chunk in _chunks(row.id for row in rows):
            query = select(ReceiptLineRow).where(ReceiptLineRow.receipt_id.in_(chunk))
            if only is not None:
                query = query.where(ReceiptLineRow.lot_id.in_(only))
            for line in self._rows(query.order_by(ReceiptLineRow.id)):
                lines[line.receipt_id].append(
                    ReceiptLine(
                        line.weighing_id,
                        line.lot_id,
                        line.village_net_g,
                        line.hub_net_g,
                        line.shrinkage_g,
                    )
                )
        return [
            ReceiptRecord(
                row.id, row.dispatch_id, utc(row.received_at), row.operator, tuple(lines[row.id])
            )
            for row in rows
        ]

    def of_dispatches(
        self, dispatch_ids: Iterable[int], lots: Iterable[str] | None = None
    ) -> list[ReceiptRecord]:
        rows: list[Any] = []
        for chunk in _chunks(dispatch_ids):
            rows.extend(
                self._rows(
                    select(ReceiptRow)
                    .where(ReceiptRow.dispatch_id.in_(chunk))
                    .order_by(ReceiptRow.id)
                )
            )
        return self._with_lines(rows, lots)

    def facts(self, start: datetime, end: datetime, coop: str | None) -> list[ReceiptFact]:
        query = (
            select(
                WeighingRow.coop_id,
                WeighingRow.product_id,
                WeighingRow.grade,
                ReceiptRow.received_at,
                ReceiptLineRow.village_net_g,
                ReceiptLineRow.hub_net_g,
            )
            .join(ReceiptRow, ReceiptRow.id == ReceiptLineRow.receipt_id)
            .join(WeighingRow, WeighingRow.id == ReceiptLineRow.weighing_id)
            .where(ReceiptRow.received_at >= utc(start), ReceiptRow.received_at < utc(end))
        )
        if coop is not None:
            query = query.where(WeighingRow.coop_id == coop)
        return [
            ReceiptFact(
                row.coop_id,
                row.product_id,
                row.grade,
                utc(row.received_at).astimezone(HUB_TZ).date(),
                row.village_net_g,
                row.hub_net_g,
            )
            for row in self._rows(query)
        ]


# ---- recalls, orders, catalogue, reports, audit ----


def recall_from_row(row: Any) -> RecallRecord:
    return RecallRecord(
        id=row.id,
        scope=RecallScope(
            lot=row.lot_id,
            member=row.member_id,
            station=row.station_id,
            from_time=_opt_utc(row.from_time),
            to_time=_opt_utc(row.to_time),
        ),
        reason=row.reason,
        created_at=utc(row.created_at),
        created_by=row.created_by,
        released_at=_opt_utc(row.released_at),
        released_by=row.released_by,
    )


class SqlRecallRepository(_Repository, RecallRepository):
    def add(self, recall: RecallRecord) -> int:
        scope = recall.scope
        return int(
            self.connection.execute(
                insert(RecallRow)
                .values(
                    created_at=utc(recall.created_at),
                    created_by=recall.created_by,
                    reason=recall.reason,
                    lot_id=scope.lot,
                    member_id=scope.member,
                    station_id=scope.station,
                    from_time=_opt_utc(scope.from_time),
                    to_time=_opt_utc(scope.to_time),
                )
                .returning(RecallRow.id)
            ).scalar_one()
        )

    def get(self, recall_id: int) -> RecallRecord | None:
        row = self.connection.execute(
            select(RecallRow).where(RecallRow.id == recall_id)
        ).one_or_none()
        return None if row is None else recall_from_row(row)

    def release(self, recall_id: int, *, at: datetime, by: str) -> None:
        self.connection.execute(
            update(RecallRow)
            .where(RecallRow.id == recall_id, RecallRow.released_at.is_(None))
            .values(released_at=utc(at), released_by=by)
        )

    def active(self) -> list[RecallRecord]:
        rows = self._rows(
            select(RecallRow).where(RecallRow.released_at.is_(None)).order_by(RecallRow.id)
        )
        return [recall_from_row(row) for row in rows]


def order_from_row(row: Any) -> OrderRecord:
    return OrderRecord(
        id=row.id,
        partner=row.partner,
        product=row.product_id,
        grade=row.grade,
        quantity_g=row.quantity_g,
        window_start=utc(row.window_start),
        window_end=utc(row.window_end),
        status=row.status,
        trip_id=row.trip_id,
    )


class SqlOrderRepository(_Repository, OrderRepository):
    def add_order(self, order: OrderRecord) -> None:
        self.connection.execute(
            insert(OrderRow).values(
                id=order.id,
                partner=order.partner,
                product_id=order.product,
                grade=order.grade,
                quantity_g=order.quantity_g,
                window_start=utc(order.window_start),
                window_end=utc(order.window_end),
                status=order.status,
                trip_id=order.trip_id,
            )
        )

    def add_trip(self, trip: TripRecord) -> None:
        self.connection.execute(
            insert(TripRow).values(
                id=trip.id, vehicle=trip.vehicle, day=trip.day, stops=list(trip.stops)
            )
        )

    def get(self, order_id: str) -> OrderRecord | None:
        row = self.connection.execute(select(OrderRow).where(OrderRow.id == order_id)).one_or_none()
        return None if row is None else order_from_row(row)


class SqlCatalogRepository(_Repository, CatalogRepository):
    def add_products(self, products: list[ProductRecord]) -> None:
        if products:
            self.connection.execute(
                insert(Product),
                [
                    {"id": p.id, "name": p.name, "shelf_life_days": p.shelf_life_days}
                    for p in products
                ],
            )

    def add_grades(self, grades: list[GradeRecord]) -> None:
        if grades:
            self.connection.execute(
                insert(Grade),
                [
                    {"code": g.code, "product_id": g.product, "grade": g.grade, "gtin": g.gtin}
                    for g in grades
                ],
            )

    def add_members(self, members: list[MemberRecord], *, at: datetime) -> None:
        if members:
            self.connection.execute(
                insert(Member),
                [
                    {
                        "id": m.id,
                        "coop_id": m.coop,
                        "name": m.name,
                        "village": m.village,
                        "registered_at": utc(at),
                    }
                    for m in members
                ],
            )

    def add_crate_types(self, crate_types: list[CrateTypeRecord]) -> None:
        if crate_types:
            self.connection.execute(
                insert(CrateType),
                [{"id": c.id, "name": c.name, "tare_g": c.tare_g} for c in crate_types],
            )

    def set_gs1_identity(self, coop: str, identity: Gs1Identity) -> None:
        values = {
            "company_prefix": identity.company_prefix,
            "extension_digit": identity.extension_digit,
        }
        changed = self.connection.execute(
            update(GS1Settings).where(GS1Settings.coop_id == coop).values(values)
        )
        if changed.rowcount == 0:
            self.connection.execute(
                insert(GS1Settings).values(coop_id=coop, next_serial=1, **values)
            )

    def grades(self) -> dict[str, tuple[str, str]]:
        rows = self._rows(select(Grade.code, Grade.product_id, Grade.grade))
        return {row.code: (row.product_id, row.grade) for row in rows}

    def gtins(self) -> dict[tuple[str, str], str]:
        rows = self._rows(
            select(Grade.product_id, Grade.grade, Grade.gtin).where(Grade.gtin.is_not(None))
        )
        return {(row.product_id, row.grade): row.gtin for row in rows}

    def gs1_identity(self, coop: str) -> Gs1Identity | None:
        row = self.connection.execute(
            select(GS1Settings.company_prefix, GS1Settings.extension_digit).where(
                GS1Settings.coop_id == coop
            )
        ).one_or_none()
        return None if row is None else Gs1Identity(row.company_prefix, row.extension_digit)

    def next_sscc(self, coop: str) -> str:
        return allocate_sscc(self.connection, coop)

    def member_exists(self, member: str) -> bool:
        found = self.connection.execute(select(Member.id).where(Member.id == member)).first()
        return found is not None

    def stations_of(self, coop: str) -> list[str]:
        return list(
            self.connection.execute(
                select(Station.id).where(Station.coop_id == coop).order_by(Station.id)
            ).scalars()
        )


class SqlReportRepository(_Repository, ReportRepository):
    def kg_by_product(
        self, *, start: datetime, end: datetime, member: str | None = None, coop: str | None = None
    ) -> list[KgLine]:
        w = WeighingRow
        query = (
            select(
                w.product_id,
                w.grade,
                func.count().label("crates"),
                func.sum(w.net_g).label("net_g"),
            )
            .where(
                w.weighed_at >= utc(start),
                w.weighed_at < utc(end),
                w.voided_by_event_id.is_(None),
            )
            .group_by(w.product_id, w.grade)
        )
        if member is not None:
            query = query.where(w.member_id == member)
        if coop is not None:
            query = query.where(w.coop_id == coop)
        return [
            KgLine(row.product_id, row.grade, int(row.crates), int(row.net_g))
            for row in self._rows(query)
        ]

    def status_reports(
        self, stations: Iterable[str], start: datetime, end: datetime
    ) -> list[StatusReport]:
        h = StationStatusHistory
        reports: list[StatusReport] = []
        for station in stations:
            before = self.connection.execute(
                select(h)
                .where(h.station_id == station, h.at < utc(start))
                .order_by(h.at.desc())
                .limit(1)
            ).all()
            within = self._rows(
                select(h)
                .where(h.station_id == station, h.at >= utc(start), h.at < utc(end))
                .order_by(h.at)
            )
            reports.extend(
                StatusReport(row.station_id, utc(row.at), row.online, row.backlog)
                for row in (*before, *within)
            )
        return reports

    def weighings_between(self, start: datetime, end: datetime, limit: int) -> list[WeighingRecord]:
        w = WeighingRow
        rows = self._rows(
            select(w)
            .where(w.weighed_at >= utc(start), w.weighed_at < utc(end))
            .order_by(w.weighed_at, w.id)
            .limit(limit)
        )
        return [weighing_from_row(row) for row in rows]

    def lots_between(self, start: datetime, end: datetime) -> list[LotRecord]:
        rows = self._rows(
            select(LotRow)
            .where(LotRow.closed_at >= utc(start), LotRow.closed_at < utc(end))
            .order_by(LotRow.closed_at, LotRow.id)
        )
        return [lot_from_row(row) for row in rows]

    def dispatches_between(self, start: datetime, end: datetime) -> list[DispatchRecord]:
        return SqlDispatchRepository(self.connection)._with_lots(
            self._rows(
                select(DispatchRow)
                .where(DispatchRow.departed_at >= utc(start), DispatchRow.departed_at < utc(end))
                .order_by(DispatchRow.departed_at, DispatchRow.id)
            )
        )

    def receipts_between(self, start: datetime, end: datetime) -> list[ReceiptRecord]:
        return SqlReceiptRepository(self.connection)._with_lines(
            self._rows(
                select(ReceiptRow)
                .where(ReceiptRow.received_at >= utc(start), ReceiptRow.received_at < utc(end))
                .order_by(ReceiptRow.received_at, ReceiptRow.id)
            )
        )


class SqlAuditRepository(_Repository, AuditRepository):
    def add(self, entries: list[AuditRecord]) -> None:
        if entries:
            self.connection.execute(
                insert(AuditEntry),
                [
                    {
                        "at": utc(entry.at),
                        "actor": entry.actor[:64],
                        "action": entry.action,
                        "subject": entry.subject[:200],
                        "detail": dict(entry.detail),
                    }
                    for entry in entries
                ],
            )


_TRACED: Final = (
    WeighingRow.id,
    WeighingRow.event_id,
    WeighingRow.coop_id,
    WeighingRow.station_id,
    WeighingRow.seq,
    WeighingRow.member_id,
    WeighingRow.product_code,
    WeighingRow.product_id,
    WeighingRow.grade,
    WeighingRow.crate_id,
    WeighingRow.gross_g,
    WeighingRow.tare_g,
    WeighingRow.net_g,
    WeighingRow.raw_weight,
    WeighingRow.raw_unit,
    WeighingRow.stable,
    WeighingRow.driver,
    WeighingRow.station_time,
    WeighingRow.clock_synced,
    WeighingRow.weighed_at,
    WeighingRow.time_source,
    WeighingRow.received_at,
    WeighingRow.lot_id,
    WeighingRow.voided_by_event_id,
    WeighingRow.voided_by,
)
"""A weighing's columns in the order of ``WeighingRecord``'s fields (a test holds the two
together), so a page of a trace becomes records by position, in a third of the time by name."""

_TRACED_TIMES: Final = (17, 19, 21)


def _traced(row: Sequence[Any]) -> WeighingRecord:
    values = list(row)
    for index in _TRACED_TIMES:
        values[index] = utc(values[index])
    return WeighingRecord(*values)


def _one_of(column: Any, name: str, arrays: bool) -> ColumnElement[bool]:
    """``column`` is one of the values bound to ``name``: on PostgreSQL one array, so the
    statement reads the same however many there are and is prepared once per connection, not
    planned on every trace; elsewhere an IN list, in batches of ``CHUNK``."""
    condition: ColumnElement[bool] = (
        column == any_(bindparam(name, type_=ARRAY(column.type)))
        if arrays
        else column.in_(bindparam(name, expanding=True))
    )
    return condition


# Each statement of a trace is built once per kind of database (and variant) and then only
# executed: building a fresh one and matching its result columns to the cached compiled form
# costs more than a small query does.


@cache
def _page_query(arrays: bool, *, after: bool, limit: bool) -> Executable:
    w = WeighingRow
    query = select(*_TRACED).where(_one_of(w.lot_id, "lots", arrays)).order_by(w.weighed_at, w.id)
    if after:
        at, last = bindparam("at", type_=w.weighed_at.type), bindparam("last", type_=w.id.type)
        query = query.where(or_(w.weighed_at > at, and_(w.weighed_at == at, w.id > last)))
    return query.limit(bindparam("limit", type_=Integer())) if limit else query


@cache
def _lots_query(arrays: bool) -> Executable:
    return select(LotRow).where(_one_of(LotRow.id, "ids", arrays))


@cache
def _weighing_query(by: str) -> Executable:
    w = WeighingRow
    if by == "id":
        return select(*_TRACED).where(w.id == bindparam("id"))
    return (
        select(*_TRACED)
        .where(w.crate_id == bindparam("crate"), w.voided_by_event_id.is_(None))
        .order_by(w.weighed_at.desc(), w.id.desc())
        .limit(1)
    )


@cache
def _tallies_query(arrays: bool) -> Executable:
    w = WeighingRow
    live = w.voided_by_event_id.is_(None)
    mine = _one_of(w.lot_id, "lots", arrays)
    counts = (
        func.count().label("weighings"),
        func.sum(case((live, 1), else_=0)).label("crates"),
        func.sum(case((live, w.net_g), else_=0)).label("net_g"),
    )
    return union_all(
        select(
            literal("member").label("by"),
            w.member_id.label("first"),
            w.station_id.label("second"),
            *counts,
        )
        .where(mine)
        .group_by(w.member_id, w.station_id),
        select(literal("product"), w.product_id, w.grade, *counts)
        .where(mine)
        .group_by(w.product_id, w.grade),
    )


@cache
def _dispatches_query(by: str, arrays: bool) -> Executable:
    d, dl = DispatchRow, DispatchLot
    condition = {
        "code": d.code == bindparam("code"),
        "sscc": d.sscc == bindparam("sscc"),
        "lots": d.id.in_(select(dl.dispatch_id).where(_one_of(dl.lot_id, "lots", arrays))),
    }[by]
    return (
        select(d, dl.lot_id.label("dispatched_lot"))
        .join(dl, dl.dispatch_id == d.id)
        .where(condition)
    )


@cache
def _lines_of(by: str, arrays: bool) -> ColumnElement[bool]:
    """The receipt lines of the weighings bound to ``lines`` (``by`` ``weighings``) or of the
    lots bound to it (``lots``); of none at all (``none``)."""
    line = ReceiptLineRow
    if by == "weighings":
        return _one_of(line.weighing_id, "lines", arrays)
    if by == "lots":
        return _one_of(line.lot_id, "lines", arrays)
    return false()


@cache
def _receipts_query(lines: str, arrays: bool) -> Executable:
    r, line = ReceiptRow, ReceiptLineRow
    return (
        select(
            r.id,
            r.dispatch_id,
            r.received_at,
            r.operator,
            line.weighing_id,
            line.lot_id,
            line.village_net_g,
            line.hub_net_g,
            line.shrinkage_g,
        )
        .outerjoin(line, and_(line.receipt_id == r.id, _lines_of(lines, arrays)))
        .where(_one_of(r.dispatch_id, "dispatches", arrays))
        .order_by(r.id, line.id)
    )


@cache
def _receipt_totals_query(lines: str, arrays: bool) -> Executable:
    r, line = ReceiptRow, ReceiptLineRow
    sums = (
        select(
            line.receipt_id,
            func.count().label("crates"),
            func.sum(line.village_net_g).label("village"),
            func.sum(line.hub_net_g).label("hub"),
            func.sum(line.shrinkage_g).label("shrinkage"),
        )
        .where(_lines_of(lines, arrays))
        .group_by(line.receipt_id)
        .subquery()
    )
    return (
        select(
            r.id,
            r.dispatch_id,
            r.received_at,
            r.operator,
            sums.c.crates,
            sums.c.village,
            sums.c.hub,
            sums.c.shrinkage,
        )
        .outerjoin(sums, sums.c.receipt_id == r.id)
        .where(_one_of(r.dispatch_id, "dispatches", arrays))
        .order_by(r.id)
    )


@cache
def _receipt_lines_query(arrays: bool) -> Executable:
    line = ReceiptLineRow
    return (
        select(
            line.receipt_id,
            line.weighing_id,
            line.lot_id,
            line.village_net_g,
            line.hub_net_g,
            line.shrinkage_g,
        )
        .where(_one_of(line.weighing_id, "weighings", arrays))
        .order_by(line.id)
    )


@cache
def _deliveries_query(arrays: bool) -> Executable:
    m, o, t = StockMoveRow, OrderRow, TripRow
    return (
        select(
            m,
            o.id.label("order"),
            o.partner.label("order_partner"),
            o.product_id.label("order_product"),
            o.grade.label("order_grade"),
            o.quantity_g.label("order_quantity_g"),
            o.window_start.label("order_window_start"),
            o.window_end.label("order_window_end"),
            o.status.label("order_status"),
            o.trip_id.label("order_trip"),
            t.id.label("trip"),
            t.vehicle.label("trip_vehicle"),
            t.day.label("trip_day"),
            t.stops.label("trip_stops"),
        )
        .outerjoin(o, o.id == m.order_id)
        .outerjoin(t, t.id == o.trip_id)
        .where(
            _one_of(m.lot_id, "lots", arrays),
            m.to_location.like(f"{LocationKind.PARTNER.value}/%"),
        )
        .order_by(m.id)
    )


@cache
def _members_and_stations_query(arrays: bool) -> Executable:
    m, s = Member, Station
    return union_all(
        select(literal("member").label("kind"), m.id, m.coop_id, m.name, m.village).where(
            _one_of(m.id, "members", arrays)
        ),
        select(literal("station"), s.id, s.coop_id, s.name, s.kecamatan).where(
            _one_of(s.id, "stations", arrays)
        ),
    )


class SqlTraceSource(_Repository):
    """``hub.domain.trace.TraceSource`` over the database.

    A pallet names thousands of weighings: only the page asked for is read row by row, with the
    receipt lines of that page found by weighing, and what a trace reports of all of them
    (tallies by member, station, product and grade; receipt totals) is summed by the database.
    Each read is one statement where it can be: a dispatch with its lots, receipts with their
    lines or their totals, members with stations, picks with their orders and trips.
    """

    def __init__(self, connection: Connection) -> None:
        super().__init__(connection)
        self._arrays = connection.dialect.name == "postgresql"

    def _batches(self, values: Iterable[Any]) -> list[list[Any]]:
        """``values`` as ``_one_of`` binds them: one batch on PostgreSQL, none if empty."""
        batch = sorted(set(values), key=str)
        if not batch:
            return []
        return [batch] if self._arrays else list(_chunks(batch))

    def lots(self, ids: Iterable[str]) -> list[LotRecord]:
        return [
            lot_from_row(row)
            for batch in self._batches(ids)
            for row in self.connection.execute(_lots_query(self._arrays), {"ids": batch}).all()
        ]

    def weighing(self, weighing_id: int) -> WeighingRecord | None:
        row = self.connection.execute(_weighing_query("id"), {"id": weighing_id}).one_or_none()
        return None if row is None else _traced(row)

    def weighings_of_lots(
        self,
        lots: Iterable[str],
        *,
        after: tuple[datetime, int] | None = None,
        limit: int | None = None,
    ) -> list[WeighingRecord]:
        query = _page_query(self._arrays, after=after is not None, limit=limit is not None)
        params: dict[str, Any] = {"limit": limit}
        if after is not None:
            params.update(at=utc(after[0]), last=after[1])
        batches = self._batches(lots)
        records = [
            _traced(row)
            for batch in batches
            for row in self.connection.execute(query, {**params, "lots": batch}).all()
        ]
        if len(batches) > 1:
            records.sort(key=lambda record: (record.weighed_at, record.id))
        return records[:limit]

    def tallies_of_lots(self, lots: Iterable[str]) -> Tallies:
        sums: defaultdict[tuple[str, Any, Any], list[int]] = defaultdict(lambda: [0, 0, 0])
        query = _tallies_query(self._arrays)
        for batch in self._batches(lots):
            for by, first, second, *counts in self.connection.execute(query, {"lots": batch}).all():
                into = sums[(by, first, second)]
                for n, count in enumerate(counts):
                    into[n] += int(count or 0)
        return Tallies(
            [MemberTally(a, b, Tally(*c)) for (by, a, b), c in sums.items() if by == "member"],
            [ProductTally(a, b, Tally(*c)) for (by, a, b), c in sums.items() if by == "product"],
        )

    def latest_weighing_of_crate(self, crate: str) -> WeighingRecord | None:
        row = self.connection.execute(_weighing_query("crate"), {"crate": crate}).one_or_none()
        return None if row is None else _traced(row)

    def _dispatches(self, by: str, params: Iterable[dict[str, Any]]) -> list[DispatchRecord]:
        lots: defaultdict[int, list[str]] = defaultdict(list)
        first: dict[int, Any] = {}
        for bound in params:
            for row in self.connection.execute(_dispatches_query(by, self._arrays), bound).all():
                lots[row.id].append(row.dispatched_lot)
                first.setdefault(row.id, row)
        return [dispatch_from_row(row, lots[row.id]) for row in first.values()]

    def dispatches_by_code(self, code: str) -> list[DispatchRecord]:
        return self._dispatches("code", [{"code": code}])

    def dispatches_by_sscc(self, sscc: str) -> list[DispatchRecord]:
        return self._dispatches("sscc", [{"sscc": sscc}])

    def dispatches_of_lots(self, lots: Iterable[str]) -> list[DispatchRecord]:
        return self._dispatches("lots", [{"lots": batch} for batch in self._batches(lots)])

    def _lines(
        self, lots: Iterable[str], weighing_ids: Iterable[int] | None
    ) -> tuple[str, list[list[Any]]]:
        """Which receipt lines: those of ``weighing_ids`` if given (they are of ``lots``), else
        those of ``lots``; as ``_lines_of`` selects them, with the values to bind."""
        by, batches = (
            ("lots", self._batches(lots))
            if weighing_ids is None
            else ("weighings", self._batches(weighing_ids))
        )
        return (by, batches) if batches else ("none", [[]])

    def receipts_of_dispatches(
        self,
        dispatch_ids: Iterable[int],
        lots: Iterable[str],
        weighing_ids: Iterable[int] | None = None,
    ) -> list[ReceiptRecord]:
        by, line_batches = self._lines(lots, weighing_ids)
        query = _receipts_query(by, self._arrays)
        receipts: dict[int, Any] = {}
        lines: defaultdict[int, list[ReceiptLine]] = defaultdict(list)
        for dispatches, of_lines in product(self._batches(dispatch_ids), line_batches):
            for row in self.connection.execute(
                query, {"dispatches": dispatches, "lines": of_lines}
            ).all():
                receipts.setdefault(row.id, row)
                if row.weighing_id is not None:
                    lines[row.id].append(
                        ReceiptLine(
                            row.weighing_id,
                            row.lot_id,
                            row.village_net_g,
                            row.hub_net_g,
                            row.shrinkage_g,
                        )
                    )
        return [
            ReceiptRecord(
                row.id, row.dispatch_id, utc(row.received_at), row.operator, tuple(lines[row.id])
            )
            for row in receipts.values()
        ]

    def receipt_totals(
        self,
        dispatch_ids: Iterable[int],
        lots: Iterable[str],
        weighing_ids: Iterable[int] | None = None,
    ) -> list[tuple[ReceiptRecord, ReceiptTally]]:
        by, line_batches = self._lines(lots, weighing_ids)
        query = _receipt_totals_query(by, self._arrays)
        receipts: dict[int, ReceiptRecord] = {}
        sums: defaultdict[int, ReceiptTally] = defaultdict(ReceiptTally)
        for dispatches, of_lines in product(self._batches(dispatch_ids), line_batches):
            for row in self.connection.execute(
                query, {"dispatches": dispatches, "lines": of_lines}
            ).all():
                receipts.setdefault(
                    row.id,
                    ReceiptRecord(row.id, row.dispatch_id, utc(row.received_at), row.operator),
                )
                if row.crates:
                    sums[row.id] += ReceiptTally(
                        int(row.crates), int(row.village), int(row.hub), int(row.shrinkage)
                    )
        return [(receipt, sums[receipt.id]) for receipt in receipts.values()]

    def receipt_lines(self, weighing_ids: Iterable[int]) -> dict[int, list[ReceiptLine]]:
        lines: defaultdict[int, list[ReceiptLine]] = defaultdict(list)
        for batch in self._batches(weighing_ids):
            for receipt, *fields in self.connection.execute(
                _receipt_lines_query(self._arrays), {"weighings": batch}
            ).all():
                lines[receipt].append(ReceiptLine(*fields))
        return dict(lines)

    def deliveries_of_lots(self, lots: Iterable[str]) -> Deliveries:
        picks: list[Move] = []
        orders: dict[str, OrderRecord] = {}
        trips: dict[str, TripRecord] = {}
        for batch in self._batches(lots):
            for row in self.connection.execute(
                _deliveries_query(self._arrays), {"lots": batch}
            ).all():
                picks.append(move_from_row(row))
                if row.order is not None:
                    orders[row.order] = OrderRecord(
                        id=row.order,
                        partner=row.order_partner,
                        product=row.order_product,
                        grade=row.order_grade,
                        quantity_g=row.order_quantity_g,
                        window_start=utc(row.order_window_start),
                        window_end=utc(row.order_window_end),
                        status=row.order_status,
                        trip_id=row.order_trip,
                    )
                if row.trip is not None:
                    trips[row.trip] = TripRecord(
                        row.trip, row.trip_vehicle, row.trip_day, tuple(row.trip_stops)
                    )
        return Deliveries(picks, list(orders.values()), list(trips.values()))

    def members_and_stations(
        self, member_ids: Iterable[str], station_ids: Iterable[str]
    ) -> tuple[list[MemberRecord], list[StationRecord]]:
        members: list[MemberRecord] = []
        stations: list[StationRecord] = []
        query = _members_and_stations_query(self._arrays)
        empty: list[Any] = []
        batches = zip_longest(
            self._batches(member_ids), self._batches(station_ids), fillvalue=empty
        )
        for of_members, of_stations in batches:
            for kind, *fields in self.connection.execute(
                query, {"members": of_members, "stations": of_stations}
            ).all():
                if kind == "member":
                    members.append(MemberRecord(*fields))
                else:
                    stations.append(StationRecord(*fields))
        return members, stations
