"""Cancelling an approved trip from the distribution page, on SQLite and PostgreSQL.

The day of ``operations_world``: a partner order (SO-1, apples from lot ``LOT`` at the hub)
and rice for Tulungrejo (ST-1), planned on iterations with a fixed seed into one trip and
approved through the page's forms.  An operator calls the trip off with a reason before it
leaves: it shows as cancelled, its orders are open again (read back through the API) and its
stock never left the hub.  A missing reason, a departed trip and a viewer are each refused in
words, and nothing changes.
"""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, select

from hub.api.time import hub_today
from hub.auth.domain import Role
from hub.db.models import AuditEntry
from hub.web.distribution_page import LISTED_CHARS, _listed

from .conftest import Hub
from .operations_world import PARTNER_ORDER, STAPLES, enter_orders, plan_today
from .test_distribution_page import post, stock_of, trips
from .test_pages import cells
from .web_world import LOT, seed_today

pytestmark = pytest.mark.pg

REASON = "Kopling CDD rusak saat memuat"


@pytest.fixture
def seeded(hub: Hub) -> Hub:
    seed_today(hub.engine)
    return hub


def approved_trip(client: TestClient, csrf: str) -> str:
    """Enter the day's orders, plan and approve it through the page; the one trip's id."""
    enter_orders(client, csrf, PARTNER_ORDER, STAPLES)
    plan_today(client, csrf)
    assert post(client, "/distribution/plans/1/approve", csrf).status_code == 303
    (trip,) = trips(client.get("/distribution").text)
    assert trip["status"] == "planned"
    trip_id: str = trip["trip-id"]
    return trip_id


def cancel(client: TestClient, csrf: str, trip_id: str, **data: object) -> Any:
    return post(client, f"/distribution/trips/{trip_id}/cancel", csrf, **data)


def trip_status(client: TestClient, trip_id: str) -> str:
    response = client.get(f"/api/v1/trips/{trip_id}")
    assert response.status_code == 200, response.text
    status: str = response.json()["status"]
    return status


def orders_of_today(client: TestClient) -> dict[str, tuple[str, str | None]]:
    response = client.get("/api/v1/orders", params={"day": hub_today().isoformat()})
    assert response.status_code == 200, response.text
    return {o["id"]: (o["status"], o["trip_id"]) for o in response.json()}


def cancellations(engine: Engine) -> list[tuple[str, str, dict[str, Any]]]:
    """(actor, trip, detail) of every ``cancel_trip`` audit entry."""
    query = select(AuditEntry).where(AuditEntry.action == "cancel_trip").order_by(AuditEntry.id)
    with engine.connect() as connection:
        return [(r.actor, r.subject, dict(r.detail)) for r in connection.execute(query)]


def error_of(html: str) -> str:
    return html.split('id="distribution-error"', 1)[1].split("</div>", 1)[0]


def test_an_operator_cancels_a_planned_trip_with_a_reason_and_its_orders_open_again(
    seeded: Hub,
) -> None:
    client, csrf = seeded.signed_in(Role.OPERATOR)
    trip_id = approved_trip(client, csrf)
    page = client.get("/distribution").text
    assert 'id="trip-1-cancel-form"' in page and "Alasan pembatalan" in page
    assert 'name="reason" id="trip-1-cancel-reason" maxlength="2000" required' in page
    assert orders_of_today(client) == {"SO-1": ("planned", trip_id), "ST-1": ("planned", trip_id)}

    cancelled = cancel(client, csrf, trip_id, reason=f"  {REASON}\n")
    assert cancelled.status_code == 303
    html = client.get(cancelled.headers["location"]).text
    assert (
        f"Perjalanan {trip_id} dibatalkan. "
        "Pesanan ini terbuka lagi untuk rencana berikutnya: SO-1, ST-1." in html
    )
    (trip,) = trips(html)
    assert trip["status"] == "cancelled"
    assert '<span class="badge bad">dibatalkan</span>' in html
    assert 'id="trip-1-cancelled"' in html and 'id="trip-1-picks"' not in html
    for gone in ("trip-1-cancel-form", "trip-1-depart", "trip-1-pick-csv"):
        assert f'id="{gone}"' not in html, gone
    assert [row[6:] for row in cells(html, "orders")] == [["terbuka", "—"], ["terbuka", "—"]]

    assert trip_status(client, trip_id) == "cancelled"
    assert orders_of_today(client) == {"SO-1": ("open", None), "ST-1": ("open", None)}
    assert stock_of(client, "hub") == {LOT: 31_750}, "nothing left the hub"
    ((actor, subject, detail),) = cancellations(seeded.engine)
    assert (actor, subject, detail["reason"]) == (f"operator-{id(client)}", trip_id, REASON)
    assert detail["orders"] == ["SO-1", "ST-1"]

    english = client.get(cancelled.headers["location"] + "&lang=en").text
    assert (
        f"Trip {trip_id} cancelled. These orders are open again for the next plan: SO-1, ST-1."
        in english
    )
    again = cancel(client, csrf, trip_id, reason=REASON)
    assert again.status_code == 409
    assert f"Perjalanan {trip_id} sudah dibatalkan." in error_of(again.text)
    assert len(cancellations(seeded.engine)) == 1


def test_without_a_reason_nothing_is_cancelled_and_the_page_says_what_is_missing(
    seeded: Hub,
) -> None:
    client, csrf = seeded.signed_in(Role.OPERATOR)
    trip_id = approved_trip(client, csrf)
    missing = f"Tulis alasan pembatalan perjalanan {trip_id}; belum ada yang dibatalkan."
    for data in ({}, {"reason": ""}, {"reason": " \t\r\n "}):
        refused = cancel(client, csrf, trip_id, **data)
        assert refused.status_code == 422, data
        assert missing in error_of(refused.text), data
        assert trips(refused.text)[0]["status"] == "planned", "the page shows the plan again"
    unreadable = cancel(client, csrf, trip_id, reason="rusak\x00")
    assert unreadable.status_code == 422
    assert "Alasan tidak boleh memuat karakter kendali" in error_of(unreadable.text)

    assert trip_status(client, trip_id) == "planned"
    assert orders_of_today(client) == {"SO-1": ("planned", trip_id), "ST-1": ("planned", trip_id)}
    assert cancellations(seeded.engine) == []


def test_a_departed_trip_cannot_be_cancelled_and_the_page_says_why(seeded: Hub) -> None:
    client, csrf = seeded.signed_in(Role.OPERATOR)
    trip_id = approved_trip(client, csrf)
    assert post(client, f"/distribution/trips/{trip_id}/depart", csrf).status_code == 303
    page = client.get("/distribution").text
    assert 'id="trip-1-cancel-form"' not in page, "a departed trip offers no cancel form"

    refused = cancel(client, csrf, trip_id, reason=REASON)
    assert refused.status_code == 409
    assert (
        f"Perjalanan {trip_id} sudah berangkat sehingga tidak bisa dibatalkan; "
        "konfirmasikan pemberhentiannya." in error_of(refused.text)
    )
    assert trips(refused.text)[0]["status"] == "departed"
    english = post(client, f"/distribution/trips/{trip_id}/cancel?lang=en", csrf, reason=REASON)
    assert english.status_code == 409
    assert f"Trip {trip_id} has already left and cannot be cancelled" in english.text

    assert trip_status(client, trip_id) == "departed"
    assert orders_of_today(client)["SO-1"] == ("in_transit", trip_id)
    assert stock_of(client, "in_transit") == {LOT: 20_000}
    assert cancellations(seeded.engine) == []


def test_a_viewer_cannot_cancel_a_trip(seeded: Hub) -> None:
    operator, operator_csrf = seeded.signed_in(Role.OPERATOR)
    trip_id = approved_trip(operator, operator_csrf)
    viewer, csrf = seeded.signed_in(Role.VIEWER)
    page = viewer.get("/distribution").text
    assert trips(page)[0]["status"] == "planned"
    assert 'id="trip-1-cancel-form"' not in page and "Batalkan perjalanan" not in page

    assert cancel(viewer, csrf, trip_id, reason=REASON).status_code == 403
    unsigned = operator.post(
        f"/distribution/trips/{trip_id}/cancel", data={"reason": REASON}, follow_redirects=False
    )
    assert unsigned.status_code == 403, "an operator's post without the CSRF token is refused"
    assert trip_status(operator, trip_id) == "planned"
    assert cancellations(seeded.engine) == []


def test_a_notice_names_as_many_reopened_orders_as_its_query_can_carry() -> None:
    assert _listed(["SO-1", "ST-1"]) == "SO-1, ST-1"
    ids = [f"SO-{n:061d}" for n in range(40)]
    listed = _listed(ids)
    assert len(listed) <= LISTED_CHARS and listed.endswith(", …")
    assert listed.removesuffix(", …").split(", ") == ids[: len(listed) // 66]


def test_a_cancelled_trip_does_not_depart_and_the_page_says_so_in_the_users_language(
    seeded: Hub,
) -> None:
    client, csrf = seeded.signed_in(Role.OPERATOR)
    trip_id = approved_trip(client, csrf)
    assert cancel(client, csrf, trip_id, reason=REASON).status_code == 303

    refused = post(client, f"/distribution/trips/{trip_id}/depart", csrf)
    assert refused.status_code == 409
    assert f"Perjalanan {trip_id} sudah dibatalkan sehingga tidak berangkat" in error_of(
        refused.text
    )
    english = post(client, f"/distribution/trips/{trip_id}/depart?lang=en", csrf)
    assert f"Trip {trip_id} was cancelled; it does not depart" in english.text
    assert trip_status(client, trip_id) == "cancelled"
    assert stock_of(client, "in_transit") == {}
