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
5. A trace is never cut short in silence.  Its summaries are always whole: the crates and net
   per member and station and per product and grade, every lot, dispatch, receipt (with its
   totals), pick, order, trip and partner.  Only the individual weighings, and the receipt lines
   that re-weighed them, come a page at a time when asked (``limit``): in (time, id) order,
   each page after the weighing that ended the previous one (``after``), and ``next_after``
   says where the next page starts, or that there is none.  The pages together hold every
   weighing exactly once; a pallet of 2,000 crates is answered in milliseconds, not built whole.

Exception tree::

    TraceError
    ├── UnknownCodeError      nothing the hub holds answers to the code
    ├── PageError             a page that starts after a weighing the trace does not hold
    └── RecallError           a recall that names nothing, or that cannot change state
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
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


class PageError(TraceError, LookupError):
    def __init__(self, code: str, after: int) -> None:
        super().__init__(f"the trace of {code!r} holds no weighing {after} to start a page after")
        self.code = code
        self.after = after


class RecallError(TraceError):
    pass


GS: Final = "\x1d"
PAGE: Final = 200
"""Weighings per page of a trace when the caller pages and names no limit (rule 5)."""
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


# ---- tallies: the whole of a trace, however it is paged ----


@dataclass(frozen=True, slots=True)
class Tally:
    """Weighings counted together: all of them (voided too), and the crates not voided with
    their net."""

    weighings: int = 0
    crates: int = 0
    net_g: int = 0

    def __add__(self, other: Tally) -> Tally:
        return Tally(
            self.weighings + other.weighings, self.crates + other.crates, self.net_g + other.net_g
        )


@dataclass(frozen=True, slots=True)
class MemberTally:
    """What one member (``None``: a weighing that named none) delivered at one station."""

    member: str | None
    station: str
    tally: Tally


@dataclass(frozen=True, slots=True)
class ProductTally:
    product: str
    grade: str
    tally: Tally


@dataclass(frozen=True, slots=True)
class Tallies:
    by_member: list[MemberTally]
    by_product: list[ProductTally]


@dataclass(frozen=True, slots=True)
class ReceiptTally:
    """A receipt's re-weighed crates within a trace, summed."""

    crates: int = 0
    village_net_g: int = 0
    hub_net_g: int = 0
    shrinkage_g: int = 0

    def __add__(self, other: ReceiptTally) -> ReceiptTally:
        return ReceiptTally(
            self.crates + other.crates,
            self.village_net_g + other.village_net_g,
            self.hub_net_g + other.hub_net_g,
            self.shrinkage_g + other.shrinkage_g,
        )


def tally(weighings: Iterable[WeighingRecord]) -> Tallies:
    """The tallies of weighings in hand (the source sums them in the database otherwise)."""
    by_member: defaultdict[tuple[str | None, str], list[int]] = defaultdict(lambda: [0, 0, 0])
    by_product: defaultdict[tuple[str, str], list[int]] = defaultdict(lambda: [0, 0, 0])
    for w in weighings:
        for counts in (by_member[(w.member, w.station)], by_product[(w.product, w.grade)]):
            counts[0] += 1
            if w.voided_by_event_id is None:
                counts[1] += 1
                counts[2] += w.net_g
    return Tallies(
        [MemberTally(member, station, Tally(*c)) for (member, station), c in by_member.items()],
        [ProductTally(product, grade, Tally(*c)) for (product, grade), c in by_product.items()],
    )


def tally_receipts(receipts: Iterable[ReceiptRecord]) -> dict[int, ReceiptTally]:
    """The tallies of receipts whose lines are all in hand."""
    return {
        r.id: ReceiptTally(
            len(r.lines),
            sum(line.village_net_g for line in r.lines),
            sum(line.hub_net_g for line in r.lines),
            sum(line.shrinkage_g for line in r.lines),
        )
        for r in receipts
        if r.lines
    }


@dataclass(frozen=True, slots=True)
class Deliveries:
    """What left the hub for partners from some lots: the picks (moves to ``partner/…``), the
    orders they were picked for and the trips carrying those orders."""

    picks: list[Move]
    orders: list[OrderRecord]
    trips: list[TripRecord]


class TraceSource(Protocol):
    """The reads a trace needs; each takes and returns whole batches."""

    def lots(self, ids: Iterable[str]) -> list[LotRecord]: ...

    def weighing(self, weighing_id: int) -> WeighingRecord | None: ...

    def weighings_of_lots(
        self,
        lots: Iterable[str],
        *,
        after: tuple[datetime, int] | None = None,
        limit: int | None = None,
    ) -> list[WeighingRecord]:
        """In (``weighed_at``, ``id``) order, only those after ``after`` and ``limit`` at most."""

    def tallies_of_lots(self, lots: Iterable[str]) -> Tallies: ...

    def latest_weighing_of_crate(self, crate: str) -> WeighingRecord | None: ...

    def dispatches_by_code(self, code: str) -> list[DispatchRecord]: ...

    def dispatches_by_sscc(self, sscc: str) -> list[DispatchRecord]: ...

    def dispatches_of_lots(self, lots: Iterable[str]) -> list[DispatchRecord]: ...

    def receipts_of_dispatches(
        self,
        dispatch_ids: Iterable[int],
        lots: Iterable[str],
        weighing_ids: Iterable[int] | None = None,
    ) -> list[ReceiptRecord]:
        """The dispatches' receipts, each with its lines of ``lots`` (and ``weighing_ids``)."""

    def receipt_totals(
        self,
        dispatch_ids: Iterable[int],
        lots: Iterable[str],
        weighing_ids: Iterable[int] | None = None,
    ) -> list[tuple[ReceiptRecord, ReceiptTally]]:
        """The dispatches' receipts without their lines, each with the sum of its lines of
        ``lots`` (and ``weighing_ids``)."""

    def receipt_lines(self, weighing_ids: Iterable[int]) -> dict[int, list[ReceiptLine]]:
        """The receipt lines of ``weighing_ids``, by receipt id."""

    def deliveries_of_lots(self, lots: Iterable[str]) -> Deliveries: ...

    def members_and_stations(
        self, member_ids: Iterable[str], station_ids: Iterable[str]
    ) -> tuple[list[MemberRecord], list[StationRecord]]:
        """The members and stations registered at the hub among those ids."""


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
    """This page of the trace's weighings, in (``weighed_at``, ``id``) order (rule 5)."""
    members: list[MemberRecord]
    stations: list[StationRecord]
    member_ids: list[str]
    """Every member id the weighings name, registered at the hub or not."""
    by_member: list[MemberTally]
    """Every weighing of the trace, by member and station."""
    by_product: list[ProductTally]
    total: Tally
    limit: int | None = None
    """The most weighings a page holds, as asked; ``None``: all of them, in one page."""
    after: int | None = None
    """The weighing this page starts after, as asked."""
    next_after: int | None = None
    """Where the next page starts; ``None`` when this page ends the trace."""

    @property
    def by_station(self) -> dict[str, Tally]:
        stations: defaultdict[str, Tally] = defaultdict(Tally)
        for line in self.by_member:
            stations[line.station] += line.tally
        return dict(sorted(stations.items()))


@dataclass(frozen=True, slots=True)
class Forward:
    lots: list[LotRecord]
    dispatches: list[DispatchRecord]
    receipts: list[ReceiptRecord]
    """Each with the lines of the weighings on this page of the trace."""
    picks: list[Pick]
    orders: list[OrderRecord]
    trips: list[TripRecord]
    partners: list[str]
    receipt_totals: Mapping[int, ReceiptTally] = field(default_factory=dict)
    """Per receipt id, every line of the trace summed, whichever page shows it."""


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
    """What a code was found to be, with the records read on the way."""

    matched: str
    lots: set[str] = field(default_factory=set)
    weighings: list[WeighingRecord] | None = None
    lot_records: list[LotRecord] | None = None
    dispatches: list[DispatchRecord] | None = None
    """Every dispatch of ``lots``: a lot leaves its station once (``hub.services.stock``)."""


def _start(source: TraceSource, ids: Identifiers) -> _Start | None:
    if ids.sscc:
        dispatches = source.dispatches_by_sscc(ids.sscc)
        if dispatches:
            lots = {lot for d in dispatches for lot in d.lots}
            return _Start("sscc", lots, dispatches=dispatches)
    if ids.lot:
        found = source.lots([ids.lot])
        if found:
            return _Start("lot", {ids.lot}, lot_records=found)
    crate = ids.serial or ids.plain
    if ids.plain:
        found = source.lots([ids.plain])
        if found:
            return _Start("lot", {ids.plain}, lot_records=found)
        dispatches = source.dispatches_by_code(ids.plain)
        if dispatches:
            lots = {lot for d in dispatches for lot in d.lots}
            return _Start("dispatch", lots, dispatches=dispatches)
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


def forward(
    source: TraceSource,
    lots: set[str],
    *,
    scope: set[int] | None = None,
    shown: set[int] | None = None,
    lot_records: list[LotRecord] | None = None,
    dispatches: list[DispatchRecord] | None = None,
) -> Forward:
    """Everything downstream of ``lots``, whose records and dispatches the caller may have read
    already.

    Receipts count the lines of the weighings in ``scope`` (every weighing of ``lots`` if
    ``None``) and list those of ``shown`` (all of them if ``None``).
    """
    found_lots = source.lots(lots) if lot_records is None else lot_records
    found_dispatches = source.dispatches_of_lots(lots) if dispatches is None else dispatches
    dispatch_ids = [d.id for d in found_dispatches]
    if shown is None:
        receipts = source.receipts_of_dispatches(dispatch_ids, lots, scope)
        totals = tally_receipts(receipts)
    else:
        counted = source.receipt_totals(dispatch_ids, lots, scope)
        lines = source.receipt_lines(shown if scope is None else scope & shown)
        receipts = [replace(r, lines=tuple(lines.get(r.id, ()))) for r, _ in counted]
        totals = {r.id: t for r, t in counted if t.crates}
    if scope is not None:
        receipts = [r for r in receipts if r.id in totals]
    delivered = source.deliveries_of_lots(lots)
    picks = sorted(_picks(delivered.picks), key=lambda p: (p.at, p.lot))
    orders = sorted(delivered.orders, key=lambda o: o.id)
    trips = sorted(delivered.trips, key=lambda t: t.id)
    partners = sorted({p.partner for p in picks} | {o.partner for o in orders})
    return Forward(
        sorted(found_lots, key=lambda lot: lot.id),
        sorted(found_dispatches, key=lambda d: (d.departed_at, d.id)),
        sorted(receipts, key=lambda r: r.id),
        picks,
        orders,
        trips,
        partners,
        totals,
    )


def _order(w: WeighingRecord) -> tuple[datetime, int]:
    return (w.weighed_at, w.id)


def backward(
    source: TraceSource,
    weighings: Sequence[WeighingRecord],
    tallies: Tallies,
    *,
    limit: int | None = None,
    after: int | None = None,
    next_after: int | None = None,
) -> Backward:
    """The backward trace: ``weighings`` is the page to show, ``tallies`` the whole of it."""
    by_member = sorted(tallies.by_member, key=lambda t: (t.member or "", t.station))
    member_ids = sorted({t.member for t in by_member if t.member})
    members, stations = source.members_and_stations(member_ids, {t.station for t in by_member})
    return Backward(
        weighings=sorted(weighings, key=_order),
        members=sorted(members, key=lambda m: m.id),
        stations=sorted(stations, key=lambda s: s.id),
        member_ids=member_ids,
        by_member=by_member,
        by_product=sorted(tallies.by_product, key=lambda t: (t.product, t.grade)),
        total=sum((t.tally for t in by_member), Tally()),
        limit=limit,
        after=after,
        next_after=next_after,
    )


def _page_in_hand(
    code: str, weighings: list[WeighingRecord], after: int | None, limit: int | None
) -> tuple[list[WeighingRecord], int | None]:
    ordered = sorted(weighings, key=_order)
    start = 0
    if after is not None:
        ids = [w.id for w in ordered]
        if after not in ids:
            raise PageError(code, after)
        start = ids.index(after) + 1
    end = len(ordered) if limit is None else start + limit
    page = ordered[start:end]
    return page, page[-1].id if end < len(ordered) and page else None


def trace(
    source: TraceSource, code: str, *, after: int | None = None, limit: int | None = None
) -> Trace:
    """The backward and forward trace of whatever ``code`` names (rules 1–3), its weighings
    paged when ``limit`` is given (rule 5)."""
    if limit is not None and limit < 1:
        raise TraceError(f"a page holds at least one weighing, not {limit}")
    ids = interpret(code)
    start = _start(source, ids)
    if start is None:
        raise UnknownCodeError(code)
    if start.weighings is not None:
        page, next_after = _page_in_hand(code, start.weighings, after, limit)
        scope: set[int] | None = {w.id for w in start.weighings}
    else:
        scope, anchor = None, None
        if after is not None:
            found = source.weighing(after)
            if found is None or found.lot not in start.lots:
                raise PageError(code, after)
            anchor = _order(found)
        rows = source.weighings_of_lots(
            start.lots, after=anchor, limit=None if limit is None else limit + 1
        )
        page = rows[:limit]
        next_after = None if len(rows) == len(page) else page[-1].id
    whole_page = after is None and next_after is None
    if start.weighings is not None:
        tallies = tally(start.weighings)
    elif whole_page:
        tallies = tally(page)
    else:
        tallies = source.tallies_of_lots(start.lots)
    return Trace(
        code=code,
        matched=start.matched,
        identifiers=ids,
        backward=backward(source, page, tallies, limit=limit, after=after, next_after=next_after),
        forward=forward(
            source,
            start.lots,
            scope=scope,
            shown=None if whole_page else {w.id for w in page},
            lot_records=start.lot_records,
            dispatches=start.dispatches,
        ),
    )
