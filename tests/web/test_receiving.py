"""The receiving page on SQLite and PostgreSQL: an operator receives a dispatch on the road by
its code or crates by their ids, with re-weighed nets typed as a person types them, and sees
the shrinkage per crate and per lot; refusals are said in words naming what is at fault."""

from __future__ import annotations

import pytest

from hub.auth.domain import Role
from hub.services.stock import ReweighedCrate
from hub.web.receiving import FormProblem, grams, parse_crates
from labels.gs1 import build_sscc

from .conftest import Hub
from .receiving_world import DISPATCH_2, LOT_2, RECEIVED_DISPATCH, seed_in_transit
from .test_pages import cells


@pytest.fixture
def on_the_road(hub: Hub) -> Hub:
    seed_in_transit(hub.engine)
    return hub


def test_an_operator_receives_a_dispatch_by_its_code_and_sees_the_shrinkage(
    on_the_road: Hub,
) -> None:
    client, csrf = on_the_road.signed_in(Role.OPERATOR)
    page = client.get("/receiving").text
    assert 'id="dispatch"' in page and "autofocus" in page
    (road,) = cells(page, "in-transit")
    assert road[:4] == [DISPATCH_2, "—", "punten-2", LOT_2]
    assert road[-3:] == ["N 5678 CD", "3", "32,500"]
    response = client.post(
        "/receiving",
        data={
            "dispatch": DISPATCH_2,
            "crates": "KRT-00005 11,8\r\nKRT-00006\r\n10,75\r\n",
            "csrf_token": csrf,
        },
    )
    assert response.status_code == 201, response.text
    html = response.text
    assert cells(html, "received-crates-1") == [
        ["KRT-00005", LOT_2, "12,000", "11,800 ditimbang ulang", "0,200"],
        ["KRT-00006", LOT_2, "11,000", "10,750 ditimbang ulang", "0,250"],
        ["KRT-00007", LOT_2, "9,500", "9,500", "0,000"],
    ]
    assert cells(html, "received-lots-1") == [[LOT_2, "3", "32,500", "32,050", "0,450"]]
    assert 'id="shrinkage-1">0,450<' in html
    assert f"Pengiriman {DISPATCH_2}: 3 krat diterima oleh operator-" in html
    assert "Tidak ada pengiriman yang menunggu." in html
    at_hub = client.get("/api/v1/stock", params={"location": "hub"}).json()
    assert {line["lot"]: line["quantity_g"] for line in at_hub}[LOT_2] == 32_050


def test_crates_alone_are_received_by_their_ids(on_the_road: Hub) -> None:
    client, csrf = on_the_road.signed_in(Role.OPERATOR)
    response = client.post("/receiving", data={"crates": "KRT-00006\t10.5 kg", "csrf_token": csrf})
    assert response.status_code == 201, response.text
    assert cells(response.text, "received-crates-1") == [
        ["KRT-00006", LOT_2, "11,000", "10,500 ditimbang ulang", "0,500"]
    ]
    assert cells(response.text, "in-transit")[0][-2:] == ["2", "21,500"]


def test_a_scanned_pallet_label_receives_its_dispatch_by_sscc(hub: Hub) -> None:
    seed_in_transit(hub.engine, gs1_prefix="8991234")
    sscc = build_sscc(0, "8991234", 1)
    client, csrf = hub.signed_in(Role.OPERATOR)
    assert cells(client.get("/receiving").text, "in-transit")[0][1] == sscc
    response = client.post("/receiving", data={"dispatch": f"(00){sscc}", "csrf_token": csrf})
    assert response.status_code == 201, response.text
    assert f"Pengiriman {DISPATCH_2}: 3 krat diterima" in response.text
    assert 'id="shrinkage-1">0,000<' in response.text


def test_a_viewer_may_look_but_is_refused_the_form_post(on_the_road: Hub) -> None:
    client, csrf = on_the_road.signed_in(Role.VIEWER)
    page = client.get("/receiving")
    assert page.status_code == 200
    assert 'id="receiving-form"' not in page.text
    assert "Hanya operator yang dapat mencatat penerimaan." in page.text
    assert cells(page.text, "in-transit")[0][0] == DISPATCH_2
    refused = client.post("/receiving", data={"dispatch": DISPATCH_2, "csrf_token": csrf})
    assert refused.status_code == 403
    assert cells(client.get("/receiving").text, "in-transit")[0][-2:] == ["3", "32,500"]


def test_a_bad_crate_id_is_named_and_what_was_typed_is_kept(on_the_road: Hub) -> None:
    client, csrf = on_the_road.signed_in(Role.OPERATOR)
    typed = "KRT-00005 11,8\nKRT-99999"
    response = client.post(
        "/receiving", data={"dispatch": DISPATCH_2, "crates": typed, "csrf_token": csrf}
    )
    assert response.status_code == 404
    assert "Krat KRT-99999 tidak dikenal di hub." in response.text
    assert f'value="{DISPATCH_2}"' in response.text
    assert f">{typed}</textarea>" in response.text
    assert cells(response.text, "in-transit")[0][-2:] == ["3", "32,500"]
    alone = client.post("/receiving", data={"crates": "KRT-99999", "csrf_token": csrf})
    assert alone.status_code == 404
    assert "Krat KRT-99999 tidak dikenal di hub." in alone.text


def test_a_received_crate_an_unknown_dispatch_and_a_received_one_are_said_in_words(
    on_the_road: Hub,
) -> None:
    client, csrf = on_the_road.signed_in(Role.OPERATOR)
    crate = client.post("/receiving", data={"crates": "KRT-00001", "csrf_token": csrf})
    assert crate.status_code == 404
    assert "Krat KRT-00001 sudah diterima (" in crate.text
    station = client.post("/receiving", data={"crates": "KRT-00004", "csrf_token": csrf})
    assert "Krat KRT-00004 belum dikirim dari stasiun." in station.text
    other = client.post(
        "/receiving",
        data={"dispatch": RECEIVED_DISPATCH, "crates": "KRT-00005", "csrf_token": csrf},
    )
    assert f"Krat KRT-00005 ada di pengiriman {DISPATCH_2}, bukan {RECEIVED_DISPATCH}." in (
        other.text
    )
    unknown = client.post("/receiving", data={"dispatch": "DSP-NOPE", "csrf_token": csrf})
    assert unknown.status_code == 404
    assert "Tidak ada pengiriman DSP-NOPE." in unknown.text
    assert 'value="DSP-NOPE"' in unknown.text
    done = client.post("/receiving", data={"dispatch": RECEIVED_DISPATCH, "csrf_token": csrf})
    assert done.status_code == 409
    assert f"Semua krat pengiriman {RECEIVED_DISPATCH} sudah diterima." in done.text
    empty = client.post("/receiving", data={"dispatch": " ", "crates": "", "csrf_token": csrf})
    assert empty.status_code == 422
    english = client.post(
        "/receiving?lang=en", data={"crates": "KRT-00005\nKRT-00005", "csrf_token": csrf}
    )
    assert english.status_code == 422
    assert "Crate KRT-00005 is listed twice." in english.text


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("11,8", 11_800),
        ("11.8", 11_800),
        ("11,80", 11_800),
        ("0,005", 5),
        ("12", 12_000),
        ("9999,999", 9_999_999),
        ("11,8kg", 11_800),
        ("11,8005", None),
        ("-1", None),
        ("1.234,5", None),
        ("KRT-1", None),
        ("", None),
    ],
)
def test_a_net_in_kilograms_is_read_exactly_into_grams(typed: str, expected: int | None) -> None:
    assert grams(typed) == expected


def test_a_crate_list_takes_nets_on_the_same_line_or_the_next() -> None:
    typed = "KRT-1 11,8\n\nKRT-2\n10,45\nKRT-3\nKRT-4;9.5 kg\n KRT-5 \t 7 KG \n"
    assert parse_crates(typed) == [
        ReweighedCrate("KRT-1", 11_800),
        ReweighedCrate("KRT-2", 10_450),
        ReweighedCrate("KRT-3", None),
        ReweighedCrate("KRT-4", 9_500),
        ReweighedCrate("KRT-5", 7_000),
    ]


@pytest.mark.parametrize(
    ("typed", "key"),
    [
        ("11,8\nKRT-1", "receiving.error.net_without_crate"),
        ("KRT-1 11,8\n10,5", "receiving.error.net_without_crate"),
        ("KRT-1 KRT-2", "receiving.error.unreadable_line"),
        ("KRT-1 11,8005", "receiving.error.unreadable_line"),
        ("KRT-1\x00", "receiving.error.unreadable_line"),
        ("KRT-1\nKRT-1 9", "receiving.error.listed_twice"),
    ],
)
def test_a_crate_list_that_cannot_be_read_is_refused_with_the_reason(typed: str, key: str) -> None:
    with pytest.raises(FormProblem) as refused:
        parse_crates(typed)
    assert refused.value.key == key
