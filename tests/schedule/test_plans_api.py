"""Planning a day through the hub's API, on SQLite and PostgreSQL: orders in, a plan from the
hub's real stock (recalls apply), adjustments and re-planning, approval into trips, pick
lists, maps and delivery notes, and the stock moves of departing and confirming stops.

Every plan the API stores is decoded and re-checked by the independent checker against the
problem rebuilt from the same database.  Solves stop on iterations with a fixed seed.
"""

from __future__ import annotations

import csv
import io
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pypdfium2
import pytest
from plans_world import COMPANY_PREFIX, DAY, PlanningApi, planning_api
from sqlalchemy import Engine

from hub.auth.domain import Role
from hub.auth.store import AuthStore
from hub.domain.stock import HUB, IN_TRANSIT, StockKey, partner, station
from hub.schedule.check import check_plan
from hub.schedule.day import plan_day
from hub.schedule.setup import load_setup
from hub.services import distribution
from hub.services.planning_uow import SqlPlanningUnitOfWork

pytestmark = pytest.mark.pg

ITERATIONS = 300
PUNTEN = "BMJ-PUNTEN"
TULUNGREJO_A = StockKey("kdmp-tulungrejo", "wortel", "A", "L-TLG-1")
PARTNER_ORDER = {
    "kind": "partner",
    "id": "SO-1",
    "partner": "DC-RETAIL-1",
    "product": "wortel",
    "grade": "A",
    "quantity_kg": "70",
    "day": DAY.isoformat(),
    "window_from": "05:00",
    "window_to": "12:00",
    "priority": 2,
    "address": "Jl. Raya Karanglo 5, Malang",
}


class Api(PlanningApi):
    def plan(self, **extra: Any) -> Any:
        return self.post(
            "/api/v1/plans", {"day": DAY.isoformat(), "iterations": ITERATIONS, **extra}, lang="en"
        )


@pytest.fixture
def api(engine: Engine) -> Iterator[Api]:
    with planning_api(engine) as operator:
        yield Api(operator.engine, operator.client)


def enter_the_day(api: Api) -> None:
    api.post("/api/v1/orders", PARTNER_ORDER)
    for order_id, coop, staple, kg in (
        ("ST-1", "kdmp-sumberbrantas", "rice", "500"),
        ("ST-2", "kdmp-punten", "cooking_oil", "100"),
    ):
        api.post(
            "/api/v1/orders",
            {
                "kind": "staples",
                "id": order_id,
                "cooperative": coop,
                "staple": staple,
                "quantity_kg": kg,
                "day": DAY.isoformat(),
                "window_from": "07:00",
                "window_to": "15:00",
            },
        )


def checked(api: Api, plan_id: int) -> distribution.PlanView:
    """The stored plan, re-checked against the problem rebuilt from the database."""
    uow = SqlPlanningUnitOfWork(api.engine)
    view = distribution.plan_view(uow, plan_id)
    with uow:
        inputs = distribution.day_inputs(uow, view.stored.day)
    day = plan_day(inputs, load_setup(), fleet=view.fleet, locks=view.locks)
    assert check_plan(day.problem, view.plan) == []
    return view


def pdf_text(data: bytes) -> tuple[str, tuple[int, int]]:
    """The PDF's text and the pixel size of its first page rasterised at 72 dpi."""
    pdf = pypdfium2.PdfDocument(data)
    try:
        pages = [pdf[k] for k in range(len(pdf))]
        text = "\n".join(page.get_textpage().get_text_range() for page in pages)
        image = pages[0].render(scale=1).to_pil()
        return text, image.size
    finally:
        pdf.close()


def stops_of(plan: Any) -> dict[str, tuple[str, dict[str, Any]]]:
    """Place id → (vehicle, stop) for every stop the plan serves."""
    return {
        stop["place_id"]: (route["vehicle"], stop)
        for route in plan["routes"]
        for trip in route["trips"]
        for stop in trip["stops"]
    }


def test_a_day_is_planned_from_the_hubs_stock_and_never_allocates_a_recalled_lot(
    api: Api,
) -> None:
    enter_the_day(api)
    listed = api.get("/api/v1/orders", day=DAY.isoformat())
    assert [(o["id"], o["kind"], o["quantity_g"]) for o in listed] == [
        ("SO-1", "partner", 70_000),
        ("ST-1", "staples", 500_000),
        ("ST-2", "staples", 100_000),
    ]
    assert {o["created_by"] for o in listed} == {"token:sari"}

    plan = api.plan()
    assert plan["status"] == "draft" and plan["created_by"] == "token:sari"
    view = checked(api, plan["id"])
    assert api.get(f"/api/v1/plans/{plan['id']}", lang="en") == plan

    stops = stops_of(plan)
    assert set(stops) == {"DC-RETAIL-1", PUNTEN, "BMJ-SUMBERBRANTAS"}
    punten = stops[PUNTEN][1]
    assert punten["drop_g"] == 100_000
    assert punten["collect_crates"] == 2 and punten["collect_g"] == 37_500 + 2 * 1_800
    delivery = stops["DC-RETAIL-1"][1]["consignments"][0]
    picked = {lot["lot"]: lot["quantity_g"] for lot in delivery["lots"]}
    assert picked == {"L-TLG-1": 60_000}, "the recalled L-PTN-1 expires first, yet is not picked"
    assert plan["unserved"] == []
    (short,) = plan["shortfalls"]
    assert short["ref"] == "SO-1"
    assert short["reason"] == (
        "order SO-1: only 60 kg of grade A or better Wortel usable on 2026-11-25; 10 kg short "
        "(40 kg is recalled; 19 kg is not at the hub yet)"
    )
    assert view.plan.served() and not view.plan.unserved


def test_an_order_moved_to_tomorrow_leaves_todays_replan(api: Api) -> None:
    enter_the_day(api)
    plan = api.plan()
    assert "DC-RETAIL-1" in stops_of(plan)

    moved = api.post(f"/api/v1/plans/{plan['id']}/adjustments", {"kind": "move", "order": "SO-1"})
    assert moved["stale"] is True
    (adjustment,) = moved["adjustments"]
    assert adjustment["kind"] == "move" and adjustment["order"] == "SO-1"
    assert adjustment["to_day"] == (DAY + timedelta(days=1)).isoformat()
    assert adjustment["operator"] == "token:sari"
    refused = api.client.post(f"/api/v1/plans/{plan['id']}/approve")
    assert refused.status_code == 409 and "plan it again" in refused.json()["error"]["message"]

    again = api.post(f"/api/v1/plans/{plan['id']}/replan", lang="en")
    checked(api, plan["id"])
    assert again["stale"] is False
    assert "DC-RETAIL-1" not in stops_of(again)
    assert again["shortfalls"] == []
    tomorrow = api.get("/api/v1/orders", day=(DAY + timedelta(days=1)).isoformat())
    assert [(o["id"], o["window_from"], o["window_to"]) for o in tomorrow] == [
        ("SO-1", "05:00", "12:00")
    ]


def test_a_locked_stop_stays_on_its_vehicle_after_replanning(api: Api) -> None:
    enter_the_day(api)
    plan = api.plan()
    before = stops_of(plan)[PUNTEN][0]
    target = "CDD 2" if before != "CDD 2" else "CDE 3"
    kind, number = target.split()
    adjusted = api.post(
        f"/api/v1/plans/{plan['id']}/adjustments",
        {"kind": "lock", "stop": PUNTEN, "vehicle": kind, "vehicle_no": int(number)},
    )
    assert adjusted["locks"] == [{"stop": PUNTEN, "vehicle": kind, "vehicle_no": int(number)}]

    again = api.post(f"/api/v1/plans/{plan['id']}/replan", {"iterations": ITERATIONS})
    view = checked(api, plan["id"])
    assert stops_of(again)[PUNTEN][0] == target
    assert view.locks and view.plan.unserved == ()

    wrong = api.client.post(
        f"/api/v1/plans/{plan['id']}/adjustments",
        json={"kind": "lock", "stop": PUNTEN, "vehicle": "CDD", "vehicle_no": 9},
    )
    assert wrong.status_code == 422 and wrong.json()["error"]["field"] == "vehicle"


def test_an_impossible_stop_is_explained_in_words_and_left_out_of_the_plan(api: Api) -> None:
    api.post(
        "/api/v1/orders",
        {
            "kind": "staples",
            "id": "ST-BIG",
            "cooperative": "kdmp-tulungrejo",
            "staple": "rice",
            "quantity_kg": "6000",
            "day": DAY.isoformat(),
            "window_from": "07:00",
            "window_to": "15:00",
        },
    )
    api.post("/api/v1/orders", PARTNER_ORDER)
    plan = api.plan(vehicles={"PICKUP": 1})
    checked(api, plan["id"])
    reasons = {item["ref"]: item["reason"] for item in plan["unserved"]}
    assert reasons["ST-BIG"] == (
        "ST-BIG (Tulungrejo): 6,000 kg exceeds the largest vehicle (1,000 kg)"
    )
    assert "BMJ-TULUNGREJO" not in stops_of(plan)
    assert "DC-RETAIL-1" in stops_of(plan)
    indonesian = api.get(f"/api/v1/plans/{plan['id']}")["unserved"]
    assert "melebihi kendaraan terbesar" in indonesian[0]["reason"]


def test_an_approved_trip_departs_and_its_stops_move_the_stock_through_the_ledger(
    api: Api,
) -> None:
    enter_the_day(api)
    plan = api.post(f"/api/v1/plans/{api.plan()['id']}/approve", lang="en")
    assert plan["status"] == "approved" and plan["approved_by"] == "token:sari"
    trips = {
        stop["place_id"]: (trip["trip_id"], stop["no"])
        for route in plan["routes"]
        for trip in route["trips"]
        for stop in trip["stops"]
    }
    trip_id, partner_stop = trips["DC-RETAIL-1"]
    assert api.get("/api/v1/orders", day=DAY.isoformat())[0]["trip_id"] == trip_id

    lines = api.get(f"/api/v1/trips/{trip_id}/pick-list", lang="en")
    carrots = next(line for line in lines if line["ref"] == "SO-1")
    assert carrots["lots"][0]["lot"] == "L-TLG-1" and carrots["lots"][0]["quantity_g"] == 60_000
    sheet = api.client.get(f"/api/v1/trips/{trip_id}/pick-list", params={"format": "csv"})
    assert sheet.headers["content-type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(sheet.text)))
    assert {"ref": "SO-1", "lot": "L-TLG-1", "lot_g": "60000"}.items() <= next(
        row for row in rows if row["ref"] == "SO-1"
    ).items()

    svg = api.client.get(f"/api/v1/trips/{trip_id}/map.svg")
    assert svg.headers["content-type"].startswith("image/svg+xml")
    assert ET.fromstring(svg.text).tag == "{http://www.w3.org/2000/svg}svg"

    notes = api.client.get(f"/api/v1/trips/{trip_id}/delivery-notes.pdf")
    assert notes.headers["content-type"] == "application/pdf"
    text, size = pdf_text(notes.content)
    assert "SURAT JALAN" in text and "Supermarket DC" in text
    assert "L-TLG-1" in text and "Jl. Raya Karanglo 5, Malang" in text
    assert f"SSCC (00) 0{COMPANY_PREFIX}" in text
    assert "berat bersih 60 kg" in text
    assert size == (595, 842)

    assert api.balance(TULUNGREJO_A, HUB) == 60_000
    departed = api.post(f"/api/v1/trips/{trip_id}/depart")
    assert [(m["lot"], m["source"], m["destination"]) for m in departed["moves"]] == [
        ("L-TLG-1", "hub", "in_transit")
    ]
    assert api.client.post(f"/api/v1/trips/{trip_id}/depart").status_code == 409
    assert api.balance(TULUNGREJO_A, HUB) == 0
    assert api.balance(TULUNGREJO_A, IN_TRANSIT) == 60_000

    api.post(f"/api/v1/trips/{trip_id}/stops/{partner_stop}/confirm")
    assert api.balance(TULUNGREJO_A, IN_TRANSIT) == 0
    assert api.balance(TULUNGREJO_A, partner("DC-RETAIL-1")) == 60_000
    again = api.client.post(f"/api/v1/trips/{trip_id}/stops/{partner_stop}/confirm")
    assert again.status_code == 409

    village_trip, village_stop = trips[PUNTEN]
    if village_trip != trip_id:
        api.post(f"/api/v1/trips/{village_trip}/depart")
    punten_a = StockKey("kdmp-punten", "wortel", "A", "L-PTN-2")
    assert api.balance(punten_a, station("punten-1")) == 19_000
    collected = api.post(f"/api/v1/trips/{village_trip}/stops/{village_stop}/confirm")
    assert collected["dispatches"] == ["DSP-L-PTN-2"]
    assert api.balance(punten_a, station("punten-1")) == 0
    assert api.balance(punten_a, IN_TRANSIT) == 19_000
    received = api.post("/api/v1/receipts", {"dispatch": "DSP-L-PTN-2"})
    assert received[0]["hub_net_g"] == 37_500
    assert api.balance(punten_a, HUB) == 19_000
    assert api.get("/api/v1/orders", day=DAY.isoformat())[0]["status"] == "delivered"


CSV_HEADER = (
    "order_id,partner_id,partner_name,lat,lon,product,grade,quantity,unit,delivery_date,"
    "window_from,window_to,priority,address"
)


def test_a_csv_file_of_orders_is_imported_whole_or_not_at_all_with_every_bad_line_named(
    api: Api,
) -> None:
    day = DAY.isoformat()
    good = (
        f"{CSV_HEADER}\n"
        f"SO-10,SALAD-1,Salad producer,-7.92,112.6,wortel,B,12.5,kg,{day},05:00,09:00,1,\n"
        f"SO-11,DC-9,Gudang Baru,-7.96,112.63,wortel,A,3,crate,{day},06:00,10:00,,Jl. Baru 9\n"
    )
    imported = api.import_csv(good, "orders.csv")
    assert imported.status_code == 201, imported.text
    assert [(o["id"], o["quantity_g"], o["unit"]) for o in imported.json()["orders"]] == [
        ("SO-10", 12_500, "g"),
        ("SO-11", 60_000, "crate"),
    ]

    bad = (
        f"{CSV_HEADER}\n"
        f"SO-20,DC-9,Gudang Baru,-7.96,112.63,wortel,A,2,kg,{day},06:00,10:00,,\n"
        f"SO-10,DC-9,Gudang Baru,-7.96,112.63,wortel,A,2,kg,{day},06:00,10:00,,\n"
        f"SO-21,DC-9,Gudang Baru,-7.96,112.63,wortel,Z,2,kg,{day},06:00,10:00,,\n"
        f"SO-22,DC-9,Gudang Baru,-7.96,112.63,semangka,A,2,kg,{day},10:00,06:00,,\n"
    )
    refused = api.import_csv(bad, "orders.csv")
    assert refused.status_code == 422
    body = refused.json()
    assert body["error"]["code"] == "invalid_file" and body["error"]["field"] == "file"
    found = [(p["line"], p["column"]) for p in body["problems"]]
    assert found == [(3, "order_id"), (4, "grade"), (5, "product"), (5, "window_to")]
    assert body["problems"][0]["message"] == "order SO-10 already exists at the hub"
    listed = {o["id"] for o in api.get("/api/v1/orders", day=day)}
    assert listed == {"SO-10", "SO-11"}, "nothing of the bad file went in"


def test_an_order_the_hub_could_not_plan_is_refused_with_its_field(api: Api) -> None:
    wrong = [
        ({**PARTNER_ORDER, "product": "semangka"}, 422, "product"),
        ({**PARTNER_ORDER, "grade": "Z"}, 422, "grade"),
        ({**PARTNER_ORDER, "partner": "DC-UNKNOWN"}, 422, "lat"),
        ({**PARTNER_ORDER, "crates": 3}, 422, None),
        ({**PARTNER_ORDER, "window_to": "04:00"}, 422, None),
        ({**PARTNER_ORDER, "day": "0001-01-01"}, 422, "partner.day"),
        (
            {
                "kind": "staples",
                "id": "ST-9",
                "cooperative": "kdmp-atlantis",
                "staple": "rice",
                "quantity_kg": "1",
                "day": DAY.isoformat(),
                "window_from": "07:00",
                "window_to": "15:00",
            },
            422,
            "cooperative",
        ),
    ]
    for body, status, field in wrong:
        response = api.client.post("/api/v1/orders", json=body)
        assert response.status_code == status, (body, response.text)
        if field is not None:
            assert response.json()["error"]["field"] == field, response.text
    api.post("/api/v1/orders", PARTNER_ORDER)
    again = api.client.post("/api/v1/orders", json=PARTNER_ORDER)
    assert again.status_code == 409


def test_a_lot_recalled_after_approval_does_not_leave_the_hub(api: Api) -> None:
    enter_the_day(api)
    plan = api.post(f"/api/v1/plans/{api.plan()['id']}/approve")
    trip_id = next(
        trip["trip_id"]
        for route in plan["routes"]
        for trip in route["trips"]
        if any(stop["place_id"] == "DC-RETAIL-1" for stop in trip["stops"])
    )
    admin, _ = AuthStore(api.engine).create_token(name="admin", role=Role.ADMIN, actor="test")
    recalled = api.client.post(
        "/api/v1/recalls",
        json={"lot": "L-TLG-1", "reason": "foreign matter in a crate"},
        headers={"Authorization": f"Bearer {admin}"},
    )
    assert recalled.status_code == 201, recalled.text
    refused = api.client.post(f"/api/v1/trips/{trip_id}/depart")
    assert refused.status_code == 409
    assert refused.json()["error"]["code"] == "stock_blocked"
    assert api.balance(TULUNGREJO_A, HUB) == 60_000
