"""From a station's event log to weighings, lots and stock moves.  Pure.

Rules:

1. A station's events are projected in ``seq`` order and only up to the contiguous ``seq`` the
   hub holds, so a void always meets the weighing it voids and a lot close always meets its
   crates, whatever order the broker delivered them in and however many ingest workers ran.
2. A weighing becomes stock at its station: a move ``farm → station/{id}`` of its net grams,
   keyed by cooperative, product and grade (the scanned product-grade code resolved through the
   catalogue; an unregistered code stands for itself, grade ``-``).
3. A void reverses its weighing's move (reason ``void``, the supervisor as operator) and marks
   the weighing voided.  A void naming no weighing the hub knows changes no stock; it is kept as
   a problem for the audit log.
4. A lot close packs the station's open weighings of the crates it lists (the latest open
   weighing of each crate, not voided, not already in a lot) into the lot: per product and
   grade, ``station → packing`` unlotted and ``packing → station`` under the lot.  The lot is then
   a dispatch candidate.  A listed crate with no open weighing, and a lot id that is already
   taken, are problems; a lot id is never reused.
5. Time: a synchronised station clock is trusted; otherwise the time is corrected from a
   synchronised event of the same boot (its wall time plus the difference of monotonic
   clocks); failing that, the hub's receive time stands.  The pack date is the lot's close
   time as a date in the hub's zone (WIB).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import date, datetime, timedelta, timezone
from typing import Final

from hub.domain.stock import FARM, PACKING, Move, Reason, StockKey, station

HUB_TZ: Final = timezone(timedelta(hours=7), "WIB")
UNGRADED: Final = "-"


@dataclass(frozen=True, slots=True)
class StationEventRecord:
    """A stored station event, as much of it as projection needs."""

    id: int
    event_id: str
    coop: str
    station: str
    seq: int
    type: str
    station_time: datetime
    clock_synced: bool
    monotonic_ms: int
    boot: int
    received_at: datetime
    crate: str | None = None
    member: str | None = None
    product: str | None = None
    gross_g: int | None = None
    tare_g: int | None = None
    net_g: int | None = None
    raw_weight: str | None = None
    raw_unit: str | None = None
    stable: bool | None = None
    driver: str | None = None
    voids_event_id: str | None = None
    voided_by: str | None = None
    lot: str | None = None
    lot_crates: tuple[str, ...] = ()
    lot_net_g: int | None = None


@dataclass(frozen=True, slots=True)
class WeighingRecord:
    id: int
    event_id: str
    coop: str
    station: str
    seq: int
    member: str | None
    product_code: str | None
    product: str
    grade: str
    crate: str | None
    gross_g: int
    tare_g: int
    net_g: int
    raw_weight: str | None
    raw_unit: str | None
    stable: bool | None
    driver: str | None
    station_time: datetime
    clock_synced: bool
    weighed_at: datetime
    time_source: str
    received_at: datetime
    lot: str | None = None
    voided_by_event_id: str | None = None
    voided_by: str | None = None

    @property
    def key(self) -> StockKey:
        return StockKey(self.coop, self.product, self.grade, self.lot)


@dataclass(frozen=True, slots=True)
class LotRecord:
    id: str
    coop: str
    station: str
    event_id: str
    closed_at: datetime
    pack_date: date
    station_net_g: int
    net_g: int
    crate_count: int


@dataclass(frozen=True, slots=True)
class Anchor:
    """A synchronised moment of one boot: wall time and monotonic time together."""

    station_time: datetime
    monotonic_ms: int


@dataclass(frozen=True, slots=True)
class Problem:
    """Something a station reported that the hub could not apply; goes to the audit log."""

    event_id: str
    station: str
    message: str


@dataclass(slots=True)
class ProjectionContext:
    """What projection needs to know beyond the events themselves."""

    grades: Mapping[str, tuple[str, str]] = field(default_factory=dict)
    """Product-grade code → (product, grade)."""
    open_weighings: Mapping[str, Sequence[WeighingRecord]] = field(default_factory=dict)
    """Crate → that crate's open weighings at the station stored before these events."""
    weighings_by_event: Mapping[str, WeighingRecord] = field(default_factory=dict)
    """Event id → weighing stored before these events, for the voids among them."""
    taken_lots: frozenset[str] = frozenset()
    anchors: Mapping[int, Anchor] = field(default_factory=dict)
    """Boot → a synchronised moment of it stored before these events."""


@dataclass(slots=True)
class Projection:
    weighings: list[WeighingRecord] = field(default_factory=list)
    lots: list[LotRecord] = field(default_factory=list)
    lot_assignments: dict[int, str] = field(default_factory=dict)
    """Weighing id → lot, for weighings stored before these events."""
    voids: dict[int, tuple[str, str | None]] = field(default_factory=dict)
    """Weighing id → (void event id, supervisor), for weighings stored before these events."""
    moves: list[Move] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)


def resolve_product(code: str | None, grades: Mapping[str, tuple[str, str]]) -> tuple[str, str]:
    if code is None:
        return UNGRADED, UNGRADED
    return grades.get(code, (code, UNGRADED))


def event_time(record: StationEventRecord, anchors: Mapping[int, Anchor]) -> tuple[datetime, str]:
    """The best time for an event, and where it came from (rule 5)."""
    if record.clock_synced:
        return record.station_time, "station"
    anchor = anchors.get(record.boot)
    if anchor is not None:
        offset = timedelta(milliseconds=record.monotonic_ms - anchor.monotonic_ms)
        return anchor.station_time + offset, "corrected"
    return record.received_at, "received"


def boots_needing_anchors(events: Iterable[StationEventRecord]) -> set[int]:
    """Boots with unsynchronised events and no synchronised event among ``events``."""
    unsynced: set[int] = set()
    synced: set[int] = set()
    for record in events:
        (synced if record.clock_synced else unsynced).add(record.boot)
    return unsynced - synced


def project(events: Sequence[StationEventRecord], context: ProjectionContext) -> Projection:
    """Project one station's events, given in ``seq`` order (rule 1)."""
    anchors = dict(context.anchors)
    for record in events:
        if record.clock_synced and record.boot not in anchors:
            anchors[record.boot] = Anchor(record.station_time, record.monotonic_ms)
    state = _State(context, anchors)
    for record in events:
        if record.type == "weighing":
            state.weighing(record)
        elif record.type == "void":
            state.void(record)
        elif record.type == "lot_close":
            state.lot_close(record)
        else:
            state.problem(record, f"unknown event type {record.type!r}")
    state.result.weighings = list(state.new.values())
    return state.result


@dataclass(slots=True)
class _State:
    context: ProjectionContext
    anchors: dict[int, Anchor]
    result: Projection = field(default_factory=Projection)
    new: dict[str, WeighingRecord] = field(default_factory=dict)
    """Event id → weighing projected in this run (with its lot and void as they stand)."""
    moves_of: dict[str, Move] = field(default_factory=dict)
    taken_lots: set[str] = field(default_factory=set)
    claimed: set[int] = field(default_factory=set)

    def problem(self, record: StationEventRecord, message: str) -> None:
        self.result.problems.append(Problem(record.event_id, record.station, message))

    def weighing(self, record: StationEventRecord) -> None:
        if record.net_g is None or record.gross_g is None or record.tare_g is None:
            self.problem(record, "a weighing without gross, tare and net weights")
            return
        product, grade = resolve_product(record.product, self.context.grades)
        weighed_at, source = event_time(record, self.anchors)
        weighing = WeighingRecord(
            id=record.id,
            event_id=record.event_id,
            coop=record.coop,
            station=record.station,
            seq=record.seq,
            member=record.member,
            product_code=record.product,
            product=product,
            grade=grade,
            crate=record.crate,
            gross_g=record.gross_g,
            tare_g=record.tare_g,
            net_g=record.net_g,
            raw_weight=record.raw_weight,
            raw_unit=record.raw_unit,
            stable=record.stable,
            driver=record.driver,
            station_time=record.station_time,
            clock_synced=record.clock_synced,
            weighed_at=weighed_at,
            time_source=source,
            received_at=record.received_at,
        )
        self.new[record.event_id] = weighing
        if record.net_g > 0:
            move = Move(
                weighing.key,
                FARM,
                station(record.station),
                record.net_g,
                weighed_at,
                weighing_id=record.id,
            )
            self.moves_of[record.event_id] = move
            self.result.moves.append(move)

    def _find(self, event_id: str) -> WeighingRecord | None:
        return self.new.get(event_id) or self.context.weighings_by_event.get(event_id)

    def _assign_lot(self, weighing: WeighingRecord, lot: str) -> None:
        if weighing.event_id in self.new:
            self.new[weighing.event_id] = replace(weighing, lot=lot)
        else:
            self.result.lot_assignments[weighing.id] = lot

    def _mark_void(self, weighing: WeighingRecord, event_id: str, by: str | None) -> None:
        if weighing.event_id in self.new:
            self.new[weighing.event_id] = replace(
                weighing, voided_by_event_id=event_id, voided_by=by
            )
        else:
            self.result.voids[weighing.id] = (event_id, by)

    def void(self, record: StationEventRecord) -> None:
        target = self._find(record.voids_event_id or "")
        if target is None:
            self.problem(record, f"voids {record.voids_event_id!r}, which the hub does not hold")
            return
        if target.voided_by_event_id is not None or target.id in self.result.voids:
            self.problem(record, f"{target.event_id} was already voided")
            return
        at, _source = event_time(record, self.anchors)
        self._mark_void(target, record.event_id, record.voided_by)
        if target.net_g > 0:
            self.result.moves.append(
                Move(
                    target.key,
                    station(target.station),
                    FARM,
                    target.net_g,
                    at,
                    reason=Reason.VOID.value,
                    operator=record.voided_by or record.station,
                    weighing_id=target.id,
                )
            )

    def _open_weighing(self, crate: str) -> WeighingRecord | None:
        """The crate's latest weighing at this station that is neither voided nor packed."""
        candidates = [
            w
            for w in (*self.context.open_weighings.get(crate, ()), *self.new.values())
            if w.crate == crate
        ]
        for weighing in sorted(candidates, key=lambda w: w.seq, reverse=True):
            current = self.new.get(weighing.event_id, weighing)
            if (
                weighing.id not in self.claimed
                and current.lot is None
                and current.voided_by_event_id is None
                and weighing.id not in self.result.voids
            ):
                return current
        return None

    def lot_close(self, record: StationEventRecord) -> None:
        lot = record.lot
        if not lot:
            self.problem(record, "a lot close without a lot id")
            return
        if lot in self.context.taken_lots or lot in self.taken_lots:
            self.problem(record, f"lot {lot!r} is already closed; a lot id is never reused")
            return
        members: list[WeighingRecord] = []
        for crate in record.lot_crates:
            weighing = self._open_weighing(crate)
            if weighing is None:
                self.problem(record, f"lot {lot!r} lists crate {crate!r} with no open weighing")
                continue
            self.claimed.add(weighing.id)
            members.append(weighing)
        closed_at, _source = event_time(record, self.anchors)
        self.taken_lots.add(lot)
        self.result.lots.append(
            LotRecord(
                id=lot,
                coop=record.coop,
                station=record.station,
                event_id=record.event_id,
                closed_at=closed_at,
                pack_date=closed_at.astimezone(HUB_TZ).date(),
                station_net_g=record.lot_net_g if record.lot_net_g is not None else 0,
                net_g=sum(w.net_g for w in members),
                crate_count=len(members),
            )
        )
        packed: defaultdict[StockKey, int] = defaultdict(int)
        for weighing in members:
            self._assign_lot(weighing, lot)
            packed[weighing.key] += weighing.net_g
        here = station(record.station)
        for key, grams in sorted(packed.items()):
            if grams <= 0:
                continue
            self.result.moves.append(Move(key, here, PACKING, grams, closed_at))
            self.result.moves.append(Move(replace(key, lot=lot), PACKING, here, grams, closed_at))
