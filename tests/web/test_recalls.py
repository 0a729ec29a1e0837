"""Recalls from the trace page on SQLite and PostgreSQL: an admin recalls a lot, sees what it
affects, and the API then refuses to pick it until the recall is released; nobody else sees
the forms, and the routes refuse them anyway."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pytest

from hub.auth.domain import Role
from hub.domain.trace import OrderRecord
from hub.services.unit_of_work import SqlAlchemyUnitOfWork

from .conftest import Hub, csrf_of
from .test_pages import cells
from .web_world import LOT, seed_today

ORDER = "ORD-1"


@pytest.fixture
def ordered(hub: Hub) -> Hub:
    """The Batu day, and an order for apples the received lot can fill."""
    seed_today(hub.engine)
    now = datetime.now(UTC)
    uow = SqlAlchemyUnitOfWork(hub.engine)
    with uow:
        uow.orders.add_order(
            OrderRecord(ORDER, "superindo-malang", "apel", "A", 5_000, now, now + timedelta(days=1),
                        "planned")
        )  # fmt: skip
        uow.commit()
    return hub


def recall_form(html: str) -> dict[str, str]:
    """The hidden fields of the trace page's recall form."""
    form = html.split('id="recall-form"', 1)[1].split("</form>", 1)[0]
    return dict(re.findall(r'<input type="hidden" name="([a-z_]+)" value="([^"]*)"', form))


def test_an_admin_recalls_a_lot_from_the_trace_page_and_picking_it_is_then_refused(
    ordered: Hub,
) -> None:
    client, _csrf = ordered.signed_in(Role.ADMIN)
    api = ordered.client()
    api.headers["Authorization"] = f"Bearer {ordered.token(Role.OPERATOR)}"
    trace = client.get("/trace", params={"code": LOT}).text
    fields = recall_form(trace)
    assert {k: v for k, v in fields.items() if k != "csrf_token"} == {
        "kind": "lot",
        "target": LOT,
        "code": LOT,
    }
    created = client.post(
        "/recalls", data={**fields, "reason": "residu pestisida"}, follow_redirects=False
    )
    assert created.status_code == 303
    location = created.headers["location"]
    assert re.fullmatch(r"/recalls/\d+\?created=1&code=PNT-LOT-1", location)
    page = client.get(location).text
    assert "Penarikan #" in page and "dibuat" in page and "residu pestisida" in page
    assert 'id="recall-crates">3<' in page and 'id="recall-net">31,750<' in page
    assert cells(page, "recall-lots")[0][0] == LOT
    assert [(row[0], row[4], row[5], row[6]) for row in cells(page, "recall-stock")] == [
        ("hub", LOT, "31,750", "ditarik")
    ]
    pick = {"order_id": ORDER, "lot": LOT, "quantity_g": 2_000}
    refused = api.post("/api/v1/picks", json=pick)
    assert refused.status_code == 409
    assert refused.json()["error"]["code"] == "stock_blocked"

    listed = client.get("/recalls").text
    (row,) = cells(listed, "recalls")
    assert row[0].startswith("#") and "residu pestisida" in row[3]
    recall_id = row[0].removeprefix("#")
    released = client.post(
        f"/recalls/{recall_id}/release",
        data={"csrf_token": csrf_of(listed)},
        follow_redirects=False,
    )
    assert released.status_code == 303
    after = client.get(f"/recalls/{recall_id}").text
    assert "dilepas" in after and 'id="release-form"' not in after
    assert "Tidak ada penarikan aktif." in client.get("/recalls").text
    assert api.post("/api/v1/picks", json=pick).status_code == 201
    again = client.post(f"/recalls/{recall_id}/release", data={"csrf_token": csrf_of(after)})
    assert again.status_code == 409 and "sudah dilepas" in again.text


@pytest.mark.parametrize("role", [Role.VIEWER, Role.OPERATOR])
def test_only_an_admin_sees_the_recall_form_and_the_routes_refuse_everyone_else(
    ordered: Hub, role: Role
) -> None:
    admin, admin_csrf = ordered.signed_in(Role.ADMIN)
    client, csrf = ordered.signed_in(role)
    trace = client.get("/trace", params={"code": LOT})
    assert trace.status_code == 200 and 'id="recall-form"' not in trace.text
    refused = client.post(
        "/recalls", data={"kind": "lot", "target": LOT, "reason": "uji", "csrf_token": csrf}
    )
    assert refused.status_code == 403
    assert "Tidak ada penarikan aktif." in client.get("/recalls").text
    made = admin.post(
        "/recalls", data={"kind": "lot", "target": LOT, "reason": "uji", "csrf_token": admin_csrf}
    )
    assert made.status_code == 200
    listed = client.get("/recalls").text
    assert len(cells(listed, "recalls")) == 1 and "release-" not in listed
    recall_id = cells(listed, "recalls")[0][0].removeprefix("#")
    page = client.get(f"/recalls/{recall_id}").text
    assert 'id="release-form"' not in page
    release = client.post(f"/recalls/{recall_id}/release", data={"csrf_token": csrf})
    assert release.status_code == 403


def test_a_recall_needs_a_reason_and_a_crate_trace_offers_none(ordered: Hub) -> None:
    client, csrf = ordered.signed_in(Role.ADMIN)
    crate = client.get("/trace", params={"code": "KRT-00002"}).text
    assert 'id="recall-form"' not in crate
    fields = recall_form(client.get("/trace", params={"code": LOT}).text)
    blank = client.post("/recalls", data={**fields, "reason": "  "})
    assert blank.status_code == 422
    assert "Penarikan perlu alasan." in blank.text and 'id="recall-form"' in blank.text
    nothing = client.post(
        "/recalls", data={"kind": "lot", "target": "", "reason": "uji", "csrf_token": csrf}
    )
    assert nothing.status_code == 422
    assert "Tidak ada penarikan aktif." in client.get("/recalls").text
    assert client.get("/recalls/999").status_code == 404
