"""A planning day from what the hub holds: its orders, its stock and the villages' lots.  Pure.

The hub's services read the database and hand the records to ``plan_day``, which turns them
into the scheduling package's terms (orders, lots, pickups), allocates, and builds the routing
problem.  Nothing here reads or writes anything.

Rules:

1. Stock is the core's: ``hub.domain.stock`` lines, flagged recalled by the core.  The core
   counts a lot expired *on* its best-before day, allocation counts it good *through* that
   day, so allocation is given the day before as the lot's last good day; FEFO order is the
   same either way.  Only lotted stock of a grade on the scale is allocated (a delivery note
   names every lot), and stock that approved trips will take is held back (``reserved``).
2. A lot can hold one cooperative's produce in several grades, so allocation sees one lot per
   (lot, product, grade); its picks come back under the lot's own id and best-before.  The
   ledger keeps no pack date, so the best-before stands in for it (the same order within a
   product).
3. Village pickups: per cooperative, the lots closed at its stations and not yet dispatched,
   and its dispatches still waiting for transport; their crates weigh the lots' net plus a
   crate's tare each.  What needs a place the settings do not know is reported unserved.
4. A partner order goes to the coordinates it was entered with, else to the partner's place in
   the settings; staples go to the cooperative's place.
5. A week of the standing plan becomes order entries like those entered by hand: a partner
   order for the partner the settings place (so it goes where the settings say), its product
   by the catalogue's id matched ignoring case (as the settings' crates are), a staple
   delivery for the cooperative's id at the hub.  Its village pickups are not entries: the
   hub plans pickups from the lots waiting at the stations (rule 3).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta
from enum import StrEnum

from hub.domain.projection import LotRecord
from hub.domain.stock import LocationKind, StockKey, StockLine
from hub.domain.trace import DispatchRecord
from hub.schedule.allocation import Allocation, Lot, OrderFill, Pick, allocate
from hub.schedule.messages import message
from hub.schedule.orders import (
    DemandSet,
    Partner,
    PartnerOrder,
    Place,
    Staple,
    StapleDelivery,
    TimeWindow,
    Unit,
    VillagePickup,
)
from hub.schedule.routing import (
    Lock,
    RoutingProblem,
    Unserved,
    VehicleType,
    build_problem,
    partner_consignments,
    pickup_consignments,
    staple_consignments,
)
from hub.schedule.setup import DEFAULT_CRATE, DistributionSetup

HUB_LOCATION = "hub"
NO_GRADE = "-"
"""The grade of a staple delivery: rice is not graded on the hub's scale."""


class OrderKind(StrEnum):
    PARTNER = "partner"
    STAPLES = "staples"


@dataclass(frozen=True, slots=True)
class OrderEntry:
    """An order as the hub keeps it.

    ``party`` is the partner's id, or for staples the cooperative's id at the hub; ``product``
    is the hub's product id, or for staples the staple.  ``quantity`` counts ``unit``s;
    ``quantity_g`` is what that comes to in grams.  ``status`` is ``open`` until an approved
    plan puts the order on a trip (``planned``), then ``in_transit``, and when its stop is
    confirmed ``delivered``, ``partly_delivered`` or ``not_delivered``.
    """

    id: str
    kind: OrderKind
    party: str
    party_name: str
    product: str
    grade: str
    unit: Unit
    quantity: int
    quantity_g: int
    day: date
    window: TimeWindow
    priority: int
    status: str = "open"
    address: str = ""
    lat: float | None = None
    lon: float | None = None
    trip_id: str | None = None
    created_at: datetime | None = None
    created_by: str | None = None


@dataclass(frozen=True, slots=True)
class PickupSource:
    """What a village pickup collects: lots still at the cooperative's stations, by station,
    and dispatches (by code) waiting for transport."""

    coop: str
    lots: Mapping[str, tuple[str, ...]]
    dispatches: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class DayInputs:
    """What the hub holds for a day's plan, read by the service in one transaction."""

    day: date
    orders: Sequence[OrderEntry]
    stock: Sequence[StockLine]
    reserved: Mapping[StockKey, int]
    ready: Sequence[LotRecord]
    """Lots closed at stations, not dispatched, not recalled, on no trip yet."""
    awaiting: Sequence[tuple[DispatchRecord, Sequence[LotRecord]]]
    """Dispatches not received, with no vehicle named, on no trip yet, and their lots."""
    products: Mapping[str, str]
    """The catalogue's products: id → name."""


@dataclass(frozen=True, slots=True)
class PlannedDay:
    problem: RoutingProblem
    allocation: Allocation
    pickups: Mapping[str, PickupSource]
    unplaced: tuple[Unserved, ...]
    """Orders and pickups with no place to drive to: listed unserved with the plan."""


def plan_day(
    inputs: DayInputs,
    setup: DistributionSetup,
    *,
    fleet: Sequence[VehicleType],
    locks: Sequence[Lock] = (),
) -> PlannedDay:
    """The day's allocation and routing problem (rules in the module docstring)."""
    products = {code: setup.product(code, name) for code, name in inputs.products.items()}
    unplaced: list[Unserved] = []
    orders: list[PartnerOrder] = []
    staples: list[StapleDelivery] = []
    for entry in inputs.orders:
        if entry.day != inputs.day or entry.status != "open":
            continue
        if entry.kind is OrderKind.STAPLES:
            delivery = staple_delivery(entry, setup)
            if delivery is None:
                unplaced.append(_no_place(entry.id, entry.party_name or entry.party))
            else:
                staples.append(delivery)
        else:
            products.setdefault(entry.product, setup.product(entry.product, entry.product))
            order = partner_order(entry, setup)
            if order is None:
                unplaced.append(_no_place(entry.id, entry.party_name or entry.party))
            else:
                orders.append(order)
    lots, keys = allocation_lots(inputs.stock, setup=setup, reserved=inputs.reserved)
    allocation = _with_lot_ids(
        allocate(orders, lots, products=products, grades=setup.grades, location=HUB_LOCATION),
        keys,
    )
    pickups, sources, unknown = village_pickups(
        inputs.day, inputs.ready, inputs.awaiting, setup=setup
    )
    unplaced += unknown
    problem = build_problem(
        hub=setup.hub,
        fleet=fleet,
        consignments=[
            *partner_consignments(allocation.fills, products),
            *staple_consignments(staples),
            *pickup_consignments(pickups),
        ],
        travel=setup.travel,
        service=setup.service,
        day=inputs.day,
        locks=locks,
    )
    return PlannedDay(problem, allocation, sources, tuple(unplaced))


def _no_place(ref: str, name: str) -> Unserved:
    return Unserved(ref, message("routing.no_place", ref=ref, place=name))


def partner_order(entry: OrderEntry, setup: DistributionSetup) -> PartnerOrder | None:
    """The order in allocation's terms; None when nothing says where to deliver it."""
    known = setup.partners.get(entry.party)
    if entry.lat is not None and entry.lon is not None:
        name = entry.party_name or (known.name if known else entry.party)
        partner = Partner(
            entry.party, name, Place(entry.party, name, entry.lat, entry.lon), entry.address
        )
    elif known is not None:
        partner = replace(known, address=entry.address or known.address)
    else:
        return None
    return PartnerOrder(
        order_id=entry.id,
        partner=partner,
        product=entry.product,
        grade=entry.grade,
        quantity=entry.quantity,
        unit=entry.unit,
        delivery_date=entry.day,
        window=entry.window,
        priority=entry.priority,
    )


def standing_entries(
    demand: DemandSet, setup: DistributionSetup, products: Mapping[str, str]
) -> list[OrderEntry]:
    """``demand``'s partner orders and staple deliveries as order entries (rule 5), not yet
    checked: a product or cooperative the hub does not know keeps the standing plan's name,
    for the check to refuse by name."""
    partner_entries = [
        OrderEntry(
            id=order.order_id,
            kind=OrderKind.PARTNER,
            party=order.partner.id,
            party_name=order.partner.name,
            product=_catalogue_id(order.product, products),
            grade=order.grade,
            unit=order.unit,
            quantity=order.quantity,
            quantity_g=order.quantity,
            day=order.delivery_date,
            window=order.window,
            priority=order.priority,
            address=order.partner.address,
        )
        for order in demand.partner_orders
    ]
    return partner_entries + [staple_entry(d, setup) for d in demand.staple_deliveries]


def staple_entry(delivery: StapleDelivery, setup: DistributionSetup) -> OrderEntry:
    """A staple delivery as an order entry, to its cooperative's id at the hub (or, for the
    check to refuse by name, the standing plan's id of a cooperative the hub does not know)."""
    return OrderEntry(
        id=delivery.ref,
        kind=OrderKind.STAPLES,
        party=setup.hub_coop(delivery.cooperative) or delivery.cooperative.id,
        party_name="",
        product=delivery.staple.value,
        grade=NO_GRADE,
        unit=Unit.GRAM,
        quantity=delivery.quantity_g,
        quantity_g=delivery.quantity_g,
        day=delivery.delivery_date,
        window=delivery.window,
        priority=delivery.priority,
    )


def _catalogue_id(code: str, products: Mapping[str, str]) -> str:
    """The catalogue's id for a product code: the same, else the one equal ignoring case, else
    the code itself."""
    if code in products:
        return code
    return next((known for known in products if known.lower() == code.lower()), code)


def staple_delivery(entry: OrderEntry, setup: DistributionSetup) -> StapleDelivery | None:
    cooperative = setup.cooperatives.get(entry.party)
    if cooperative is None:
        return None
    return StapleDelivery(
        ref=entry.id,
        cooperative=cooperative,
        staple=Staple(entry.product),
        quantity_g=entry.quantity_g,
        delivery_date=entry.day,
        window=entry.window,
        priority=entry.priority,
    )


def allocation_lots(
    stock: Iterable[StockLine],
    *,
    setup: DistributionSetup,
    reserved: Mapping[StockKey, int],
) -> tuple[list[Lot], dict[str, StockKey]]:
    """Lotted stock as allocation lots (rules 1 and 2), with each lot's stock key by its id."""
    usable = [
        line
        for line in stock
        if line.key.lot is not None
        and line.key.grade in setup.grades.grades
        and line.quantity_g > 0
        and line.location.kind is not LocationKind.PARTNER
    ]
    per_lot = defaultdict(set)
    for line in usable:
        per_lot[line.key.lot].add(line.key)
    lots: list[Lot] = []
    keys: dict[str, StockKey] = {}
    for line in usable:
        key = line.key
        assert key.lot is not None
        at_hub = line.location.kind is LocationKind.HUB
        lot_id = key.lot if len(per_lot[key.lot]) == 1 else f"{key.lot} {key.product} {key.grade}"
        if not at_hub:
            lot_id = f"{lot_id} @{line.location}"
        quantity = line.quantity_g - (reserved.get(key, 0) if at_hub else 0)
        if quantity <= 0:
            continue
        last_good = date.max if line.best_before is None else line.best_before - timedelta(days=1)
        lots.append(
            Lot(
                lot_id=lot_id,
                product=key.product,
                grade=key.grade,
                location=HUB_LOCATION if at_hub else str(line.location),
                quantity_g=quantity,
                packed_on=last_good,
                best_before=last_good,
                recalled=line.recalled,
                cooperative=key.coop,
            )
        )
        keys[lot_id] = key
    return lots, keys


def _with_lot_ids(allocation: Allocation, keys: Mapping[str, StockKey]) -> Allocation:
    """Picks under their lot's own id and best-before (rule 2)."""

    def real(pick: Pick) -> Pick:
        key = keys[pick.lot_id]
        assert key.lot is not None
        return replace(pick, lot_id=key.lot, best_before=pick.best_before + timedelta(days=1))

    fills = tuple(
        OrderFill(fill.order, fill.requested_g, tuple(map(real, fill.picks)), fill.shortfall)
        for fill in allocation.fills
    )
    return Allocation(fills, allocation.left_g)


def village_pickups(
    day: date,
    ready: Iterable[LotRecord],
    awaiting: Iterable[tuple[DispatchRecord, Sequence[LotRecord]]],
    *,
    setup: DistributionSetup,
) -> tuple[list[VillagePickup], dict[str, PickupSource], list[Unserved]]:
    """One pickup per cooperative (rule 3), what each collects, and those with no place."""
    lots: dict[str, dict[str, list[LotRecord]]] = defaultdict(lambda: defaultdict(list))
    dispatches: dict[str, list[tuple[str, Sequence[LotRecord]]]] = defaultdict(list)
    for lot in ready:
        lots[lot.coop][lot.station].append(lot)
    for dispatch, its_lots in awaiting:
        dispatches[dispatch.coop].append((dispatch.code, its_lots))
    pickups: list[VillagePickup] = []
    sources: dict[str, PickupSource] = {}
    unknown: list[Unserved] = []
    _, tare_g = DEFAULT_CRATE
    for coop in sorted(set(lots) | set(dispatches)):
        ref = f"PU-{day:%Y%m%d}-{coop}"
        carried = [lot for station in lots[coop].values() for lot in station]
        carried += [lot for _, its_lots in dispatches[coop] for lot in its_lots]
        cooperative = setup.cooperatives.get(coop)
        if cooperative is None:
            unknown.append(_no_place(ref, coop))
            continue
        crates = sum(lot.crate_count for lot in carried)
        net_g = sum(lot.net_g for lot in carried)
        if net_g <= 0:
            continue
        pickups.append(
            VillagePickup(
                ref=ref,
                cooperative=cooperative,
                crates=crates,
                gross_g=net_g + crates * tare_g,
                pickup_date=day,
                window=setup.village_window,
                note=", ".join(sorted({lot.id for lot in carried})),
            )
        )
        sources[ref] = PickupSource(
            coop,
            {
                station: tuple(sorted(lot.id for lot in found))
                for station, found in sorted(lots[coop].items())
            },
            tuple(sorted(code for code, _ in dispatches[coop])),
        )
    return pickups, sources, unknown
