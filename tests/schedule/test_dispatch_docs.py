"""The pure parts behind the planning API: locks in the solver and the checker, plans stored as
JSON and read back, pallets, and the delivery-note PDF."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import date, time

import pypdfium2
import pytest
from conftest import SolveChecked

from hub.schedule.allocation import Pick
from hub.schedule.batu import Batu
from hub.schedule.check import check_plan
from hub.schedule.delivery_note import (
    DeliveryNote,
    NoteOrder,
    PalletLoad,
    delivery_notes_pdf,
    pallet_loads,
)
from hub.schedule.messages import Clock, Duration, Grams, message
from hub.schedule.orders import Product, TimeWindow
from hub.schedule.pdf import Page, document
from hub.schedule.plan import Plan, Route
from hub.schedule.routing import Lock, RoutingProblem
from hub.schedule.stored import message_json, message_of, trip_of, visit_json

CRATE = Product("wortel", "Wortel", 20_000, 1_800)
BEST_BEFORE = date(2026, 12, 8)


@pytest.fixture(scope="module")
def monday(batu: Batu) -> RoutingProblem:
    week = batu.week()
    return batu.problem(week.days()[0], week, batu.allocate(week))


def where(plan: Plan) -> dict[str, str]:
    return {visit.stop.id: route.name for route, trip in plan.trips() for visit in trip.visits}


def test_locked_stops_are_served_by_their_vehicles_and_the_checker_holds_them_to_it(
    monday: RoutingProblem, solve_checked: SolveChecked
) -> None:
    first, second = monday.stops[3], monday.stops[5]
    locked = replace(
        monday, locks=(Lock(first.place.id, "PICKUP", 2), Lock(second.place.id, "CDD", 2))
    )
    plan = solve_checked(locked)
    assert where(plan)[first.id] == "PICKUP 2"
    assert where(plan)[second.id] == "CDD 2"
    assert plan.unserved == ()

    other = next(route for route in plan.routes if route.name != "PICKUP 2")
    swapped = tuple(
        replace(route, vehicle=other.vehicle, vehicle_no=other.vehicle.count + 1)
        if route.name == "PICKUP 2"
        else route
        for route in plan.routes
    )
    found = check_plan(locked, replace(plan, routes=swapped))
    assert any(f"{first.id} is locked to PICKUP 2" in problem for problem in found)


def test_a_lock_no_vehicle_can_keep_is_reported_in_words(
    monday: RoutingProblem, solve_checked: SolveChecked
) -> None:
    heavy = max(monday.stops, key=lambda stop: stop.drop.weight_g)
    elsewhere = next(stop for stop in monday.stops if stop.place.id != heavy.place.id)
    locked = replace(
        monday,
        locks=(Lock(heavy.place.id, "PICKUP", 1), Lock(elsewhere.place.id, "CDD", 3)),
    )
    plan = solve_checked(locked)
    reasons = {item.ref: str(item.reason) for item in plan.unserved}
    assert (
        reasons[elsewhere.id]
        == f"{elsewhere.place.name}: locked to CDD 3, which is not in this plan's fleet"
    )
    assert reasons[heavy.id].startswith(
        f"{heavy.place.name}: locked to PICKUP 1, which cannot carry"
    )


def test_a_stored_plan_reads_back_equal_and_still_passes_the_check(
    monday: RoutingProblem, solve_checked: SolveChecked
) -> None:
    plan = solve_checked(monday)
    routes = []
    for route in plan.routes:
        trips = []
        for trip in route.trips:
            stored = json.loads(json.dumps([visit_json(v) for v in trip.visits]))
            back = trip_of(
                number=trip.number,
                departure_s=trip.departure_s,
                return_s=trip.return_s,
                distance_m=trip.distance_m,
                visits=stored,
            )
            assert back == trip
            trips.append(back)
        routes.append(
            Route(route.vehicle, route.vehicle_no, route.start_s, route.end_s, tuple(trips))
        )
    assert check_plan(monday, replace(plan, routes=tuple(routes))) == []


def test_a_message_keeps_the_type_of_each_value_through_json() -> None:
    original = message(
        "routing.window_unreachable",
        place="Punten",
        opens=Clock(25_200),
        closes=Clock(27_000),
        arrival=Clock(27_060),
    )
    typed = message(
        "allocation.only",
        order="SO-1",
        filled=Grams(1_500),
        day=date(2026, 11, 25),
        missing=Grams(500),
        grade="A",
        product="Wortel",
    )
    long = message(
        "routing.shift_too_long", place="X", needed=Duration(40_000), longest=Duration(36_000)
    )
    for msg in (original, typed, long):
        back = message_of(json.loads(json.dumps(message_json(msg))))
        assert back == msg
        assert back.text("id") == msg.text("id")


@pytest.mark.parametrize(
    ("picks", "per_pallet", "expected"),
    [
        # one lot, fits one pallet
        ([("L1", "C1", 100_000)], 40, [("C1", [("L1", 100_000, 5)])]),
        # a lot bigger than a pallet continues on the next, split at a whole crate
        ([("L1", "C1", 830_500)], 40, [("C1", [("L1", 800_000, 40)]), ("C1", [("L1", 30_500, 2)])]),
        # two cooperatives never share a pallet
        (
            [("L1", "C1", 30_000), ("L2", "C2", 10_000), ("L3", "C1", 5_000)],
            40,
            [("C1", [("L1", 30_000, 2), ("L3", 5_000, 1)]), ("C2", [("L2", 10_000, 1)])],
        ),
        # a pallet full to the last crate closes, the next lot starts a new one
        (
            [("L1", "C1", 40_000), ("L2", "C1", 20_000)],
            2,
            [("C1", [("L1", 40_000, 2)]), ("C1", [("L2", 20_000, 1)])],
        ),
    ],
)
def test_picks_go_on_pallets_of_one_cooperative_and_limited_crates(
    picks: list[tuple[str, str, int]],
    per_pallet: int,
    expected: list[tuple[str, list[tuple[str, int, int]]]],
) -> None:
    found = pallet_loads(
        [Pick(lot, coop, "A", BEST_BEFORE, grams) for lot, coop, grams in picks], CRATE, per_pallet
    )
    assert [
        (p.cooperative, [(line.lot, line.net_g, line.crates) for line in p.lines]) for p in found
    ] == expected
    assert sum(p.net_g for p in found) == sum(grams for *_, grams in picks)


def pdf_text(data: bytes) -> list[str]:
    pdf = pypdfium2.PdfDocument(data)
    try:
        return [pdf[k].get_textpage().get_text_range() for k in range(len(pdf))]
    finally:
        pdf.close()


def note(pallets: tuple[PalletLoad, ...]) -> DeliveryNote:
    net = sum(p.net_g for p in pallets)
    crates = sum(p.crates for p in pallets)
    return DeliveryNote(
        number="T1-CDE1-1/2",
        day=date(2026, 11, 25),
        hub="Hub Pasar Induk Among Tani (Temas)",
        vehicle="CDE 1 (Colt Diesel Engkel)",
        trip=1,
        stop_no=2,
        arrival_s=7 * 3600 + 5 * 60,
        window=TimeWindow(time(5), time(12)),
        recipient="Supermarket DC",
        address="Jl. Raya Karanglo 5 (gudang 2)",
        orders=(
            NoteOrder(
                "SO-1",
                message("what.order", product="Wortel", grade="A"),
                net,
                crates,
                net + crates * CRATE.crate_tare_g,
                pallets,
            ),
        ),
    )


def test_a_delivery_note_names_lots_and_ssccs_in_the_readers_language() -> None:
    loads = pallet_loads([Pick("L-TLG-1", "kdmp-tulungrejo", "A", BEST_BEFORE, 830_500)], CRATE, 40)
    pallets = (replace(loads[0], sscc="089955550000000013"), loads[1])
    (indonesian,) = pdf_text(delivery_notes_pdf([note(pallets)], title="T1", language="id"))
    assert "SURAT JALAN" in indonesian and "No. T1-CDE1-1/2" in indonesian
    assert "Palet 1 — SSCC (00) 089955550000000013" in indonesian
    assert "tanpa SSCC: koperasi kdmp-tulungrejo" in indonesian
    assert "L-TLG-1 kdmp-tulungrejo A 2026-12-08 2 30,5 kg" in indonesian
    assert "berat bersih 830,5 kg, berat kotor 906,1 kg" in indonesian
    assert "Jl. Raya Karanglo 5 (gudang 2)" in indonesian
    (english,) = pdf_text(delivery_notes_pdf([note(pallets)], title="T1", language="en"))
    assert "DELIVERY NOTE" in english and "net weight 830.5 kg" in english


def test_a_long_note_continues_on_more_pages_and_an_empty_trip_gets_one() -> None:
    picks = [Pick(f"L-{k}", f"C{k}", "A", BEST_BEFORE, 100_000) for k in range(12)]
    pages = pdf_text(delivery_notes_pdf([note(tuple(pallet_loads(picks, CRATE, 40)))], title="T"))
    assert len(pages) > 1
    assert all("No. T1-CDE1-1/2" in page for page in pages)
    assert "L-11" in pages[-1] and f"halaman {len(pages)} dari {len(pages)}" in pages[-1]
    (empty,) = pdf_text(delivery_notes_pdf([], title="T9", language="en"))
    assert "This trip delivers nothing to partners." in empty


def test_pdf_text_outside_windows_1252_prints_as_a_question_mark() -> None:
    page = Page()
    page.text(50, 800, "Beras (5 kg) \\ 米 — ok")
    (text,) = pdf_text(document([page], title="t"))
    assert text == "Beras (5 kg) \\ ? — ok"
    with pytest.raises(ValueError, match="at least one page"):
        document([], title="t")
