"""A partner taking less than was loaded, reported when the stop is confirmed: through the
hub's API on SQLite and PostgreSQL, and the rules of ``hub.schedule.handover`` on their own.
Each order then says what the partner took of it: delivered, partly delivered or not
delivered.

The day of ``plans_world``: 60 kg of grade A carrots from lot ``L-TLG-1`` go to the
supermarket DC on order SO-1 (or on three orders of 20 kg).
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest
from plans_world import DAY, PlanningApi, audit_log, planning_api
from sqlalchemy import Engine

from hub.domain.stock import HUB, IN_TRANSIT, LOSS, StockKey, partner
from hub.schedule.errors import HandoverError
from hub.schedule.handover import DoorReport, Handover, LoadedLine, handovers

pytestmark = pytest.mark.pg

ITERATIONS = 300
TULUNGREJO_A = StockKey("kdmp-tulungrejo", "wortel", "A", "L-TLG-1")
DC = partner("DC-RETAIL-1")


@pytest.fixture
def api(engine: Engine) -> Iterator[PlanningApi]:
    with planning_api(engine) as api:
        yield api


def carrots_for_the_dc(api: PlanningApi, order_id: str = "SO-1", kg: str = "60") -> None:
    api.post(
        "/api/v1/orders",
        {
            "kind": "partner",
            "id": order_id,
            "partner": "DC-RETAIL-1",
            "product": "wortel",
            "grade": "A",
            "quantity_kg": kg,
            "day": DAY.isoformat(),
            "window_from": "05:00",
            "window_to": "12:00",
        },
    )


def on_the_road(api: PlanningApi) -> str:
    """Plan and approve the day, send the DC's trip off; the confirm URL of the DC's stop."""
    plan = api.post("/api/v1/plans", {"day": DAY.isoformat(), "iterations": ITERATIONS})
    plan = api.post(f"/api/v1/plans/{plan['id']}/approve")
    trip_id, stop_no = next(
        (trip["trip_id"], stop["no"])
        for route in plan["routes"]
        for trip in route["trips"]
        for stop in trip["stops"]
        if stop["place_id"] == "DC-RETAIL-1"
    )
    api.post(f"/api/v1/trips/{trip_id}/depart")
    assert api.balance(TULUNGREJO_A, IN_TRANSIT) == 60_000
    return f"/api/v1/trips/{trip_id}/stops/{stop_no}/confirm"


def moves_of(confirmed: Any) -> list[tuple[str, str, int, str | None, str | None]]:
    return [
        (m["source"], m["destination"], m["quantity_g"], m["reason"], m["operator"])
        for m in confirmed["moves"]
    ]


def test_what_the_partner_did_not_take_goes_back_to_hub_stock_with_the_reason(
    api: PlanningApi,
) -> None:
    carrots_for_the_dc(api)
    confirm = on_the_road(api)

    reason = "cold room full, took 45 kg"
    confirmed = api.post(
        confirm, {"deliveries": [{"order": "SO-1", "delivered_g": 45_000, "reason": reason}]}
    )
    assert moves_of(confirmed) == [
        ("in_transit", "partner/DC-RETAIL-1", 45_000, None, "token:sari"),
        ("in_transit", "hub", 15_000, reason, "token:sari"),
    ]
    assert {m["order_id"] for m in confirmed["moves"]} == {"SO-1"}
    assert confirmed["short"] == [
        {
            "order": "SO-1",
            "lot": "L-TLG-1",
            "grade": "A",
            "loaded_g": 60_000,
            "delivered_g": 45_000,
            "short_g": 15_000,
            "reason": reason,
            "to": "hub",
        }
    ]
    assert api.balance(TULUNGREJO_A, DC) == 45_000
    assert api.balance(TULUNGREJO_A, HUB) == 15_000
    assert api.balance(TULUNGREJO_A, IN_TRANSIT) == 0
    assert (confirmed["delivered"], confirmed["partly_delivered"]) == ([], ["SO-1"])
    (order,) = api.get("/api/v1/orders", day=DAY.isoformat())
    assert order["status"] == "partly_delivered"
    ((actor, _, detail),) = audit_log(api.engine, "confirm_stop")[-1:]
    assert actor == "token:sari" and detail["short"] == confirmed["short"]

    tomorrow = DAY + timedelta(days=1)
    api.post(
        "/api/v1/orders",
        {
            "kind": "partner",
            "id": "SO-2",
            "partner": "DC-RETAIL-1",
            "product": "wortel",
            "grade": "A",
            "quantity_kg": "15",
            "day": tomorrow.isoformat(),
            "window_from": "05:00",
            "window_to": "12:00",
        },
    )
    plan = api.post("/api/v1/plans", {"day": tomorrow.isoformat(), "iterations": ITERATIONS})
    assert plan["shortfalls"] == []
    picked = [
        (lot["lot"], lot["quantity_g"])
        for route in plan["routes"]
        for trip in route["trips"]
        for stop in trip["stops"]
        for item in stop["consignments"]
        if item["ref"] == "SO-2"
        for lot in item["lots"]
    ]
    assert picked == [("L-TLG-1", 15_000)], "what came back is hub stock to plan again"


def test_damaged_goods_refused_at_the_door_are_written_off_to_loss(api: PlanningApi) -> None:
    carrots_for_the_dc(api)
    confirm = on_the_road(api)

    reason = "two crates crushed in transit"
    confirmed = api.post(
        confirm,
        {
            "deliveries": [
                {
                    "order": "SO-1",
                    "lot": "L-TLG-1",
                    "delivered_g": 20_000,
                    "reason": reason,
                    "damaged": True,
                }
            ]
        },
    )
    assert moves_of(confirmed) == [
        ("in_transit", "partner/DC-RETAIL-1", 20_000, None, "token:sari"),
        ("in_transit", "loss", 40_000, reason, "token:sari"),
    ]
    assert confirmed["short"][0]["to"] == "loss"
    assert api.balance(TULUNGREJO_A, DC) == 20_000
    assert api.balance(TULUNGREJO_A, LOSS) == 40_000
    assert api.balance(TULUNGREJO_A, HUB) == 0
    assert api.balance(TULUNGREJO_A, IN_TRANSIT) == 0


def test_a_line_refused_whole_goes_back_to_the_hub(api: PlanningApi) -> None:
    carrots_for_the_dc(api)
    confirm = on_the_road(api)

    confirmed = api.post(
        confirm,
        {"deliveries": [{"order": "SO-1", "delivered_g": 0, "reason": "wrong grade delivered"}]},
    )
    assert moves_of(confirmed) == [
        ("in_transit", "hub", 60_000, "wrong grade delivered", "token:sari")
    ]
    assert api.balance(TULUNGREJO_A, DC) == 0
    assert api.balance(TULUNGREJO_A, HUB) == 60_000
    assert (confirmed["delivered"], confirmed["not_delivered"]) == ([], ["SO-1"])
    (order,) = api.get("/api/v1/orders", day=DAY.isoformat())
    assert order["status"] == "not_delivered"


@pytest.mark.parametrize("body", [None, {}, {"deliveries": []}])
def test_a_stop_confirmed_without_a_report_delivers_everything_loaded(
    api: PlanningApi, body: object
) -> None:
    carrots_for_the_dc(api)
    confirm = on_the_road(api)

    confirmed = api.post(confirm, body)
    assert moves_of(confirmed) == [
        ("in_transit", "partner/DC-RETAIL-1", 60_000, None, "token:sari")
    ]
    assert confirmed["short"] == []
    assert api.balance(TULUNGREJO_A, DC) == 60_000
    assert (confirmed["delivered"], confirmed["partly_delivered"]) == (["SO-1"], [])
    (order,) = api.get("/api/v1/orders", day=DAY.isoformat())
    assert order["status"] == "delivered"
    ((_, _, detail),) = audit_log(api.engine, "confirm_stop")
    assert set(detail) == {"delivered", "collected", "dispatches", "moves"}


def test_each_order_at_the_stop_says_how_much_of_it_the_partner_took(api: PlanningApi) -> None:
    for order_id in ("SO-1", "SO-2", "SO-3"):
        carrots_for_the_dc(api, order_id, kg="20")
    confirm = on_the_road(api)

    confirmed = api.post(
        confirm,
        {
            "deliveries": [
                {"order": "SO-2", "delivered_g": 12_500, "reason": "one crate bruised"},
                {"order": "SO-3", "delivered_g": 0, "reason": "ordered twice by mistake"},
            ]
        },
    )
    assert (
        confirmed["delivered"],
        confirmed["partly_delivered"],
        confirmed["not_delivered"],
    ) == (["SO-1"], ["SO-2"], ["SO-3"])
    orders = api.get("/api/v1/orders", day=DAY.isoformat())
    assert {o["id"]: o["status"] for o in orders} == {
        "SO-1": "delivered",
        "SO-2": "partly_delivered",
        "SO-3": "not_delivered",
    }
    assert api.balance(TULUNGREJO_A, DC) == 32_500
    assert api.balance(TULUNGREJO_A, HUB) == 27_500
    ((_, _, detail),) = audit_log(api.engine, "confirm_stop")
    assert (detail["delivered"], detail["partly_delivered"], detail["not_delivered"]) == (
        ["SO-1"],
        ["SO-2"],
        ["SO-3"],
    )


def test_a_report_that_does_not_fit_the_load_is_refused_and_moves_nothing(
    api: PlanningApi,
) -> None:
    carrots_for_the_dc(api)
    confirm = on_the_road(api)

    line = {"order": "SO-1", "delivered_g": 50_000, "reason": "short count"}
    for deliveries, field, said in (
        ([{**line, "delivered_g": 61_000}], "deliveries.0.delivered_g", "only 60000 g"),
        ([{**line, "reason": None}], "deliveries.0.reason", "say why"),
        ([{**line, "order": "ST-9"}], "deliveries.0.order", "was not loaded for this stop"),
        ([{**line, "lot": "L-PTN-1"}], "deliveries.0.lot", "names none of them"),
        ([line, {**line, "delivered_g": 40_000}], "deliveries.1.order", "reported twice"),
        ([{**line, "delivered_g": -1}], "deliveries.0.delivered_g", None),
        ([{**line, "reason": "  "}], "deliveries.0.reason", None),
        ([{**line, "reason": "x" * 65}], "deliveries.0.reason", None),
        ([{**line, "kg": 50}], "deliveries.0.kg", None),
    ):
        refused = api.client.post(confirm, json={"deliveries": deliveries})
        assert refused.status_code == 422, (deliveries, refused.text)
        error = refused.json()["error"]
        assert error["field"] == field, (deliveries, error)
        if said is not None:
            assert said in error["message"], error
    assert api.balance(TULUNGREJO_A, IN_TRANSIT) == 60_000
    assert audit_log(api.engine, "confirm_stop") == []

    confirmed = api.post(confirm, {"deliveries": [line]})
    assert [m["quantity_g"] for m in confirmed["moves"]] == [50_000, 10_000]


# ---- the rules on their own ----

LOADED = (
    LoadedLine("SO-7", StockKey("kdmp-punten", "wortel", "A", "L-PTN-2"), 19_000),
    LoadedLine("SO-7", StockKey("kdmp-punten", "wortel", "B", "L-PTN-2"), 18_500),
    LoadedLine("SO-7", StockKey("kdmp-tulungrejo", "wortel", "A", "L-TLG-1"), 30_000),
    LoadedLine("SO-8", StockKey("kdmp-tulungrejo", "wortel", "A", "L-TLG-1"), 10_000),
)


def test_unreported_lines_are_delivered_whole() -> None:
    assert handovers(LOADED, []) == [Handover(line, line.quantity_g) for line in LOADED]


def test_an_order_loaded_from_several_lots_needs_the_lot_and_grade_named() -> None:
    with pytest.raises(HandoverError, match="name the lot and grade") as lot_only:
        handovers(LOADED, [DoorReport("SO-7", 18_000, lot="L-PTN-2", reason="bruised")])
    assert (lot_only.value.index, lot_only.value.field) == (0, "lot")

    found = handovers(
        LOADED,
        [
            DoorReport("SO-8", 10_000),
            DoorReport("SO-7", 18_000, lot="L-PTN-2", grade="B", reason="bruised", damaged=True),
        ],
    )
    assert [(h.delivered_g, h.short_g, h.reason, h.damaged) for h in found] == [
        (19_000, 0, None, False),
        (18_000, 500, "bruised", True),
        (30_000, 0, None, False),
        (10_000, 0, None, False),
    ]


def test_a_line_delivered_in_full_keeps_no_reason_and_is_not_written_off() -> None:
    (found, *_) = handovers(
        LOADED, [DoorReport("SO-7", 19_000, lot="L-PTN-2", grade="A", reason="x", damaged=True)]
    )
    assert (found.short_g, found.reason, found.damaged) == (0, None, False)
