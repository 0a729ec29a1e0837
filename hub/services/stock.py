"""Stock use cases: master data, village dispatch, hub receipt, adjustments, FEFO and picking.

Rules:

1. Every change is a set of ``hub.domain.stock.Move`` posted through a ``Ledger`` opened on the
   current balances of the lots involved, so a service cannot overdraw a physical location.
2. A dispatch takes whole lots closed at one station: their station stock moves to
   ``in_transit``.  It gets the cooperative's next SSCC when the cooperative has a GS1 company
   prefix; a serial reference is never handed out twice.
3. Receiving by the dispatch's code receives every crate of it not yet received; receiving by
   crate ids receives just those (and finds their dispatch).  Each crate's hub net (re-weighed,
   given per crate) is recorded against the village's; per lot and product, the hub net moves
   ``in_transit → hub`` and the shrinkage ``in_transit → loss`` (a gain comes ``loss → hub``),
   both with the reason and the operator.
   A crate not re-weighed is taken at the village's net.  Each crate is received once.
4. Adjustments, write-offs, dispatches, receipts and picks are written to the audit log in the
   same transaction as their moves.
5. Picking for an order obeys FEFO's offer: never a recalled or expired lot.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from datetime import date, datetime

from hub.domain.catalog import CrateTypeRecord, GradeRecord, ProductRecord
from hub.domain.projection import HUB_TZ, LotRecord, WeighingRecord
from hub.domain.stock import (
    HUB,
    IN_TRANSIT,
    LOSS,
    Ledger,
    Location,
    Move,
    Reason,
    StockKey,
    StockLine,
    adjustment,
    check_allocatable,
    fefo,
    partner,
    station,
    write_off,
)
from hub.domain.trace import (
    DispatchRecord,
    MemberRecord,
    RecallScope,
    ReceiptLine,
    ReceiptRecord,
)
from hub.services import ConflictError, NotFoundError
from hub.services.unit_of_work import AbstractUnitOfWork, AuditRecord, Gs1Identity


def register_catalog(
    uow: AbstractUnitOfWork,
    *,
    at: datetime,
    products: Sequence[ProductRecord] = (),
    grades: Sequence[GradeRecord] = (),
    members: Sequence[MemberRecord] = (),
    crate_types: Sequence[CrateTypeRecord] = (),
    gs1: dict[str, Gs1Identity] | None = None,
) -> None:
    """Add master data (role: admin)."""
    with uow:
        uow.catalog.add_products(list(products))
        uow.catalog.add_grades(list(grades))
        uow.catalog.add_members(list(members), at=at)
        uow.catalog.add_crate_types(list(crate_types))
        for coop, identity in (gs1 or {}).items():
            uow.catalog.set_gs1_identity(coop, identity)
        uow.commit()


def _ledger(uow: AbstractUnitOfWork, lots: Iterable[str]) -> Ledger:
    return Ledger(opening=uow.moves.balances(lots=list(lots)))


def _audit(
    uow: AbstractUnitOfWork, at: datetime, actor: str, action: str, subject: str, **detail: object
) -> None:
    uow.audit.add([AuditRecord(at, actor, action, subject, detail)])


# ---- village dispatch ----


def dispatch_candidates(uow: AbstractUnitOfWork, *, coop: str | None = None) -> list[LotRecord]:
    """Lots closed at a station and not dispatched yet (role: operator)."""
    with uow:
        return uow.lots.at_station(coop)


def dispatch(
    uow: AbstractUnitOfWork,
    *,
    lots: Sequence[str],
    departed_at: datetime,
    operator: str,
    due_at: datetime | None = None,
    vehicle: str | None = None,
    code: str | None = None,
) -> DispatchRecord:
    """Send closed lots from their station to the hub (rule 2; role: operator)."""
    if not lots:
        raise NotFoundError("a dispatch needs at least one lot", field="lots")
    with uow:
        found = uow.lots.get(lots)
        missing = sorted(set(lots) - set(found))
        if missing:
            raise NotFoundError(f"no closed lot {', '.join(missing)}", field="lots")
        origins = {(lot.coop, lot.station) for lot in found.values()}
        if len(origins) > 1:
            raise ConflictError(
                "a dispatch leaves one station; these lots come from several", field="lots"
            )
        ((coop, origin),) = origins
        already = uow.dispatches.of_lots(lots)
        if already:
            taken = sorted({lot for d in already for lot in d.lots} & set(lots))
            raise ConflictError(
                f"lot {', '.join(taken)} already left on dispatch {already[0].code}", field="lots"
            )
        sscc = uow.catalog.next_sscc(coop) if uow.catalog.gs1_identity(coop) else None
        record = DispatchRecord(
            id=0,
            code=code or f"DSP-{sorted(lots)[0]}",
            coop=coop,
            station=origin,
            sscc=sscc,
            departed_at=departed_at,
            due_at=due_at,
            vehicle=vehicle,
            operator=operator,
            lots=tuple(sorted(lots)),
        )
        if uow.dispatches.by_code(record.code) is not None:
            raise ConflictError(f"dispatch code {record.code} is taken", field="code")
        dispatch_id = uow.dispatches.add(record)
        ledger = _ledger(uow, lots)
        here = station(origin)
        on_hand = {
            key: grams
            for (key, location), grams in ledger.opening.items()
            if location == here and grams > 0
        }
        if not on_hand:
            raise ConflictError(
                f"lots {', '.join(sorted(lots))} hold no stock at {here}", field="lots"
            )
        for key, grams in sorted(on_hand.items()):
            ledger.post(
                Move(
                    key,
                    here,
                    IN_TRANSIT,
                    grams,
                    departed_at,
                    dispatch_id=dispatch_id,
                    operator=operator,
                )
            )
        uow.moves.add(ledger.posted)
        _audit(
            uow,
            departed_at,
            operator,
            "dispatch",
            record.code,
            lots=list(record.lots),
            sscc=sscc,
            net_g=sum(on_hand.values()),
        )
        uow.commit()
        return replace(record, id=dispatch_id)


# ---- hub receipt ----


@dataclass(frozen=True, slots=True)
class ReweighedCrate:
    crate: str
    hub_net_g: int | None = None


@dataclass(frozen=True, slots=True)
class ReceiptResult:
    receipt: ReceiptRecord
    dispatch_code: str
    village_net_g: int
    hub_net_g: int

    @property
    def shrinkage_g(self) -> int:
        return self.village_net_g - self.hub_net_g

    def by_lot(self) -> dict[str, tuple[int, int]]:
        """Lot → (village net, hub net) of the crates received."""
        totals: defaultdict[str, list[int]] = defaultdict(lambda: [0, 0])
        for line in self.receipt.lines:
            totals[line.lot][0] += line.village_net_g
            totals[line.lot][1] += line.hub_net_g
        return {lot: (v, h) for lot, (v, h) in sorted(totals.items())}


def _to_receive(
    uow: AbstractUnitOfWork, dispatch_code: str | None, crates: Sequence[ReweighedCrate]
) -> dict[int, tuple[DispatchRecord, list[WeighingRecord]]]:
    if dispatch_code is not None:
        found = uow.dispatches.by_code(dispatch_code)
        if found is None:
            raise NotFoundError(f"no dispatch {dispatch_code}", field="dispatch")
        weighings = [w for w in uow.weighings.of_lots(found.lots) if w.voided_by_event_id is None]
        done = uow.receipts.received(w.id for w in weighings)
        waiting = [w for w in weighings if w.id not in done]
        unknown = sorted({c.crate for c in crates} - {w.crate for w in waiting if w.crate})
        if unknown:
            raise NotFoundError(
                f"dispatch {dispatch_code} has no crate {', '.join(unknown)} to receive",
                field="crates",
            )
        if not waiting:
            raise ConflictError(
                f"dispatch {dispatch_code} has nothing left to receive", field="dispatch"
            )
        return {found.id: (found, waiting)}
    if not crates:
        raise NotFoundError("name a dispatch or the crates received", field="crates")
    in_transit = uow.weighings.in_transit_by_crates(c.crate for c in crates)
    unknown = sorted({c.crate for c in crates} - set(in_transit))
    if unknown:
        raise NotFoundError(f"no crate {', '.join(unknown)} is in transit", field="crates")
    lot_dispatch = {
        lot: d
        for d in uow.dispatches.of_lots({w.lot for w in in_transit.values() if w.lot})
        for lot in d.lots
    }
    grouped: dict[int, tuple[DispatchRecord, list[WeighingRecord]]] = {}
    for weighing in in_transit.values():
        owner = lot_dispatch[weighing.lot or ""]
        grouped.setdefault(owner.id, (owner, []))[1].append(weighing)
    return grouped


def receive(
    uow: AbstractUnitOfWork,
    *,
    received_at: datetime,
    operator: str,
    dispatch_code: str | None = None,
    crates: Sequence[ReweighedCrate] = (),
) -> list[ReceiptResult]:
    """Receive a dispatch, or crates, at the hub with their re-weighed nets (rule 3;
    role: operator)."""
    reweighed = {c.crate: c.hub_net_g for c in crates}
    for crate, grams in reweighed.items():
        if grams is not None and grams < 0:
            raise ConflictError(f"crate {crate}: a net weight cannot be negative", field="crates")
    results: list[ReceiptResult] = []
    with uow:
        groups = _to_receive(uow, dispatch_code, crates)
        ledger = _ledger(uow, {w.lot for _d, ws in groups.values() for w in ws if w.lot})
        for dispatch_record, weighings in groups.values():
            lines = []
            per_key: defaultdict[StockKey, list[int]] = defaultdict(lambda: [0, 0])
            for weighing in sorted(weighings, key=lambda w: w.id):
                hub_net = reweighed.get(weighing.crate or "")
                hub_net = weighing.net_g if hub_net is None else hub_net
                lines.append(
                    ReceiptLine(
                        weighing.id,
                        weighing.lot or "",
                        weighing.net_g,
                        hub_net,
                        weighing.net_g - hub_net,
                    )
                )
                per_key[weighing.key][0] += weighing.net_g
                per_key[weighing.key][1] += hub_net
            receipt = ReceiptRecord(0, dispatch_record.id, received_at, operator, tuple(lines))
            receipt_id = uow.receipts.add(receipt)
            for key, (village, hub) in sorted(per_key.items()):
                flows: list[tuple[Location, Location, int, str | None]] = [
                    (IN_TRANSIT, HUB, min(hub, village), None)
                ]
                if village > hub:
                    flows.append((IN_TRANSIT, LOSS, village - hub, Reason.SHRINKAGE.value))
                elif hub > village:
                    flows.append((LOSS, HUB, hub - village, Reason.WEIGHT_GAIN.value))
                for source, destination, grams, why in flows:
                    if grams > 0:
                        ledger.post(
                            Move(
                                key,
                                source,
                                destination,
                                grams,
                                received_at,
                                reason=why,
                                operator=operator,
                                dispatch_id=dispatch_record.id,
                                receipt_id=receipt_id,
                            )
                        )
            village_total = sum(line.village_net_g for line in lines)
            hub_total = sum(line.hub_net_g for line in lines)
            _audit(
                uow,
                received_at,
                operator,
                "receive",
                dispatch_record.code,
                receipt_id=receipt_id,
                crates=len(lines),
                village_net_g=village_total,
                hub_net_g=hub_total,
            )
            results.append(
                ReceiptResult(
                    replace(receipt, id=receipt_id), dispatch_record.code, village_total, hub_total
                )
            )
        uow.moves.add(ledger.posted)
        uow.commit()
    return results


# ---- adjustments ----


def adjust(
    uow: AbstractUnitOfWork,
    *,
    key: StockKey,
    location: Location,
    delta_g: int,
    reason: str,
    operator: str,
    at: datetime,
) -> Move:
    """Correct a balance after a count (role: admin)."""
    move = adjustment(key, location, delta_g, at=at, reason=reason, operator=operator)
    return _post_one(uow, move, "adjust")


def write_off_stock(
    uow: AbstractUnitOfWork,
    *,
    key: StockKey,
    location: Location,
    quantity_g: int,
    reason: str,
    operator: str,
    at: datetime,
) -> Move:
    """Take spoiled, damaged or expired stock out (role: operator)."""
    move = write_off(key, location, quantity_g, at=at, reason=reason, operator=operator)
    return _post_one(uow, move, "write_off")


def _post_one(uow: AbstractUnitOfWork, move: Move, action: str) -> Move:
    with uow:
        ledger = _ledger(uow, [move.key.lot] if move.key.lot else [])
        if move.key.lot is None:
            ledger = Ledger(opening=uow.moves.balances(location=move.source, coop=move.key.coop))
        ledger.post(move)
        uow.moves.add([move])
        _audit(
            uow,
            move.at,
            move.operator or "",
            action,
            str(move.key),
            source=str(move.source),
            destination=str(move.destination),
            quantity_g=move.quantity_g,
            reason=move.reason,
        )
        uow.commit()
    return move


# ---- FEFO, recalls, picking ----


def blocked_lots(uow: AbstractUnitOfWork, scopes: Iterable[RecallScope]) -> set[str]:
    """Every lot an active recall covers (``hub.domain.trace`` rule 4)."""
    lots: set[str] = set()
    for scope in scopes:
        if scope.lot is not None:
            lots.add(scope.lot)
        lots.update(w.lot for w in uow.weighings.matching(scope) if w.lot)
    return lots


def stock_lines(
    uow: AbstractUnitOfWork, balances: dict[tuple[StockKey, Location], int]
) -> list[StockLine]:
    lots = {key.lot for key, _location in balances if key.lot}
    best_before = uow.lots.best_before(lots) if lots else {}
    blocked = blocked_lots(uow, [r.scope for r in uow.recalls.active()])
    return fefo(
        StockLine(
            key,
            location,
            grams,
            best_before.get((key.lot, key.product)) if key.lot else None,
            recalled=key.lot in blocked,
        )
        for (key, location), grams in balances.items()
    )


def stock(
    uow: AbstractUnitOfWork,
    *,
    location: Location | None = HUB,
    coop: str | None = None,
    lots: Sequence[str] | None = None,
) -> list[StockLine]:
    """Balances in FEFO order, each flagged recalled or not (role: viewer)."""
    with uow:
        return stock_lines(uow, uow.moves.balances(location=location, coop=coop, lots=lots))


def pick(
    uow: AbstractUnitOfWork,
    *,
    order_id: str,
    lot: str,
    quantity_g: int,
    operator: str,
    at: datetime,
    today: date | None = None,
) -> Move:
    """Send part of a hub lot to an order's partner (rule 5; role: operator)."""
    with uow:
        order = uow.orders.get(order_id)
        if order is None:
            raise NotFoundError(f"no order {order_id}", field="order_id")
        balances = {
            place: grams
            for place, grams in uow.moves.balances(location=HUB, lots=[lot]).items()
            if place[0].product == order.product and place[0].grade == order.grade
        }
        lines = stock_lines(uow, balances)
        if not lines:
            raise NotFoundError(
                f"the hub holds no {order.product} {order.grade} of lot {lot}", field="lot"
            )
        line = lines[0]
        check_allocatable(line, quantity_g, today or at.astimezone(HUB_TZ).date())
        move = Move(
            line.key,
            HUB,
            partner(order.partner),
            quantity_g,
            at,
            operator=operator,
            order_id=order.id,
        )
        Ledger(opening=balances).post(move)
        uow.moves.add([move])
        _audit(
            uow,
            at,
            operator,
            "pick",
            order.id,
            lot=lot,
            quantity_g=quantity_g,
            partner=order.partner,
        )
        uow.commit()
    return move
