"""The JSON shapes of ``/api/v1``: pydantic models built from the domain's records.

Weights are whole grams (``*_g``); where a person reads kilograms, a decimal string (``*_kg``)
rides along.  Times are ISO 8601 in UTC.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date, datetime
from typing import Final

from pydantic import BaseModel, Field
from pydantic_core import to_json

from hub.domain.projection import LotRecord, WeighingRecord
from hub.domain.reports import (
    KgLine,
    Performance,
    Punctuality,
    ShrinkageLine,
    Statement,
    StationUptime,
    kilograms,
)
from hub.domain.stock import Move, StockLine
from hub.domain.trace import (
    Backward,
    DispatchRecord,
    Forward,
    MemberRecord,
    OrderRecord,
    Pick,
    ReceiptRecord,
    ReceiptTally,
    StationRecord,
    Tally,
    Trace,
    TripRecord,
)
from hub.services.stock import ReceiptResult
from hub.services.trace import RecallReport


class WeighingOut(BaseModel):
    id: int
    event_id: str
    coop: str
    station: str
    seq: int
    member: str | None
    product: str
    grade: str
    product_code: str | None
    crate: str | None
    lot: str | None
    gross_g: int
    tare_g: int
    net_g: int
    raw_weight: str | None
    raw_unit: str | None
    stable: bool | None
    driver: str | None
    weighed_at: datetime
    time_source: str
    station_time: datetime
    clock_synced: bool
    received_at: datetime
    voided: bool

    @classmethod
    def of(cls, w: WeighingRecord) -> WeighingOut:
        return cls(
            id=w.id,
            event_id=w.event_id,
            coop=w.coop,
            station=w.station,
            seq=w.seq,
            member=w.member,
            product=w.product,
            grade=w.grade,
            product_code=w.product_code,
            crate=w.crate,
            lot=w.lot,
            gross_g=w.gross_g,
            tare_g=w.tare_g,
            net_g=w.net_g,
            raw_weight=w.raw_weight,
            raw_unit=w.raw_unit,
            stable=w.stable,
            driver=w.driver,
            weighed_at=w.weighed_at,
            time_source=w.time_source,
            station_time=w.station_time,
            clock_synced=w.clock_synced,
            received_at=w.received_at,
            voided=w.voided_by_event_id is not None,
        )


class LotOut(BaseModel):
    id: str
    coop: str
    station: str
    closed_at: datetime
    pack_date: date
    crates: int
    net_g: int
    station_net_g: int

    @classmethod
    def of(cls, lot: LotRecord) -> LotOut:
        return cls(
            id=lot.id,
            coop=lot.coop,
            station=lot.station,
            closed_at=lot.closed_at,
            pack_date=lot.pack_date,
            crates=lot.crate_count,
            net_g=lot.net_g,
            station_net_g=lot.station_net_g,
        )


class DispatchOut(BaseModel):
    id: int
    code: str
    coop: str
    station: str
    sscc: str | None
    departed_at: datetime
    due_at: datetime | None
    vehicle: str | None
    operator: str
    lots: list[str]

    @classmethod
    def of(cls, d: DispatchRecord) -> DispatchOut:
        return cls(
            id=d.id,
            code=d.code,
            coop=d.coop,
            station=d.station,
            sscc=d.sscc,
            departed_at=d.departed_at,
            due_at=d.due_at,
            vehicle=d.vehicle,
            operator=d.operator,
            lots=list(d.lots),
        )


class ReceiptLineOut(BaseModel):
    weighing_id: int
    lot: str
    village_net_g: int
    hub_net_g: int
    shrinkage_g: int


class ReceiptOut(BaseModel):
    id: int
    dispatch_id: int
    received_at: datetime
    operator: str
    lines: list[ReceiptLineOut]

    @classmethod
    def of(cls, r: ReceiptRecord) -> ReceiptOut:
        return cls(
            id=r.id,
            dispatch_id=r.dispatch_id,
            received_at=r.received_at,
            operator=r.operator,
            lines=[
                ReceiptLineOut(
                    weighing_id=line.weighing_id,
                    lot=line.lot,
                    village_net_g=line.village_net_g,
                    hub_net_g=line.hub_net_g,
                    shrinkage_g=line.shrinkage_g,
                )
                for line in r.lines
            ],
        )


class TracedReceiptOut(ReceiptOut):
    """A receipt in a trace: totals over every traced crate it re-weighed, and the lines of
    those on this page of the trace's weighings."""

    lines: list[ReceiptLineOut] = Field(description="the re-weighed crates on this page")
    crates: int = Field(description="traced crates re-weighed, on any page")
    village_net_g: int
    hub_net_g: int
    shrinkage_g: int

    @classmethod
    def traced(cls, r: ReceiptRecord, totals: ReceiptTally) -> TracedReceiptOut:
        receipt = ReceiptOut.of(r)
        return cls(
            id=receipt.id,
            dispatch_id=receipt.dispatch_id,
            received_at=receipt.received_at,
            operator=receipt.operator,
            lines=receipt.lines,
            crates=totals.crates,
            village_net_g=totals.village_net_g,
            hub_net_g=totals.hub_net_g,
            shrinkage_g=totals.shrinkage_g,
        )


class PickOut(BaseModel):
    lot: str
    product: str
    grade: str
    quantity_g: int
    at: datetime
    partner: str
    order_id: str | None

    @classmethod
    def of(cls, p: Pick) -> PickOut:
        return cls(
            lot=p.lot,
            product=p.product,
            grade=p.grade,
            quantity_g=p.quantity_g,
            at=p.at,
            partner=p.partner,
            order_id=p.order_id,
        )


class OrderOut(BaseModel):
    id: str
    partner: str
    product: str
    grade: str
    quantity_g: int
    window_start: datetime
    window_end: datetime
    status: str = Field(
        description="open, planned, in_transit, then delivered (the partner took all of it), "
        "partly_delivered (some of it) or not_delivered (none of it)"
    )
    trip_id: str | None

    @classmethod
    def of(cls, o: OrderRecord) -> OrderOut:
        return cls(
            id=o.id,
            partner=o.partner,
            product=o.product,
            grade=o.grade,
            quantity_g=o.quantity_g,
            window_start=o.window_start,
            window_end=o.window_end,
            status=o.status,
            trip_id=o.trip_id,
        )


class TripOut(BaseModel):
    id: str
    vehicle: str
    date: date
    stops: list[dict[str, object]]

    @classmethod
    def of(cls, t: TripRecord) -> TripOut:
        return cls(id=t.id, vehicle=t.vehicle, date=t.day, stops=list(t.stops))


class MemberOut(BaseModel):
    id: str
    coop: str
    name: str
    village: str | None

    @classmethod
    def of(cls, m: MemberRecord) -> MemberOut:
        return cls(id=m.id, coop=m.coop, name=m.name, village=m.village)


class StationOut(BaseModel):
    id: str
    coop: str
    name: str
    kecamatan: str | None

    @classmethod
    def of(cls, s: StationRecord) -> StationOut:
        return cls(id=s.id, coop=s.coop, name=s.name, kecamatan=s.kecamatan)


class TallyOut(BaseModel):
    weighings: int = Field(description="weighings counted, voided ones too")
    crates: int = Field(description="weighings not voided")
    net_g: int = Field(description="net of the crates not voided")
    net_kg: str


class TotalsOut(TallyOut):
    voided: int


class MemberTallyOut(TallyOut):
    member: str | None = Field(description="null for weighings that named no member")
    station: str


class StationTallyOut(TallyOut):
    station: str


class ProductTallyOut(TallyOut):
    product: str
    grade: str


def _tally(t: Tally) -> dict[str, object]:
    return {
        "weighings": t.weighings,
        "crates": t.crates,
        "net_g": t.net_g,
        "net_kg": kilograms(t.net_g),
    }


class PageOut(BaseModel):
    """Which of the trace's weighings ``backward.weighings`` holds: ``limit`` at most, in
    (``weighed_at``, ``id``) order, after weighing ``after``; ask again with
    ``?weighings_after={next_after}`` for the next page, until ``next_after`` is null."""

    limit: int | None = Field(description="null: every weighing, in one page")
    after: int | None
    next_after: int | None = Field(description="null: this page ends the trace")
    weighings: int = Field(description="weighings on this page")


class BackwardOut(BaseModel):
    weighings: list[WeighingOut] = Field(description="this page of the trace's weighings")
    page: PageOut
    totals: TotalsOut = Field(description="every weighing of the trace, on any page")
    by_member: list[MemberTallyOut] = Field(description="every weighing, by member and station")
    by_station: list[StationTallyOut]
    by_product: list[ProductTallyOut]
    members: list[MemberOut]
    member_ids: list[str] = Field(description="every member id named, registered or not")
    stations: list[StationOut]
    net_g: int = Field(description="net of every crate of the trace not voided")


def _backward_summary(b: Backward) -> dict[str, object]:
    """``BackwardOut`` but its weighings, as plain data."""
    return {
        "page": {
            "limit": b.limit,
            "after": b.after,
            "next_after": b.next_after,
            "weighings": len(b.weighings),
        },
        "totals": {**_tally(b.total), "voided": b.total.weighings - b.total.crates},
        "by_member": [
            {"member": t.member, "station": t.station, **_tally(t.tally)} for t in b.by_member
        ],
        "by_station": [{"station": station, **_tally(t)} for station, t in b.by_station.items()],
        "by_product": [
            {"product": t.product, "grade": t.grade, **_tally(t.tally)} for t in b.by_product
        ],
        "members": [
            {"id": m.id, "coop": m.coop, "name": m.name, "village": m.village} for m in b.members
        ],
        "member_ids": b.member_ids,
        "stations": [
            {"id": s.id, "coop": s.coop, "name": s.name, "kecamatan": s.kecamatan}
            for s in b.stations
        ],
        "net_g": b.total.net_g,
    }


class ForwardOut(BaseModel):
    lots: list[LotOut]
    dispatches: list[DispatchOut]
    receipts: list[TracedReceiptOut]
    picks: list[PickOut]
    orders: list[OrderOut]
    trips: list[TripOut]
    partners: list[str]

    @classmethod
    def of(cls, f: Forward) -> ForwardOut:
        return cls(
            lots=[LotOut.of(lot) for lot in f.lots],
            dispatches=[DispatchOut.of(d) for d in f.dispatches],
            receipts=[
                TracedReceiptOut.traced(r, f.receipt_totals.get(r.id, ReceiptTally()))
                for r in f.receipts
            ],
            picks=[PickOut.of(p) for p in f.picks],
            orders=[OrderOut.of(o) for o in f.orders],
            trips=[TripOut.of(trip) for trip in f.trips],
            partners=f.partners,
        )


class TraceOut(BaseModel):
    code: str
    matched: str = Field(description="what the code named: crate, lot, dispatch or sscc")
    backward: BackwardOut
    forward: ForwardOut


_WEIGHING_FIELDS: Final = tuple(name for name in WeighingOut.model_fields if name != "voided")
_LINE_FIELDS: Final = tuple(ReceiptLineOut.model_fields)
_RECEIPT_FIELDS: Final = ("id", "dispatch_id", "received_at", "operator")
_RECEIPT_TOTALS: Final = ("crates", "village_net_g", "hub_net_g", "shrinkage_g")


def trace_json(t: Trace) -> bytes:
    """``TraceOut`` as JSON, built straight from the records.

    A page of a pallet's trace lists hundreds of weighings and receipt lines; building a
    pydantic object for each would cost more than the database does, so they go to JSON as
    plain dicts in the shape ``TraceOut`` documents (a test holds the two together).
    """
    forward = ForwardOut.of(replace(t.forward, receipts=[])).model_dump()
    forward["receipts"] = [
        {
            **{name: getattr(r, name) for name in _RECEIPT_FIELDS},
            "lines": [{name: getattr(line, name) for name in _LINE_FIELDS} for line in r.lines],
            **{
                name: getattr(t.forward.receipt_totals.get(r.id, ReceiptTally()), name)
                for name in _RECEIPT_TOTALS
            },
        }
        for r in t.forward.receipts
    ]
    weighings = []
    for w in t.backward.weighings:
        row: dict[str, object] = {name: getattr(w, name) for name in _WEIGHING_FIELDS}
        row["voided"] = w.voided_by_event_id is not None
        weighings.append(row)
    document = {
        "code": t.code,
        "matched": t.matched,
        "backward": {"weighings": weighings, **_backward_summary(t.backward)},
        "forward": forward,
    }
    return to_json(document)


class StockLineOut(BaseModel):
    coop: str
    product: str
    grade: str
    lot: str | None
    location: str
    quantity_g: int
    best_before: date | None
    expired: bool
    recalled: bool
    offered: bool = Field(description="may be allocated and picked: not expired, not recalled")

    @classmethod
    def of(cls, line: StockLine, today: date) -> StockLineOut:
        return cls(
            coop=line.key.coop,
            product=line.key.product,
            grade=line.key.grade,
            lot=line.key.lot,
            location=str(line.location),
            quantity_g=line.quantity_g,
            best_before=line.best_before,
            expired=line.expired(today),
            recalled=line.recalled,
            offered=line.offerable(today),
        )


class MoveOut(BaseModel):
    coop: str
    product: str
    grade: str
    lot: str | None
    source: str
    destination: str
    quantity_g: int
    at: datetime
    reason: str | None
    operator: str | None
    order_id: str | None

    @classmethod
    def of(cls, m: Move) -> MoveOut:
        return cls(
            coop=m.key.coop,
            product=m.key.product,
            grade=m.key.grade,
            lot=m.key.lot,
            source=str(m.source),
            destination=str(m.destination),
            quantity_g=m.quantity_g,
            at=m.at,
            reason=m.reason,
            operator=m.operator,
            order_id=m.order_id,
        )


class ReceiptResultOut(BaseModel):
    receipt: ReceiptOut
    dispatch: str
    village_net_g: int
    hub_net_g: int
    shrinkage_g: int
    by_lot: dict[str, dict[str, int]]

    @classmethod
    def of(cls, r: ReceiptResult) -> ReceiptResultOut:
        return cls(
            receipt=ReceiptOut.of(r.receipt),
            dispatch=r.dispatch_code,
            village_net_g=r.village_net_g,
            hub_net_g=r.hub_net_g,
            shrinkage_g=r.shrinkage_g,
            by_lot={
                lot: {"village_net_g": v, "hub_net_g": h, "shrinkage_g": v - h}
                for lot, (v, h) in r.by_lot().items()
            },
        )


class RecallScopeOut(BaseModel):
    lot: str | None
    member: str | None
    station: str | None
    from_time: datetime | None = Field(alias="from")
    to_time: datetime | None = Field(alias="to")


class RecallOut(BaseModel):
    id: int
    active: bool
    reason: str
    scope: RecallScopeOut
    created_at: datetime
    created_by: str
    released_at: datetime | None
    released_by: str | None
    weighings: int
    net_g: int
    members: list[str]
    stations: list[str]
    unpacked_weighings: list[WeighingOut]
    downstream: ForwardOut
    stock: list[StockLineOut]

    @classmethod
    def of(cls, report: RecallReport, today: date) -> RecallOut:
        r = report.recall
        return cls(
            id=r.id,
            active=r.active,
            reason=r.reason,
            scope=RecallScopeOut.model_validate(
                {
                    "lot": r.scope.lot,
                    "member": r.scope.member,
                    "station": r.scope.station,
                    "from": r.scope.from_time,
                    "to": r.scope.to_time,
                }
            ),
            created_at=r.created_at,
            created_by=r.created_by,
            released_at=r.released_at,
            released_by=r.released_by,
            weighings=report.weighings,
            net_g=report.net_g,
            members=report.members,
            stations=report.stations,
            unpacked_weighings=[WeighingOut.of(w) for w in report.unpacked_weighings],
            downstream=ForwardOut.of(report.downstream),
            stock=[StockLineOut.of(line, today) for line in report.stock],
        )


class KgLineOut(BaseModel):
    product: str
    grade: str
    crates: int
    net_g: int
    net_kg: str

    @classmethod
    def of(cls, line: KgLine) -> KgLineOut:
        return cls(
            product=line.product,
            grade=line.grade,
            crates=line.crates,
            net_g=line.net_g,
            net_kg=line.net_kg,
        )


class StatementOut(BaseModel):
    member: str
    start: datetime = Field(alias="from")
    end: datetime = Field(alias="to")
    lines: list[KgLineOut]
    crates: int
    net_g: int
    net_kg: str

    @classmethod
    def of(cls, s: Statement) -> StatementOut:
        return cls.model_validate(
            {
                "member": s.member,
                "from": s.start,
                "to": s.end,
                "lines": [KgLineOut.of(line) for line in s.lines],
                "crates": s.crates,
                "net_g": s.net_g,
                "net_kg": s.net_kg,
            }
        )


class ShrinkageOut(BaseModel):
    coop: str
    product: str
    grade: str
    day: date | None
    crates: int
    village_net_g: int
    hub_net_g: int
    shrinkage_g: int
    shrinkage_pct: str | None

    @classmethod
    def of(cls, line: ShrinkageLine) -> ShrinkageOut:
        return cls(
            coop=line.coop,
            product=line.product,
            grade=line.grade,
            day=line.day,
            crates=line.crates,
            village_net_g=line.village_net_g,
            hub_net_g=line.hub_net_g,
            shrinkage_g=line.shrinkage_g,
            shrinkage_pct=line.shrinkage_pct,
        )


class PunctualityOut(BaseModel):
    on_time: int
    late: int
    not_received: int
    without_due_time: int
    on_time_pct: str | None

    @classmethod
    def of(cls, p: Punctuality) -> PunctualityOut:
        return cls(
            on_time=p.on_time,
            late=p.late,
            not_received=p.not_received,
            without_due_time=p.without_due_time,
            on_time_pct=p.on_time_pct,
        )


class StationUptimeOut(BaseModel):
    station: str
    online_s: int
    period_s: int
    uptime_pct: str | None
    reports: int
    last_backlog: int | None
    max_backlog: int | None

    @classmethod
    def of(cls, u: StationUptime) -> StationUptimeOut:
        return cls(
            station=u.station,
            online_s=u.online_s,
            period_s=u.period_s,
            uptime_pct=u.uptime_pct,
            reports=u.reports,
            last_backlog=u.last_backlog,
            max_backlog=u.max_backlog,
        )


class PerformanceOut(BaseModel):
    coop: str
    start: datetime = Field(alias="from")
    end: datetime = Field(alias="to")
    delivered: list[KgLineOut]
    net_g: int
    net_kg: str
    shrinkage: list[ShrinkageOut]
    dispatches: PunctualityOut
    stations: list[StationUptimeOut]

    @classmethod
    def of(cls, p: Performance) -> PerformanceOut:
        return cls.model_validate(
            {
                "coop": p.coop,
                "from": p.start,
                "to": p.end,
                "delivered": [KgLineOut.of(line) for line in p.delivered],
                "net_g": p.net_g,
                "net_kg": kilograms(p.net_g),
                "shrinkage": [ShrinkageOut.of(line) for line in p.shrinkage],
                "dispatches": PunctualityOut.of(p.dispatches),
                "stations": [StationUptimeOut.of(s) for s in p.stations],
            }
        )
