"""Confirming a partner stop from the distribution page with what the partner took, on SQLite
and PostgreSQL.

The day of ``operations_world``: 20 kg of apples from lot ``LOT`` go to the supermarket DC on
SO-1 (stop 1) and rice to Tulungrejo on ST-1 (stop 2), planned, approved and sent off through
the page's forms.  The DC's stop then shows one line per loaded lot, prefilled with what was
loaded; the operator types what the partner took, in kilograms with a decimal comma.  Stock is
read back through the stock API, order states through the page and the orders API.
"""

from __future__ import annotations

import re

import pytest
from fastapi.testclient import TestClient

from hub.auth.domain import Role

from .conftest import Hub
from .test_distribution_page import post, stock_of, trips
from .test_pages import cells
from .test_trip_cancel_page import approved_trip, error_of, orders_of_today
from .web_world import LOT, seed_today

pytestmark = pytest.mark.pg


@pytest.fixture
def seeded(hub: Hub) -> Hub:
    seed_today(hub.engine)
    return hub


def departed_trip(client: TestClient, csrf: str) -> str:
    """The day's one trip, approved and departed through the page; its id."""
    trip_id = approved_trip(client, csrf)
    assert post(client, f"/distribution/trips/{trip_id}/depart", csrf).status_code == 303
    assert stock_of(client, "in_transit") == {LOT: 20_000}
    return trip_id


def typed_values(html: str, name: str) -> list[str]:
    """The values the DC stop's form shows in its ``name`` inputs, line by line."""
    form = html.split('id="trip-1-handover-1"', 1)[1].split("</form>", 1)[0]
    return re.findall(rf'name="{name}"[^>]*value="([^"]*)"', form)


def test_a_partner_taking_less_leaves_its_order_partly_delivered_and_the_rest_at_the_hub(
    seeded: Hub,
) -> None:
    client, csrf = seeded.signed_in(Role.OPERATOR)
    trip_id = departed_trip(client, csrf)
    page = client.get("/distribution").text
    assert cells(page, "trip-1-handover-1-lines") == [["SO-1", LOT, "A", "20,000", "", "", ""]]
    assert typed_values(page, "delivered") == ["20,000"]
    form = page.split('id="trip-1-handover-1"', 1)[1].split("</form>", 1)[0]
    assert f'name="csrf_token" value="{csrf}"' in form
    assert 'form="trip-1-handover-1" id="trip-1-confirm-1"' in page
    assert 'id="trip-1-handover-2"' not in page, "rice is no hub stock: nothing to report"

    confirmed = post(
        client,
        f"/distribution/trips/{trip_id}/stops/1/confirm",
        csrf,
        delivered="11,8",
        reason="dua krat memar",
    )
    assert confirmed.status_code == 303
    html = client.get(confirmed.headers["location"]).text
    assert f"Pemberhentian {trip_id}/1 dikonfirmasi." in html
    assert cells(html, "orders")[0][6] == "terkirim sebagian"
    assert 'id="trip-1-handover-1"' not in html, "a confirmed stop has no form"
    assert stock_of(client, "partner/DC-RETAIL-1") == {LOT: 11_800}
    assert stock_of(client, "hub") == {LOT: 11_750 + 8_200}, "what was not taken is back"
    assert stock_of(client, "in_transit") == {}

    assert post(client, f"/distribution/trips/{trip_id}/stops/2/confirm", csrf).status_code == 303
    assert orders_of_today(client) == {
        "SO-1": ("partly_delivered", trip_id),
        "ST-1": ("delivered", trip_id),
    }
    english = client.get("/distribution", params={"lang": "en"}).text
    assert [row[6] for row in cells(english, "orders")] == ["partly delivered", "delivered"]


def test_a_short_line_without_a_reason_is_refused_in_words_and_nothing_moves(
    seeded: Hub,
) -> None:
    client, csrf = seeded.signed_in(Role.OPERATOR)
    trip_id = departed_trip(client, csrf)
    confirm = f"/distribution/trips/{trip_id}/stops/1/confirm"

    for typed, said in (
        (
            {"delivered": "11,8", "reason": " "},
            f"Pesanan SO-1, lot {LOT} mutu A: 8,200 kg tidak diterima mitra; tuliskan "
            "alasannya. Belum ada yang dikonfirmasi.",
        ),
        (
            {"delivered": "25", "reason": ""},
            f"Pesanan SO-1, lot {LOT} mutu A: tertulis diterima 25,000 kg, padahal yang dimuat "
            "hanya 20,000 kg. Belum ada yang dikonfirmasi.",
        ),
        (
            {"delivered": "sebelas", "reason": "memar"},
            f"Pesanan SO-1, lot {LOT} mutu A: “sebelas” bukan berat dalam kilogram",
        ),
    ):
        refused = post(client, confirm, csrf, **typed)
        assert refused.status_code == 422, typed
        assert said in error_of(refused.text), typed
        assert typed_values(refused.text, "delivered") == [typed["delivered"]], "as typed"
        assert trips(refused.text)[0]["status"] == "departed"

    english = post(client, f"{confirm}?lang=en", csrf, delivered="11.8", reason="")
    assert english.status_code == 422
    assert f"Order SO-1, lot {LOT} grade A: 8.200 kg was not taken; write the reason." in (
        error_of(english.text)
    )
    assert stock_of(client, "in_transit") == {LOT: 20_000}, "nothing moved"
    assert stock_of(client, "partner/DC-RETAIL-1") == {}
    assert orders_of_today(client)["SO-1"] == ("in_transit", trip_id)
    assert 'id="trip-1-handover-1"' in client.get("/distribution").text


def test_a_form_sent_as_loaded_delivers_everything_loaded(seeded: Hub) -> None:
    client, csrf = seeded.signed_in(Role.OPERATOR)
    trip_id = departed_trip(client, csrf)
    as_loaded = post(
        client,
        f"/distribution/trips/{trip_id}/stops/1/confirm",
        csrf,
        delivered="20,000",
        reason="",
    )
    assert as_loaded.status_code == 303
    assert cells(client.get("/distribution").text, "orders")[0][6] == "terkirim"
    assert orders_of_today(client)["SO-1"] == ("delivered", trip_id)
    assert stock_of(client, "partner/DC-RETAIL-1") == {LOT: 20_000}
    assert stock_of(client, "hub") == {LOT: 11_750}


def test_damaged_goods_the_partner_refused_leave_the_order_not_delivered(seeded: Hub) -> None:
    client, csrf = seeded.signed_in(Role.OPERATOR)
    trip_id = departed_trip(client, csrf)
    refused_whole = post(
        client,
        f"/distribution/trips/{trip_id}/stops/1/confirm",
        csrf,
        delivered="0",
        reason="busuk di jalan",
        damaged="0",
    )
    assert refused_whole.status_code == 303
    html = client.get(refused_whole.headers["location"]).text
    assert cells(html, "orders")[0][6] == "tidak diterima"
    assert '<span class="badge bad">tidak diterima</span>' in html
    assert stock_of(client, "loss") == {LOT: 20_000}
    assert stock_of(client, "hub") == {LOT: 11_750}, "damaged goods do not go back to stock"
    assert orders_of_today(client)["SO-1"] == ("not_delivered", trip_id)
