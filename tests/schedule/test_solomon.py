"""Solomon's C101 through the planner: the best-known solution is valid and costs 827.3
under the DIMACS convention, and a short, seeded solve comes within a few percent of it."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path

import pytest

from hub.schedule.check import check_plan
from hub.schedule.plan import Plan
from hub.schedule.routing import RoutingProblem, VehicleType
from hub.schedule.solomon import (
    SCALE,
    edge_tenths,
    read_best_known,
    read_instance,
    solution_text,
    to_problem,
)

DATA = Path(__file__).parent / "data"
C101_BEST_KNOWN = 827.3

SolveChecked = Callable[..., Plan]
Replay = Callable[[RoutingProblem, Sequence[tuple[VehicleType, Sequence[Sequence[str]]]]], Plan]


@pytest.fixture(scope="module")
def c101() -> RoutingProblem:
    return to_problem(read_instance(DATA / "C101.txt"))


def test_the_instance_reads_as_one_depot_and_a_hundred_customers() -> None:
    instance = read_instance(DATA / "C101.txt")
    assert (instance.name, instance.vehicles, instance.capacity) == ("C101", 25, 200)
    assert len(instance.customers) == 100
    assert (instance.depot.x, instance.depot.y, instance.depot.due) == (40, 50, 1236)
    assert instance.customers[0].demand == 10


def test_edges_are_truncated_to_one_decimal() -> None:
    instance = read_instance(DATA / "C101.txt")
    depot, first = instance.depot, instance.customers[0]  # (40, 50) to (45, 68): 18.681...
    assert edge_tenths(depot, first) == 186


def test_the_best_known_solution_passes_the_checker_at_its_stated_cost(
    c101: RoutingProblem, replay: Replay
) -> None:
    best = read_best_known(DATA / "C101.sol")
    assert best.cost_tenths == round(C101_BEST_KNOWN * SCALE)
    (vehicle,) = c101.fleet
    plan = replay(c101, [(vehicle, [[str(c) for c in route]]) for route in best.routes])
    assert check_plan(c101, plan) == []
    assert plan.distance_m == best.cost_tenths


def test_a_short_seeded_solve_comes_within_two_percent_of_the_best_known(
    c101: RoutingProblem, solve_checked: SolveChecked
) -> None:
    plan = solve_checked(c101, iterations=1500)
    assert not plan.unserved
    assert plan.distance_m / SCALE <= C101_BEST_KNOWN * 1.02
    text = solution_text(plan)
    assert text.startswith("Route #1: ")
    assert text.endswith(f"Cost {plan.distance_m / SCALE:.1f}\n")
    assert sorted(
        int(c) for line in text.splitlines()[:-1] for c in line.split(":")[1].split()
    ) == list(range(1, 101))
