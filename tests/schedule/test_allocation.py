"""Allocation rules, table by table: FEFO, never expired or recalled, grade up never down,
partial fills with their reasons, and the same answer for the same input."""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import replace
from datetime import date, time

import pytest

from hub.schedule.allocation import Allocation, GradeScale, Lot, allocate
from hub.schedule.orders import Partner, PartnerOrder, Place, Product, TimeWindow, Unit

DAY = date(2026, 11, 30)
GRADES = GradeScale(("A", "B", "C"))
CARROTS = Product("WORTEL", "carrots", crate_net_g=20_000, crate_tare_g=1_800)
PRODUCTS = {"WORTEL": CARROTS}
DC = Partner("DC-1", "Supermarket DC", Place("DC-1", "Supermarket DC", -7.95, 112.64))
EARLY = TimeWindow(time(3), time(7))


def lot(lot_id: str, kg: int, grade: str = "A", best_before: date = DAY, **changes: object) -> Lot:
    base = Lot(
        lot_id=lot_id,
        product="WORTEL",
        grade=grade,
        location="HUB",
        quantity_g=kg * 1000,
        packed_on=date(2026, 11, 20),
        best_before=best_before,
        recalled=False,
        cooperative="BMJ-PUNTEN",
    )
    return replace(base, **changes)  # type: ignore[arg-type]


def order(
    order_id: str = "SO-1", kg: int = 200, grade: str = "A", **changes: object
) -> PartnerOrder:
    fields: dict[str, object] = {
        "order_id": order_id,
        "partner": DC,
        "product": "WORTEL",
        "grade": grade,
        "quantity": kg * 1000,
        "unit": Unit.GRAM,
        "delivery_date": DAY,
        "window": EARLY,
    }
    return PartnerOrder(**{**fields, **changes})  # type: ignore[arg-type]


def run(orders: list[PartnerOrder], lots: list[Lot], grades: GradeScale = GRADES) -> Allocation:
    return allocate(orders, lots, products=PRODUCTS, grades=grades, location="HUB")


def picked(allocation: Allocation) -> dict[str, list[tuple[str, int]]]:
    return {
        fill.order.order_id: [(p.lot_id, p.quantity_g // 1000) for p in fill.picks]
        for fill in allocation.fills
    }


ONE_ORDER_CASES = [
    pytest.param(
        [
            lot("L2", 100, best_before=date(2026, 12, 5)),
            lot("L1", 150, best_before=date(2026, 12, 1)),
        ],
        order(kg=200),
        [("L1", 150), ("L2", 50)],
        id="earliest best-before goes first",
    ),
    pytest.param(
        [lot("OLD", 500, best_before=date(2026, 11, 29)), lot("OK", 50)],
        order(kg=100),
        [("OK", 50)],
        id="a lot past its best-before on the delivery day is never offered",
    ),
    pytest.param(
        [lot("TODAY", 100, best_before=DAY)],
        order(kg=100),
        [("TODAY", 100)],
        id="a lot is good through its best-before day",
    ),
    pytest.param(
        [lot("BAD", 500, recalled=True, best_before=date(2026, 12, 1)), lot("GOOD", 80)],
        order(kg=100),
        [("GOOD", 80)],
        id="a recalled lot is never offered",
    ),
    pytest.param(
        [lot("B", 500, grade="B"), lot("C", 500, grade="C")],
        order(kg=100, grade="A"),
        [],
        id="a worse grade is never given",
    ),
    pytest.param(
        [lot("A1", 60, grade="A"), lot("C1", 500, grade="C")],
        order(kg=100, grade="B"),
        [("A1", 60)],
        id="a better grade may be given",
    ),
    pytest.param(
        [lot("A1", 100, grade="A"), lot("B1", 100, grade="B")],
        order(kg=100, grade="B"),
        [("B1", 100)],
        id="on the same best-before the ordered grade goes before a better one",
    ),
    pytest.param(
        [
            lot("A-SOONER", 100, grade="A", best_before=DAY),
            lot("B-LATER", 100, grade="B", best_before=date(2026, 12, 9)),
        ],
        order(kg=100, grade="B"),
        [("A-SOONER", 100)],
        id="FEFO outranks the grade preference",
    ),
    pytest.param(
        [
            lot("L9", 100, packed_on=date(2026, 11, 18)),
            lot("L3", 100, packed_on=date(2026, 11, 19)),
            lot("L5", 100, packed_on=date(2026, 11, 18)),
        ],
        order(kg=250),
        [("L5", 100), ("L9", 100), ("L3", 50)],
        id="ties go to the earlier pack date, then the lot id",
    ),
    pytest.param(
        [lot("FAR", 300, location="BMJ-TULUNGREJO"), lot("NEAR", 30)],
        order(kg=50),
        [("NEAR", 30)],
        id="stock not at the hub is not offered",
    ),
    pytest.param(
        [lot("L1", 1000)],
        order(quantity=3, unit=Unit.CRATE),
        [("L1", 60)],
        id="a crate order asks for whole crates of the product's net weight",
    ),
    pytest.param(
        [lot("L1", 40, product="KENTANG"), lot("L2", 40)],
        order(kg=60),
        [("L2", 40)],
        id="only the ordered product is offered",
    ),
]


@pytest.mark.parametrize(("lots", "wanted", "expected"), ONE_ORDER_CASES)
def test_one_order_takes_the_lots_the_rules_allow(
    lots: list[Lot], wanted: PartnerOrder, expected: list[tuple[str, int]]
) -> None:
    products = {"WORTEL": CARROTS, "KENTANG": replace(CARROTS, code="KENTANG", name="potatoes")}
    allocation = allocate([wanted], lots, products=products, grades=GRADES, location="HUB")
    assert picked(allocation)[wanted.order_id] == expected


SHORTFALL_CASES = [
    pytest.param(
        [lot("L1", 120)],
        [order("SO-1", kg=200)],
        "order SO-1: only 120 kg of grade A or better carrots usable on 2026-11-30; 80 kg short",
        id="partial fill",
    ),
    pytest.param(
        [],
        [order("SO-1", kg=200)],
        "order SO-1: no grade A or better carrots usable on 2026-11-30; 200 kg short",
        id="nothing at all",
    ),
    pytest.param(
        [
            lot("L1", 150),
            lot("OLD", 40, best_before=date(2026, 11, 1)),
            lot("BAD", 30, recalled=True),
            lot("FAR", 70, location="BMJ-PUNTEN"),
        ],
        [order("SO-0", kg=100, priority=1), order("SO-1", kg=200)],
        "order SO-1: only 50 kg of grade A or better carrots usable on 2026-11-30; 150 kg short "
        "(100 kg went to earlier orders; 40 kg is past its best-before; 30 kg is recalled; "
        "70 kg is not at the hub yet)",
        id="the reason names the stock the order could not have",
    ),
]


@pytest.mark.parametrize(("lots", "orders", "reason"), SHORTFALL_CASES)
def test_a_short_order_says_how_much_is_missing_and_why(
    lots: list[Lot], orders: list[PartnerOrder], reason: str
) -> None:
    allocation = run(orders, lots)
    (shortfall,) = allocation.shortfalls
    assert str(shortfall) == reason


def test_a_shortfall_reads_in_indonesian_too() -> None:
    (shortfall,) = run([order("SO-1", kg=1200)], [lot("L1", 1120)]).shortfalls
    assert shortfall.text("id") == (
        "pesanan SO-1: hanya ada 1.120 kg carrots mutu A atau lebih baik yang layak pada "
        "2026-11-30; kurang 80 kg"
    )


def test_an_urgent_order_is_served_before_an_earlier_id() -> None:
    allocation = run([order("SO-1", kg=100), order("SO-2", kg=100, priority=1)], [lot("L1", 150)])
    assert picked(allocation) == {"SO-2": [("L1", 100)], "SO-1": [("L1", 50)]}


def test_the_stricter_grade_is_served_first_within_a_priority() -> None:
    allocation = run(
        [order("SO-1", kg=100, grade="C"), order("SO-2", kg=100, grade="A")],
        [lot("A1", 100, grade="A")],
    )
    assert picked(allocation) == {"SO-2": [("A1", 100)], "SO-1": []}


def test_lots_are_never_over_allocated() -> None:
    lots = [lot(f"L{i}", 30 + i) for i in range(8)]
    allocation = run([order(f"SO-{i}", kg=70) for i in range(6)], lots)
    total = {lot.lot_id: lot.quantity_g for lot in lots}
    for fill in allocation.fills:
        for pick in fill.picks:
            total[pick.lot_id] -= pick.quantity_g
    assert total == dict(allocation.left_g)
    assert all(grams >= 0 for grams in total.values())


def test_the_same_input_in_any_order_gives_the_same_allocation() -> None:
    lots = [
        lot(f"L{i}", 40 + 7 * i, grade="AB"[i % 2], best_before=date(2026, 12, 1 + i % 3))
        for i in range(10)
    ]
    orders = [order(f"SO-{i}", kg=60 + 5 * i, grade="ABC"[i % 3]) for i in range(8)]
    expected = run(orders, lots)
    rng = random.Random(7)
    for _ in range(5):
        rng.shuffle(lots)
        rng.shuffle(orders)
        assert run(orders, lots) == expected


def test_the_grade_order_is_configurable() -> None:
    grades = GradeScale(("SUPER", "A", "B"))
    lots = [lot("S", 100, grade="SUPER"), lot("B", 100, grade="B")]
    allocation = run([order("SO-1", kg=150, grade="A")], lots, grades)
    assert picked(allocation) == {"SO-1": [("S", 100)]}
    assert grades.accepts("B", "SUPER") and not grades.accepts("SUPER", "A")


def test_an_unknown_grade_is_an_error_that_lists_the_known_ones() -> None:
    with pytest.raises(ValueError, match=r"unknown grade 'D' \(known: A, B, C\)"):
        run([order()], [lot("L1", 10, grade="D")])


@pytest.mark.parametrize(
    "make",
    [
        pytest.param(lambda: order(kg=100.5), id="an order in fractional kg"),  # type: ignore[arg-type]
        pytest.param(lambda: lot("L1", 0, quantity_g=1.5), id="a lot in fractional grams"),
    ],
)
def test_quantities_are_integer_grams_never_floats(make: Callable[[], object]) -> None:
    with pytest.raises(TypeError, match="integer"):
        make()
