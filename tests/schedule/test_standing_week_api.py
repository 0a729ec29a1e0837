"""The standing weekly plan through the hub's API, on SQLite and PostgreSQL: shown as the
settings file gives it, and turned into a week's orders once, whatever the number of posts.

The settings are the packaged Kota Batu file (``hub/schedule/data/batu.json``): two partners
with five standing lines, and rice, cooking oil and sugar for 24 cooperatives in two drops a
week.  Week 2026-W48 runs from Monday 23 to Sunday 29 November 2026.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from datetime import date

import pytest
from fastapi import FastAPI
from plans_world import T0, PlanningApi, audit_log, planning_api
from sqlalchemy import Engine

from hub.auth.domain import Role
from hub.auth.store import AuthStore
from hub.domain.catalog import ProductRecord
from hub.schedule.orders import StandingPlan
from hub.schedule.setup import load_setup
from hub.services.stock import register_catalog
from hub.services.unit_of_work import SqlAlchemyUnitOfWork

pytestmark = pytest.mark.pg

WEEK = "2026-W48"
MONDAY, WEDNESDAY = date(2026, 11, 23), date(2026, 11, 25)
PARTNER_ORDERS = 3 * 3 + 2 * 6
"""Three supermarket lines on Monday, Wednesday and Friday; two salad lines Monday to Saturday."""
STAPLE_DELIVERIES = 24 * 3 * 2
"""Every cooperative, three staples, two drops."""
WEEKS_ORDERS = PARTNER_ORDERS + STAPLE_DELIVERIES


@pytest.fixture
def api(engine: Engine) -> Iterator[PlanningApi]:
    with planning_api(engine) as api:
        yield api


def stock_the_catalogue(engine: Engine) -> None:
    """The products of the standing lines besides the world's carrots, as the hub names them."""
    register_catalog(
        SqlAlchemyUnitOfWork(engine),
        at=T0,
        products=[
            ProductRecord("kentang", "Kentang", 30),
            ProductRecord("apel", "Apel", 14),
            ProductRecord("selada", "Selada", 5),
            ProductRecord("tomat", "Tomat", 7),
        ],
    )


def test_the_standing_week_is_shown_as_the_settings_file_gives_it(api: PlanningApi) -> None:
    viewer, _ = AuthStore(api.engine).create_token(name="budi", role=Role.VIEWER, actor="test")
    response = api.client.get(
        "/api/v1/standing-week", headers={"Authorization": f"Bearer {viewer}"}
    )
    assert response.status_code == 200, response.text
    standing = response.json()

    assert [line["line"] for line in standing["orders"]] == [
        "DC1-WORTEL-A",
        "DC1-KENTANG-B",
        "DC1-APEL-A",
        "SALAD1-SELADA-A",
        "SALAD1-TOMAT-B",
    ]
    assert standing["orders"][0] == {
        "line": "DC1-WORTEL-A",
        "partner": "DC-RETAIL-1",
        "partner_name": "Supermarket DC (hypothetical)",
        "product": "WORTEL",
        "grade": "A",
        "unit": "crate",
        "quantity": 40,
        "days": ["MON", "WED", "FRI"],
        "window_from": "03:00",
        "window_to": "07:00",
        "priority": 2,
    }
    assert len(standing["staples"]) == 24 * 3
    punten_rice = next(
        s
        for s in standing["staples"]
        if s["cooperative"] == "kdmp-punten" and s["staple"] == "rice"
    )
    assert punten_rice == {
        "cooperative": "kdmp-punten",
        "place_id": "BMJ-PUNTEN",
        "place": "Punten",
        "staple": "rice",
        "weekly_g": 2_000_000,
        "weekly_kg": "2000.000",
        "days": ["WED", "SAT"],
        "window_from": "07:00",
        "window_to": "15:00",
    }
    assert len(standing["pickups"]) == 24
    punten_pickup = next(p for p in standing["pickups"] if p["place_id"] == "BMJ-PUNTEN")
    assert (punten_pickup["crates"], punten_pickup["gross_g"], punten_pickup["days"]) == (
        40,
        872_000,
        ["MON", "TUE", "WED", "THU", "FRI", "SAT"],
    )


def test_a_standing_week_is_stored_once_and_posting_it_again_creates_nothing(
    api: PlanningApi,
) -> None:
    stock_the_catalogue(api.engine)
    by_hand = {
        "kind": "partner",
        "id": "SO-2026W48-MON-SALAD1-SELADA-A",
        "partner": "SALAD-1",
        "product": "selada",
        "grade": "A",
        "quantity_kg": "150",
        "day": MONDAY.isoformat(),
        "window_from": "05:00",
        "window_to": "09:00",
    }
    api.post("/api/v1/orders", by_hand)

    first = api.client.post("/api/v1/orders/from-standing-week", json={"week": WEEK})
    assert first.status_code == 201, first.text
    stored = first.json()
    assert (stored["week"], stored["monday"]) == (WEEK, MONDAY.isoformat())
    assert (stored["created"], stored["already_there"]) == (WEEKS_ORDERS - 1, 1)
    assert stored["already_there_ids"] == [by_hand["id"]]
    assert len(stored["orders"]) == WEEKS_ORDERS - 1

    wednesday = {o["id"]: o for o in api.get("/api/v1/orders", day=WEDNESDAY.isoformat())}
    carrots = wednesday["SO-2026W48-WED-DC1-WORTEL-A"]
    assert {k: carrots[k] for k in carrots if k not in ("lat", "lon", "address")} == {
        "id": "SO-2026W48-WED-DC1-WORTEL-A",
        "kind": "partner",
        "partner": "DC-RETAIL-1",
        "partner_name": "Supermarket DC (hypothetical)",
        "product": "wortel",
        "grade": "A",
        "unit": "crate",
        "quantity": 40,
        "quantity_g": 800_000,
        "quantity_kg": "800.000",
        "day": WEDNESDAY.isoformat(),
        "window_from": "03:00",
        "window_to": "07:00",
        "priority": 2,
        "status": "open",
        "trip_id": None,
        "created_by": "token:sari",
    }
    rice = wednesday["ST-2026W48-WED-BMJ-PUNTEN-RICE"]
    assert (rice["kind"], rice["partner"], rice["product"], rice["quantity_g"]) == (
        "staples",
        "kdmp-punten",
        "rice",
        1_000_000,
    )
    assert (rice["window_from"], rice["window_to"]) == ("07:00", "15:00")
    monday = {o["id"]: o for o in api.get("/api/v1/orders", day=MONDAY.isoformat())}
    assert monday[by_hand["id"]]["quantity_g"] == 150_000, "the order entered by hand is kept"
    week = [api.get("/api/v1/orders", day=f"2026-11-{d}") for d in range(23, 30)]
    assert sum(map(len, week)) == WEEKS_ORDERS
    assert week[-1] == [], "nothing is ordered on Sunday"

    again = api.client.post("/api/v1/orders/from-standing-week", json={"week": WEEK})
    assert again.status_code == 200, again.text
    assert (again.json()["created"], again.json()["already_there"]) == (0, WEEKS_ORDERS)
    assert again.json()["orders"] == []
    assert sum(len(api.get("/api/v1/orders", day=f"2026-11-{d}")) for d in range(23, 30)) == (
        WEEKS_ORDERS
    )

    ((actor, subject, detail),) = audit_log(api.engine, "standing_week")
    assert (actor, subject, detail["already_there"]) == ("token:sari", WEEK, 1)
    assert len(detail["orders"]) == WEEKS_ORDERS - 1


def test_a_week_naming_products_the_catalogue_lacks_is_refused_whole(api: PlanningApi) -> None:
    refused = api.client.post("/api/v1/orders/from-standing-week", json={"week": WEEK})
    assert refused.status_code == 422, refused.text
    error = refused.json()["error"]
    assert error["field"] == "week"
    for product in ("KENTANG", "APEL", "SELADA", "TOMAT"):
        assert f"unknown product {product!r}" in error["message"]
    assert "WORTEL" not in error["message"], "carrots are in the catalogue as 'wortel'"
    assert "SO-2026W48-MON-DC1-KENTANG-B and 2 more" in error["message"]
    assert api.get("/api/v1/orders", day=MONDAY.isoformat()) == []
    assert audit_log(api.engine, "standing_week") == []


def test_a_standing_line_whose_order_ids_the_hub_cannot_store_is_refused(
    api: PlanningApi,
) -> None:
    setup = load_setup()
    long_line = replace(setup.standing.orders[0], line="DC1-" + "WORTEL" * 9, weekdays=(0,))
    app = api.client.app
    assert isinstance(app, FastAPI)
    app.state.distribution_setup = replace(setup, standing=StandingPlan(orders=(long_line,)))
    refused = api.client.post("/api/v1/orders/from-standing-week", json={"week": WEEK})
    assert refused.status_code == 422, refused.text
    error = refused.json()["error"]
    assert error["field"] == "week"
    assert (
        "order ids longer than 64 characters (SO-2026W48-MON-DC1-WORTELWORTEL" in error["message"]
    )
    assert api.get("/api/v1/orders", day=MONDAY.isoformat()) == []


def test_a_malformed_or_unstorable_week_is_refused_naming_the_field(api: PlanningApi) -> None:
    for week in (
        "2026-48",
        "2026W48",
        "2026-W54",
        "2026-W00",
        " 2026-W48",
        "1969-W30",
        "9998-W53",
        "２０２６-W48",
        48,
        None,
    ):
        refused = api.client.post("/api/v1/orders/from-standing-week", json={"week": week})
        assert refused.status_code == 422, (week, refused.text)
        assert refused.json()["error"]["field"] == "week", week
    assert api.get("/api/v1/orders", day=MONDAY.isoformat()) == []
