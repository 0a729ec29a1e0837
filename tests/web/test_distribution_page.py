"""The distribution page on SQLite and PostgreSQL: orders entered by form and CSV file, a day
planned (on iterations with a fixed seed) and shown as trips with ordered stops, adjusted and
planned again, approved, and the trips' departures and stops moving stock through the ledger
(read back through the stock API).  A viewer reads the page and changes nothing."""

from __future__ import annotations

import base64
import re
import xml.etree.ElementTree as ET
from datetime import timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient

from hub.api.time import hub_today
from hub.auth.domain import Role

from .conftest import Hub
from .operations_world import PARTNER_ORDER, STAPLES, enter_orders, plan_today
from .test_pages import cells
from .web_world import LOT, seed_today

pytestmark = pytest.mark.pg

CSV_HEADER = (
    "order_id,partner_id,partner_name,lat,lon,product,grade,quantity,unit,delivery_date,"
    "window_from,window_to,priority,address"
)


@pytest.fixture
def seeded(hub: Hub) -> Hub:
    seed_today(hub.engine)
    return hub


def trips(html: str) -> list[dict[str, Any]]:
    """Each trip section: its vehicle, approved id and status, and its stops' places in order."""
    found = []
    for number, attributes in re.findall(r'<section class="trip" id="trip-(\d+)"([^>]*)>', html):
        values = dict(re.findall(r'data-([a-z-]+)="([^"]*)"', attributes))
        table = html.split(f'id="trip-{number}-stops"', 1)[1].split("</table>", 1)[0]
        found.append({**values, "stops": re.findall(r'<tr data-place="([^"]+)"', table)})
    return found


def stock_of(client: TestClient, location: str) -> dict[str | None, int]:
    """Grams by lot at ``location``, through the stock API (the page's session opens it)."""
    response = client.get("/api/v1/stock", params={"location": location})
    assert response.status_code == 200, response.text
    return {
        line["lot"]: line["quantity_g"] for line in response.json() if line["product"] == "apel"
    }


def post(client: TestClient, path: str, csrf: str, **data: object) -> Any:
    return client.post(path, data={"csrf_token": csrf, **data}, follow_redirects=False)


def test_an_operator_enters_the_days_orders_plans_it_and_sees_its_trip(seeded: Hub) -> None:
    client, csrf = seeded.signed_in(Role.OPERATOR)
    empty = client.get("/distribution").text
    assert "Belum ada pesanan untuk hari ini." in empty and 'id="plan-form"' in empty
    enter_orders(client, csrf, PARTNER_ORDER, STAPLES)
    page = client.get("/distribution").text
    assert [row[0].split()[0] for row in cells(page, "orders")] == ["SO-1", "ST-1"]
    assert cells(page, "orders")[0][2:4] == ["Apel Manalagi mutu A", "20,000"]
    assert cells(page, "orders")[1][2] == "beras"

    planned = client.get(plan_today(client, csrf))
    html = planned.text
    assert "Rencana #1 dibuat sebagai draf." in html
    assert 'id="plan" data-plan-id="1" data-status="draft"' in html
    (trip,) = trips(html)
    assert trip["stops"] == ["DC-RETAIL-1", "BMJ-TULUNGREJO"]
    stops = cells(html, "trip-1-stops")
    assert stops[0][1] == "Supermarket DC (hypothetical) perkiraan SO-1 Apel Manalagi mutu A"
    assert [row[0] for row in stops] == ["1", "2"]
    assert stops[0][2] == "05:00–12:00" and re.fullmatch(r"\d\d:\d\d", stops[0][3])
    assert stops[0][3] <= stops[1][3]
    assert stops[1][5].startswith("200,000")
    svg = re.search(r'<img class="map" src="data:image/svg\+xml;base64,([^"]+)"', html)
    assert svg is not None
    assert ET.fromstring(base64.b64decode(svg.group(1))).tag == "{http://www.w3.org/2000/svg}svg"
    assert 'id="unserved"' not in html and 'id="approve-submit"' in html

    english = client.get("/distribution", params={"lang": "en"}).text
    assert f"{trip['vehicle']} · trip 1 · " in english and "Accepted from" in english


def test_approving_and_departing_moves_the_stock_through_the_ledger(seeded: Hub) -> None:
    client, csrf = seeded.signed_in(Role.OPERATOR)
    enter_orders(client, csrf, PARTNER_ORDER, STAPLES)
    plan_today(client, csrf)
    approved = post(client, "/distribution/plans/1/approve", csrf)
    assert approved.status_code == 303
    html = client.get(approved.headers["location"]).text
    assert "Rencana #1 disetujui; perjalanannya siap." in html
    (trip,) = trips(html)
    trip_id = trip["trip-id"]
    assert trip["status"] == "planned"
    picks = {row[2].split()[0]: row for row in cells(html, "trip-1-picks")}
    assert picks["SO-1"][2:5] == ["SO-1 Apel Manalagi mutu A", "23,600", "2"], "with 2 crates"
    assert picks["SO-1"][5].startswith(f"{LOT} 20,000") and picks["ST-1"][5] == "—"
    notes = client.get(f"/api/v1/trips/{trip_id}/delivery-notes.pdf?lang=id")
    assert notes.headers["content-type"] == "application/pdf"
    assert f'href="/api/v1/trips/{trip_id}/pick-list?format=csv&amp;lang=id"' in html
    assert [row[0] for row in cells(html, "orders")] == [
        "SO-1 pesanan mitra",
        "ST-1 sembako untuk desa",
    ]

    assert stock_of(client, "hub") == {LOT: 31_750}
    departed = post(client, f"/distribution/trips/{trip_id}/depart", csrf)
    assert departed.status_code == 303
    page = client.get(departed.headers["location"]).text
    assert f"Perjalanan {trip_id} berangkat" in page
    assert trips(page)[0]["status"] == "departed"
    assert stock_of(client, "hub") == {LOT: 11_750}
    assert stock_of(client, "in_transit") == {LOT: 20_000}
    again = post(client, f"/distribution/trips/{trip_id}/depart", csrf)
    assert again.status_code == 409
    assert f"Perjalanan {trip_id} sudah berangkat; perjalanan hanya berangkat sekali." in again.text

    confirmed = post(client, f"/distribution/trips/{trip_id}/stops/1/confirm", csrf)
    assert confirmed.status_code == 303
    assert stock_of(client, "in_transit") == {}
    assert stock_of(client, "partner/DC-RETAIL-1") == {LOT: 20_000}
    twice = post(client, f"/distribution/trips/{trip_id}/stops/1/confirm", csrf)
    assert twice.status_code == 409 and "sudah dikonfirmasi" in twice.text
    assert post(client, f"/distribution/trips/{trip_id}/stops/2/confirm", csrf).status_code == 303
    done = client.get("/distribution").text
    assert trips(done)[0]["status"] == "done"
    assert cells(done, "orders")[0][6] == "terkirim"


def test_an_adjusted_plan_must_be_planned_again_before_approval(seeded: Hub) -> None:
    client, csrf = seeded.signed_in(Role.OPERATOR)
    enter_orders(client, csrf, PARTNER_ORDER, STAPLES)
    plan_today(client, csrf)
    locked = post(
        client, "/distribution/plans/1/adjust", csrf, kind="lock", stop="BMJ-TULUNGREJO",
        vehicle="CDD 2",
    )  # fmt: skip
    assert locked.status_code == 303
    moved = post(client, "/distribution/plans/1/adjust", csrf, kind="move", order="SO-1")
    assert moved.status_code == 303
    stale = client.get(moved.headers["location"]).text
    assert 'id="stale-note"' in stale and "dikunci ke CDD 2" in stale
    refused = post(client, "/distribution/plans/1/approve", csrf)
    assert refused.status_code == 409
    assert "Rencana #1 diubah setelah dihitung. Hitung ulang dulu, lalu setujui." in refused.text

    again = post(client, "/distribution/plans/1/replan", csrf, iterations="300", seed="1")
    assert again.status_code == 303
    html = client.get(again.headers["location"]).text
    assert 'id="stale-note"' not in html
    (trip,) = trips(html)
    assert trip["vehicle"] == "CDD 2" and trip["stops"] == ["BMJ-TULUNGREJO"]
    assert [row[0].split()[0] for row in cells(html, "orders")] == ["ST-1"]
    tomorrow = (hub_today() + timedelta(days=1)).isoformat()
    later = client.get("/distribution", params={"day": tomorrow})
    assert [row[0].split()[0] for row in cells(later.text, "orders")] == ["SO-1"]
    wrong = post(client, "/distribution/plans/1/adjust", csrf, kind="lock", stop="BMJ-TULUNGREJO")
    assert wrong.status_code == 422 and "Pilih kendaraannya." in wrong.text


def test_what_cannot_be_served_is_said_in_words(seeded: Hub) -> None:
    client, csrf = seeded.signed_in(Role.OPERATOR)
    enter_orders(client, csrf, PARTNER_ORDER, {**STAPLES, "quantity": "6000"})
    html = client.get(
        plan_today(client, csrf, vehicle=["PICKUP", "CDE", "CDD"], count=["1", "0", "0"])
    ).text
    (reason,) = [row for row in re.findall(r"<li>(.*?)</li>", html) if "ST-1" in row]
    assert "6.000 kg melebihi kendaraan terbesar (1.000 kg)" in reason
    assert trips(html)[0]["stops"] == ["DC-RETAIL-1"]


def test_orders_the_hub_could_not_plan_are_refused_in_words(seeded: Hub) -> None:
    client, csrf = seeded.signed_in(Role.OPERATOR)
    day = hub_today().isoformat()
    cases = [
        ({"partner": "DC-BARU"}, 422, "Mitra DC-BARU belum ada di pengaturan distribusi"),
        ({"quantity": "dua puluh"}, 422, "Jumlah: tidak bisa dibaca."),
        ({"window_to": "04:00"}, 422, "Diterima sampai: berakhir sebelum jendela waktu dimulai."),
        ({"lat": "-7,9"}, 422, "Lintang: isi lintang dan bujur bersama"),
        ({"id": ""}, 422, "No. pesanan: harus diisi."),
        ({"partner": "", "quantity": ""}, 422, "Jumlah: harus diisi."),
        ({"partner": ""}, 422, "ID mitra: harus diisi."),
    ]
    for change, status, words in cases:
        response = post(
            client, "/distribution/orders", csrf, **{**PARTNER_ORDER, "day": day, **change}
        )
        assert response.status_code == status, change
        assert words in response.text, (
            change,
            response.text.split('id="distribution-error"')[1][:300],
        )
        assert 'id="add-order" open' in response.text
    enter_orders(client, csrf, {**PARTNER_ORDER, "quantity": "12,5"})
    assert cells(client.get("/distribution").text, "orders")[0][3] == "12,500"
    taken = post(client, "/distribution/orders", csrf, **{**PARTNER_ORDER, "day": day})
    assert taken.status_code == 409 and "Pesanan SO-1 sudah ada." in taken.text


def test_a_csv_file_is_imported_whole_or_refused_with_every_bad_line_named(seeded: Hub) -> None:
    client, csrf = seeded.signed_in(Role.OPERATOR)
    day = hub_today().isoformat()

    def upload(text: str | bytes) -> Any:
        raw = text.encode() if isinstance(text, str) else text
        files = {"file": ("pesanan.csv", raw, "text/csv")}
        return client.post(
            "/distribution/orders/import",
            data={"csrf_token": csrf, "day": day},
            files=files,
            follow_redirects=False,
        )

    bad = (
        f"{CSV_HEADER}\n"
        f"SO-20,DC-9,Gudang Baru,-7.96,112.63,apel,A,2,kg,{day},06:00,10:00,,\n"
        f"SO-21,DC-9,Gudang Baru,-7.96,112.63,apel,Z,2,kg,{day},06:00,10:00,,\n"
        f"SO-22,DC-9,Gudang Baru,-7.96,112.63,semangka,A,2,kg,{day},10:00,06:00,,\n"
    )
    refused = upload(bad)
    assert refused.status_code == 422
    errors = re.findall(r"<p>(Baris \d+, kolom \w+): ", refused.text)
    assert errors == ["Baris 3, kolom grade", "Baris 4, kolom product", "Baris 4, kolom window_to"]
    assert "Berkas ditolak, tidak ada yang diimpor: 3 kesalahan." in refused.text
    assert 'id="orders-empty"' in refused.text

    good = upload(
        f"{CSV_HEADER}\nSO-30,SALAD-1,Salad,-7.92,112.6,apel,A,3,crate,{day},05:00,09:00,1,\n"
    )
    assert good.status_code == 303
    page = client.get(good.headers["location"]).text
    assert "1 pesanan diimpor." in page
    assert cells(page, "orders")[0][3] == "45,000 3 krat", "a crate of apples is 15 kg net"
    latin = upload(
        f"{CSV_HEADER}\nSO-31,DC-9,Gudang Caf\xe9,,,apel,A,2,kg,{day},06:00,10:00,,\n".encode(
            "latin-1"
        )
    )
    assert latin.status_code == 422 and "bukan teks UTF-8" in latin.text


def test_a_viewer_reads_the_page_but_sees_no_forms_and_its_posts_are_refused(seeded: Hub) -> None:
    operator, operator_csrf = seeded.signed_in(Role.OPERATOR)
    enter_orders(operator, operator_csrf, PARTNER_ORDER)
    plan_today(operator, operator_csrf)
    client, csrf = seeded.signed_in(Role.VIEWER)
    html = client.get("/distribution").text
    assert trips(html) and "SO-1" in html
    for form in ("plan-form", "partner-order-form", "import-form", "approve-form", "lock-form"):
        assert f'id="{form}"' not in html
    assert "mengubahnya perlu peran operator" in html
    for path in (
        "/distribution/plans",
        "/distribution/orders",
        "/distribution/plans/1/approve",
        "/distribution/plans/1/adjust",
        "/distribution/plans/1/replan",
    ):
        assert post(client, path, csrf, day=hub_today().isoformat()).status_code == 403, path
    assert 'id="plan" data-plan-id="1" data-status="draft"' in client.get("/distribution").text
