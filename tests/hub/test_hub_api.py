"""The hub's core on SQLite and PostgreSQL, through the JSON API: projection, dispatch,
receipt, FEFO and picking, trace from every kind of label code, recall, statements,
performance, shrinkage and EPCIS."""

from __future__ import annotations

import csv
import io
import threading
import time
from collections.abc import Iterator
from datetime import timedelta
from urllib.parse import quote

import httpx
import pytest
import uvicorn
from epcis_check import check_document
from hub_world import APEL_B, COOP, OTHER_STATION, STATION, T0, Script, setup_world, store
from sqlalchemy import Engine, func, insert, select

from hub.api.app import create_app
from hub.auth.domain import Role
from hub.auth.store import AuthStore
from hub.broker import free_port
from hub.db.models import AuditEntry, StationStatusHistory, StockMoveRow, WeighingRow
from hub.domain.stock import balances
from hub.domain.trace import OrderRecord, TripRecord
from hub.services.projection import project_pending, project_station
from hub.services.unit_of_work import SqlAlchemyUnitOfWork

LOT = "BTU-2611-A1"
GTIN = "18995555000010"
DAY = {"from": "2026-11-24T00:00:00+07:00", "to": "2026-11-25T00:00:00+07:00"}


@pytest.fixture
def world(engine: Engine) -> SqlAlchemyUnitOfWork:
    uow = setup_world(engine)
    script = Script()
    script.weigh("KRT-1", 12_000)
    script.weigh("KRT-2", 10_000, member="AGT-002")
    wrong = script.weigh("KRT-3", 5_000)
    script.void(wrong)
    script.weigh("KRT-3", 5_500, product=APEL_B)
    script.close_lot(LOT, ["KRT-1", "KRT-2", "KRT-3"], 27_500)
    script.weigh("KRT-4", 9_000, member="AGT-003")
    store(engine, script.events)
    project_pending(uow)
    with uow:
        uow.orders.add_trip(
            TripRecord("TRIP-1", "L300 N 1234 AB", T0.date(), ({"order": "ORD-1"},))
        )
        uow.orders.add_order(
            OrderRecord(
                "ORD-1",
                "superindo-malang",
                "apel",
                "A",
                20_000,
                T0,
                T0 + timedelta(days=1),
                "planned",
                "TRIP-1",
            )
        )
        uow.commit()
    return uow


@pytest.fixture
def api(engine: Engine, world: SqlAlchemyUnitOfWork) -> Iterator[httpx.Client]:
    """The hub's web application served by uvicorn on a free port, and a client for it."""
    port = free_port()
    server = uvicorn.Server(
        uvicorn.Config(create_app(engine), host="127.0.0.1", port=port, log_level="warning")
    )
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started:
        assert time.monotonic() < deadline, "uvicorn did not start"
        time.sleep(0.01)
    token, _ = AuthStore(engine).create_token(name="sari", role=Role.ADMIN, actor="test")
    headers = {"Authorization": f"Bearer {token}"}
    with httpx.Client(base_url=f"http://127.0.0.1:{port}", headers=headers, timeout=30) as client:
        yield client
    server.should_exit = True
    thread.join(10)


def ship_and_receive(api: httpx.Client) -> dict[str, object]:
    sent = api.post(
        "/api/v1/dispatches",
        json={
            "lots": [LOT],
            "departed_at": "2026-11-24T10:00:00+07:00",
            "due_at": "2026-11-24T12:00:00+07:00",
            "vehicle": "N 1234 AB",
        },
    )
    assert sent.status_code == 201, sent.text
    received = api.post(
        "/api/v1/receipts",
        json={
            "dispatch": sent.json()["code"],
            "received_at": "2026-11-24T11:30:00+07:00",
            "crates": [{"crate": "KRT-1", "hub_net_g": 11_800}],
        },
    )
    assert received.status_code == 201, received.text
    dispatch: dict[str, object] = sent.json()
    return dispatch


def test_the_ledger_in_the_database_agrees_with_the_domain_rules(
    engine: Engine, world: SqlAlchemyUnitOfWork, api: httpx.Client
) -> None:
    ship_and_receive(api)
    with world:
        derived = world.moves.balances()
    with engine.connect() as connection:
        rows = connection.execute(select(StockMoveRow)).all()
    from hub.db.repositories import move_from_row

    moves = [move_from_row(row) for row in rows]
    physical = {k: g for k, g in balances(moves).items() if k[1].physical}
    assert derived == physical
    assert all(grams >= 0 for grams in derived.values())


def test_a_dispatch_received_at_the_hub_is_fefo_stock_with_its_shrinkage(
    api: httpx.Client,
) -> None:
    dispatch = ship_and_receive(api)
    assert dispatch["sscc"] == "089955550000000013"
    hub = api.get("/api/v1/stock", params={"location": "hub"}).json()
    assert [(x["product"], x["grade"], x["quantity_g"], x["best_before"]) for x in hub] == [
        ("apel", "A", 21_800, "2026-12-08"),
        ("apel", "B", 5_500, "2026-12-08"),
    ]
    assert all(x["offered"] and not x["recalled"] for x in hub)
    shrink = api.get("/api/v1/shrinkage", params=DAY).json()
    assert [(x["product"], x["shrinkage_g"], x["shrinkage_pct"], x["day"]) for x in shrink] == [
        ("apel", 200, "0.91", "2026-11-24"),
        ("apel", 0, "0.00", "2026-11-24"),
    ]
    candidates = api.get("/api/v1/dispatches/candidates").json()
    assert candidates == []


@pytest.mark.parametrize(
    ("code", "matched"),
    [
        (LOT, "lot"),
        (f"(01){GTIN}(10){LOT}", "lot"),
        (f"]C101{GTIN}13261124\x1d10{LOT}", "lot"),
        (f"https://id.gs1.org/01/{GTIN}/10/{LOT}?13=261124", "lot"),
        ("089955550000000013", "sscc"),
        ("(00)089955550000000013", "sscc"),
        (f"DSP-{LOT}", "dispatch"),
        ("KRT-2", "crate"),
    ],
)
def test_any_label_code_traces_back_to_the_farmers_and_forward_to_the_partner(
    api: httpx.Client, code: str, matched: str
) -> None:
    ship_and_receive(api)
    picked = api.post(
        "/api/v1/picks",
        json={"order_id": "ORD-1", "lot": LOT, "quantity_g": 6_000},
    )
    assert picked.status_code == 201, picked.text
    found = api.get(f"/api/v1/trace/{quote(code, safe='')}")
    assert found.status_code == 200, found.text
    body = found.json()
    assert body["matched"] == matched
    weighings = body["backward"]["weighings"]
    if matched == "crate":
        assert [(w["crate"], w["member"]) for w in weighings] == [("KRT-2", "AGT-002")]
        (receipt,) = body["forward"]["receipts"]
        assert [line["hub_net_g"] for line in receipt["lines"]] == [10_000]
    else:
        assert [w["crate"] for w in weighings] == ["KRT-1", "KRT-2", "KRT-3"]
        assert [m["name"] for m in body["backward"]["members"]] == ["Ibu Sulastri", "Pak Wahyudi"]
        assert body["backward"]["net_g"] == 27_500
        (receipt,) = body["forward"]["receipts"]
        assert [line["shrinkage_g"] for line in receipt["lines"]] == [200, 0, 0]
    assert weighings[0]["raw_weight"] and weighings[0]["stable"] is True
    assert [s["id"] for s in body["backward"]["stations"]] == [STATION]
    assert body["forward"]["partners"] == ["superindo-malang"]
    assert [o["id"] for o in body["forward"]["orders"]] == ["ORD-1"]
    assert [t["id"] for t in body["forward"]["trips"]] == ["TRIP-1"]


def test_an_unknown_code_is_a_404_with_the_error_body(api: httpx.Client) -> None:
    response = api.get("/api/v1/trace/KRT-404")
    assert response.status_code == 404
    assert response.json() == {
        "error": {
            "code": "unknown_code",
            "message": "no crate, lot, dispatch or SSCC answers to 'KRT-404'",
            "field": None,
        }
    }


def test_a_recall_blocks_picking_of_everything_downstream_until_released(
    engine: Engine, api: httpx.Client
) -> None:
    ship_and_receive(api)
    made = api.post(
        "/api/v1/recalls",
        json={
            "station": STATION,
            "from": "2026-11-24T08:00:45+07:00",
            "to": "2026-11-24T08:02:00+07:00",
            "reason": "residu pestisida",
        },
    )
    assert made.status_code == 201, made.text
    recall = made.json()
    assert recall["active"] and recall["members"] == ["AGT-002"]
    assert [lot["id"] for lot in recall["downstream"]["lots"]] == [LOT]
    assert {(x["location"], x["recalled"]) for x in recall["stock"]} == {("hub", True)}
    blocked = api.post(
        "/api/v1/picks",
        json={"order_id": "ORD-1", "lot": LOT, "quantity_g": 1_000},
    )
    assert blocked.status_code == 409
    assert blocked.json()["error"]["code"] == "stock_blocked"
    offered = api.get("/api/v1/stock", params={"offered_only": True}).json()
    assert offered == []
    released = api.post(f"/api/v1/recalls/{recall['id']}/release")
    assert released.status_code == 200 and released.json()["active"] is False
    again = api.post(f"/api/v1/recalls/{recall['id']}/release")
    assert again.status_code == 409
    picked = api.post(
        "/api/v1/picks",
        json={"order_id": "ORD-1", "lot": LOT, "quantity_g": 1_000},
    )
    assert picked.status_code == 201
    with engine.connect() as connection:
        actions = connection.execute(select(AuditEntry.action).order_by(AuditEntry.id)).scalars()
        assert [a for a in actions if a.startswith(("rec", "pick"))][-3:] == [
            "recall",
            "recall_release",
            "pick",
        ]


def test_a_member_statement_counts_kilograms_after_voids_as_json_and_csv(api: httpx.Client) -> None:
    body = api.get("/api/v1/members/AGT-001/statement", params=DAY).json()
    assert [(x["product"], x["grade"], x["crates"], x["net_kg"]) for x in body["lines"]] == [
        ("apel", "A", 1, "12.000"),
        ("apel", "B", 1, "5.500"),
    ]
    assert (body["net_g"], body["net_kg"]) == (17_500, "17.500")
    response = api.get("/api/v1/members/AGT-001/statement", params={**DAY, "format": "csv"})
    assert response.headers["content-type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(response.text)))
    assert [(r["product"], r["grade"], r["net_g"]) for r in rows] == [
        ("apel", "A", "12000"),
        ("apel", "B", "5500"),
        ("TOTAL", "", "17500"),
    ]
    missing = api.get("/api/v1/members/AGT-999/statement", params=DAY)
    assert missing.status_code == 404 and missing.json()["error"]["field"] == "member"


def test_village_performance_reports_kilograms_shrinkage_punctuality_and_uptime(
    engine: Engine, api: httpx.Client
) -> None:
    ship_and_receive(api)
    with engine.begin() as connection:
        connection.execute(
            insert(StationStatusHistory),
            [
                {
                    "station_id": STATION,
                    "at": T0 + timedelta(minutes=m),
                    "online": True,
                    "backlog": b,
                    "clock_synced": True,
                }
                for m, b in ((0, 5), (1, 3), (2, 0))
            ]
            + [
                {
                    "station_id": STATION,
                    "at": T0 + timedelta(minutes=3),
                    "online": False,
                    "backlog": 0,
                    "clock_synced": True,
                }
            ],
        )
    body = api.get(f"/api/v1/cooperatives/{COOP}/performance", params=DAY).json()
    assert body["net_g"] == 12_000 + 10_000 + 5_500 + 9_000
    assert [(x["product"], x["grade"], x["crates"]) for x in body["delivered"]] == [
        ("apel", "A", 3),
        ("apel", "B", 1),
    ]
    assert [(x["shrinkage_g"], x["crates"]) for x in body["shrinkage"]] == [(200, 2), (0, 1)]
    assert body["dispatches"]["on_time"] == 1 and body["dispatches"]["on_time_pct"] == "100.00"
    punten = {s["station"]: s for s in body["stations"]}
    assert punten[STATION]["online_s"] == 180 and punten[STATION]["max_backlog"] == 5
    assert punten[OTHER_STATION]["online_s"] == 0


def test_the_epcis_export_is_structurally_valid_epcis_2_in_kilograms(api: httpx.Client) -> None:
    ship_and_receive(api)
    response = api.get("/api/v1/epcis", params=DAY)
    assert response.headers["content-type"].startswith("application/ld+json")
    document = response.json()
    assert check_document(document) == []
    events = document["epcisBody"]["eventList"]
    steps = [(e["type"], e.get("bizStep")) for e in events]
    assert steps.count(("ObjectEvent", "commissioning")) == 4, "the voided weighing is left out"
    assert ("AggregationEvent", "packing") in steps
    assert ("ObjectEvent", "shipping") in steps and ("ObjectEvent", "receiving") in steps
    quantities = [q for e in events for q in e.get("quantityList", [])]
    assert {q["uom"] for q in quantities} == {"KGM"}
    assert {
        "epcClass": f"https://id.gs1.org/01/{GTIN}/10/{LOT}",
        "quantity": 12.0,
        "uom": "KGM",
    } in quantities
    again = api.get("/api/v1/epcis", params=DAY).json()
    assert [e["eventID"] for e in again["epcisBody"]["eventList"]] == [e["eventID"] for e in events]


def test_bad_requests_name_the_field_at_fault(api: httpx.Client) -> None:
    response = api.get("/api/v1/members/AGT-001/statement", params={"from": "yesterday"})
    assert response.status_code == 422
    assert response.json()["error"]["code"] == "invalid_request"
    backwards = api.get("/api/v1/shrinkage", params={"from": DAY["to"], "to": DAY["from"]})
    assert backwards.status_code == 409 and backwards.json()["error"]["field"] == "to"
    nothing = api.post("/api/v1/dispatches", json={"lots": ["NOPE"]})
    assert nothing.status_code == 404 and nothing.json()["error"]["field"] == "lots"
    nul = api.post("/api/v1/dispatches", json={"lots": [LOT], "vehicle": "N 1\x00"})
    assert nul.status_code == 422 and nul.json()["error"]["field"] == "vehicle"
    year_one = api.get("/api/v1/shrinkage", params={"from": "0001-01-01T00:00:00+07:00"})
    assert year_one.status_code == 422 and year_one.json()["error"]["field"] == "from"
    beyond_bigint = api.get(f"/api/v1/recalls/{2**64}")
    assert beyond_bigint.status_code == 422
    assert beyond_bigint.json()["error"]["field"] == "recall_id"
    not_gs1 = api.get(f"/api/v1/trace/{quote('(01)apel', safe='')}")
    assert not_gs1.status_code == 404 and not_gs1.json()["error"]["code"] == "unknown_code"


def test_an_adjustment_and_a_write_off_are_moves_with_reason_and_operator(
    engine: Engine, api: httpx.Client
) -> None:
    ship_and_receive(api)
    key = {"coop": COOP, "product": "apel", "grade": "A", "lot": LOT, "location": "hub"}
    short = api.post(
        "/api/v1/stock/adjustments",
        json={**key, "delta_g": -300, "reason": "stock count"},
    )
    assert short.status_code == 201 and short.json()["destination"] == "loss"
    spoiled = api.post(
        "/api/v1/stock/write-offs",
        json={**key, "quantity_g": 500, "reason": "busuk"},
    )
    assert spoiled.status_code == 201
    assert short.json()["operator"] == spoiled.json()["operator"] == "token:sari"
    too_much = api.post(
        "/api/v1/stock/write-offs",
        json={**key, "quantity_g": 10**9, "reason": "busuk"},
    )
    assert too_much.status_code == 201, "a write-off records its reason, so it may overdraw"
    hub = {x["grade"]: x["quantity_g"] for x in api.get("/api/v1/stock").json()}
    assert hub["A"] == 21_800 - 300 - 500 - 10**9
    with engine.connect() as connection:
        audited = connection.execute(
            select(func.count()).where(AuditEntry.action.in_(["adjust", "write_off"]))
        ).scalar_one()
    assert audited == 3


def test_two_projectors_at_once_project_each_event_once(engine: Engine) -> None:
    setup_world(engine)
    script = Script()
    for n in range(300):
        script.weigh(f"KRT-{n}", 1_000 + n)
    store(engine, script.events)
    errors: list[BaseException] = []

    def run() -> None:
        try:
            while project_station(SqlAlchemyUnitOfWork(engine), STATION, limit=50).events:
                pass
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=run) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert errors == []
    with engine.connect() as connection:
        assert connection.execute(select(func.count()).select_from(WeighingRow)).scalar_one() == 300
        moved = connection.execute(select(func.sum(StockMoveRow.quantity_g))).scalar_one()
    assert moved == sum(1_000 + n for n in range(300))
