"""The independent plan checker catches each way a plan can be wrong.

A right plan is built by replaying known visit orders; each case breaks it in one way and
expects the checker to say so.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import replace
from datetime import date, time

import pytest

from hub.schedule.batu import Batu
from hub.schedule.check import check_plan
from hub.schedule.messages import message
from hub.schedule.orders import TimeWindow
from hub.schedule.plan import Plan, Route, Trip
from hub.schedule.routing import (
    Consignment,
    Direction,
    Kind,
    Load,
    RoutingProblem,
    Unserved,
    VehicleType,
    build_problem,
)

Replay = Callable[[RoutingProblem, Sequence[tuple[VehicleType, Sequence[Sequence[str]]]]], Plan]

WINDOW = TimeWindow(time(7), time(15))
CDE = VehicleType(
    "CDE",
    "Colt Diesel Engkel",
    2,
    Load(2_000_000, 90),
    TimeWindow(time(5), time(17)),
    10 * 3600,
    400_000,
    3_000,
    max_trips=2,
)
PICKUP = replace(CDE, id="PICKUP", capacity=Load(1_000_000, 45), count=1, max_trips=1)


@pytest.fixture(scope="module")
def problem(batu: Batu) -> RoutingProblem:
    places = {c.id: c.place for c in batu.cooperatives}

    def item(ref: str, coop: str, direction: Direction, kg: int, crates: int) -> Consignment:
        kind = Kind.STAPLES if direction is Direction.DROP else Kind.PRODUCE
        what = message("what.rice") if direction is Direction.DROP else message("what.crates")
        return Consignment(
            ref, kind, direction, places[coop], Load(kg * 1000, crates), WINDOW, what
        )

    return build_problem(
        hub=batu.hub,
        fleet=(CDE, PICKUP),
        consignments=[
            item("ST-PUNTEN", "BMJ-PUNTEN", Direction.DROP, 1200, 0),
            item("PU-PUNTEN", "BMJ-PUNTEN", Direction.COLLECT, 800, 40),
            item("ST-SISIR", "BTU-SISIR", Direction.DROP, 600, 0),
            item("PU-BEJI", "JRJ-BEJI", Direction.COLLECT, 400, 20),
            item("ST-TEMAS", "BTU-TEMAS", Direction.DROP, 900, 0),
        ],
        travel=batu.travel,
        service=batu.service,
        day=date(2026, 11, 23),
    )


@pytest.fixture
def good(problem: RoutingProblem, replay: Replay) -> Plan:
    return replay(
        problem,
        [
            (CDE, [["BTU-SISIR", "BMJ-PUNTEN"], ["JRJ-BEJI"]]),
            (PICKUP, [["BTU-TEMAS"]]),
        ],
    )


def test_a_replayed_plan_that_keeps_every_rule_passes(problem: RoutingProblem, good: Plan) -> None:
    assert check_plan(problem, good) == []
    assert good.routes[0].trips[0].visits[1].load_after == Load(800_000, 40)


def _route(plan: Plan, index: int, **changes: object) -> Plan:
    routes = list(plan.routes)
    routes[index] = replace(routes[index], **changes)  # type: ignore[arg-type]
    return replace(plan, routes=tuple(routes))


def _trip(plan: Plan, route: int, trip: int, **changes: object) -> Plan:
    trips = list(plan.routes[route].trips)
    trips[trip] = replace(trips[trip], **changes)  # type: ignore[arg-type]
    return _route(plan, route, trips=tuple(trips))


def _visit(plan: Plan, route: int, trip: int, visit: int, **changes: object) -> Plan:
    visits = list(plan.routes[route].trips[trip].visits)
    visits[visit] = replace(visits[visit], **changes)  # type: ignore[arg-type]
    return _trip(plan, route, trip, visits=tuple(visits))


def _first_trip(plan: Plan) -> Trip:
    return plan.routes[0].trips[0]


def _second_route(plan: Plan) -> Route:
    return plan.routes[1]


BREAKS: list[tuple[str, Callable[[Plan], Plan], str]] = [
    (
        "a stop left out without a reason",
        lambda p: _route(p, 1, trips=()),
        "stop BTU-TEMAS is neither served nor listed as unserved",
    ),
    (
        "a stop served twice",
        lambda p: _trip(
            p, 1, 0, visits=(*_second_route(p).trips[0].visits, _first_trip(p).visits[0])
        ),
        "stop BTU-SISIR is served 2 times",
    ),
    (
        "a stop served and listed as unserved",
        lambda p: replace(
            p, unserved=(Unserved("BTU-TEMAS", message("routing.fleet_full", place="Temas")),)
        ),
        "stop BTU-TEMAS is served and also listed as unserved",
    ),
    (
        "a truck over capacity",
        lambda p: _route(p, 0, vehicle=replace(CDE, capacity=Load(1_500_000, 90))),
        "CDE 1 trip 1 leaves the hub with Load(weight_g=1800000, crates=0), over capacity",
    ),
    (
        "too many crates after a stop",
        lambda p: _route(p, 0, vehicle=replace(CDE, capacity=Load(2_000_000, 30))),
        "CDE 1 trip 1: Load(weight_g=800000, crates=40) on board after BMJ-PUNTEN",
    ),
    (
        "a wrong load stated after a stop",
        lambda p: _visit(p, 0, 0, 0, load_after=Load(1_800_000, 0)),
        "CDE 1 trip 1: states Load(weight_g=1800000, crates=0) after BTU-SISIR",
    ),
    (
        "service after the window closes",
        lambda p: _visit(p, 0, 0, 1, start_s=15 * 3600 + 60),
        "CDE 1 trip 1: serves BMJ-PUNTEN at 54060, after its window closes at 54000",
    ),
    (
        "faster than the road",
        lambda p: _visit(p, 0, 0, 0, arrival_s=_first_trip(p).departure_s + 10),
        "CDE 1 trip 1: arrives at BTU-SISIR at",
    ),
    (
        "service before the truck is there",
        lambda p: _visit(p, 0, 0, 0, start_s=_first_trip(p).visits[0].arrival_s - 60),
        "CDE 1 trip 1: serves BTU-SISIR before arriving or before its window",
    ),
    (
        "leaving before the service is done",
        lambda p: _visit(p, 0, 0, 0, departure_s=_first_trip(p).visits[0].start_s + 60),
        "CDE 1 trip 1: leaves BTU-SISIR before its service time is over",
    ),
    (
        "a second trip leaving before the first is unloaded and reloaded",
        lambda p: _trip(p, 0, 1, departure_s=_first_trip(p).return_s + 60),
        "CDE 1 trip 2 leaves before it is loaded",
    ),
    (
        "a day that ends after the shift",
        lambda p: _route(p, 1, end_s=17 * 3600 + 1),
        "PICKUP 1 ends at 61201, after 61200",
    ),
    (
        "a day longer than the longest shift",
        lambda p: _route(p, 0, vehicle=replace(CDE, max_shift_s=3600)),
        "CDE 1 works",
    ),
    (
        "a vehicle making more trips than it may",
        lambda p: _route(p, 0, vehicle=replace(CDE, max_trips=1)),
        "CDE 1 makes 2 trips; at most 1",
    ),
    (
        "more vehicles than the fleet has",
        lambda p: _route(p, 1, vehicle_no=2),
        "PICKUP: vehicle numbers [2] exceed or repeat its 1 vehicles",
    ),
    (
        "a distance that is not the sum of the legs",
        lambda p: _trip(p, 1, 0, distance_m=_second_route(p).trips[0].distance_m - 100),
        "PICKUP 1 trip 1: states",
    ),
    (
        "a vehicle from outside the fleet",
        lambda p: _route(p, 1, vehicle=replace(PICKUP, id="TRUCK")),
        "TRUCK 1 is not a vehicle type of the problem's fleet",
    ),
    (
        "a start before the shift",
        lambda p: _route(p, 1, start_s=4 * 3600),
        "PICKUP 1 starts at 14400, before 18000",
    ),
]


@pytest.mark.parametrize(("how", "breaking", "expected"), BREAKS, ids=[b[0] for b in BREAKS])
def test_the_checker_names_what_is_wrong(
    problem: RoutingProblem, good: Plan, how: str, breaking: Callable[[Plan], Plan], expected: str
) -> None:
    found = check_plan(problem, breaking(good))
    assert any(line.startswith(expected) for line in found), found


def test_a_rejected_consignment_must_be_listed(problem: RoutingProblem, good: Plan) -> None:
    reason = message(
        "routing.too_heavy", ref="SO-X", place="DC", load="7,500 kg", capacity="5,000 kg"
    )
    with_rejection = replace(problem, rejected=(Unserved("SO-X", reason),))
    assert check_plan(with_rejection, good) == [
        "rejected consignment SO-X is not listed as unserved"
    ]
