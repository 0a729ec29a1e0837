"""Solomon VRPTW instances and CVRPLIB solutions, for the tests and the routing benchmark.

Solomon's 56 instances (1987) are the standard check that a VRPTW solver finds good plans.
The best-known values used here are CVRPLIB's, under the DIMACS convention: the objective is
total distance only (vehicles are free, up to the instance's limit), each edge is the
Euclidean distance truncated to one decimal, and travel time equals distance.

In a ``RoutingProblem`` everything is counted in tenths: an edge of 12.37 units is 123
"metres" and takes 123 "seconds"; ready times, due dates and service times are multiplied by
10.  Coordinates become a small patch of latitude and longitude (÷ 1000) only so that maps can
be drawn; the matrices carry the distances.  The customer number is the stop id.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from datetime import time
from decimal import Decimal
from pathlib import Path

from hub.schedule.orders import Place, TimeWindow
from hub.schedule.plan import Plan
from hub.schedule.routing import Hub, Load, RoutingProblem, Stop, VehicleType

SCALE = 10
"""Tenths: the DIMACS convention keeps one decimal."""


@dataclass(frozen=True, slots=True)
class Customer:
    """A line of the instance's table; customer 0 is the depot."""

    number: int
    x: int
    y: int
    demand: int
    ready: int
    due: int
    service: int


@dataclass(frozen=True, slots=True)
class SolomonInstance:
    name: str
    vehicles: int
    capacity: int
    depot: Customer
    customers: tuple[Customer, ...]


@dataclass(frozen=True, slots=True)
class BestKnown:
    routes: tuple[tuple[int, ...], ...]
    cost_tenths: int


def read_instance(path: Path) -> SolomonInstance:
    lines = [line.split() for line in path.read_text(encoding="ascii").splitlines()]
    name = lines[0][0]
    vehicle_at = next(i for i, words in enumerate(lines) if words[:1] == ["NUMBER"])
    vehicles, capacity = (int(word) for word in lines[vehicle_at + 1])
    table = [
        Customer(*(int(word) for word in words))
        for words in lines[vehicle_at + 2 :]
        if len(words) == 7 and all(word.isdigit() for word in words)
    ]
    if not table or table[0].number != 0:
        raise ValueError(f"{path}: no customer table starting with the depot (customer 0)")
    return SolomonInstance(name, vehicles, capacity, table[0], tuple(table[1:]))


def read_best_known(path: Path) -> BestKnown:
    """A CVRPLIB ``.sol`` file: ``Route #k: c1 c2 …`` lines and a ``Cost`` line."""
    routes = []
    cost = None
    for line in path.read_text(encoding="ascii").splitlines():
        if match := re.match(r"Route #\d+:(.*)", line):
            routes.append(tuple(int(word) for word in match.group(1).split()))
        elif line.startswith("Cost"):
            cost = int(Decimal(line.split()[1]) * SCALE)
    if cost is None:
        raise ValueError(f"{path}: no Cost line")
    return BestKnown(tuple(routes), cost)


def edge_tenths(a: Customer, b: Customer) -> int:
    """The Euclidean distance in tenths, truncated (exact: integer square root)."""
    return math.isqrt(SCALE * SCALE * ((a.x - b.x) ** 2 + (a.y - b.y) ** 2))


def to_problem(instance: SolomonInstance) -> RoutingProblem:
    points = [instance.depot, *instance.customers]
    matrix = tuple(tuple(edge_tenths(a, b) for b in points) for a in points)
    horizon = _clock(instance.depot.ready), _clock(instance.depot.due)
    opening = TimeWindow(*horizon)
    vehicle = VehicleType(
        id="V",
        label="Solomon vehicle",
        count=instance.vehicles,
        capacity=Load(instance.capacity, 0),
        shift=opening,
        max_shift_s=max(1, opening.closes_s - opening.opens_s),
        fixed_cost_rp=0,
        cost_per_km_rp=1,
    )
    stops = tuple(
        Stop(
            id=str(c.number),
            place=_place(c),
            opens_s=c.ready * SCALE,
            closes_s=c.due * SCALE,
            service_s=c.service * SCALE,
            drop=Load(c.demand, 0),
            collect=Load(),
        )
        for c in instance.customers
    )
    return RoutingProblem(
        hub=Hub(_place(instance.depot), opening),
        fleet=(vehicle,),
        stops=stops,
        distance_m=matrix,
        duration_s=matrix,
    )


def _place(customer: Customer) -> Place:
    return Place(
        str(customer.number), f"customer {customer.number}", customer.y / 1000, customer.x / 1000
    )


def _clock(units: int) -> time:
    hours, rest = divmod(units * SCALE, 3600)
    return time(hours, rest // 60, rest % 60)


def solution_text(plan: Plan) -> str:
    """``plan`` in the VRPLIB solution format, cost in the instance's units (one decimal)."""
    lines = [
        f"Route #{number}: " + " ".join(visit.stop.id for visit in trip.visits)
        for number, (_, trip) in enumerate(plan.trips(), start=1)
    ]
    lines.append(f"Cost {Decimal(plan.distance_m) / SCALE:.1f}")
    return "\n".join(lines) + "\n"
