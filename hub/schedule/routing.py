"""Routing problem: one planning day as integers, independent of any solver.

This module turns domain things (consignments, a fleet, the hub, a travel model) into a
``RoutingProblem`` that a solver adapter (``pyvrp_solver``) can solve and the plan checker
(``check``) can judge, and it finds what can be known to be impossible before solving.

Units, all integers: grams and crates (two load dimensions), metres, seconds since midnight of
the planning day, rupiah.

Rules:

1. Consignments to or from the same place with the same window become one stop, so a village
   gets its staples and sends its produce in one visit (simultaneous pickup and delivery).
   A stop is split when its drop or its collection would not fit the largest vehicle.
2. A consignment that alone fits no vehicle is rejected with its reason; it is never split
   across trucks (the order would arrive in pieces).
3. The hub is the depot.  A vehicle may come back to the hub to unload and reload within its
   shift, up to ``max_trips`` trips.  Unloading at the hub takes ``hub.unloading_s`` after each
   trip and loading ``hub.loading_s`` before each trip; both lie inside the driver's shift.
4. A stop's window bounds the start of service; the service time grows with the weight handled.
5. Distances and times come from a road matrix when one is configured, else from the
   great-circle distance × a road factor at an average speed (``RoadFactorTravel``).  No map
   service is called.
6. ``precheck`` names every stop no vehicle could serve even alone, with the reason in words;
   the solver leaves those out and the plan lists them as unserved.
7. An operator may lock a place to one vehicle (``Lock``): every stop at that place is then
   served by that vehicle or not at all, and ``precheck`` judges it against that vehicle only.
"""

from __future__ import annotations

import csv
import io
import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from enum import StrEnum
from pathlib import Path
from typing import Protocol

from hub.schedule.allocation import OrderFill, Pick
from hub.schedule.errors import DataFileError, FileProblem, TravelError
from hub.schedule.messages import Clock, Duration, Grams, Message, message
from hub.schedule.orders import (
    DEFAULT_PRIORITY,
    Place,
    Product,
    StapleDelivery,
    TimeWindow,
    VillagePickup,
    require_integers,
)

EARTH_RADIUS_M = 6_371_000
MATRIX_COLUMNS = ("from", "to", "distance_m", "duration_s")


# --- loads, vehicles, hub ----------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Load:
    """What is on a truck: gross weight and crates (staple sacks count by weight only)."""

    weight_g: int = 0
    crates: int = 0

    def __post_init__(self) -> None:
        require_integers("load", weight_g=self.weight_g, crates=self.crates)

    def __add__(self, other: Load) -> Load:
        return Load(self.weight_g + other.weight_g, self.crates + other.crates)

    def __sub__(self, other: Load) -> Load:
        return Load(self.weight_g - other.weight_g, self.crates - other.crates)

    def fits(self, capacity: Load) -> bool:
        return self.weight_g <= capacity.weight_g and self.crates <= capacity.crates


@dataclass(frozen=True, slots=True)
class VehicleType:
    """A kind of truck in the fleet and what one of its days may look like."""

    id: str
    label: str
    count: int
    capacity: Load
    shift: TimeWindow
    max_shift_s: int
    fixed_cost_rp: int
    cost_per_km_rp: int
    max_trips: int = 1

    def __post_init__(self) -> None:
        if self.count < 1 or self.max_trips < 1 or self.max_shift_s <= 0:
            raise ValueError(f"vehicle type {self.id}: count, trips and shift must be positive")


@dataclass(frozen=True, slots=True)
class Hub:
    place: Place
    opening: TimeWindow
    loading_s: int = 0
    unloading_s: int = 0


@dataclass(frozen=True, slots=True)
class ServiceTime:
    """Time at a stop: a fixed part plus a part per tonne dropped and collected."""

    fixed_s: int
    per_tonne_s: int

    def at(self, handled_g: int) -> int:
        return self.fixed_s + -(-handled_g * self.per_tonne_s // 1_000_000)


# --- travel ------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Leg:
    distance_m: int
    duration_s: int


class TravelModel(Protocol):
    def leg(self, origin: Place, destination: Place) -> Leg: ...


@dataclass(frozen=True, slots=True)
class RoadFactorTravel:
    """Great-circle distance × ``road_factor`` at ``speed_kmh``; for when no matrix exists.

    The default factor 1.4 is calibrated on Sumberbrantas (12.5 km straight from the hub, about
    18 km by road).  Times are rounded up to the second, distances to the metre.
    """

    road_factor: float = 1.4
    speed_kmh: float = 25.0

    def leg(self, origin: Place, destination: Place) -> Leg:
        if origin.id == destination.id:
            return Leg(0, 0)
        metres = round(great_circle_m(origin, destination) * self.road_factor)
        return Leg(metres, math.ceil(metres * 3.6 / self.speed_kmh))


@dataclass(frozen=True, slots=True)
class RoadMatrix:
    """Distances and times between place ids, e.g. from OSRM run on an OSM extract."""

    legs: Mapping[tuple[str, str], Leg]

    def leg(self, origin: Place, destination: Place) -> Leg:
        if origin.id == destination.id:
            return Leg(0, 0)
        try:
            return self.legs[origin.id, destination.id]
        except KeyError:
            raise TravelError(
                f"the road matrix has no leg from {origin.id} to {destination.id}"
            ) from None


def read_road_matrix(path: Path) -> RoadMatrix:
    """A road matrix from CSV: ``from,to,distance_m,duration_s``, one line per directed leg.

    Every problem in the file is reported at once (``DataFileError``), by line and column.
    """
    problems: list[FileProblem] = []
    legs: dict[tuple[str, str], Leg] = {}
    try:
        text = path.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        reason = str(exc)
        raise DataFileError(
            [FileProblem(str(path), None, "(file)", message("csv.unreadable", reason=reason))]
        ) from exc
    reader = csv.DictReader(io.StringIO(text, newline=""))
    missing = [c for c in MATRIX_COLUMNS if c not in (reader.fieldnames or [])]
    if missing:
        raise DataFileError(
            [FileProblem(str(path), 1, c, message("csv.missing_column")) for c in missing]
        )
    for row in reader:
        line = reader.line_num
        numbers = {}
        for column in ("distance_m", "duration_s"):
            value = (row[column] or "").strip()
            if value.isdigit():
                numbers[column] = int(value)
            else:
                problem = message("csv.not_whole", value=value)
                problems.append(FileProblem(str(path), line, column, problem))
        key = ((row["from"] or "").strip(), (row["to"] or "").strip())
        if not all(key):
            problems.append(FileProblem(str(path), line, "from", message("csv.missing")))
        elif key in legs:
            problems.append(FileProblem(str(path), line, "to", message("csv.duplicate_leg")))
        elif len(numbers) == 2:
            legs[key] = Leg(numbers["distance_m"], numbers["duration_s"])
    if problems:
        raise DataFileError(problems)
    return RoadMatrix(legs)


def great_circle_m(a: Place, b: Place) -> float:
    lat1, lon1, lat2, lon2 = map(math.radians, (a.lat, a.lon, b.lat, b.lon))
    h = math.sin((lat2 - lat1) / 2) ** 2
    h += math.cos(lat1) * math.cos(lat2) * math.sin((lon2 - lon1) / 2) ** 2
    return 2 * EARTH_RADIUS_M * math.asin(math.sqrt(h))


# --- consignments and stops --------------------------------------------------------------


class Direction(StrEnum):
    DROP = "drop"
    """From the hub to the place."""
    COLLECT = "collect"
    """From the place to the hub."""


class Kind(StrEnum):
    PARTNER_ORDER = "partner_order"
    STAPLES = "staples"
    PRODUCE = "produce"


@dataclass(frozen=True, slots=True)
class Consignment:
    """One thing to carry between the hub and a place: an order, a staple drop, a pickup.

    ``what`` says what it is in a few words for pick lists and stop sheets; ``picks`` are the
    lots to take off the hub floor for a partner order.
    """

    ref: str
    kind: Kind
    direction: Direction
    place: Place
    load: Load
    window: TimeWindow
    what: Message
    priority: int = DEFAULT_PRIORITY
    picks: tuple[Pick, ...] = ()


def partner_consignments(
    fills: Iterable[OrderFill], products: Mapping[str, Product]
) -> list[Consignment]:
    """What allocation filled, as drops to the partners; unfilled orders carry nothing."""
    found = []
    for fill in fills:
        if not fill.filled_g:
            continue
        order = fill.order
        product = products[order.product]
        crates = product.crates_for(fill.filled_g)
        found.append(
            Consignment(
                ref=order.order_id,
                kind=Kind.PARTNER_ORDER,
                direction=Direction.DROP,
                place=order.partner.place,
                load=Load(fill.filled_g + crates * product.crate_tare_g, crates),
                window=order.window,
                what=message("what.order", product=product.name, grade=order.grade),
                priority=order.priority,
                picks=fill.picks,
            )
        )
    return found


def staple_consignments(deliveries: Iterable[StapleDelivery]) -> list[Consignment]:
    return [
        Consignment(
            ref=delivery.ref,
            kind=Kind.STAPLES,
            direction=Direction.DROP,
            place=delivery.cooperative.place,
            load=Load(delivery.quantity_g, 0),
            window=delivery.window,
            what=message(f"what.{delivery.staple.value}"),
            priority=delivery.priority,
        )
        for delivery in deliveries
    ]


def pickup_consignments(pickups: Iterable[VillagePickup]) -> list[Consignment]:
    return [
        Consignment(
            ref=pickup.ref,
            kind=Kind.PRODUCE,
            direction=Direction.COLLECT,
            place=pickup.cooperative.place,
            load=Load(pickup.gross_g, pickup.crates),
            window=pickup.window,
            what=message("what.produce", note=pickup.note)
            if pickup.note
            else message("what.crates"),
        )
        for pickup in pickups
    ]


@dataclass(frozen=True, slots=True)
class Stop:
    """One visit: service starts between ``opens_s`` and ``closes_s``."""

    id: str
    place: Place
    opens_s: int
    closes_s: int
    service_s: int
    drop: Load
    collect: Load
    priority: int = DEFAULT_PRIORITY
    consignments: tuple[Consignment, ...] = ()


@dataclass(frozen=True, slots=True)
class Unserved:
    """A stop or consignment left out of the plan, and why."""

    ref: str
    reason: Message

    def __str__(self) -> str:
        return str(self.reason)


@dataclass(frozen=True, slots=True)
class Lock:
    """The operator's decision that ``place`` is served by vehicle ``vehicle_no`` of type
    ``vehicle`` (numbered from 1 within its type, as plans name them: ``CDE 2``)."""

    place: str
    vehicle: str
    vehicle_no: int

    def __post_init__(self) -> None:
        require_integers(f"lock of {self.place}", vehicle_no=self.vehicle_no)
        if self.vehicle_no < 1:
            raise ValueError(f"lock of {self.place}: vehicles are numbered from 1")

    @property
    def vehicle_name(self) -> str:
        return f"{self.vehicle} {self.vehicle_no}"


@dataclass(frozen=True, slots=True)
class RoutingProblem:
    """A planning day.  Matrix index 0 is the hub, index ``i + 1`` is ``stops[i]``."""

    hub: Hub
    fleet: tuple[VehicleType, ...]
    stops: tuple[Stop, ...]
    distance_m: tuple[tuple[int, ...], ...]
    duration_s: tuple[tuple[int, ...], ...]
    day: date | None = None
    rejected: tuple[Unserved, ...] = ()
    locks: tuple[Lock, ...] = ()
    stop_index: Mapping[str, int] = field(init=False, repr=False, compare=False)

    def lock_of(self, stop: Stop) -> Lock | None:
        """The lock on ``stop``'s place, if the operator set one."""
        return next((lock for lock in self.locks if lock.place == stop.place.id), None)

    def __post_init__(self) -> None:
        if len({lock.place for lock in self.locks}) != len(self.locks):
            raise ValueError("a place can be locked to one vehicle only")
        size = len(self.stops) + 1
        for matrix in (self.distance_m, self.duration_s):
            if len(matrix) != size or any(len(row) != size for row in matrix):
                raise ValueError(f"matrices must be {size} × {size}: the hub and each stop")
        index = {stop.id: i + 1 for i, stop in enumerate(self.stops)}
        if len(index) != len(self.stops):
            raise ValueError("stop ids must be unique")
        if not self.fleet:
            raise ValueError("a routing problem needs at least one vehicle type")
        object.__setattr__(self, "stop_index", index)


def build_problem(
    *,
    hub: Hub,
    fleet: Sequence[VehicleType],
    consignments: Iterable[Consignment],
    travel: TravelModel,
    service: ServiceTime,
    day: date | None = None,
    locks: Sequence[Lock] = (),
) -> RoutingProblem:
    """The day's consignments as stops, with the matrices between the hub and every stop."""
    rejected: list[Unserved] = []
    groups: dict[tuple[str, TimeWindow], list[Consignment]] = {}
    for item in sorted(consignments, key=lambda c: (c.place.id, c.window.opens_s, c.ref)):
        if (reason := _misfit(item, fleet)) is not None:
            rejected.append(Unserved(item.ref, reason))
            continue
        groups.setdefault((item.place.id, item.window), []).append(item)

    packed: list[tuple[Place, TimeWindow, list[Consignment]]] = []
    for (_, window), items in groups.items():
        for part in _pack(items, fleet):
            packed.append((items[0].place, window, part))
    per_place: dict[str, int] = {}
    for place, _, _ in packed:
        per_place[place.id] = per_place.get(place.id, 0) + 1
    seen: dict[str, int] = {}
    stops = []
    for place, window, items in packed:
        seen[place.id] = seen.get(place.id, 0) + 1
        drop = sum((c.load for c in items if c.direction is Direction.DROP), Load())
        collect = sum((c.load for c in items if c.direction is Direction.COLLECT), Load())
        stops.append(
            Stop(
                id=place.id if per_place[place.id] == 1 else f"{place.id}/{seen[place.id]}",
                place=place,
                opens_s=window.opens_s,
                closes_s=window.closes_s,
                service_s=service.at(drop.weight_g + collect.weight_g),
                drop=drop,
                collect=collect,
                priority=min(c.priority for c in items),
                consignments=tuple(items),
            )
        )

    places = [hub.place, *(stop.place for stop in stops)]
    legs = [[travel.leg(a, b) for b in places] for a in places]
    return RoutingProblem(
        hub=hub,
        fleet=tuple(fleet),
        stops=tuple(stops),
        distance_m=tuple(tuple(leg.distance_m for leg in row) for row in legs),
        duration_s=tuple(tuple(leg.duration_s for leg in row) for row in legs),
        day=day,
        rejected=tuple(rejected),
        locks=tuple(locks),
    )


def _fits_some(drop: Load, collect: Load, fleet: Sequence[VehicleType]) -> bool:
    return any(drop.fits(v.capacity) and collect.fits(v.capacity) for v in fleet)


def _misfit(item: Consignment, fleet: Sequence[VehicleType]) -> Message | None:
    """Why ``item`` fits no vehicle on its own, or None when some vehicle can carry it."""
    if any(item.load.fits(v.capacity) for v in fleet):
        return None
    return too_big(item.ref, item.place.name, item.load, fleet)


def too_big(ref: str, place: str, load: Load, fleet: Sequence[VehicleType]) -> Message:
    heaviest = max(v.capacity.weight_g for v in fleet)
    most_crates = max(v.capacity.crates for v in fleet)
    if load.weight_g > heaviest:
        return message(
            "routing.too_heavy",
            ref=ref,
            place=place,
            load=Grams(load.weight_g),
            capacity=Grams(heaviest),
        )
    if load.crates > most_crates:
        return message(
            "routing.too_many_crates",
            ref=ref,
            place=place,
            crates=load.crates,
            capacity=most_crates,
        )
    return message(
        "routing.no_vehicle_fits",
        ref=ref,
        place=place,
        load=Grams(load.weight_g),
        crates=load.crates,
    )


def _pack(items: list[Consignment], fleet: Sequence[VehicleType]) -> list[list[Consignment]]:
    """Split one place's consignments into visits that each fit some vehicle, in ref order."""
    parts: list[list[Consignment]] = []
    drop, collect = Load(), Load()
    for item in items:
        more_drop = drop + item.load if item.direction is Direction.DROP else drop
        more_collect = collect + item.load if item.direction is Direction.COLLECT else collect
        if parts and _fits_some(more_drop, more_collect, fleet):
            parts[-1].append(item)
            drop, collect = more_drop, more_collect
        else:
            parts.append([item])
            is_drop = item.direction is Direction.DROP
            drop = item.load if is_drop else Load()
            collect = Load() if is_drop else item.load
    return parts


# --- checks before solving ---------------------------------------------------------------


def precheck(problem: RoutingProblem) -> dict[str, Message]:
    """Stops that no vehicle could serve even on a trip of their own, by stop id.

    A stop passes when some vehicle type can carry its drop and its collection, reach it
    within its window after loading at the hub, and be back at the hub, unloaded, within both
    the hub's hours and its shift, with the round trip no longer than its longest shift.
    """
    return {
        stop.id: reason
        for i, stop in enumerate(problem.stops, start=1)
        if (reason := _why_unservable(problem, i, stop)) is not None
    }


def _why_unservable(problem: RoutingProblem, index: int, stop: Stop) -> Message | None:
    hub = problem.hub
    fleet = problem.fleet
    if (lock := problem.lock_of(stop)) is not None:
        fleet = tuple(v for v in fleet if v.id == lock.vehicle and lock.vehicle_no <= v.count)
        if not fleet:
            return message(
                "routing.locked_vehicle_missing", place=stop.place.name, vehicle=lock.vehicle_name
            )
    fitting = [v for v in fleet if stop.drop.fits(v.capacity) and stop.collect.fits(v.capacity)]
    if not fitting:
        worst = stop.drop if not _fits_some(stop.drop, Load(), fleet) else stop.collect
        if lock is not None:
            return message(
                "routing.locked_cannot_carry",
                place=stop.place.name,
                vehicle=lock.vehicle_name,
                load=Grams(worst.weight_g),
                crates=worst.crates,
            )
        return too_big(stop.id, stop.place.name, worst, fleet)

    out_s = problem.duration_s[0][index]
    back_s = problem.duration_s[index][0]

    def arrival(v: VehicleType) -> int:
        return max(hub.opening.opens_s, v.shift.opens_s) + hub.loading_s + out_s

    reachable = [v for v in fitting if arrival(v) <= stop.closes_s]
    if not reachable:
        return message(
            "routing.window_unreachable",
            place=stop.place.name,
            opens=Clock(stop.opens_s),
            closes=Clock(stop.closes_s),
            arrival=Clock(min(arrival(v) for v in fitting)),
        )

    def back(v: VehicleType) -> int:
        start = max(arrival(v), stop.opens_s)
        return start + stop.service_s + back_s + hub.unloading_s

    def day_ends(v: VehicleType) -> int:
        return min(hub.opening.closes_s, v.shift.closes_s)

    returning = [v for v in reachable if back(v) <= day_ends(v)]
    if not returning:
        first = min(reachable, key=back)
        return message(
            "routing.cannot_return",
            place=stop.place.name,
            back=Clock(back(first)),
            ends=Clock(day_ends(first)),
        )

    round_trip = hub.loading_s + out_s + stop.service_s + back_s + hub.unloading_s
    if all(round_trip > v.max_shift_s for v in returning):
        return message(
            "routing.shift_too_long",
            place=stop.place.name,
            needed=Duration(round_trip),
            longest=Duration(max(v.max_shift_s for v in returning)),
        )
    return None


@dataclass(frozen=True, slots=True)
class SolveLimits:
    """When a solve stops: after ``seconds`` (production) or ``iterations`` (tests), whichever
    comes first; ``seed`` makes an iteration-limited solve repeatable."""

    seconds: float | None = 10.0
    iterations: int | None = None
    seed: int = 1

    def __post_init__(self) -> None:
        if self.seconds is None and self.iterations is None:
            raise ValueError("a solve needs a time or an iteration limit")
