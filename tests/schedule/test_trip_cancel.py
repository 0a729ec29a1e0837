"""Cancelling an approved trip through the hub's API, on SQLite and PostgreSQL.

The day of ``plans_world``: a partner order for carrots (served from lot ``L-TLG-1`` at the
hub, whose cooperative has a GS1 prefix, so its pallet has an SSCC), cooking oil for Punten,
and Punten's lot ``L-PTN-2`` waiting to be picked up.  A cancelled trip gives all of that back
to the next plan; a trip on the road cannot be cancelled.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pypdfium2
import pytest
from plans_world import DAY, PlanningApi, audit_log, planning_api
from sqlalchemy import Engine

from hub.domain.stock import HUB, IN_TRANSIT, StockKey

pytestmark = pytest.mark.pg

ITERATIONS = 300
PUNTEN = "BMJ-PUNTEN"
TULUNGREJO_A = StockKey("kdmp-tulungrejo", "wortel", "A", "L-TLG-1")
REASON = "the CDE's clutch failed at loading"


@pytest.fixture
def api(engine: Engine) -> Iterator[PlanningApi]:
    with planning_api(engine) as api:
        yield api


def enter_the_day(api: PlanningApi) -> None:
    window = {"day": DAY.isoformat(), "window_from": "05:00", "window_to": "15:00"}
    api.post(
        "/api/v1/orders",
        {
            "kind": "partner",
            "id": "SO-1",
            "partner": "DC-RETAIL-1",
            "product": "wortel",
            "grade": "A",
            "quantity_kg": "60",
            **window,
        },
    )
    api.post(
        "/api/v1/orders",
        {
            "kind": "staples",
            "id": "ST-2",
            "cooperative": "kdmp-punten",
            "staple": "cooking_oil",
            "quantity_kg": "100",
            **window,
        },
    )


def approved_plan(api: PlanningApi) -> Any:
    plan = api.post("/api/v1/plans", {"day": DAY.isoformat(), "iterations": ITERATIONS})
    return api.post(f"/api/v1/plans/{plan['id']}/approve", lang="en")


def trips_by_place(plan: Any) -> dict[str, str]:
    """Place id → the approved trip that stops there."""
    return {
        stop["place_id"]: trip["trip_id"]
        for route in plan["routes"]
        for trip in route["trips"]
        for stop in trip["stops"]
    }


def picked_lots(plan: Any, place: str) -> dict[str, int]:
    return {
        lot["lot"]: lot["quantity_g"]
        for route in plan["routes"]
        for trip in route["trips"]
        for stop in trip["stops"]
        if stop["place_id"] == place
        for item in stop["consignments"]
        for lot in item["lots"]
    }


def orders_of_the_day(api: PlanningApi) -> dict[str, tuple[str, str | None]]:
    return {o["id"]: (o["status"], o["trip_id"]) for o in api.get("/api/v1/orders", day=DAY)}


def delivery_note_text(api: PlanningApi, trip_id: str) -> str:
    response = api.client.get(f"/api/v1/trips/{trip_id}/delivery-notes.pdf")
    assert response.status_code == 200, response.text
    pdf = pypdfium2.PdfDocument(response.content)
    try:
        return "\n".join(pdf[k].get_textpage().get_text_range() for k in range(len(pdf)))
    finally:
        pdf.close()


def test_a_cancelled_trip_gives_its_orders_stock_and_pickup_back_to_the_next_plan(
    api: PlanningApi,
) -> None:
    enter_the_day(api)
    first = approved_plan(api)
    trips = trips_by_place(first)
    assert picked_lots(first, "DC-RETAIL-1") == {"L-TLG-1": 60_000}
    assert orders_of_the_day(api)["SO-1"] == ("planned", trips["DC-RETAIL-1"])

    cancellations = [
        api.post(f"/api/v1/trips/{trip_id}/cancel", {"reason": REASON})
        for trip_id in sorted(set(trips.values()))
    ]
    assert {c["status"] for c in cancellations} == {"cancelled"}
    assert {c["cancelled_by"] for c in cancellations} == {"token:sari"}
    assert sorted(o for c in cancellations for o in c["reopened"]) == ["SO-1", "ST-2"]
    retired = [sscc for c in cancellations for sscc in c["ssccs"]]
    assert len(retired) == 1 and retired[0].startswith("08995555")
    assert orders_of_the_day(api) == {"SO-1": ("open", None), "ST-2": ("open", None)}
    for trip_id in set(trips.values()):
        assert api.get(f"/api/v1/trips/{trip_id}")["status"] == "cancelled"
    assert api.balance(TULUNGREJO_A, HUB) == 60_000, "nothing left the hub"

    entries = audit_log(api.engine, "cancel_trip")
    assert sorted(subject for _, subject, _ in entries) == sorted(set(trips.values()))
    assert {actor for actor, _, _ in entries} == {"token:sari"}
    assert {detail["reason"] for _, _, detail in entries} == {REASON}
    assert sorted(o for _, _, detail in entries for o in detail["orders"]) == ["SO-1", "ST-2"]

    second = approved_plan(api)
    again = trips_by_place(second)
    assert set(again) == {"DC-RETAIL-1", PUNTEN}
    assert picked_lots(second, "DC-RETAIL-1") == {"L-TLG-1": 60_000}, "the lot is free again"
    punten = next(
        stop
        for route in second["routes"]
        for trip in route["trips"]
        for stop in trip["stops"]
        if stop["place_id"] == PUNTEN
    )
    assert punten["collect_crates"] == 2, "L-PTN-2 is picked up by the new plan"
    assert not set(again.values()) & set(trips.values())
    assert orders_of_the_day(api)["SO-1"] == ("planned", again["DC-RETAIL-1"])

    note = delivery_note_text(api, again["DC-RETAIL-1"])
    assert "SSCC (00) 08995555" in note
    assert retired[0] not in note, "an SSCC of the cancelled trip is never issued again"
    assert retired[0] in delivery_note_text(api, trips["DC-RETAIL-1"])


def test_a_cancelled_trip_cannot_depart_or_be_cancelled_again(api: PlanningApi) -> None:
    enter_the_day(api)
    trip_id = trips_by_place(approved_plan(api))["DC-RETAIL-1"]
    api.post(f"/api/v1/trips/{trip_id}/cancel", {"reason": REASON})

    departing = api.client.post(f"/api/v1/trips/{trip_id}/depart")
    assert departing.status_code == 409
    assert (
        departing.json()["error"]["message"] == f"trip {trip_id} was cancelled; it does not depart"
    )
    again = api.client.post(f"/api/v1/trips/{trip_id}/cancel", json={"reason": REASON})
    assert again.status_code == 409
    assert again.json()["error"]["message"] == f"trip {trip_id} is already cancelled"
    assert api.balance(TULUNGREJO_A, HUB) == 60_000
    assert len(audit_log(api.engine, "cancel_trip")) == 1


def test_a_trip_that_has_departed_cannot_be_cancelled(api: PlanningApi) -> None:
    enter_the_day(api)
    trip_id = trips_by_place(approved_plan(api))["DC-RETAIL-1"]
    api.post(f"/api/v1/trips/{trip_id}/depart")

    refused = api.client.post(f"/api/v1/trips/{trip_id}/cancel", json={"reason": REASON})
    assert refused.status_code == 409
    error = refused.json()["error"]
    assert error["code"] == "conflict"
    assert error["message"] == (
        f"trip {trip_id} has departed; a trip on the road cannot be cancelled, "
        "confirm its stops instead"
    )
    assert api.get(f"/api/v1/trips/{trip_id}")["status"] == "departed"
    assert orders_of_the_day(api)["SO-1"] == ("in_transit", trip_id)
    assert api.balance(TULUNGREJO_A, IN_TRANSIT) == 60_000
    assert audit_log(api.engine, "cancel_trip") == []


def test_a_cancellation_needs_a_reason_and_a_trip_that_exists(api: PlanningApi) -> None:
    enter_the_day(api)
    trip_id = trips_by_place(approved_plan(api))["DC-RETAIL-1"]
    for body, field in (
        (None, None),
        ({}, "reason"),
        ({"reason": ""}, "reason"),
        ({"reason": "   "}, "reason"),
        ({"reason": REASON, "by": "sari"}, "by"),
    ):
        refused = api.client.post(f"/api/v1/trips/{trip_id}/cancel", json=body)
        assert refused.status_code == 422, (body, refused.text)
        assert refused.json()["error"]["field"] == field, body
    assert api.get(f"/api/v1/trips/{trip_id}")["status"] == "planned"

    unknown = api.client.post("/api/v1/trips/T999-CDE1-1/cancel", json={"reason": REASON})
    assert unknown.status_code == 404
    assert unknown.json()["error"]["field"] == "trip_id"
