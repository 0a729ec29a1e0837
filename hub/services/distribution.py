"""Distribution use cases: orders, day plans, adjustments, approval, and the trips' stock moves.

The planning itself is ``hub.schedule``'s (pure); these functions read what it needs from the
hub, solve outside any transaction, and write back what an operator decided.

Rules:

1. Orders are entered one by one, from a CSV file, or from the standing weekly plan.  A CSV
   file holds partner orders or staple deliveries, as its header says; one with any problem
   is refused whole, with every problem by line and column: a half-imported file would leave
   the operator to work out which rows went in.  A standing
   week is stored whole too, each order checked as one entered by hand; its order ids name
   the week, so storing a week again adds only what is not there yet (an order the operator
   since moved or planned is left as it is).  Two requests storing the same order id at once
   end as if one had come after the other: the later one is told the order exists, or, for
   a standing week, that its orders are already there.
2. A plan is made from the hub's own stock (``hub.services.stock.stock_lines``: the core's
   recall and best-before flags), the day's open orders and staple deliveries, and the village
   pickups waiting (``hub.schedule.day``).  It is solved with the settings' fleet or the
   vehicles the operator names, and stored as a draft with what it could not serve and why.
3. Adjustments (lock a place to a vehicle, free it, move an order to tomorrow) are recorded and
   make the draft stale; a stale draft must be planned again, honouring the locks, before it
   can be approved.  Only drafts change.
4. Approval checks that nothing moved under the plan (orders still open, stock still there and
   allocatable, pickups not on another trip), then writes one trip per vehicle run, issues the
   pallets' SSCCs, and marks the orders planned.  Stock an approved trip will take is held
   back from later plans.
5. Stock moves only through the ledger (``hub.domain.stock.Ledger``) and the core's services:
   departure moves each picked lot ``hub → in_transit`` (refused if it is now recalled,
   expired or gone); confirming a partner stop moves it ``in_transit → partner/…``; confirming
   a village stop dispatches the lots still at its stations with the core's ``dispatch``
   (``station → in_transit``), to be received at the hub as any dispatch is.  Staples are not
   hub stock and move no stock.  The operator may report that a partner took less
   (``hub.schedule.handover``): the shortfall goes back ``in_transit → hub``, or to ``loss``
   when damaged, with the reason, and is kept with the stop's confirmation.  The order then
   says what happened: ``delivered`` when the partner took every loaded line in full,
   ``partly_delivered`` when it took some of it, ``not_delivered`` when it took none.  A
   staple delivery has no hub stock lines and is ``delivered``.
6. Every change names the operator and is written to the audit log with it.
7. A trip that has not departed can be cancelled, with a reason: its orders are open again
   (to plan the day again or move to another), what it would have taken and collected is free
   for other plans, and the trip stays on record as ``cancelled`` with its pallets' SSCCs,
   which are never issued again (the serial counters only go up).  A trip that has departed
   is on the road: its stops are confirmed, not cancelled.

Exceptions, besides the core's ``NotFoundError``, ``ConflictError`` and the ledger's own
(``BlockedStockError`` when a picked lot was recalled or expired since approval)::

    ServiceError
    ├── InvalidRequestError   the request names what the settings or the catalogue do not
    │                         have (the router answers 422, naming the field)
    └── ImportRejectedError   a CSV file with problems: every one, by line and column
"""

from __future__ import annotations

import csv
import io
from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta
from functools import wraps
from typing import Literal, ParamSpec, TypeVar

from hub.domain.projection import LotRecord
from hub.domain.stock import (
    HUB,
    IN_TRANSIT,
    LOSS,
    Ledger,
    LocationKind,
    Move,
    StockKey,
    check_allocatable,
    partner,
)
from hub.domain.trace import DispatchRecord
from hub.schedule.allocation import Pick
from hub.schedule.day import (
    DayInputs,
    OrderEntry,
    OrderKind,
    PickupSource,
    plan_day,
    standing_entries,
    staple_entry,
)
from hub.schedule.delivery_note import (
    DeliveryNote,
    NoteOrder,
    PalletLine,
    PalletLoad,
    delivery_notes_pdf,
    pallet_loads,
)
from hub.schedule.errors import DataFileError, FileProblem, HandoverError
from hub.schedule.handover import DoorReport, Handover, LoadedLine, door_moves, handovers
from hub.schedule.orders import (
    CSV_MAX_LENGTHS,
    Unit,
    iso_week_name,
    order_ids_in,
    parse_orders,
)
from hub.schedule.plan import PickLine, Plan, Route, Trip, pick_list, trip_map_svg
from hub.schedule.pyvrp_solver import solve
from hub.schedule.routing import Kind, Lock, SolveLimits, VehicleType
from hub.schedule.setup import DistributionSetup
from hub.schedule.stored import (
    Json,
    shortfall_json,
    trip_of,
    unserved_json,
    unserved_of,
    vehicle_json,
    vehicle_of,
    visit_json,
)
from hub.services import ConflictError, NotFoundError, ServiceError
from hub.services.planning_uow import (
    AbstractPlanningUnitOfWork,
    Adjustment,
    Confirmation,
    OrderExistsError,
    PlanTrip,
    StoredPlan,
    TripEntry,
)
from hub.services.stock import blocked_lots, dispatch, stock_lines
from hub.services.unit_of_work import AuditRecord

OrderStatus = Literal[
    "open", "planned", "in_transit", "delivered", "partly_delivered", "not_delivered"
]
"""An order's life: open → planned (on an approved trip) → in_transit → one of the last three
when its stop is confirmed (rule 5); a cancelled trip's orders are open again (rule 7)."""
_T = TypeVar("_T")
_P = ParamSpec("_P")


class InvalidRequestError(ServiceError):
    """The request names something the hub's settings or catalogue do not allow; the router
    answers 422 with ``field``."""

    code = "invalid_request"


class ImportRejectedError(ServiceError):
    """A CSV file with problems; ``problems`` holds every one, by line and column."""

    code = "invalid_file"

    def __init__(self, problems: Sequence[FileProblem]) -> None:
        super().__init__(f"{len(problems)} problem(s) in the file; nothing was imported")
        self.field = "file"
        self.problems = tuple(problems)


def _audit(
    uow: AbstractPlanningUnitOfWork,
    at: datetime,
    actor: str,
    action: str,
    subject: str,
    **detail: object,
) -> None:
    uow.audit.add([AuditRecord(at, actor, action, subject, detail)])


# ---- orders ----


def check_order(entry: OrderEntry, setup: DistributionSetup, products: Mapping[str, str]) -> None:
    """Refuse what the hub could not plan: an unknown product, grade or cooperative, or a
    partner with no coordinates given or known."""
    if entry.kind is OrderKind.STAPLES:
        if entry.party not in setup.cooperatives:
            known = ", ".join(sorted(setup.cooperatives))
            raise InvalidRequestError(
                f"the distribution settings place no cooperative {entry.party!r} (placed: {known})",
                field="cooperative",
            )
        return
    if entry.product not in products:
        known = ", ".join(sorted(products)) or "none yet"
        raise InvalidRequestError(
            f"unknown product {entry.product!r} (the catalogue has: {known})", field="product"
        )
    if entry.grade not in setup.grades.grades:
        known = ", ".join(setup.grades.grades)
        raise InvalidRequestError(f"unknown grade {entry.grade!r} (known: {known})", field="grade")
    if (entry.lat is None or entry.lon is None) and entry.party not in setup.partners:
        raise InvalidRequestError(
            f"partner {entry.party!r} is not in the distribution settings: give lat and lon",
            field="lat",
        )


def order_grams(entry: OrderEntry, setup: DistributionSetup, products: Mapping[str, str]) -> int:
    """What an order's quantity comes to in grams (crates × the product's crate net)."""
    if entry.unit is Unit.CRATE:
        product = setup.product(entry.product, products.get(entry.product, entry.product))
        return entry.quantity * product.crate_net_g
    return entry.quantity


def _as_if_second(use_case: Callable[_P, _T]) -> Callable[_P, _T]:
    """``use_case``, run once more if a racing request stored one of its order ids between its
    read and its write: it then reads that order and answers as the later of two requests
    does (rule 1)."""

    @wraps(use_case)
    def run(*args: _P.args, **kwargs: _P.kwargs) -> _T:
        try:
            return use_case(*args, **kwargs)
        except OrderExistsError:
            return use_case(*args, **kwargs)

    return run


@_as_if_second
def create_order(
    uow: AbstractPlanningUnitOfWork,
    entry: OrderEntry,
    *,
    setup: DistributionSetup,
    operator: str,
    at: datetime,
) -> OrderEntry:
    """Enter one order (rule 1; role: operator)."""
    with uow:
        products = uow.planning.products()
        check_order(entry, setup, products)
        if uow.planning.orders([entry.id]):
            raise ConflictError(f"order {entry.id} already exists", field="id")
        stored = _new_order(entry, setup, products, operator=operator, at=at)
        uow.planning.add_orders([stored])
        _audit(uow, at, operator, "order", entry.id, kind=entry.kind.value, grams=stored.quantity_g)
        uow.commit()
        return stored


def _new_order(
    entry: OrderEntry,
    setup: DistributionSetup,
    products: Mapping[str, str],
    *,
    operator: str,
    at: datetime,
) -> OrderEntry:
    """A checked entry as the hub stores it: in grams, open, and who entered it when."""
    return replace(
        entry,
        quantity_g=order_grams(entry, setup, products),
        status="open",
        created_at=at,
        created_by=operator,
    )


@dataclass(frozen=True, slots=True)
class StandingWeek:
    """What storing a standing week did: the orders it created, and those already there."""

    monday: date
    created: tuple[OrderEntry, ...]
    already_there: tuple[str, ...]


@_as_if_second
def create_standing_week(
    uow: AbstractPlanningUnitOfWork,
    monday: date,
    *,
    setup: DistributionSetup,
    operator: str,
    at: datetime,
) -> StandingWeek:
    """Store the standing plan's partner orders and staple deliveries for the week of
    ``monday``, all or none, skipping the ones already there (rule 1; role: operator)."""
    week = iso_week_name(monday)
    with uow:
        products = uow.planning.products()
        entries = standing_entries(setup.standing.week(monday), setup, products)
        there = uow.planning.orders(entry.id for entry in entries)
        fresh = [entry for entry in entries if entry.id not in there]
        problems: defaultdict[str, list[str]] = defaultdict(list)
        longest = CSV_MAX_LENGTHS["order_id"]
        for entry in fresh:
            if len(entry.id) > longest:
                problems[f"order ids longer than {longest} characters"].append(entry.id)
                continue
            try:
                check_order(entry, setup, products)
            except InvalidRequestError as exc:
                problems[str(exc)].append(entry.id)
        if problems:
            said = "; ".join(f"{problem} ({_some(ids)})" for problem, ids in problems.items())
            raise InvalidRequestError(
                f"the standing plan's orders for {week} cannot be stored: {said}", field="week"
            )
        created = [_new_order(e, setup, products, operator=operator, at=at) for e in fresh]
        if created:
            uow.planning.add_orders(created)
            _audit(
                uow,
                at,
                operator,
                "standing_week",
                week,
                orders=[e.id for e in created],
                already_there=len(there),
            )
            uow.commit()
        return StandingWeek(monday, tuple(created), tuple(sorted(there)))


@_as_if_second
def import_orders(
    uow: AbstractPlanningUnitOfWork,
    text: str,
    *,
    file: str,
    setup: DistributionSetup,
    operator: str,
    at: datetime,
) -> list[OrderEntry]:
    """Partner orders or staple deliveries from a CSV file, as its header says, all or none
    (rule 1; role: operator).  A staple delivery is stored as one entered by hand is, to a
    cooperative the settings place."""
    with uow:
        names = uow.planning.products()
        products = {code: setup.product(code, name) for code, name in names.items()}
        taken = set(uow.planning.orders(order_ids_in(text)))
        try:
            parsed = parse_orders(
                text,
                file=file,
                products=products,
                grades=setup.grades.grades,
                cooperatives=setup.cooperatives,
                taken=taken,
            )
        except DataFileError as exc:
            raise ImportRejectedError(exc.problems) from exc
        staples = [
            _new_order(staple_entry(delivery, setup), setup, names, operator=operator, at=at)
            for delivery in parsed.staple_deliveries
        ]
        entries = [
            OrderEntry(
                id=order.order_id,
                kind=OrderKind.PARTNER,
                party=order.partner.id,
                party_name=order.partner.name,
                product=order.product,
                grade=order.grade,
                unit=order.unit,
                quantity=order.quantity,
                quantity_g=order.quantity_g(products[order.product]),
                day=order.delivery_date,
                window=order.window,
                priority=order.priority,
                address=order.partner.address,
                lat=order.partner.place.lat,
                lon=order.partner.place.lon,
                created_at=at,
                created_by=operator,
            )
            for order in parsed.partner_orders
        ] + staples
        uow.planning.add_orders(entries)
        _audit(uow, at, operator, "import_orders", file, orders=[e.id for e in entries])
        uow.commit()
        return entries


def orders_on(uow: AbstractPlanningUnitOfWork, day: date) -> list[OrderEntry]:
    """The orders due on ``day``, every kind and status (role: viewer)."""
    with uow:
        return uow.planning.orders_on(day)


def _some(ids: Sequence[str]) -> str:
    """The first id, and how many more: a problem a whole standing line shares, said once."""
    return ids[0] if len(ids) == 1 else f"{ids[0]} and {len(ids) - 1} more"


# ---- plans ----


@dataclass(frozen=True, slots=True)
class PlanView:
    """A stored plan as domain objects, for answers and checks."""

    stored: StoredPlan
    plan: Plan
    fleet: tuple[VehicleType, ...]
    trip_ids: Mapping[tuple[str, int, int], str]
    """(vehicle type, vehicle number, trip number) → approved trip id."""
    locks: tuple[Lock, ...]
    adjustments: tuple[Adjustment, ...]


def fleet_for(
    setup: DistributionSetup, vehicles: Mapping[str, int] | None
) -> tuple[VehicleType, ...]:
    """The settings' fleet, or the types the operator names with how many of each."""
    if vehicles is None:
        return setup.fleet
    fleet = []
    for vehicle_id, count in vehicles.items():
        vehicle = setup.vehicle(vehicle_id)
        if vehicle is None:
            known = ", ".join(v.id for v in setup.fleet)
            raise InvalidRequestError(
                f"unknown vehicle type {vehicle_id!r} (known: {known})", field="vehicles"
            )
        if count > 0:
            fleet.append(replace(vehicle, count=count))
    if not fleet:
        raise InvalidRequestError("a plan needs at least one vehicle", field="vehicles")
    return tuple(fleet)


def day_inputs(uow: AbstractPlanningUnitOfWork, day: date) -> DayInputs:
    """Everything ``plan_day`` needs, read in the caller's transaction (rule 2)."""
    balances = uow.moves.balances()
    trips = uow.planning.planned_trips()
    reserved: defaultdict[StockKey, int] = defaultdict(int)
    taken_lots: set[str] = set()
    taken_dispatches: set[str] = set()
    for trip in trips:
        if trip.status == "cancelled":
            continue
        for item in _consignments(trip.stops):
            taken_lots.update(lot for lots in item.get("lots", {}).values() for lot in lots)
            taken_dispatches.update(item.get("dispatches", []))
            if trip.status == "planned":
                for key, grams in _picked(item):
                    reserved[key] += grams
    blocked = blocked_lots(uow, [r.scope for r in uow.recalls.active()])
    at_stations = {
        (key.lot, location.ref)
        for (key, location), grams in balances.items()
        if location.kind is LocationKind.STATION and grams > 0
    }
    ready = [
        lot
        for lot in uow.lots.at_station(None)
        if lot.id not in taken_lots
        and lot.id not in blocked
        and (lot.id, lot.station) in at_stations
    ]
    waiting = [
        d
        for d in uow.planning.dispatches_awaiting()
        if d.code not in taken_dispatches and not set(d.lots) & (taken_lots | blocked)
    ]
    lots = uow.lots.get(lot for d in waiting for lot in d.lots)
    awaiting: list[tuple[DispatchRecord, Sequence[LotRecord]]] = [
        (d, [lots[lot] for lot in d.lots if lot in lots]) for d in waiting
    ]
    return DayInputs(
        day=day,
        orders=uow.planning.orders_on(day),
        stock=stock_lines(uow, balances),
        reserved=dict(reserved),
        ready=ready,
        awaiting=awaiting,
        products=uow.planning.products(),
    )


def _consignments(stops: Iterable[Json]) -> Iterable[Json]:
    for visit in stops:
        yield from visit["stop"]["consignments"]


def _picked(item: Json) -> list[tuple[StockKey, int]]:
    """The stock keys and grams an approved trip's consignment takes from the hub."""
    return [
        (
            StockKey(pick["cooperative"], item["product"], pick["grade"], pick["lot"]),
            pick["quantity_g"],
        )
        for pick in item.get("picks", [])
        if "product" in item
    ]


def _solve_day(
    inputs: DayInputs,
    setup: DistributionSetup,
    fleet: Sequence[VehicleType],
    locks: Sequence[Lock],
    limits: SolveLimits,
) -> tuple[Plan, Mapping[str, PickupSource], list[Json]]:
    day = plan_day(inputs, setup, fleet=fleet, locks=locks)
    plan = solve(day.problem, limits)
    plan = replace(plan, unserved=plan.unserved + day.unplaced)
    shortfalls = [shortfall_json(s) for s in day.allocation.shortfalls]
    return plan, day.pickups, shortfalls


def _stored(
    plan: Plan,
    pickups: Mapping[str, PickupSource],
    shortfalls: list[Json],
    *,
    day: date,
    fleet: Sequence[VehicleType],
    limits: SolveLimits,
    operator: str,
    at: datetime,
) -> StoredPlan:
    return StoredPlan(
        day=day,
        status="draft",
        created_at=at,
        created_by=operator,
        solved_at=at,
        solved_by=operator,
        seconds=limits.seconds,
        iterations=limits.iterations,
        seed=limits.seed,
        vehicles=tuple(vehicle_json(v) for v in fleet),
        distance_m=plan.distance_m,
        cost_rp=plan.cost_rp,
        unserved=tuple(unserved_json(u) for u in plan.unserved),
        shortfalls=tuple(shortfalls),
        pickups={
            ref: {"coop": s.coop, "lots": dict(s.lots), "dispatches": list(s.dispatches)}
            for ref, s in pickups.items()
        },
        trips=tuple(
            PlanTrip(
                vehicle_type=route.vehicle.id,
                vehicle_no=route.vehicle_no,
                number=trip.number,
                route_start_s=route.start_s,
                route_end_s=route.end_s,
                departure_s=trip.departure_s,
                return_s=trip.return_s,
                distance_m=trip.distance_m,
                stops=tuple(visit_json(v) for v in trip.visits),
            )
            for route, trip in plan.trips()
        ),
    )


def create_plan(
    uow: AbstractPlanningUnitOfWork,
    *,
    day: date,
    setup: DistributionSetup,
    limits: SolveLimits,
    operator: str,
    at: datetime,
    vehicles: Mapping[str, int] | None = None,
) -> PlanView:
    """Plan ``day`` and store the draft (rule 2; role: operator)."""
    fleet = fleet_for(setup, vehicles)
    with uow:
        inputs = day_inputs(uow, day)
    plan, pickups, shortfalls = _solve_day(inputs, setup, fleet, (), limits)
    stored = _stored(
        plan,
        pickups,
        shortfalls,
        day=day,
        fleet=fleet,
        limits=limits,
        operator=operator,
        at=at,
    )
    with uow:
        plan_id = uow.planning.add_plan(stored)
        _audit(uow, at, operator, "plan", f"plan/{plan_id}", day=day.isoformat())
        uow.commit()
    return plan_view(uow, plan_id)


def _view(stored: StoredPlan, adjustments: Sequence[Adjustment]) -> PlanView:
    fleet = tuple(vehicle_of(v) for v in stored.vehicles)
    by_id = {v.id: v for v in fleet}
    routes: dict[tuple[str, int], list[PlanTrip]] = defaultdict(list)
    for trip in stored.trips:
        routes[(trip.vehicle_type, trip.vehicle_no)].append(trip)
    order = {v.id: k for k, v in enumerate(fleet)}
    built = []
    for (vehicle_id, number), trips in sorted(
        routes.items(), key=lambda r: (order[r[0][0]], r[0][1])
    ):
        first = trips[0]
        built.append(
            Route(
                vehicle=by_id[vehicle_id],
                vehicle_no=number,
                start_s=first.route_start_s,
                end_s=first.route_end_s,
                trips=tuple(
                    trip_of(
                        number=t.number,
                        departure_s=t.departure_s,
                        return_s=t.return_s,
                        distance_m=t.distance_m,
                        visits=t.stops,
                    )
                    for t in sorted(trips, key=lambda t: t.number)
                ),
            )
        )
    plan = Plan(stored.day, tuple(built), tuple(unserved_of(u) for u in stored.unserved))
    return PlanView(
        stored=stored,
        plan=plan,
        fleet=fleet,
        trip_ids={
            (t.vehicle_type, t.vehicle_no, t.number): t.trip_id for t in stored.trips if t.trip_id
        },
        locks=locks_of(adjustments),
        adjustments=tuple(adjustments),
    )


def locks_of(adjustments: Iterable[Adjustment]) -> tuple[Lock, ...]:
    """The locks in force: the latest lock or unlock of each place wins (rule 3)."""
    found: dict[str, Lock] = {}
    for adjustment in adjustments:
        if adjustment.kind == "lock" and adjustment.place and adjustment.vehicle:
            found[adjustment.place] = Lock(
                adjustment.place, adjustment.vehicle, adjustment.vehicle_no or 1
            )
        elif adjustment.kind == "unlock" and adjustment.place:
            found.pop(adjustment.place, None)
    return tuple(found.values())


def plan_view(uow: AbstractPlanningUnitOfWork, plan_id: int) -> PlanView:
    """A stored plan (role: viewer)."""
    with uow:
        stored = uow.planning.plan(plan_id)
        if stored is None:
            raise NotFoundError(f"no plan {plan_id}", field="plan_id")
        return _view(stored, uow.planning.adjustments(plan_id))


def _draft(uow: AbstractPlanningUnitOfWork, plan_id: int) -> StoredPlan:
    stored = uow.planning.plan(plan_id)
    if stored is None:
        raise NotFoundError(f"no plan {plan_id}", field="plan_id")
    if stored.status != "draft":
        raise ConflictError(f"plan {plan_id} is {stored.status}; only a draft changes")
    return stored


def adjust_plan(
    uow: AbstractPlanningUnitOfWork,
    plan_id: int,
    adjustment: Adjustment,
) -> PlanView:
    """Lock a place to a vehicle, free it, or move an order to tomorrow (rule 3; role:
    operator)."""
    with uow:
        stored = _draft(uow, plan_id)
        view = _view(stored, [])
        if adjustment.kind in ("lock", "unlock"):
            places = {visit.stop.place.id for _, trip in view.plan.trips() for visit in trip.visits}
            places |= {u["ref"].split("/")[0] for u in stored.unserved}
            if adjustment.place not in places:
                raise NotFoundError(
                    f"plan {plan_id} has no stop at {adjustment.place}", field="stop"
                )
        if adjustment.kind == "lock":
            vehicle = next((v for v in view.fleet if v.id == adjustment.vehicle), None)
            if vehicle is None or not 1 <= (adjustment.vehicle_no or 0) <= vehicle.count:
                fleet = ", ".join(f"{v.id} 1–{v.count}" for v in view.fleet)
                raise InvalidRequestError(
                    f"plan {plan_id} has no vehicle {adjustment.vehicle} {adjustment.vehicle_no}"
                    f" (its fleet: {fleet})",
                    field="vehicle",
                )
        if adjustment.kind == "move":
            order_id = adjustment.order_id or ""
            order = uow.planning.orders([order_id]).get(order_id)
            if order is None:
                raise NotFoundError(f"no order {order_id}", field="order")
            if order.day != stored.day or order.status != "open":
                raise ConflictError(
                    f"order {order_id} is {order.status} on {order.day}, not open on {stored.day}",
                    field="order",
                )
            tomorrow = stored.day + timedelta(days=1)
            adjustment = replace(adjustment, to_day=tomorrow)
            uow.planning.move_order(order_id, tomorrow)
        uow.planning.add_adjustment(plan_id, adjustment)
        uow.planning.mark_stale(plan_id)
        _audit(
            uow,
            adjustment.at,
            adjustment.operator,
            f"plan_{adjustment.kind}",
            f"plan/{plan_id}",
            place=adjustment.place,
            vehicle=adjustment.vehicle,
            vehicle_no=adjustment.vehicle_no,
            order=adjustment.order_id,
        )
        uow.commit()
    return plan_view(uow, plan_id)


def replan(
    uow: AbstractPlanningUnitOfWork,
    plan_id: int,
    *,
    setup: DistributionSetup,
    operator: str,
    at: datetime,
    limits: SolveLimits | None = None,
) -> PlanView:
    """Plan a draft's day again with its fleet and locks (rule 3; role: operator)."""
    with uow:
        stored = _draft(uow, plan_id)
        locks = locks_of(uow.planning.adjustments(plan_id))
        inputs = day_inputs(uow, stored.day)
    fleet = tuple(vehicle_of(v) for v in stored.vehicles)
    limits = limits or SolveLimits(stored.seconds, stored.iterations, stored.seed)
    plan, pickups, shortfalls = _solve_day(inputs, setup, fleet, locks, limits)
    fresh = _stored(
        plan,
        pickups,
        shortfalls,
        day=stored.day,
        fleet=fleet,
        limits=limits,
        operator=operator,
        at=at,
    )
    with uow:
        _draft(uow, plan_id)
        uow.planning.replace_plan(plan_id, fresh)
        _audit(uow, at, operator, "replan", f"plan/{plan_id}", locks=len(locks))
        uow.commit()
    return plan_view(uow, plan_id)


def _trip_id(plan_id: int, trip: PlanTrip) -> str:
    return f"T{plan_id}-{trip.vehicle_type}{trip.vehicle_no}-{trip.number}"


def approve(
    uow: AbstractPlanningUnitOfWork,
    plan_id: int,
    *,
    setup: DistributionSetup,
    operator: str,
    at: datetime,
) -> PlanView:
    """Turn a draft into trips (rule 4; role: operator)."""
    with uow:
        stored = _draft(uow, plan_id)
        if stored.stale:
            raise ConflictError(
                f"plan {plan_id} was adjusted after it was solved; plan it again first"
            )
        consignments = [item for trip in stored.trips for item in _consignments(trip.stops)]
        order_ids = [c["ref"] for c in consignments if c["kind"] != Kind.PRODUCE.value]
        orders = uow.planning.orders(order_ids)
        for order_id in order_ids:
            order = orders.get(order_id)
            if order is None or order.status != "open" or order.day != stored.day:
                raise ConflictError(
                    f"order {order_id} changed since plan {plan_id} was made; plan it again"
                )
        inputs = day_inputs(uow, stored.day)
        _check_stock(inputs, consignments, orders, stored.day)
        _check_pickups(inputs, stored, consignments)
        names = uow.planning.products()
        trips = []
        for trip in stored.trips:
            trip_id = _trip_id(plan_id, trip)
            stops = [
                _approved_visit(uow, visit, orders, stored.pickups, setup, names)
                for visit in trip.stops
            ]
            trips.append(
                TripEntry(
                    id=trip_id,
                    vehicle=f"{trip.vehicle_type} {trip.vehicle_no}",
                    day=stored.day,
                    stops=tuple(stops),
                    plan_id=plan_id,
                    plan_trip_id=trip.id,
                )
            )
        if not uow.planning.approve_plan(plan_id, at=at, by=operator):
            raise ConflictError(f"plan {plan_id} was approved by another request")
        uow.planning.add_trips(trips)
        for entry in trips:
            refs = [c["ref"] for c in _consignments(entry.stops) if c["ref"] in orders]
            uow.planning.set_order_status(refs, "planned", entry.id)
        _audit(uow, at, operator, "approve_plan", f"plan/{plan_id}", trips=[t.id for t in trips])
        uow.commit()
    return plan_view(uow, plan_id)


def _check_stock(
    inputs: DayInputs,
    consignments: Sequence[Json],
    orders: Mapping[str, OrderEntry],
    day: date,
) -> None:
    """Refuse approval when a picked lot is no longer there to take (rule 4)."""
    wanted: defaultdict[StockKey, int] = defaultdict(int)
    for item in consignments:
        if item["kind"] == Kind.PARTNER_ORDER.value:
            product = orders[item["ref"]].product
            for key, grams in _picked({**item, "product": product}):
                wanted[key] += grams
    lines = {line.key: line for line in inputs.stock if line.location == HUB}
    for key, grams in sorted(wanted.items()):
        line = lines.get(key)
        if line is None:
            raise ConflictError(f"the hub no longer holds {key}; plan the day again")
        available = replace(line, quantity_g=line.quantity_g - inputs.reserved.get(key, 0))
        check_allocatable(available, grams, day)


def _check_pickups(inputs: DayInputs, stored: StoredPlan, consignments: Sequence[Json]) -> None:
    ready = {lot.id for lot in inputs.ready}
    waiting = {d.code for d, _ in inputs.awaiting}
    for item in consignments:
        source = stored.pickups.get(item["ref"])
        if item["kind"] != Kind.PRODUCE.value or source is None:
            continue
        lots = {lot for found in source["lots"].values() for lot in found}
        gone = sorted(lots - ready) + sorted(set(source["dispatches"]) - waiting)
        if gone:
            raise ConflictError(
                f"{item['ref']}: {', '.join(gone)} left or went on another trip; plan again"
            )


def _approved_visit(
    uow: AbstractPlanningUnitOfWork,
    visit: Json,
    orders: Mapping[str, OrderEntry],
    pickups: Mapping[str, Json],
    setup: DistributionSetup,
    names: Mapping[str, str],
) -> Json:
    """A plan's visit as the trip keeps it: partner orders with their product and pallets
    (SSCCs issued now), pickups with the lots and dispatches they collect."""
    items = []
    for item in visit["stop"]["consignments"]:
        extra: Json = {}
        if item["kind"] == Kind.PARTNER_ORDER.value:
            order = orders[item["ref"]]
            product = setup.product(order.product, names.get(order.product, order.product))
            picks = [
                Pick(
                    p["lot"],
                    p["cooperative"],
                    p["grade"],
                    date.fromisoformat(p["best_before"]),
                    p["quantity_g"],
                )
                for p in item["picks"]
            ]
            pallets = [
                _pallet_json(_with_sscc(uow, pallet))
                for pallet in pallet_loads(picks, product, setup.pallet_crates)
            ]
            extra = {"product": order.product, "pallets": pallets}
        elif item["kind"] == Kind.PRODUCE.value and item["ref"] in pickups:
            source = pickups[item["ref"]]
            extra = {"lots": source["lots"], "dispatches": source["dispatches"]}
        items.append({**item, **extra})
    return {**visit, "stop": {**visit["stop"], "consignments": items}}


def _with_sscc(uow: AbstractPlanningUnitOfWork, pallet: PalletLoad) -> PalletLoad:
    if uow.catalog.gs1_identity(pallet.cooperative) is None:
        return pallet
    return replace(pallet, sscc=uow.catalog.next_sscc(pallet.cooperative))


def _pallet_json(pallet: PalletLoad) -> Json:
    return {
        "sscc": pallet.sscc,
        "cooperative": pallet.cooperative,
        "lines": [
            {
                "lot": line.lot,
                "grade": line.grade,
                "best_before": line.best_before.isoformat(),
                "net_g": line.net_g,
                "crates": line.crates,
            }
            for line in pallet.lines
        ],
    }


def _pallet_of(data: Json) -> PalletLoad:
    return PalletLoad(
        data["cooperative"],
        tuple(
            PalletLine(
                line["lot"],
                line["grade"],
                date.fromisoformat(line["best_before"]),
                line["net_g"],
                line["crates"],
            )
            for line in data["lines"]
        ),
        data["sscc"],
    )


# ---- trips ----


@dataclass(frozen=True, slots=True)
class TripView:
    entry: TripEntry
    route: Route
    trip: Trip
    confirmed: Mapping[int, Confirmation]


def trip_view(uow: AbstractPlanningUnitOfWork, trip_id: str) -> TripView:
    """An approved trip with its vehicle and confirmations (role: viewer)."""
    with uow:
        entry = uow.planning.trip(trip_id)
        if entry is None:
            raise NotFoundError(f"no trip {trip_id}", field="trip_id")
        stored = uow.planning.plan(entry.plan_id)
        assert stored is not None
        found = next(t for t in stored.trips if t.id == entry.plan_trip_id)
        vehicle = next(vehicle_of(v) for v in stored.vehicles if v["id"] == found.vehicle_type)
        trip = trip_of(
            number=found.number,
            departure_s=found.departure_s,
            return_s=found.return_s,
            distance_m=found.distance_m,
            visits=entry.stops,
        )
        route = Route(vehicle, found.vehicle_no, found.route_start_s, found.route_end_s, (trip,))
        return TripView(entry, route, trip, uow.planning.confirmations(trip_id))


def trip_pick_list(uow: AbstractPlanningUnitOfWork, trip_id: str) -> list[PickLine]:
    """What to bring to the truck, last stop first (role: viewer)."""
    return pick_list(trip_view(uow, trip_id).trip)


PICK_LIST_COLUMNS = (
    "stop",
    "place",
    "ref",
    "what",
    "weight_g",
    "crates",
    "lot",
    "cooperative",
    "grade",
    "best_before",
    "lot_g",
)


def pick_list_csv(lines: Sequence[PickLine], language: str) -> str:
    """One row per lot to pick (one per consignment without lots), for the hub floor."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(PICK_LIST_COLUMNS)
    for line in lines:
        head = [
            line.stop_no,
            line.place,
            line.ref,
            line.what.text(language),
            line.weight_g,
            line.crates,
        ]
        if not line.lots:
            writer.writerow([*head, "", "", "", "", ""])
        for pick in line.lots:
            writer.writerow(
                [
                    *head,
                    pick.lot_id,
                    pick.cooperative,
                    pick.grade,
                    pick.best_before.isoformat(),
                    pick.quantity_g,
                ]
            )
    return out.getvalue()


def trip_map(
    uow: AbstractPlanningUnitOfWork, trip_id: str, *, setup: DistributionSetup, language: str
) -> str:
    """The trip drawn on the places' coordinates (role: viewer)."""
    view = trip_view(uow, trip_id)
    others = [c.place for c in setup.cooperatives.values()]
    others += [p.place for p in setup.partners.values()]
    return trip_map_svg(
        view.route, view.trip, hub=setup.hub.place, others=others, language=language
    )


def delivery_notes(
    uow: AbstractPlanningUnitOfWork, trip_id: str, *, setup: DistributionSetup, language: str
) -> bytes:
    """The trip's delivery notes as PDF, one page per partner stop (role: viewer)."""
    view = trip_view(uow, trip_id)
    refs = [c["ref"] for c in _consignments(view.entry.stops)]
    with uow:
        orders = uow.planning.orders(refs)
    notes = []
    for stop_no, (visit, raw) in enumerate(zip(view.trip.visits, view.entry.stops, strict=True), 1):
        delivered = []
        for item, data in zip(visit.stop.consignments, raw["stop"]["consignments"], strict=True):
            if item.kind is not Kind.PARTNER_ORDER:
                continue
            pallets = tuple(_pallet_of(p) for p in data.get("pallets", []))
            net = sum(p.net_g for p in pallets)
            crates = sum(p.crates for p in pallets)
            tare = setup.product(data.get("product", ""), "").crate_tare_g
            delivered.append(
                NoteOrder(item.ref, item.what, net, crates, net + crates * tare, pallets)
            )
        if not delivered:
            continue
        order = orders.get(delivered[0].ref)
        notes.append(
            DeliveryNote(
                number=f"{trip_id}/{stop_no}",
                day=view.entry.day,
                hub=setup.hub.place.name,
                vehicle=f"{view.route.name} ({view.route.vehicle.label})",
                trip=view.trip.number,
                stop_no=stop_no,
                arrival_s=visit.arrival_s,
                window=visit.stop.consignments[0].window,
                recipient=(
                    order.party_name if order and order.party_name else visit.stop.place.name
                ),
                address=order.address if order else "",
                orders=tuple(delivered),
            )
        )
    return delivery_notes_pdf(notes, title=trip_id, language=language)


def depart(
    uow: AbstractPlanningUnitOfWork, trip_id: str, *, operator: str, at: datetime
) -> list[Move]:
    """The trip leaves: its picked lots go ``hub → in_transit`` (rule 5; role: operator)."""
    with uow:
        entry = uow.planning.trip(trip_id)
        if entry is None:
            raise NotFoundError(f"no trip {trip_id}", field="trip_id")
        departing = uow.planning.set_trip_status(
            trip_id, "departed", expected="planned", at=at, by=operator
        )
        if not departing and entry.status == "cancelled":
            raise ConflictError(f"trip {trip_id} was cancelled; it does not depart")
        if not departing:
            raise ConflictError(f"trip {trip_id} is {entry.status}; it departs once")
        wanted = [
            (key, grams, item["ref"])
            for item in _consignments(entry.stops)
            for key, grams in _picked(item)
        ]
        lots = sorted({key.lot for key, _, _ in wanted if key.lot})
        balances = uow.moves.balances(location=HUB, lots=lots) if lots else {}
        lines = {line.key: line for line in stock_lines(uow, balances)}
        ledger = Ledger(opening=balances)
        for key, grams, order_id in wanted:
            line = lines.get(key)
            if line is None:
                raise ConflictError(f"the hub holds no {key} for order {order_id}")
            check_allocatable(replace(line, quantity_g=ledger.balance(key, HUB)), grams, entry.day)
            ledger.post(Move(key, HUB, IN_TRANSIT, grams, at, operator=operator, order_id=order_id))
        uow.moves.add(ledger.posted)
        orders = [
            item["ref"] for item in _consignments(entry.stops) if item["kind"] != Kind.PRODUCE.value
        ]
        uow.planning.set_order_status(orders, "in_transit")
        _audit(
            uow,
            at,
            operator,
            "depart",
            trip_id,
            moves=len(ledger.posted),
            grams=sum(m.quantity_g for m in ledger.posted),
        )
        uow.commit()
        return list(ledger.posted)


@dataclass(frozen=True, slots=True)
class TripCancellation:
    trip_id: str
    reason: str
    operator: str
    at: datetime
    reopened: tuple[str, ...]
    """The orders open again."""
    ssccs: tuple[str, ...]
    """The SSCCs its pallets had; they stay with the cancelled trip and are never reissued."""


def cancel_trip(
    uow: AbstractPlanningUnitOfWork, trip_id: str, *, reason: str, operator: str, at: datetime
) -> TripCancellation:
    """Call off a trip that has not departed (rule 7; role: operator)."""
    with uow:
        entry = uow.planning.trip(trip_id)
        if entry is None:
            raise NotFoundError(f"no trip {trip_id}", field="trip_id")
        if entry.status == "cancelled":
            raise ConflictError(f"trip {trip_id} is already cancelled")
        if entry.status != "planned" or not uow.planning.set_trip_status(
            trip_id, "cancelled", expected="planned"
        ):
            raise ConflictError(
                f"trip {trip_id} has departed; a trip on the road cannot be cancelled, "
                "confirm its stops instead"
            )
        reopened = uow.planning.reopen_orders(trip_id)
        ssccs = [
            pallet["sscc"]
            for item in _consignments(entry.stops)
            for pallet in item.get("pallets", [])
            if pallet["sscc"]
        ]
        _audit(
            uow,
            at,
            operator,
            "cancel_trip",
            trip_id,
            reason=reason,
            orders=reopened,
            ssccs=ssccs,
        )
        uow.commit()
    return TripCancellation(trip_id, reason, operator, at, tuple(reopened), tuple(ssccs))


@dataclass(frozen=True, slots=True)
class StopConfirmation:
    confirmation: Confirmation
    moves: tuple[Move, ...]
    dispatches: tuple[DispatchRecord, ...]


def confirm_stop(
    uow: AbstractPlanningUnitOfWork,
    trip_id: str,
    stop_no: int,
    *,
    operator: str,
    at: datetime,
    reports: Sequence[DoorReport] = (),
) -> StopConfirmation:
    """The driver has served stop ``stop_no`` (from 1): partner drops move
    ``in_transit → partner/…`` as far as ``reports`` say they were taken, the rest back to the
    hub or to loss; a village's waiting lots are dispatched (rule 5; role: operator)."""
    with uow:
        vehicle, items = _confirmable(uow, trip_id, stop_no)
        handed = _handovers(items, reports)
        still = {lot.id for lot in uow.lots.at_station(None)}
    dispatched: list[DispatchRecord] = []
    for item in items:
        for station_lots in (
            item.get("lots", {}).values() if item["kind"] == Kind.PRODUCE.value else ()
        ):
            waiting = sorted(set(station_lots) & still)
            if waiting:
                dispatched.append(
                    dispatch(uow, lots=waiting, departed_at=at, operator=operator, vehicle=vehicle)
                )
    with uow:
        _, items = _confirmable(uow, trip_id, stop_no)
        lots = sorted({h.line.key.lot for h in handed if h.line.key.lot})
        ledger = Ledger(opening=uow.moves.balances(location=IN_TRANSIT, lots=lots) if lots else {})
        orders = uow.planning.orders(h.line.order_id for h in handed)
        for handover in handed:
            recipient = partner(orders[handover.line.order_id].party)
            for move in door_moves(handover, recipient, at=at, operator=operator):
                ledger.post(move)
        uow.moves.add(ledger.posted)
        served = [item["ref"] for item in items if item["kind"] != Kind.PRODUCE.value]
        outcomes = order_outcomes(served, handed)
        ended = {
            status: [order_id for order_id in served if outcomes[order_id] == status]
            for status in ("delivered", "partly_delivered", "not_delivered")
        }
        for status, order_ids in ended.items():
            uow.planning.set_order_status(order_ids, status)
        detail: Json = {
            "delivered": ended["delivered"],
            "collected": [item["ref"] for item in items if item["kind"] == Kind.PRODUCE.value],
            "dispatches": [d.code for d in dispatched],
            "moves": len(ledger.posted),
        }
        detail |= {status: ids for status, ids in ended.items() if ids and status != "delivered"}
        if short := [_short_json(h) for h in handed if h.short_g]:
            detail["short"] = short
        confirmation = Confirmation(trip_id, stop_no, at, operator, detail)
        uow.planning.add_confirmation(confirmation)
        entry = uow.planning.trip(trip_id)
        assert entry is not None
        if len(uow.planning.confirmations(trip_id)) == len(entry.stops):
            uow.planning.set_trip_status(trip_id, "done", expected="departed")
        _audit(uow, at, operator, "confirm_stop", f"{trip_id}/{stop_no}", **confirmation.detail)
        uow.commit()
    return StopConfirmation(confirmation, tuple(ledger.posted), tuple(dispatched))


def order_outcomes(served: Sequence[str], handed: Sequence[Handover]) -> dict[str, OrderStatus]:
    """What each order served at a stop comes to (rule 5): ``delivered`` when the partner took
    every loaded line of it in full (a staple delivery has none), ``not_delivered`` when it
    took nothing of it, else ``partly_delivered``."""
    loaded: defaultdict[str, int] = defaultdict(int)
    taken: defaultdict[str, int] = defaultdict(int)
    for handover in handed:
        loaded[handover.line.order_id] += handover.line.quantity_g
        taken[handover.line.order_id] += handover.delivered_g

    def outcome(order_id: str) -> OrderStatus:
        if taken[order_id] == loaded[order_id]:
            return "delivered"
        return "not_delivered" if taken[order_id] == 0 else "partly_delivered"

    return {order_id: outcome(order_id) for order_id in served}


def loaded_lines(visit: Json) -> list[LoadedLine]:
    """What left the hub for a trip stop's partner orders, one line per order, lot and grade,
    in loading order: the lines a report of the handover names (rule 5)."""
    return _loaded(visit["stop"]["consignments"])


def stop_loads(uow: AbstractPlanningUnitOfWork, trip_id: str, stop_no: int) -> list[LoadedLine]:
    """Stop ``stop_no``'s (from 1) ``loaded_lines`` (role: viewer)."""
    with uow:
        entry = uow.planning.trip(trip_id)
        if entry is None:
            raise NotFoundError(f"no trip {trip_id}", field="trip_id")
        if not 1 <= stop_no <= len(entry.stops):
            raise NotFoundError(f"trip {trip_id} has no stop {stop_no}", field="n")
        return loaded_lines(entry.stops[stop_no - 1])


def _loaded(items: Iterable[Json]) -> list[LoadedLine]:
    return [LoadedLine(item["ref"], key, grams) for item in items for key, grams in _picked(item)]


def _handovers(items: Sequence[Json], reports: Sequence[DoorReport]) -> list[Handover]:
    """The stop's loaded lines with what the report says was taken of each (rule 5), checked
    before anything moves."""
    try:
        return handovers(_loaded(items), reports)
    except HandoverError as exc:
        raise InvalidRequestError(str(exc), field=f"deliveries.{exc.index}.{exc.field}") from exc


def _short_json(handover: Handover) -> Json:
    line = handover.line
    return {
        "order": line.order_id,
        "lot": line.key.lot,
        "grade": line.key.grade,
        "loaded_g": line.quantity_g,
        "delivered_g": handover.delivered_g,
        "short_g": handover.short_g,
        "reason": handover.reason,
        "to": str(LOSS if handover.damaged else HUB),
    }


def _confirmable(
    uow: AbstractPlanningUnitOfWork, trip_id: str, stop_no: int
) -> tuple[str, list[Json]]:
    """The trip's vehicle and the stop's consignments, if the stop may be confirmed now."""
    entry = uow.planning.trip(trip_id)
    if entry is None:
        raise NotFoundError(f"no trip {trip_id}", field="trip_id")
    if not 1 <= stop_no <= len(entry.stops):
        raise NotFoundError(f"trip {trip_id} has no stop {stop_no}", field="n")
    if entry.status != "departed":
        raise ConflictError(f"trip {trip_id} is {entry.status}; confirm stops after it departs")
    if stop_no in uow.planning.confirmations(trip_id):
        raise ConflictError(f"stop {stop_no} of trip {trip_id} is already confirmed", field="n")
    return entry.vehicle, list(entry.stops[stop_no - 1]["stop"]["consignments"])
