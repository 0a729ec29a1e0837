"""Traceability: from any identifier on a label back to the farmers and forward to the partners.
Pure: the walk reads through ``TraceSource``, which the service layer implements over the
database.

Rules:

1. Any code a person can scan or type is accepted: a crate id, a lot id, a dispatch code, an
   SSCC (18 digits, or AI (00)), a GS1 element string (with or without the ``]C1``/``]d2``/``]Q3``
   symbology identifier, in brackets or with GS separators) or a GS1 Digital Link URI.  GS1
   syntax is read only when the code looks like GS1 (``interpret``); a plain code is tried, in
   turn, as a lot, a dispatch code and a crate.
2. A crate is reused for many harvests, so a crate id means its latest weighing that was not
   voided: the backward trace is that one weighing.  A lot, a dispatch or an SSCC means every
   weighing packed into its lots.
3. Backward: weighings (with scale readings and times), the members who delivered them and the
   stations that weighed them.  Forward: the lots' dispatches, the hub's receipts (with the
   re-weighed crates of the trace), what was picked for which orders and partners, and the trips
   that carried those orders.
4. A recall names any of a lot, a member, a station and a time range; it covers every weighing
   that matches all it names, and every lot holding one.  While it is active, the stock of
   those lots is blocked from allocation and picking (``hub.domain.stock``).

Exception tree::

    TraceError
    ├── UnknownCodeError      nothing the hub holds answers to the code
    └── RecallError           a recall that names nothing, or that cannot change state
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Final, Protocol

from biip import ParseConfig, ParseError, parse
from biip.gs1_messages import GS1Message

from hub.domain.projection import LotRecord, WeighingRecord
from hub.domain.stock import Move


class TraceError(ValueError):
    """A trace or recall request the hub cannot answer."""


class UnknownCodeError(TraceError, LookupError):
    def __init__(self, code: str) -> None:
        super().__init__(f"no crate, lot, dispatch or SSCC answers to {code!r}")
        self.code = code


class RecallError(TraceError):
    pass


GS: Final = "\x1d"
_SYMBOLOGY: Final = re.compile(r"^\][A-Za-z][0-9]")


@dataclass(frozen=True, slots=True)
class Identifiers:
    """What a scanned or typed code may name."""

    code: str
    sscc: str | None = None
    gtin: str | None = None
    lot: str | None = None
    serial: str | None = None
    plain: str | None = None
    """The code as a Lumbung id (crate, lot, dispatch), when it is not GS1 syntax."""


def _looks_like_gs1(code: str) -> bool:
    if code.startswith(("http://", "https://", "(")) or GS in code:
        return True
    if _SYMBOLOGY.match(code):
        return True
    return len(code) >= 16 and code[:16].isdigit() and code[:2] in ("00", "01", "02")


def interpret(code: str) -> Identifiers:
    """Read a code as GS1 when it looks like GS1, else as a plain Lumbung id (rule 1)."""
    text = code.strip()
    if not text:
        raise UnknownCodeError(code)
    if text.isdigit() and len(text) == 18:
        return Identifiers(text, sscc=text, plain=text)
    if not _looks_like_gs1(text):
        return Identifiers(text, plain=text)
    values: dict[str, str] = {}
    if text.startswith("("):
        try:
            message = GS1Message.parse_hri(text)
        except (ValueError, ParseError) as exc:
            raise UnknownCodeError(code) from exc
        values = {e.ai.ai: e.value for e in message.element_strings}
    else:
        result = parse(text, config=ParseConfig(separator_chars=[GS]))
        found = result.gs1_digital_link_uri or result.gs1_message
        if found is not None:
            values = {e.ai.ai: e.value for e in found.element_strings}
        elif result.sscc is not None:
            values = {"00": result.sscc.value}
    if not values:
        return Identifiers(text, plain=text)
    gtin = values.get("01") or values.get("02")
    return Identifiers(
        text, sscc=values.get("00"), gtin=gtin, lot=values.get("10"), serial=values.get("21")
    )


# ---- records the walk reads ----


@dataclass(frozen=True, slots=True)
class DispatchRecord:
    id: int
    code: str
    coop: str
    station: str
    sscc: str | None
    departed_at: datetime
    due_at: datetime | None
    vehicle: str | None
    operator: str
    lots: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class ReceiptLine:
    weighing_id: int
    lot: str
    village_net_g: int
    hub_net_g: int
    shrinkage_g: int


@dataclass(frozen=True, slots=True)
class ReceiptRecord:
    id: int
    dispatch_id: int
    received_at: datetime
    operator: str
    lines: tuple[ReceiptLine, ...] = ()


@dataclass(frozen=True, slots=True)
class OrderRecord:
    id: str
    partner: str
    product: str
    grade: str
    quantity_g: int
    window_start: datetime
    window_end: datetime
    status: str
    trip_id: str | None = None


@dataclass(frozen=True, slots=True)
class TripRecord:
    id: str
    vehicle: str
    day: date
    stops: tuple[dict[str, object], ...] = ()


@dataclass(frozen=True, slots=True)
class MemberRecord:
    id: str
    coop: str
    name: str
    village: str | None


@dataclass(frozen=True, slots=True)
class StationRecord:
    id: str
    coop: str
    name: str
    kecamatan: str | None


@dataclass(frozen=True, slots=True)
class RecallScope:
    """What a recall covers: every weighing matching all the criteria given (rule 4)."""

    lot: str | None = None
    member: str | None = None
    station: str | None = None
    from_time: datetime | None = None
    to_time: datetime | None = None

    def __post_init__(self) -> None:
        if not any((self.lot, self.member, self.station, self.from_time, self.to_time)):
            raise RecallError("a recall must name a lot, a member, a station or a time range")
        if self.from_time and self.to_time and self.to_time <= self.from_time:
            raise RecallError("a recall's time range must end after it starts")

    def covers(self, weighing: WeighingRecord) -> bool:
        return (
            (self.lot is None or weighing.lot == self.lot)
            and (self.member is None or weighing.member == self.member)
            and (self.station is None or weighing.station == self.station)
            and (self.from_time is None or weighing.weighed_at >= self.from_time)
            and (self.to_time is None or weighing.weighed_at < self.to_time)
        )


class TraceSource(Protocol):
    """The reads a trace needs; each takes and returns whole batches."""

    def lots(self, ids: Iterable[str]) -> list[LotRecord]: ...

    def weighings_of_lots(self, lots: Iterable[str]) -> list[WeighingRecord]: ...

    def latest_weighing_of_crate(self, crate: str) -> WeighingRecord | None: ...

    def dispatches_by_code(self, code: str) -> list[DispatchRecord]: ...

    def dispatches_by_sscc(self, sscc: str) -> list[DispatchRecord]: ...

    def dispatches_of_lots(self, lots: Iterable[str]) -> list[DispatchRecord]: ...

    def receipts_of_dispatches(
        self, dispatch_ids: Iterable[int], lots: Iterable[str]
    ) -> list[ReceiptRecord]:
        """The dispatches' receipts, each with its lines of ``lots`` only."""

    def picks_of_lots(self, lots: Iterable[str]) -> list[Move]: ...

    def orders(self, ids: Iterable[str]) -> list[OrderRecord]: ...

    def trips(self, ids: Iterable[str]) -> list[TripRecord]: ...

    def members(self, ids: Iterable[str]) -> list[MemberRecord]: ...

    def stations(self, ids: Iterable[str]) -> list[StationRecord]: ...


# ---- the trace ----


@dataclass(frozen=True, slots=True)
class Pick:
    lot: str
    product: str
    grade: str
    quantity_g: int
    at: datetime
    partner: str
    order_id: str | None


@dataclass(frozen=True, slots=True)
class Backward:
    weighings: list[WeighingRecord]
    members: list[MemberRecord]
    stations: list[StationRecord]
    member_ids: list[str]
    """Every member id the weighings name, registered at the hub or not."""


@dataclass(frozen=True, slots=True)
class Forward:
    lots: list[LotRecord]
    dispatches: list[DispatchRecord]
    receipts: list[ReceiptRecord]
    picks: list[Pick]
    orders: list[OrderRecord]
    trips: list[TripRecord]
    partners: list[str]


@dataclass(frozen=True, slots=True)
class Trace:
    code: str
    matched: str
    """What the code was found to be: ``crate``, ``lot``, ``dispatch`` or ``sscc``."""
    identifiers: Identifiers
    backward: Backward
    forward: Forward


@dataclass(slots=True)
class _Start:
    matched: str
    lots: set[str] = field(default_factory=set)
    weighings: list[WeighingRecord] | None = None


def _start(source: TraceSource, ids: Identifiers) -> _Start | None:
    if ids.sscc:
        dispatches = source.dispatches_by_sscc(ids.sscc)
        if dispatches:
            return _Start("sscc", {lot for d in dispatches for lot in d.lots})
    if ids.lot and source.lots([ids.lot]):
        return _Start("lot", {ids.lot})
    crate = ids.serial or ids.plain
    if ids.plain:
        if source.lots([ids.plain]):
            return _Start("lot", {ids.plain})
        dispatches = source.dispatches_by_code(ids.plain)
        if dispatches:
            return _Start("dispatch", {lot for d in dispatches for lot in d.lots})
    if crate:
        weighing = source.latest_weighing_of_crate(crate)
        if weighing is not None:
            return _Start("crate", {weighing.lot} if weighing.lot else set(), [weighing])
    return None


def _picks(moves: Sequence[Move]) -> list[Pick]:
    return [
        Pick(
            lot=move.key.lot or "",
            product=move.key.product,
            grade=move.key.grade,
            quantity_g=move.quantity_g,
            at=move.at,
            partner=move.destination.ref,
            order_id=move.order_id,
        )
        for move in moves
    ]


def forward(source: TraceSource, lots: set[str], weighing_ids: set[int] | None = None) -> Forward:
    """Everything downstream of ``lots``; receipt lines limited to ``weighing_ids`` if given."""
    lot_records = sorted(source.lots(lots), key=lambda lot: lot.id)
    dispatches = sorted(source.dispatches_of_lots(lots), key=lambda d: (d.departed_at, d.id))
    receipts = []
    for receipt in source.receipts_of_dispatches([d.id for d in dispatches], lots):
        lines = tuple(
            line
            for line in receipt.lines
            if weighing_ids is None or line.weighing_id in weighing_ids
        )
        if weighing_ids is not None and not lines:
            continue
        receipts.append(
            ReceiptRecord(
                receipt.id, receipt.dispatch_id, receipt.received_at, receipt.operator, lines
            )
        )
    picks = sorted(_picks(source.picks_of_lots(lots)), key=lambda p: (p.at, p.lot))
    orders = sorted(source.orders({p.order_id for p in picks if p.order_id}), key=lambda o: o.id)
    trips = sorted(source.trips({o.trip_id for o in orders if o.trip_id}), key=lambda t: t.id)
    partners = sorted({p.partner for p in picks} | {o.partner for o in orders})
    return Forward(
        lot_records,
        dispatches,
        sorted(receipts, key=lambda r: r.id),
        picks,
        orders,
        trips,
        partners,
    )


def backward(source: TraceSource, weighings: Sequence[WeighingRecord]) -> Backward:
    ordered = sorted(weighings, key=lambda w: (w.weighed_at, w.id))
    member_ids = sorted({w.member for w in ordered if w.member})
    members = sorted(source.members(member_ids), key=lambda m: m.id)
    stations = sorted(source.stations({w.station for w in ordered}), key=lambda s: s.id)
    return Backward(ordered, members, stations, member_ids)


def trace(source: TraceSource, code: str) -> Trace:
    """The backward and forward trace of whatever ``code`` names (rules 1–3)."""
    ids = interpret(code)
    start = _start(source, ids)
    if start is None:
        raise UnknownCodeError(code)
    weighings = (
        start.weighings if start.weighings is not None else source.weighings_of_lots(start.lots)
    )
    scope = {w.id for w in weighings} if start.matched == "crate" else None
    return Trace(
        code=code,
        matched=start.matched,
        identifiers=ids,
        backward=backward(source, weighings),
        forward=forward(source, start.lots, scope),
    )
