"""Routing: stops built from consignments, travel without a map service, what is impossible
said in words before solving, reload trips, drop-then-collect at one stop, and a fleet too
small for the day leaving out what it must, by name."""

from __future__ import annotations

import string
from collections.abc import Callable
from datetime import date, time
from pathlib import Path

import pytest

from hub.schedule.batu import Batu
from hub.schedule.errors import DataFileError, TravelError
from hub.schedule.messages import catalogue, message
from hub.schedule.orders import TimeWindow
from hub.schedule.plan import Plan
from hub.schedule.routing import (
    Consignment,
    Direction,
    Kind,
    Leg,
    Load,
    RoadFactorTravel,
    RoadMatrix,
    RoutingProblem,
    VehicleType,
    build_problem,
    great_circle_m,
    precheck,
    read_road_matrix,
)

DAY = date(2026, 11, 23)
VILLAGE_HOURS = TimeWindow(time(7), time(15))
SHIFT = TimeWindow(time(5), time(17))

SolveChecked = Callable[..., Plan]


def vehicle(
    id: str = "CDE",
    kg: int = 2000,
    crates: int = 90,
    *,
    count: int = 1,
    trips: int = 1,
    shift: TimeWindow = SHIFT,
    max_hours: float = 10,
) -> VehicleType:
    return VehicleType(
        id=id,
        label=id,
        count=count,
        capacity=Load(kg * 1000, crates),
        shift=shift,
        max_shift_s=int(max_hours * 3600),
        fixed_cost_rp=400_000,
        cost_per_km_rp=3_000,
        max_trips=trips,
    )


def staples(
    batu: Batu,
    coop: str,
    kg: int,
    *,
    window: TimeWindow = VILLAGE_HOURS,
    ref: str | None = None,
    priority: int = 3,
) -> Consignment:
    place = next(c.place for c in batu.cooperatives if c.id == coop)
    return Consignment(
        ref or f"ST-{coop}",
        Kind.STAPLES,
        Direction.DROP,
        place,
        Load(kg * 1000, 0),
        window,
        message("what.rice"),
        priority,
    )


def produce(batu: Batu, coop: str, kg: int, crates: int, *, ref: str | None = None) -> Consignment:
    place = next(c.place for c in batu.cooperatives if c.id == coop)
    return Consignment(
        ref or f"PU-{coop}",
        Kind.PRODUCE,
        Direction.COLLECT,
        place,
        Load(kg * 1000, crates),
        VILLAGE_HOURS,
        message("what.crates"),
    )


def world(
    batu: Batu, *items: Consignment, fleet: tuple[VehicleType, ...] = (vehicle(),)
) -> RoutingProblem:
    return build_problem(
        hub=batu.hub,
        fleet=fleet,
        consignments=items,
        travel=batu.travel,
        service=batu.service,
        day=DAY,
    )


# --- travel ------------------------------------------------------------------------------


def test_road_distance_is_the_great_circle_times_the_road_factor_at_the_average_speed(
    batu: Batu,
) -> None:
    sumberbrantas = next(c.place for c in batu.cooperatives if c.name == "Sumberbrantas")
    straight = great_circle_m(batu.hub.place, sumberbrantas)
    assert 12_300 < straight < 12_700  # the calibration point: 12.5 km straight, ~18 km by road
    leg = RoadFactorTravel(road_factor=1.4, speed_kmh=25).leg(batu.hub.place, sumberbrantas)
    assert leg.distance_m == round(straight * 1.4)
    assert leg.duration_s == -(-leg.distance_m * 36 // 250)


def test_a_road_matrix_without_a_leg_names_both_places(batu: Batu) -> None:
    punten = next(c.place for c in batu.cooperatives if c.name == "Punten")
    matrix = RoadMatrix({("HUB", "BMJ-PUNTEN"): Leg(6_100, 900)})
    assert matrix.leg(batu.hub.place, punten) == Leg(6_100, 900)
    with pytest.raises(TravelError, match="no leg from BMJ-PUNTEN to HUB"):
        matrix.leg(punten, batu.hub.place)


def test_a_road_matrix_file_gives_the_problem_its_distances_and_times(
    batu: Batu, tmp_path: Path
) -> None:
    path = tmp_path / "roads.csv"
    path.write_text(
        "from,to,distance_m,duration_s\nHUB,BMJ-PUNTEN,9200,1500\nBMJ-PUNTEN,HUB,8800,1380\n",
        encoding="utf-8",
    )
    problem = build_problem(
        hub=batu.hub,
        fleet=(vehicle(),),
        consignments=[staples(batu, "BMJ-PUNTEN", 500)],
        travel=read_road_matrix(path),
        service=batu.service,
    )
    assert problem.distance_m == ((0, 9200), (8800, 0))
    assert problem.duration_s == ((0, 1500), (1380, 0))


def test_every_problem_in_a_road_matrix_file_is_reported_at_once(tmp_path: Path) -> None:
    path = tmp_path / "roads.csv"
    path.write_text(
        "from,to,distance_m,duration_s\nHUB,A,9.2 km,1500\n,A,1,1\nHUB,B,10,-4\nHUB,B,10,4\nHUB,B,10,4\n",
        encoding="utf-8",
    )
    with pytest.raises(DataFileError) as caught:
        read_road_matrix(path)
    assert [str(p).removeprefix(f"{path}:") for p in caught.value.problems] == [
        '2: distance_m: "9.2 km" is not a whole number',
        "3: from: required but empty",
        '4: duration_s: "-4" is not a whole number',
        "6: to: this leg is already given on an earlier line",
    ]


# --- stops -------------------------------------------------------------------------------


def test_staples_out_and_produce_back_at_one_village_are_one_stop(batu: Batu) -> None:
    problem = world(batu, staples(batu, "BMJ-PUNTEN", 1200), produce(batu, "BMJ-PUNTEN", 872, 40))
    (stop,) = problem.stops
    assert (stop.id, stop.drop, stop.collect) == (
        "BMJ-PUNTEN",
        Load(1_200_000, 0),
        Load(872_000, 40),
    )
    assert stop.service_s == 10 * 60 + -(-15 * 60 * 2_072_000 // 1_000_000)


def test_a_village_stop_is_split_when_it_would_not_fit_the_largest_vehicle(batu: Batu) -> None:
    problem = world(
        batu,
        staples(batu, "BMJ-PUNTEN", 1200, ref="ST-1"),
        staples(batu, "BMJ-PUNTEN", 1200, ref="ST-2"),
        produce(batu, "BMJ-PUNTEN", 500, 20),
    )
    assert [(s.id, s.drop.weight_g, s.collect.weight_g) for s in problem.stops] == [
        ("BMJ-PUNTEN/1", 1_200_000, 500_000),
        ("BMJ-PUNTEN/2", 1_200_000, 0),
    ]


@pytest.mark.parametrize(
    ("load", "reason"),
    [
        pytest.param(
            Load(7_500_000, 0),
            "SO-BIG (Punten): 7,500 kg exceeds the largest vehicle (5,000 kg)",
            id="too heavy",
        ),
        pytest.param(
            Load(900_000, 300),
            "SO-BIG (Punten): 300 crates exceed the largest vehicle (220 crates)",
            id="too many crates",
        ),
        pytest.param(
            Load(4_000_000, 100),
            "SO-BIG (Punten): no vehicle carries 4,000 kg and 100 crates at once",
            id="no single vehicle has both",
        ),
    ],
)
def test_a_consignment_no_vehicle_can_carry_is_rejected_in_words(
    batu: Batu, load: Load, reason: str, solve_checked: SolveChecked
) -> None:
    fleet = (vehicle("PICKUP", 1000, 220), vehicle("CDD", 5000, 60))
    big = Consignment(
        "SO-BIG",
        Kind.PARTNER_ORDER,
        Direction.DROP,
        staples(batu, "BMJ-PUNTEN", 1).place,
        load,
        VILLAGE_HOURS,
        message("what.order", product="carrots", grade="A"),
    )
    problem = world(batu, big, staples(batu, "BMJ-BUMIAJI", 500), fleet=fleet)
    assert [str(u) for u in problem.rejected] == [reason]
    plan = solve_checked(problem)
    assert plan.served() == ["BMJ-BUMIAJI"]
    assert [str(u) for u in plan.unserved] == [reason]


# --- what is impossible, before solving ----------------------------------------------------


def test_a_window_no_vehicle_can_reach_is_named_with_the_earliest_arrival(
    batu: Batu, solve_checked: SolveChecked
) -> None:
    early = TimeWindow(time(6), time(7))
    late_shift = vehicle(shift=TimeWindow(time(6), time(17)))
    problem = world(
        batu,
        staples(batu, "BMJ-SUMBERBRANTAS", 300, window=early),
        staples(batu, "BMJ-PUNTEN", 300),
        fleet=(late_shift,),
    )
    index = problem.stop_index["BMJ-SUMBERBRANTAS"]
    arrival = 6 * 3600 + batu.hub.loading_s + problem.duration_s[0][index]
    expected = (
        "Sumberbrantas: its window 06:00–07:00 cannot be reached from the hub before "
        f"{-(-arrival // 60) // 60:02d}:{-(-arrival // 60) % 60:02d} with any vehicle"
    )
    assert {k: str(v) for k, v in precheck(problem).items()} == {"BMJ-SUMBERBRANTAS": expected}
    assert expected.endswith("before 07:02 with any vehicle")
    plan = solve_checked(problem)
    assert plan.served() == ["BMJ-PUNTEN"]
    assert [str(u) for u in plan.unserved] == [expected]


def test_a_stop_too_late_to_get_back_from_is_named(batu: Batu) -> None:
    late = TimeWindow(time(16, 50), time(16, 55))
    problem = world(batu, staples(batu, "BMJ-SUMBERBRANTAS", 300, window=late))
    (reason,) = precheck(problem).values()
    assert str(reason) == (
        "Sumberbrantas: a vehicle serving it cannot be back at the hub before 18:02, "
        "and the day ends at 17:00"
    )


def test_a_round_trip_longer_than_any_shift_is_named(batu: Batu) -> None:
    problem = world(batu, staples(batu, "BMJ-SUMBERBRANTAS", 300), fleet=(vehicle(max_hours=1),))
    (reason,) = precheck(problem).values()
    assert str(reason) == (
        "Sumberbrantas: the round trip from the hub takes 2 h 14 min, longer than any shift "
        "(1 h 00 min)"
    )
    assert reason.text("id").endswith("lebih lama dari shift mana pun (1 jam 00 menit)")


# --- solving -----------------------------------------------------------------------------


def test_the_drop_comes_off_before_the_collection_goes_on(
    batu: Batu, solve_checked: SolveChecked
) -> None:
    pickup = vehicle("PICKUP", 1000, 45)
    problem = world(
        batu,
        staples(batu, "BMJ-PUNTEN", 900),
        produce(batu, "BMJ-PUNTEN", 900, 40),
        fleet=(pickup,),
    )
    plan = solve_checked(problem)
    (route,) = plan.routes
    (trip,) = route.trips
    assert trip.load_out == Load(900_000, 0)
    assert [v.load_after for v in trip.visits] == [Load(900_000, 40)]


def test_a_small_fleet_goes_back_to_the_hub_to_reload_within_its_shift(
    batu: Batu, solve_checked: SolveChecked
) -> None:
    villages = ["BMJ-PUNTEN", "BMJ-BUMIAJI", "BTU-SISIR", "JRJ-BEJI"]
    problem = world(
        batu,
        *(staples(batu, v, 1200) for v in villages),
        fleet=(vehicle("CDE", 2000, 90, trips=4),),
    )
    plan = solve_checked(problem)
    (route,) = plan.routes
    assert len(route.trips) == 4
    assert sorted(plan.served()) == sorted(villages)
    assert all(trip.load_out == Load(1_200_000, 0) for trip in route.trips)
    for before, after in zip(route.trips, route.trips[1:], strict=False):
        assert after.departure_s >= before.return_s + batu.hub.unloading_s + batu.hub.loading_s


def test_when_the_fleet_is_too_small_the_plan_keeps_urgent_stops_and_names_the_rest(
    batu: Batu, solve_checked: SolveChecked
) -> None:
    problem = world(
        batu,
        staples(batu, "BMJ-PUNTEN", 700),
        staples(batu, "BTU-SISIR", 700, priority=1),
        staples(batu, "JRJ-BEJI", 700),
        fleet=(vehicle("PICKUP", 1000, 45),),
    )
    plan = solve_checked(problem)
    assert plan.served() == ["BTU-SISIR"]
    assert sorted(str(u) for u in plan.unserved) == [
        "Beji: no vehicle has room or time left for this stop; the fleet's shifts are full",
        "Punten: no vehicle has room or time left for this stop; the fleet's shifts are full",
    ]


def test_the_same_seed_and_iteration_count_give_the_same_plan(
    batu: Batu, solve_checked: SolveChecked
) -> None:
    week = batu.week()
    problem = batu.problem(batu.week_of, week, batu.allocate(week))
    assert solve_checked(problem, iterations=300) == solve_checked(problem, iterations=300)


def test_every_message_has_both_languages_with_the_same_placeholders() -> None:
    english, indonesian = catalogue("en"), catalogue("id")
    assert english.keys() == indonesian.keys()

    def fields(text: str) -> set[str]:
        return {name for _, name, _, _ in string.Formatter().parse(text) if name}

    for key, text in english.items():
        assert fields(text) == fields(indonesian[key]), key
