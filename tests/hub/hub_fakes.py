"""``FakeUnitOfWork``: the service layer's repositories in memory, for unit tests of services.

It implements the same abstract repositories as ``SqlAlchemyUnitOfWork``; ``committed`` counts
commits and a block left without ``commit()`` throws its writes away, as a transaction would.
"""

from __future__ import annotations

import copy
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from datetime import date, datetime, timedelta
from typing import Any, Self

from hub.domain.catalog import CrateTypeRecord, GradeRecord, ProductRecord
from hub.domain.projection import HUB_TZ, Anchor, LotRecord, StationEventRecord, WeighingRecord
from hub.domain.reports import KgLine, ReceiptFact, StatusReport
from hub.domain.stock import Location, LocationKind, Move, StockKey, balances
from hub.domain.trace import (
    Deliveries,
    DispatchRecord,
    MemberRecord,
    OrderRecord,
    RecallScope,
    ReceiptLine,
    ReceiptRecord,
    ReceiptTally,
    StationRecord,
    Tallies,
    TripRecord,
    tally,
    tally_receipts,
)
from hub.services.unit_of_work import (
    AbstractUnitOfWork,
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
from labels.gs1 import build_sscc


@dataclass
class Store:
    """Everything the fake database holds."""

    events: list[StationEventRecord] = field(default_factory=list)
    contiguous: dict[str, int] = field(default_factory=dict)
    projected: dict[str, int] = field(default_factory=dict)
    weighings: dict[int, WeighingRecord] = field(default_factory=dict)
    lots: dict[str, LotRecord] = field(default_factory=dict)
    moves: list[Move] = field(default_factory=list)
    dispatches: dict[int, DispatchRecord] = field(default_factory=dict)
    receipts: dict[int, ReceiptRecord] = field(default_factory=dict)
    recalls: dict[int, RecallRecord] = field(default_factory=dict)
    orders: dict[str, OrderRecord] = field(default_factory=dict)
    trips: dict[str, TripRecord] = field(default_factory=dict)
    products: dict[str, ProductRecord] = field(default_factory=dict)
    grades: dict[str, GradeRecord] = field(default_factory=dict)
    members: dict[str, MemberRecord] = field(default_factory=dict)
    crate_types: dict[str, CrateTypeRecord] = field(default_factory=dict)
    stations: dict[str, StationRecord] = field(default_factory=dict)
    gs1: dict[str, Gs1Identity] = field(default_factory=dict)
    sscc_serials: dict[str, int] = field(default_factory=dict)
    statuses: list[StatusReport] = field(default_factory=list)
    audit: list[AuditRecord] = field(default_factory=list)

    def add_events(self, events: Iterable[StationEventRecord]) -> None:
        """What ingest does: store, then advance each station's contiguous seq."""
        self.events.extend(events)
        for station in {e.station for e in self.events}:
            seqs = {e.seq for e in self.events if e.station == station}
            current = self.contiguous.get(station, 0)
            while current + 1 in seqs:
                current += 1
            self.contiguous[station] = current


class _Fake:
    def __init__(self, store: Store) -> None:
        self.store = store


class FakeEvents(_Fake, EventRepository):
    def stations_behind(self) -> list[str]:
        s = self.store
        return sorted(st for st, seq in s.contiguous.items() if s.projected.get(st, 0) < seq)

    def claim(self, station: str, limit: int) -> tuple[int, int] | None:
        after = self.store.projected.get(station, 0)
        contiguous = self.store.contiguous.get(station, 0)
        if after >= contiguous:
            return None
        up_to = min(contiguous, after + limit)
        self.store.projected[station] = up_to
        return after, up_to

    def load(self, station: str, after: int, up_to: int) -> list[StationEventRecord]:
        return sorted(
            (e for e in self.store.events if e.station == station and after < e.seq <= up_to),
            key=lambda e: e.seq,
        )

    def anchors(self, station: str, boots: Iterable[int]) -> dict[int, Anchor]:
        found: dict[int, Anchor] = {}
        for boot in boots:
            synced = sorted(
                (
                    e
                    for e in self.store.events
                    if e.station == station and e.boot == boot and e.clock_synced
                ),
                key=lambda e: e.seq,
            )
            if synced:
                found[boot] = Anchor(synced[0].station_time, synced[0].monotonic_ms)
        return found


class FakeWeighings(_Fake, WeighingRepository):
    def add(self, weighings: list[WeighingRecord]) -> None:
        for w in weighings:
            assert w.id not in self.store.weighings, f"weighing {w.id} stored twice"
            self.store.weighings[w.id] = w

    def open_by_crates(
        self, station: str, crates: Iterable[str]
    ) -> dict[str, list[WeighingRecord]]:
        wanted = set(crates)
        found: defaultdict[str, list[WeighingRecord]] = defaultdict(list)
        for w in self.store.weighings.values():
            if (
                w.station == station
                and w.crate in wanted
                and w.lot is None
                and w.voided_by_event_id is None
            ):
                found[w.crate].append(w)
        return dict(found)

    def by_event_ids(self, event_ids: Iterable[str]) -> dict[str, WeighingRecord]:
        wanted = set(event_ids)
        return {w.event_id: w for w in self.store.weighings.values() if w.event_id in wanted}

    def assign_lots(self, lots: Mapping[int, str]) -> None:
        for wid, lot in lots.items():
            self.store.weighings[wid] = replace(self.store.weighings[wid], lot=lot)

    def mark_voids(self, voids: Mapping[int, tuple[str, str | None]]) -> None:
        for wid, (event, by) in voids.items():
            self.store.weighings[wid] = replace(
                self.store.weighings[wid], voided_by_event_id=event, voided_by=by
            )

    def of_lots(self, lots: Iterable[str]) -> list[WeighingRecord]:
        wanted = set(lots)
        return [w for w in self.store.weighings.values() if w.lot in wanted]

    def in_transit_by_crates(self, crates: Iterable[str]) -> dict[str, WeighingRecord]:
        wanted = set(crates)
        dispatched = {lot for d in self.store.dispatches.values() for lot in d.lots}
        received = {line.weighing_id for r in self.store.receipts.values() for line in r.lines}
        found: dict[str, WeighingRecord] = {}
        for w in sorted(self.store.weighings.values(), key=lambda w: w.id):
            if (
                w.crate in wanted
                and w.lot in dispatched
                and w.voided_by_event_id is None
                and w.id not in received
            ):
                found[w.crate] = w
        return found

    def matching(self, scope: RecallScope) -> list[WeighingRecord]:
        return sorted(
            (w for w in self.store.weighings.values() if scope.covers(w)),
            key=lambda w: (w.weighed_at, w.id),
        )


class FakeLots(_Fake, LotRepository):
    def add(self, lots: list[LotRecord]) -> None:
        for lot in lots:
            assert lot.id not in self.store.lots
            self.store.lots[lot.id] = lot

    def get(self, ids: Iterable[str]) -> dict[str, LotRecord]:
        return {i: self.store.lots[i] for i in set(ids) if i in self.store.lots}

    def best_before(self, ids: Iterable[str]) -> dict[tuple[str, str], date]:
        wanted = set(ids)
        found: dict[tuple[str, str], date] = {}
        for move in self.store.moves:
            lot, product = move.key.lot, move.key.product
            if lot in wanted and lot in self.store.lots and product in self.store.products:
                days = self.store.products[product].shelf_life_days
                found[(lot, product)] = self.store.lots[lot].pack_date + timedelta(days=days)
        return found

    def at_station(self, coop: str | None) -> list[LotRecord]:
        dispatched = {lot for d in self.store.dispatches.values() for lot in d.lots}
        return sorted(
            (
                lot
                for lot in self.store.lots.values()
                if lot.id not in dispatched and (coop is None or lot.coop == coop)
            ),
            key=lambda lot: (lot.closed_at, lot.id),
        )


class FakeMoves(_Fake, MoveRepository):
    def add(self, moves: list[Move]) -> list[Move]:
        start = len(self.store.moves) + 1
        stored = [replace(m, id=start + i) for i, m in enumerate(moves)]
        self.store.moves.extend(stored)
        return stored

    def balances(
        self,
        *,
        location: Location | None = None,
        lots: Iterable[str] | None = None,
        coop: str | None = None,
    ) -> dict[tuple[StockKey, Location], int]:
        wanted = None if lots is None else set(lots)
        return {
            (key, place): grams
            for (key, place), grams in balances(self.store.moves).items()
            if place.physical
            and (location is None or place == location)
            and (wanted is None or key.lot in wanted)
            and (coop is None or key.coop == coop)
        }

    def picks_of_lots(self, lots: Iterable[str]) -> list[Move]:
        wanted = set(lots)
        return [
            m
            for m in self.store.moves
            if m.key.lot in wanted and m.destination.kind is LocationKind.PARTNER
        ]


class FakeDispatches(_Fake, DispatchRepository):
    def add(self, dispatch: DispatchRecord) -> int:
        new_id = len(self.store.dispatches) + 1
        self.store.dispatches[new_id] = replace(dispatch, id=new_id)
        return new_id

    def by_code(self, code: str) -> DispatchRecord | None:
        return next((d for d in self.store.dispatches.values() if d.code == code), None)

    def of_lots(self, lots: Iterable[str]) -> list[DispatchRecord]:
        wanted = set(lots)
        return [d for d in self.store.dispatches.values() if wanted & set(d.lots)]

    def between(self, coop: str, start: datetime, end: datetime) -> list[DispatchRecord]:
        return [
            d
            for d in self.store.dispatches.values()
            if d.coop == coop and start <= d.departed_at < end
        ]


class FakeReceipts(_Fake, ReceiptRepository):
    def add(self, receipt: ReceiptRecord) -> int:
        new_id = len(self.store.receipts) + 1
        self.store.receipts[new_id] = replace(receipt, id=new_id)
        return new_id

    def received(self, weighing_ids: Iterable[int]) -> set[int]:
        done = {line.weighing_id for r in self.store.receipts.values() for line in r.lines}
        return done & set(weighing_ids)

    def of_dispatches(
        self, dispatch_ids: Iterable[int], lots: Iterable[str] | None = None
    ) -> list[ReceiptRecord]:
        wanted = set(dispatch_ids)
        only = None if lots is None else set(lots)
        return [
            replace(r, lines=tuple(x for x in r.lines if only is None or x.lot in only))
            for r in self.store.receipts.values()
            if r.dispatch_id in wanted
        ]

    def facts(self, start: datetime, end: datetime, coop: str | None) -> list[ReceiptFact]:
        found = []
        for r in self.store.receipts.values():
            if not start <= r.received_at < end:
                continue
            for line in r.lines:
                w = self.store.weighings[line.weighing_id]
                if coop is None or w.coop == coop:
                    day = r.received_at.astimezone(HUB_TZ).date()
                    found.append(
                        ReceiptFact(
                            w.coop, w.product, w.grade, day, line.village_net_g, line.hub_net_g
                        )
                    )
        return found


class FakeRecalls(_Fake, RecallRepository):
    def add(self, recall: RecallRecord) -> int:
        new_id = len(self.store.recalls) + 1
        self.store.recalls[new_id] = replace(recall, id=new_id)
        return new_id

    def get(self, recall_id: int) -> RecallRecord | None:
        return self.store.recalls.get(recall_id)

    def release(self, recall_id: int, *, at: datetime, by: str) -> None:
        found = self.store.recalls[recall_id]
        if found.active:
            self.store.recalls[recall_id] = replace(found, released_at=at, released_by=by)

    def active(self) -> list[RecallRecord]:
        return [r for r in self.store.recalls.values() if r.active]


class FakeOrders(_Fake, OrderRepository):
    def add_order(self, order: OrderRecord) -> None:
        self.store.orders[order.id] = order

    def add_trip(self, trip: TripRecord) -> None:
        self.store.trips[trip.id] = trip

    def get(self, order_id: str) -> OrderRecord | None:
        return self.store.orders.get(order_id)


class FakeCatalog(_Fake, CatalogRepository):
    def add_products(self, products: list[ProductRecord]) -> None:
        self.store.products.update({p.id: p for p in products})

    def add_grades(self, grades: list[GradeRecord]) -> None:
        self.store.grades.update({g.code: g for g in grades})

    def add_members(self, members: list[MemberRecord], *, at: datetime) -> None:
        self.store.members.update({m.id: m for m in members})

    def add_crate_types(self, crate_types: list[CrateTypeRecord]) -> None:
        self.store.crate_types.update({c.id: c for c in crate_types})

    def set_gs1_identity(self, coop: str, identity: Gs1Identity) -> None:
        self.store.gs1[coop] = identity
        self.store.sscc_serials.setdefault(coop, 1)

    def grades(self) -> dict[str, tuple[str, str]]:
        return {g.code: (g.product, g.grade) for g in self.store.grades.values()}

    def gtins(self) -> dict[tuple[str, str], str]:
        return {(g.product, g.grade): g.gtin for g in self.store.grades.values() if g.gtin}

    def gs1_identity(self, coop: str) -> Gs1Identity | None:
        return self.store.gs1.get(coop)

    def next_sscc(self, coop: str) -> str:
        identity = self.store.gs1[coop]
        serial = self.store.sscc_serials[coop]
        self.store.sscc_serials[coop] = serial + 1
        return build_sscc(identity.extension_digit, identity.company_prefix, serial)

    def member_exists(self, member: str) -> bool:
        return member in self.store.members

    def stations_of(self, coop: str) -> list[str]:
        return sorted(s.id for s in self.store.stations.values() if s.coop == coop)


class FakeReports(_Fake, ReportRepository):
    def _weighings(self, start: datetime, end: datetime) -> list[WeighingRecord]:
        return sorted(
            (w for w in self.store.weighings.values() if start <= w.weighed_at < end),
            key=lambda w: (w.weighed_at, w.id),
        )

    def kg_by_product(
        self, *, start: datetime, end: datetime, member: str | None = None, coop: str | None = None
    ) -> list[KgLine]:
        totals: defaultdict[tuple[str, str], list[int]] = defaultdict(lambda: [0, 0])
        for w in self._weighings(start, end):
            if (
                w.voided_by_event_id is None
                and member in (None, w.member)
                and coop in (None, w.coop)
            ):
                totals[(w.product, w.grade)][0] += 1
                totals[(w.product, w.grade)][1] += w.net_g
        return [KgLine(p, g, crates, grams) for (p, g), (crates, grams) in totals.items()]

    def status_reports(
        self, stations: Iterable[str], start: datetime, end: datetime
    ) -> list[StatusReport]:
        found: list[StatusReport] = []
        for station in stations:
            mine = sorted(
                (r for r in self.store.statuses if r.station == station), key=lambda r: r.at
            )
            before = [r for r in mine if r.at < start][-1:]
            found.extend([*before, *(r for r in mine if start <= r.at < end)])
        return found

    def weighings_between(self, start: datetime, end: datetime, limit: int) -> list[WeighingRecord]:
        return self._weighings(start, end)[:limit]

    def lots_between(self, start: datetime, end: datetime) -> list[LotRecord]:
        return [lot for lot in self.store.lots.values() if start <= lot.closed_at < end]

    def dispatches_between(self, start: datetime, end: datetime) -> list[DispatchRecord]:
        return [d for d in self.store.dispatches.values() if start <= d.departed_at < end]

    def receipts_between(self, start: datetime, end: datetime) -> list[ReceiptRecord]:
        return [r for r in self.store.receipts.values() if start <= r.received_at < end]


class FakeAudit(_Fake, AuditRepository):
    def add(self, entries: list[AuditRecord]) -> None:
        self.store.audit.extend(entries)


class FakeTraceSource(_Fake):
    def lots(self, ids: Iterable[str]) -> list[LotRecord]:
        return list(FakeLots(self.store).get(ids).values())

    def weighing(self, weighing_id: int) -> WeighingRecord | None:
        return self.store.weighings.get(weighing_id)

    def weighings_of_lots(
        self,
        lots: Iterable[str],
        *,
        after: tuple[datetime, int] | None = None,
        limit: int | None = None,
    ) -> list[WeighingRecord]:
        ordered = sorted(
            FakeWeighings(self.store).of_lots(lots), key=lambda w: (w.weighed_at, w.id)
        )
        return [w for w in ordered if after is None or (w.weighed_at, w.id) > after][:limit]

    def tallies_of_lots(self, lots: Iterable[str]) -> Tallies:
        return tally(FakeWeighings(self.store).of_lots(lots))

    def latest_weighing_of_crate(self, crate: str) -> WeighingRecord | None:
        found = [
            w
            for w in self.store.weighings.values()
            if w.crate == crate and w.voided_by_event_id is None
        ]
        return max(found, key=lambda w: (w.weighed_at, w.id), default=None)

    def dispatches_by_code(self, code: str) -> list[DispatchRecord]:
        found = FakeDispatches(self.store).by_code(code)
        return [found] if found else []

    def dispatches_by_sscc(self, sscc: str) -> list[DispatchRecord]:
        return [d for d in self.store.dispatches.values() if d.sscc == sscc]

    def dispatches_of_lots(self, lots: Iterable[str]) -> list[DispatchRecord]:
        return FakeDispatches(self.store).of_lots(lots)

    def receipts_of_dispatches(
        self,
        dispatch_ids: Iterable[int],
        lots: Iterable[str],
        weighing_ids: Iterable[int] | None = None,
    ) -> list[ReceiptRecord]:
        only = None if weighing_ids is None else set(weighing_ids)
        return [
            replace(r, lines=tuple(x for x in r.lines if only is None or x.weighing_id in only))
            for r in FakeReceipts(self.store).of_dispatches(dispatch_ids, lots)
        ]

    def receipt_totals(
        self,
        dispatch_ids: Iterable[int],
        lots: Iterable[str],
        weighing_ids: Iterable[int] | None = None,
    ) -> list[tuple[ReceiptRecord, ReceiptTally]]:
        found = self.receipts_of_dispatches(dispatch_ids, lots, weighing_ids)
        totals = tally_receipts(found)
        return [(replace(r, lines=()), totals.get(r.id, ReceiptTally())) for r in found]

    def receipt_lines(self, weighing_ids: Iterable[int]) -> dict[int, list[ReceiptLine]]:
        wanted = set(weighing_ids)
        lines: dict[int, list[ReceiptLine]] = {}
        for r in self.store.receipts.values():
            for line in r.lines:
                if line.weighing_id in wanted:
                    lines.setdefault(r.id, []).append(line)
        return lines

    def deliveries_of_lots(self, lots: Iterable[str]) -> Deliveries:
        picks = FakeMoves(self.store).picks_of_lots(lots)
        orders = [
            self.store.orders[i] for i in {p.order_id for p in picks} if i in self.store.orders
        ]
        trips = [self.store.trips[i] for i in {o.trip_id for o in orders} if i in self.store.trips]
        return Deliveries(picks, orders, trips)

    def members_and_stations(
        self, member_ids: Iterable[str], station_ids: Iterable[str]
    ) -> tuple[list[MemberRecord], list[StationRecord]]:
        return (
            [self.store.members[i] for i in set(member_ids) if i in self.store.members],
            [self.store.stations[i] for i in set(station_ids) if i in self.store.stations],
        )


class FakeUnitOfWork(AbstractUnitOfWork):
    def __init__(self, store: Store | None = None) -> None:
        self.store = store or Store()
        self.committed = 0
        self._snapshot: Store | None = None

    def __enter__(self) -> Self:
        self._snapshot = copy.deepcopy(self.store)
        working = self._snapshot
        self.events = FakeEvents(working)
        self.weighings = FakeWeighings(working)
        self.lots = FakeLots(working)
        self.moves = FakeMoves(working)
        self.dispatches = FakeDispatches(working)
        self.receipts = FakeReceipts(working)
        self.recalls = FakeRecalls(working)
        self.orders = FakeOrders(working)
        self.catalog = FakeCatalog(working)
        self.reports = FakeReports(working)
        self.audit = FakeAudit(working)
        self.trace = FakeTraceSource(working)
        return self

    def commit(self) -> None:
        if self._snapshot is not None:
            self.store.__dict__.update(copy.deepcopy(self._snapshot).__dict__)
            self.committed += 1

    def rollback(self) -> None:
        """Writes since ``__enter__`` live only in the snapshot; dropping it is the rollback."""

    def __exit__(self, *exc: Any) -> None:
        self._snapshot = None
