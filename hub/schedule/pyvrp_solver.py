"""The PyVRP adapter: the only module that imports ``pyvrp``.

``solve`` turns a ``RoutingProblem`` into a checked ``Plan``:

1. Stops that ``precheck`` finds impossible are left out and listed as unserved, with reasons.
2. The rest are solved with every stop required.  The hub is the only depot and also the
   reload depot, so a vehicle may run several trips in its shift (``max_reloads`` is
   ``max_trips - 1``).  Loads have two dimensions, grams and crates (one when nothing uses
   crates); a client's delivery and pickup model the drop and the collection at one stop.
   Unloading at the hub is added to every leg that ends there and loading to every leg that
   starts there, so both lie inside the vehicle's shift.
3. If the best solution still breaks a constraint, the fleet cannot serve all those stops:
   the solve is repeated with the stops optional, each worth a prize far above any route cost
   (more for urgent stops); stops it leaves out are listed as unserved because the fleet is
   full.  A plan that cannot serve everything may therefore take twice the time limit.
4. The plan is rebuilt from the solution's visit order and start times with our own matrices,
   then checked by ``check``; a solution that fails is a ``PlanError``, never a plan.

Locks (``routing.Lock``) use PyVRP's routing profiles: each locked vehicle becomes a vehicle
type of its own (one vehicle) with a profile in which the stops locked to any other vehicle
are out of reach (``BLOCKED`` metres and seconds away), and the rest of its type keeps a profile
in which every locked stop is out of reach.  A problem without locks has one profile, as before.

The search is PyVRP 0.12's hybrid genetic search with its default parameters: on Solomon's
VRPTW instances at 10 s it came within 0.034 % of the best-known distances on average (largest
gap 0.536 %), where the iterated local search that replaced it in 0.13 came within 0.152 %
(largest 1.553 %); ``docs/schedule/decisions.md`` §13.

Costs go to PyVRP in milli-rupiah, so a cost per km in rupiah is exactly a cost per metre.
PyVRP's warnings (a penalty reaching its bound means the instance may be infeasible) are
logged, not raised: step 3 deals with infeasibility.
"""

from __future__ import annotations

import logging
import warnings
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pyvrp
from pyvrp import stop as pyvrp_stop

from hub.schedule.check import check_plan
from hub.schedule.errors import PlanError
from hub.schedule.messages import message
from hub.schedule.plan import Plan, Route, Trip, Visit, loads_along
from hub.schedule.routing import (
    RoutingProblem,
    SolveLimits,
    Stop,
    Unserved,
    VehicleType,
    precheck,
)

log = logging.getLogger(__name__)

PRIORITY_LEVELS = 5
HUB = 0
"""The hub's location in PyVRP's numbering: the only depot, before the stops."""
BLOCKED = 100_000_000
"""Metres and seconds to a stop a vehicle may not serve: no shift or window survives it, and
sums of such legs stay far below PyVRP's 2^44 limit."""


@dataclass(frozen=True, slots=True)
class _Slot:
    """One PyVRP vehicle type: ``fleet`` indexes ``problem.fleet``; ``number`` is the locked
    vehicle's number, or None for the rest of its type (``count`` vehicles)."""

    fleet: int
    number: int | None
    count: int


def _slots(problem: RoutingProblem, stops: Sequence[Stop]) -> list[_Slot]:
    locked: dict[str, set[int]] = {}
    for stop in stops:
        if (lock := problem.lock_of(stop)) is not None:
            locked.setdefault(lock.vehicle, set()).add(lock.vehicle_no)
    slots = []
    for k, vehicle in enumerate(problem.fleet):
        numbers = sorted(n for n in locked.get(vehicle.id, ()) if n <= vehicle.count)
        slots += [_Slot(k, n, 1) for n in numbers]
        if vehicle.count > len(numbers):
            slots.append(_Slot(k, None, vehicle.count - len(numbers)))
    return slots


def solve(problem: RoutingProblem, limits: SolveLimits | None = None) -> Plan:
    """The best plan found within ``limits`` (10 s by default), checked; see the module rules."""
    limits = limits or SolveLimits()
    impossible = precheck(problem)
    unserved = [*problem.rejected]
    unserved += [Unserved(stop_id, reason) for stop_id, reason in impossible.items()]
    servable = [stop for stop in problem.stops if stop.id not in impossible]
    routes: tuple[Route, ...] = ()
    if servable:
        best = _solve(_data(problem, servable, optional=False), limits)
        if not best.is_feasible():
            log.info(
                "no plan serves all %d stops; solving again with optional stops", len(servable)
            )
            best = _solve(_data(problem, servable, optional=True), limits)
            if not best.is_feasible():
                raise PlanError("PyVRP found no feasible plan even with every stop optional")
        routes = _routes(problem, servable, best)
        served = {v.stop.id for route in routes for trip in route.trips for v in trip.visits}
        unserved += [_left_out(problem, stop) for stop in servable if stop.id not in served]
    plan = Plan(problem.day, routes, tuple(unserved))
    if violations := check_plan(problem, plan):
        raise PlanError("the solver's plan fails the check: " + "; ".join(violations))
    return plan


def _left_out(problem: RoutingProblem, stop: Stop) -> Unserved:
    lock = problem.lock_of(stop)
    if lock is None:
        return Unserved(stop.id, message("routing.fleet_full", place=stop.place.name))
    reason = message("routing.locked_full", place=stop.place.name, vehicle=lock.vehicle_name)
    return Unserved(stop.id, reason)


def _solve(data: pyvrp.ProblemData, limits: SolveLimits) -> pyvrp.Solution:
    criteria: list[pyvrp_stop.StoppingCriterion] = []
    if limits.iterations is not None:
        criteria.append(pyvrp_stop.MaxIterations(limits.iterations))
    if limits.seconds is not None:
        criteria.append(pyvrp_stop.MaxRuntime(limits.seconds))
    stop = criteria[0] if len(criteria) == 1 else pyvrp_stop.MultipleCriteria(criteria)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        result = pyvrp.solve(
            data,
            stop=stop,
            seed=limits.seed,
            collect_stats=False,
            display=False,
        )
    for warning in caught:
        log.info("PyVRP: %s", " ".join(str(warning.message).split()))
    log.info(
        "PyVRP: %d iterations in %.1f s, cost %s, feasible %s",
        result.num_iterations,
        result.runtime,
        result.cost(),
        result.best.is_feasible(),
    )
    return result.best


def _data(problem: RoutingProblem, stops: Sequence[Stop], *, optional: bool) -> pyvrp.ProblemData:
    hub = problem.hub
    index = [0, *(problem.stop_index[stop.id] for stop in stops)]
    with_crates = any(v.capacity.crates for v in problem.fleet) or any(
        stop.drop.crates or stop.collect.crates for stop in stops
    )

    def dims(weight_g: int, crates: int) -> list[int]:
        return [weight_g, crates] if with_crates else [weight_g]

    distance = _matrix(problem.distance_m, index)
    duration = _matrix(problem.duration_s, index)
    duration[1:, 0] += hub.unloading_s
    duration[0, 1:] += hub.loading_s
    slots = _slots(problem, stops)
    profiles = _profiles(problem, stops, slots)

    prize = _prize_unit(problem, distance)
    clients = [
        pyvrp.Client(
            x=stop.place.lon,
            y=stop.place.lat,
            delivery=dims(stop.drop.weight_g, stop.drop.crates),
            pickup=dims(stop.collect.weight_g, stop.collect.crates),
            service_duration=stop.service_s,
            tw_early=stop.opens_s,
            tw_late=stop.closes_s,
            prize=prize * (PRIORITY_LEVELS + 1 - stop.priority) if optional else 0,
            required=not optional,
            name=stop.id,
        )
        for stop in stops
    ]
    depot = pyvrp.Depot(
        x=hub.place.lon,
        y=hub.place.lat,
        tw_early=hub.opening.opens_s,
        tw_late=hub.opening.closes_s,
        name=hub.place.id,
    )
    vehicle_types = []
    for slot in slots:
        v = problem.fleet[slot.fleet]
        vehicle_types.append(
            pyvrp.VehicleType(
                num_available=slot.count,
                capacity=dims(v.capacity.weight_g, v.capacity.crates),
                fixed_cost=v.fixed_cost_rp * 1000,
                tw_early=v.shift.opens_s,
                tw_late=v.shift.closes_s,
                shift_duration=v.max_shift_s,
                unit_distance_cost=v.cost_per_km_rp,
                profile=profiles.index(_owner(problem, slot)) if len(profiles) > 1 else 0,
                reload_depots=[0] if v.max_trips > 1 else [],
                max_reloads=v.max_trips - 1,
                name=v.id if slot.number is None else f"{v.id} {slot.number}",
            )
        )
    distances, durations = [], []
    for owner in profiles:
        blocked = [
            k
            for k, stop in enumerate(stops, start=1)
            if (lock := problem.lock_of(stop)) is not None
            and (lock.vehicle, lock.vehicle_no) != owner
        ]
        distances.append(_blocked(distance, blocked))
        durations.append(_blocked(duration, blocked))
    return pyvrp.ProblemData(clients, [depot], vehicle_types, distances, durations)


def _owner(problem: RoutingProblem, slot: _Slot) -> tuple[str, int] | None:
    """Whose stops a slot may serve besides unlocked ones: its own vehicle's, if locked."""
    return None if slot.number is None else (problem.fleet[slot.fleet].id, slot.number)


def _profiles(
    problem: RoutingProblem, stops: Sequence[Stop], slots: Sequence[_Slot]
) -> list[tuple[str, int] | None]:
    """One routing profile per locked vehicle and one for all others; one if nothing is
    locked."""
    if not any(problem.lock_of(stop) for stop in stops):
        return [None]
    return [None, *(_owner(problem, slot) for slot in slots if slot.number is not None)]


def _blocked(matrix: np.ndarray[Any, Any], blocked: Sequence[int]) -> np.ndarray[Any, Any]:
    """``matrix`` with every leg into and out of the ``blocked`` locations out of reach."""
    if not blocked:
        return matrix
    found = matrix.copy()
    for k in blocked:
        found[k, :] = BLOCKED
        found[:, k] = BLOCKED
        found[k, k] = 0
    return found


def _matrix(full: Sequence[Sequence[int]], index: Sequence[int]) -> np.ndarray[Any, Any]:
    """The rows and columns ``index`` of ``full`` (PyVRP's stubs want an untyped array)."""
    return np.array([[full[i][j] for j in index] for i in index], dtype=np.int64)


def _prize_unit(problem: RoutingProblem, distance: np.ndarray[Any, Any]) -> int:
    """More than a stop could ever cost: a vehicle's fixed cost plus a long out-and-back."""
    longest = int(distance.max()) if distance.size else 0
    return 1 + max(v.fixed_cost_rp * 1000 + 4 * longest * v.cost_per_km_rp for v in problem.fleet)


def _routes(
    problem: RoutingProblem, stops: Sequence[Stop], solution: pyvrp.Solution
) -> tuple[Route, ...]:
    slots = _slots(problem, stops)
    ordered = sorted(
        solution.routes(), key=lambda r: (slots[r.vehicle_type()].fleet, r.start_time())
    )
    locked = {(slot.fleet, slot.number) for slot in slots if slot.number is not None}
    free: dict[int, list[int]] = {
        k: [n for n in range(1, v.count + 1) if (k, n) not in locked]
        for k, v in enumerate(problem.fleet)
    }
    routes = []
    for found in ordered:
        slot = slots[found.vehicle_type()]
        vehicle: VehicleType = problem.fleet[slot.fleet]
        number = slot.number if slot.number is not None else free[slot.fleet].pop(0)
        schedule = found.schedule()
        trips: list[Trip] = []
        departure = 0
        visits: list[tuple[Stop, int]] = []
        for visit in schedule:
            if visit.location == HUB:
                if visits:
                    trips.append(_trip(problem, len(trips) + 1, departure, visits))
                # Loading is part of the leg out of the hub (``_data``).
                departure, visits = visit.end_service + problem.hub.loading_s, []
            else:
                visits.append((stops[visit.location - 1], visit.start_service))
        routes.append(
            Route(
                vehicle=vehicle,
                vehicle_no=number,
                start_s=schedule[0].start_service,
                end_s=schedule[-1].start_service,
                trips=tuple(trips),
            )
        )
    fleet_order = {v.id: k for k, v in enumerate(problem.fleet)}
    return tuple(sorted(routes, key=lambda r: (fleet_order[r.vehicle.id], r.vehicle_no)))


def _trip(
    problem: RoutingProblem, number: int, departure_s: int, visits: Sequence[tuple[Stop, int]]
) -> Trip:
    load_out, loads = loads_along([stop for stop, _ in visits])
    previous, clock, distance = 0, departure_s, 0
    planned = []
    for (stop, start_s), load_after in zip(visits, loads, strict=True):
        index = problem.stop_index[stop.id]
        arrival = clock + problem.duration_s[previous][index]
        distance += problem.distance_m[previous][index]
        clock = start_s + stop.service_s
        planned.append(Visit(stop, arrival, start_s, clock, load_after))
        previous = index
    return Trip(
        number=number,
        departure_s=departure_s,
        return_s=clock + problem.duration_s[previous][0],
        load_out=load_out,
        visits=tuple(planned),
        distance_m=distance + problem.distance_m[previous][0],
    )
