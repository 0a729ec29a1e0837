"""The Kota Batu week end to end: orders, allocation, a plan a day with staples out and produce
back, and the dispatch output (stop sheets, pick lists, maps)."""

from __future__ import annotations

import xml.etree.ElementTree as ET

import pytest

from hub.schedule.allocation import Allocation
from hub.schedule.batu import Batu
from hub.schedule.check import check_plan
from hub.schedule.orders import DemandSet
from hub.schedule.plan import Plan, pick_list, trip_map_svg, trip_sheet
from hub.schedule.pyvrp_solver import solve
from hub.schedule.routing import Direction, Kind, SolveLimits

SVG = "{http://www.w3.org/2000/svg}"


@pytest.fixture(scope="module")
def week(batu: Batu) -> DemandSet:
    return batu.week()


@pytest.fixture(scope="module")
def allocation(batu: Batu, week: DemandSet) -> Allocation:
    return batu.allocate(week)


@pytest.fixture(scope="module")
def plans(batu: Batu, week: DemandSet, allocation: Allocation) -> dict[str, Plan]:
    found = {}
    for day in week.days():
        problem = batu.problem(day, week, allocation)
        plan = solve(problem, SolveLimits(seconds=None, iterations=1000, seed=1))
        assert check_plan(problem, plan) == []
        found[day.isoformat()] = plan
    return found


def test_the_fixture_has_the_hub_and_the_24_cooperatives_with_their_caveats(batu: Batu) -> None:
    assert batu.hub.place.name == "Hub Pasar Induk Among Tani (Temas)"
    assert batu.hub.place.approximate
    assert len(batu.cooperatives) == 24
    by_kecamatan = {
        k: sum(c.kecamatan == k for c in batu.cooperatives) for k in ("Batu", "Bumiaji", "Junrejo")
    }
    assert by_kecamatan == {"Batu": 8, "Bumiaji": 9, "Junrejo": 7}
    flagged = sorted(c.name for c in batu.cooperatives if c.place.approximate)
    assert flagged == ["Bulukerto", "Bumiaji", "Sumbergondo"]
    assert any("Bumiaji, Bulukerto and Sumbergondo" in caveat for caveat in batu.caveats)
    assert [(v.id, v.capacity.weight_g) for v in batu.fleet] == [
        ("PICKUP", 1_000_000),
        ("CDE", 2_000_000),
        ("CDD", 5_000_000),
    ]


def test_the_week_sends_staples_to_every_village_and_brings_produce_back(
    batu: Batu, week: DemandSet, plans: dict[str, Plan]
) -> None:
    assert len(plans) == 6
    staples_to, produce_from = set(), set()
    for plan in plans.values():
        assert plan.unserved == ()
        for _, trip in plan.trips():
            for visit in trip.visits:
                for item in visit.stop.consignments:
                    if item.kind is Kind.STAPLES:
                        staples_to.add(item.place.id)
                    if item.kind is Kind.PRODUCE:
                        produce_from.add(item.place.id)
    assert staples_to == {c.id for c in batu.cooperatives}
    assert produce_from == {p.cooperative.id for p in week.village_pickups}


def test_a_village_stop_takes_staples_off_and_puts_crates_on_in_one_visit(
    plans: dict[str, Plan],
) -> None:
    both = [
        visit
        for plan in plans.values()
        for _, trip in plan.trips()
        for visit in trip.visits
        if visit.stop.drop.weight_g and visit.stop.collect.crates
    ]
    assert both
    for visit in both:
        assert {c.direction for c in visit.stop.consignments} == {Direction.DROP, Direction.COLLECT}


def test_trucks_reload_at_the_hub_during_the_week(plans: dict[str, Plan]) -> None:
    assert any(len(route.trips) > 1 for plan in plans.values() for route in plan.routes)


def test_partner_orders_reach_their_windows_with_lots_picked_fefo(
    batu: Batu, allocation: Allocation, plans: dict[str, Plan]
) -> None:
    monday = plans[batu.week_of.isoformat()]
    deliveries = [
        (visit, item)
        for _, trip in monday.trips()
        for visit in trip.visits
        for item in visit.stop.consignments
        if item.kind is Kind.PARTNER_ORDER
    ]
    assert {item.ref for _, item in deliveries} == {
        "SO-2026W48-MON-DC1-WORTEL-A",
        "SO-2026W48-MON-DC1-KENTANG-B",
        "SO-2026W48-MON-DC1-APEL-A",
        "SO-2026W48-MON-SALAD1-SELADA-A",
        "SO-2026W48-MON-SALAD1-TOMAT-B",
    }
    for visit, item in deliveries:
        assert item.window.opens_s <= visit.start_s <= item.window.closes_s
    carrots = next(item for _, item in deliveries if item.ref.endswith("WORTEL-A"))
    assert [(p.lot_id, p.quantity_g) for p in carrots.picks] == [("L-2611-001", 800_000)]


def test_the_week_reports_its_shortfalls_in_words(allocation: Allocation) -> None:
    assert [str(s) for s in allocation.shortfalls] == [
        "order SO-2026W48-FRI-DC1-WORTEL-A: only 300 kg of grade A or better carrots usable on "
        "2026-11-27; 500 kg short (600 kg went to earlier orders; 300 kg is past its "
        "best-before; 200 kg is recalled; 500 kg is not at the hub yet)",
        "order SO-2026W48-FRI-DC1-KENTANG-B: only 900 kg of grade B or better potatoes usable "
        "on 2026-11-27; 100 kg short (2,000 kg went to earlier orders)",
        "order SO-2026W48-FRI-DC1-APEL-A: only 200 kg of grade A or better apples usable on "
        "2026-11-27; 250 kg short (900 kg went to earlier orders)",
    ]


def test_the_pick_list_loads_the_last_stop_first(plans: dict[str, Plan]) -> None:
    for plan in plans.values():
        for _, trip in plan.trips():
            lines = pick_list(trip)
            drops = [
                (no, item.ref)
                for no, visit in enumerate(trip.visits, start=1)
                for item in visit.stop.consignments
                if item.direction is Direction.DROP
            ]
            assert sorted(drops, key=lambda d: -d[0]) == [
                (line.stop_no, line.ref) for line in lines
            ]
            assert sum(line.weight_g for line in lines) == trip.load_out.weight_g


def test_the_stop_sheet_reads_in_indonesian_and_english(plans: dict[str, Plan]) -> None:
    route, trip = next(iter(next(iter(plans.values())).trips()))
    indonesian = trip_sheet(route, trip, "id")
    assert f"{route.name} ({route.vehicle.label}) — rit 1:" in indonesian
    assert "turunkan" in indonesian or "angkut" in indonesian
    assert "trip 1:" in trip_sheet(route, trip, "en")


def test_every_trip_map_is_an_svg_with_one_numbered_marker_a_stop(
    batu: Batu, plans: dict[str, Plan]
) -> None:
    for plan in plans.values():
        for route, trip in plan.trips():
            svg = trip_map_svg(route, trip, hub=batu.hub.place, others=batu.places(), language="en")
            root = ET.fromstring(svg)
            numbers = [t.text for t in root.iter(f"{SVG}text") if t.get("text-anchor") == "middle"]
            assert numbers == [str(n) for n in range(1, len(trip.visits) + 1)]
            assert root.find(f"{SVG}title") is not None
            assert len(root.findall(f"{SVG}polyline")) == 1
