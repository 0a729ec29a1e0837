"""Two requests storing the same orders at once (a standing week, one order, a CSV file),
through the hub's API on SQLite and PostgreSQL: the later one answers as if it had arrived
second, never with a server error.

The race is made, not waited for: this request's unit of work lets a rival request (the same
service, on its own unit of work and connection) store its orders right after this one has
read which order ids are free, and before it writes its own.  The week is 2026-W48 of the
packaged Kota Batu settings, as in ``test_standing_week_api``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from datetime import UTC, datetime
from typing import Self

import pytest
from fastapi import FastAPI
from plans_world import DAY, PlanningApi, audit_log, planning_api
from sqlalchemy import Connection, Engine
from test_plans_api import CSV_HEADER
from test_standing_week_api import MONDAY, WEEK, WEEKS_ORDERS, stock_the_catalogue

from hub.api.distribution import PartnerOrderIn, get_planning_uow
from hub.db.plan_repository import SqlPlanningRepository
from hub.schedule.day import OrderEntry
from hub.schedule.setup import load_setup
from hub.services import distribution as service
from hub.services.planning_uow import SqlPlanningUnitOfWork

pytestmark = pytest.mark.pg

AT = datetime(2026, 11, 20, 2, 0, tzinfo=UTC)
ORDER = {
    "kind": "partner",
    "id": "SO-9",
    "partner": "DC-RETAIL-1",
    "product": "wortel",
    "grade": "A",
    "quantity_kg": "30",
    "day": DAY.isoformat(),
    "window_from": "05:00",
    "window_to": "12:00",
}


class RacedRepository(SqlPlanningRepository):
    """Answers which orders exist as the database holds them when asked, then lets the rival
    store its own: the answer is stale by the time this request writes."""

    def __init__(self, connection: Connection, rival: list[Callable[[], object]]) -> None:
        super().__init__(connection)
        self.rival = rival

    def orders(self, ids: Iterable[str]) -> dict[str, OrderEntry]:
        found = super().orders(ids)
        while self.rival:
            self.rival.pop()()
        return found


class RacedUnitOfWork(SqlPlanningUnitOfWork):
    """A request's unit of work: its look at the orders is overtaken by ``rival``, if one is
    still pending."""

    def __init__(self, engine: Engine, rival: list[Callable[[], object]]) -> None:
        super().__init__(engine)
        self.rival = rival

    def __enter__(self) -> Self:
        super().__enter__()
        assert self._connection is not None
        self.planning = RacedRepository(self._connection, self.rival)
        return self


@pytest.fixture
def api(engine: Engine) -> Iterator[PlanningApi]:
    with planning_api(engine) as api:
        yield api


def overtaken_by(api: PlanningApi, rival: Callable[[], object]) -> None:
    """The API's next look at the orders is overtaken by ``rival``, once."""
    app = api.client.app
    assert isinstance(app, FastAPI)
    pending = [rival]
    app.dependency_overrides[get_planning_uow] = lambda: RacedUnitOfWork(api.engine, pending)


def test_a_standing_week_posted_twice_at_once_is_stored_once(api: PlanningApi) -> None:
    stock_the_catalogue(api.engine)
    overtaken_by(
        api,
        lambda: service.create_standing_week(
            SqlPlanningUnitOfWork(api.engine), MONDAY, setup=load_setup(), operator="budi", at=AT
        ),
    )

    later = api.client.post("/api/v1/orders/from-standing-week", json={"week": WEEK})
    assert later.status_code == 200, later.text
    answer = later.json()
    assert (answer["created"], answer["already_there"]) == (0, WEEKS_ORDERS)
    assert answer["orders"] == []
    ((actor, subject, _),) = audit_log(api.engine, "standing_week")
    assert (actor, subject) == ("budi", WEEK), "only the rival stored the week"
    week = [api.get("/api/v1/orders", day=f"2026-11-{d}") for d in range(23, 30)]
    assert sum(map(len, week)) == WEEKS_ORDERS
    assert {o["created_by"] for day in week for o in day} == {"budi"}


def test_one_order_entered_twice_at_once_is_stored_once_and_the_later_told_it_exists(
    api: PlanningApi,
) -> None:
    entry = PartnerOrderIn.model_validate(ORDER).entry()
    overtaken_by(
        api,
        lambda: service.create_order(
            SqlPlanningUnitOfWork(api.engine), entry, setup=load_setup(), operator="budi", at=AT
        ),
    )

    later = api.client.post("/api/v1/orders", json=ORDER)
    assert later.status_code == 409, later.text
    assert later.json()["error"] == {
        "code": "conflict",
        "message": "order SO-9 already exists",
        "field": "id",
    }
    (stored,) = api.get("/api/v1/orders", day=DAY.isoformat())
    assert (stored["id"], stored["quantity_g"], stored["created_by"]) == ("SO-9", 30_000, "budi")
    assert [subject for _, subject, _ in audit_log(api.engine, "order")] == ["SO-9"]


def test_a_csv_file_imported_twice_at_once_is_stored_once_and_the_later_refused_by_line(
    api: PlanningApi,
) -> None:
    text = (
        f"{CSV_HEADER}\n"
        f"SO-10,SALAD-1,Salad producer,-7.92,112.6,wortel,B,12.5,kg,{DAY},05:00,09:00,1,\n"
    )
    overtaken_by(
        api,
        lambda: service.import_orders(
            SqlPlanningUnitOfWork(api.engine),
            text,
            file="orders.csv",
            setup=load_setup(),
            operator="budi",
            at=AT,
        ),
    )

    files = {"file": ("orders.csv", text.encode(), "text/csv")}
    later = api.client.post("/api/v1/orders/import", files=files, params={"lang": "en"})
    assert later.status_code == 422, later.text
    assert later.json()["problems"] == [
        {"line": 2, "column": "order_id", "message": "order SO-10 already exists at the hub"}
    ]
    (stored,) = api.get("/api/v1/orders", day=DAY.isoformat())
    assert (stored["id"], stored["created_by"]) == ("SO-10", "budi")
