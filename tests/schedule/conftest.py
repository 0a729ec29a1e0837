"""Shared pieces for the scheduling tests.

* ``batu``: the Kota Batu fixture, loaded once.
* ``solve_checked``: the production solver stopped on a fixed iteration count with a fixed
  seed (repeatable), and every plan it returns re-checked by the independent checker.
* ``replay``: turns given visit orders into a plan with the earliest feasible times, so the
  checker can be fed plans we know to be right (a best-known solution) or wrong (mutated).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import pytest

from hub.schedule.batu import Batu, load_batu
from hub.schedule.check import check_plan
from hub.schedule.plan import Plan, Route, Trip, Visit, loads_along
from hub.schedule.pyvrp_solver import solve
from hub.schedule.routing import RoutingProblem, SolveLimits, VehicleType

ITERATIONS = 1000
SEED = 1

SolveChecked = Callable[..., Plan]
Replay = Callable[[RoutingProblem, Sequence[tuple[VehicleType, Sequence[Sequence[str]]]]], Plan]


@pytest.fixture(scope="session")
def batu() -> Batu:
    return load_batu()


@pytest.fixture
def solve_checked() -> SolveChecked:
    def run(problem: RoutingProblem, iterations: int = ITERATIONS, seed: int = SEED) -> Plan:
        plan = solve(problem, SolveLimits(seconds=None, iterations=iterations, seed=seed))
        assert check_plan(problem, plan) == []
        return plan

    return run


def replay_plan(
    problem: RoutingProblem, routes: Sequence[tuple[VehicleType, Sequence[Sequence[str]]]]
) -> Plan:
    """A plan that drives ``routes`` (a vehicle type and its trips as stop ids), no waiting
    beyond what windows force, starting as early as the shift and the hub allow."""
    hub = problem.hub
    numbers: dict[str, int] = {}
    planned = []
    for vehicle, trips in routes:
        numbers[vehicle.id] = numbers.get(vehicle.id, 0) + 1
        start = max(vehicle.shift.opens_s, hub.opening.opens_s)
        ready = start
        built = []
        for number, ids in enumerate(trips, start=1):
            stops = [problem.stops[problem.stop_index[i] - 1] for i in ids]
            load_out, loads = loads_along(stops)
            departure = ready + hub.loading_s
            clock, previous, distance, visits = departure, 0, 0, []
            for stop, load in zip(stops, loads, strict=True):
                index = problem.stop_index[stop.id]
                arrival = clock + problem.duration_s[previous][index]
                distance += problem.distance_m[previous][index]
                begin = max(arrival, stop.opens_s)
                clock = begin + stop.service_s
                visits.append(Visit(stop, arrival, begin, clock, load))
                previous = index
            back = clock + problem.duration_s[previous][0]
            distance += problem.distance_m[previous][0]
            built.append(Trip(number, departure, back, load_out, tuple(visits), distance))
            ready = back + hub.unloading_s
        planned.append(Route(vehicle, numbers[vehicle.id], start, ready, tuple(built)))
    return Plan(problem.day, tuple(planned), problem.rejected)


@pytest.fixture
def replay() -> Replay:
    return replay_plan
