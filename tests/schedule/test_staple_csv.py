"""Staple deliveries from CSV files: the state logistics agency's rice, cooking oil and sugar
for the village cooperatives, read with the partner-order file's rules (every problem at once,
by line and column; the Indonesian spreadsheet export) and imported through the hub's API all
or none, on SQLite and PostgreSQL.

The cooperatives are the Kota Batu fixture's, by their ids at the hub (``kdmp-punten``).
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, time

import pytest
from plans_world import DAY, PlanningApi, audit_log, planning_api
from sqlalchemy import Engine

from hub.schedule.batu import Batu
from hub.schedule.errors import DataFileError
from hub.schedule.orders import (
    Staple,
    StapleDelivery,
    TimeWindow,
    parse_orders,
    parse_staple_deliveries,
)
from hub.schedule.routing import staple_consignments

HEADER = "order_id,cooperative,staple,quantity,unit,delivery_date,window_from,window_to,priority"
PARTNER_HEADER = (
    "order_id,partner_id,partner_name,lat,lon,product,grade,quantity,unit,delivery_date,"
    "window_from,window_to"
)
GOOD = (
    f"{HEADER}\n"
    "ST-1,kdmp-punten,rice,2,t,2026-11-30,07:00,15:00,\n"
    "ST-2,kdmp-punten,minyak goreng,100,kg,2026-11-30,07:00,15:00,2\n"
    "ST-3,kdmp-tulungrejo,GULA,100500,g,2026-12-01,08:00,12:00,\n"
    "ST-4,kkmp-temas,beras,1.25,t,2026-12-01,08:00,12:00,\n"
)


def parse(batu: Batu, text: str, taken: tuple[str, ...] = ()) -> list[StapleDelivery]:
    return parse_staple_deliveries(text, file="beras.csv", cooperatives=batu.hub_coops, taken=taken)


def problems(batu: Batu, text: str, taken: tuple[str, ...] = ()) -> list[str]:
    with pytest.raises(DataFileError) as caught:
        parse(batu, text, taken)
    return [str(problem) for problem in caught.value.problems]


def test_a_good_file_gives_staple_deliveries_in_whole_grams_to_placed_cooperatives(
    batu: Batu,
) -> None:
    deliveries = parse(batu, GOOD)
    assert [(d.ref, d.staple, d.quantity_g, d.priority) for d in deliveries] == [
        ("ST-1", Staple.RICE, 2_000_000, 3),
        ("ST-2", Staple.COOKING_OIL, 100_000, 2),
        ("ST-3", Staple.SUGAR, 100_500, 3),
        ("ST-4", Staple.RICE, 1_250_000, 3),
    ]
    assert deliveries[0].cooperative is batu.hub_coops["kdmp-punten"]
    assert deliveries[3].cooperative is batu.hub_coops["kkmp-temas"]
    assert deliveries[2].delivery_date == date(2026, 12, 1)
    assert deliveries[2].window == TimeWindow(time(8), time(12))


def test_an_indonesian_spreadsheet_export_with_semicolons_and_decimal_commas_reads(
    batu: Batu,
) -> None:
    text = (
        f"{HEADER.replace(',', ';')}\r\n"
        "ST-1;kdmp-punten;beras;2,5;t;2026-11-30;07:00;15:00;\r\n"
        "ST-2;kdmp-punten;minyak_goreng;0,2;t;2026-11-30;07:00;15:00;1\r\n"
    )
    assert [(d.ref, d.staple, d.quantity_g, d.priority) for d in parse(batu, text)] == [
        ("ST-1", Staple.RICE, 2_500_000, 3),
        ("ST-2", Staple.COOKING_OIL, 200_000, 1),
    ]


def test_every_problem_in_a_staple_file_is_reported_at_once_by_line_and_column(
    batu: Batu,
) -> None:
    found = problems(
        batu,
        f"{HEADER}\n"
        "ST-1,kdmp-atlantis,rice,2,t,2026-11-30,07:00,15:00,\n"
        "ST-2,kdmp-punten,jagung,2,t,2026-11-30,07:00,15:00,\n"
        "ST-3,kdmp-punten,rice,1.0000005,t,2026-11-30,07:00,15:00,\n"
        "ST-4,kdmp-punten,sugar,50,kg,2026-11-30,15:00,07:00,\n"
        "ST-5,kdmp-punten,sugar,50,kg,2026-11-30,07:00,15:00,\n"
        "ST-5,kdmp-punten,sugar,60,kg,2026-11-30,07:00,15:00,\n"
        "ST-OLD,kdmp-punten,sugar,50,kg,2026-11-30,07:00,15:00,\n"
        "ST-8,kdmp-punten,rice,2,sak,2026-11-30,07:00,15:00,6\n",
        taken=("ST-OLD",),
    )
    placed = ", ".join(sorted(batu.hub_coops))
    assert found == [
        "beras.csv:2: cooperative: the distribution settings place no cooperative "
        f'"kdmp-atlantis" (placed: {placed})',
        'beras.csv:3: staple: unknown staple "jagung" (known: rice, cooking_oil, sugar, '
        "cooking oil, beras, minyak_goreng, minyak goreng, gula)",
        "beras.csv:4: quantity: 1.0000005 is not a whole number of grams",
        "beras.csv:5: window_to: the window closes before it opens at 15:00",
        "beras.csv:7: order_id: this order id is already used on line 6",
        "beras.csv:8: order_id: order ST-OLD already exists at the hub",
        'beras.csv:9: unit: unknown unit "sak" (known: g, kg, t)',
        'beras.csv:9: priority: "6" is not a priority from 1 (most urgent) to 5',
    ]


def test_text_the_hub_could_not_store_is_refused_by_column(batu: Batu) -> None:
    long_coop = "k" * 129
    found = problems(
        batu,
        f"{HEADER}\n"
        f"ST-1,{long_coop},rice,2,t,2026-11-30,07:00,15:00,\n"
        "ST-2\x00,kdmp-punten,rice,2,t,2026-11-30,07:00,15:00,\n",
    )
    assert found[0] == "beras.csv:2: cooperative: longer than 128 characters"
    assert found[1].startswith("beras.csv:2: cooperative: the distribution settings place no")
    assert found[2:] == ["beras.csv:3: order_id: holds a control character (such as NUL)"]


def test_a_staple_header_with_a_wrong_column_names_the_staple_layout(batu: Batu) -> None:
    found = problems(batu, HEADER.replace("staple,", "staples,") + "\n")
    assert found == [
        "beras.csv:1: staples: unknown column (known: order_id, cooperative, staple, quantity, "
        "unit, delivery_date, window_from, window_to, priority)",
        "beras.csv:1: staple: this column is required but the header does not have it",
    ]


def test_a_header_that_fits_neither_layout_is_told_both(batu: Batu) -> None:
    with pytest.raises(DataFileError) as caught:
        parse_orders(
            "order_id,koperasi,quantity\nST-1,kdmp-punten,2\n",
            file="x.csv",
            products={},
            grades=("A",),
            cooperatives=batu.hub_coops,
        )
    unknown = caught.value.problems[0]
    assert (unknown.line, unknown.column) == (1, "koperasi")
    assert str(unknown.message).endswith(
        "; in a file of staple deliveries: order_id, cooperative, staple, quantity, unit, "
        "delivery_date, window_from, window_to, priority)"
    )


def test_the_header_tells_a_staple_file_from_a_partner_order_file(batu: Batu) -> None:
    staples = parse_orders(
        GOOD, file="x.csv", products=batu.products, grades=("A",), cooperatives=batu.hub_coops
    )
    assert (len(staples.staple_deliveries), staples.partner_orders) == (4, ())
    partner = parse_orders(
        f"{PARTNER_HEADER}\nSO-1,DC-1,DC,-7.95,112.64,APEL,A,3,crate,2026-11-30,03:00,07:00\n",
        file="x.csv",
        products=batu.products,
        grades=("A",),
        cooperatives=batu.hub_coops,
    )
    assert ([o.order_id for o in partner.partner_orders], partner.staple_deliveries) == (
        ["SO-1"],
        (),
    )


def test_a_staple_problem_reads_in_indonesian(batu: Batu) -> None:
    with pytest.raises(DataFileError) as caught:
        parse(batu, f"{HEADER}\nST-1,kdmp-punten,jagung,2,t,2026-11-30,07:00,15:00,\n")
    (problem,) = caught.value.problems
    assert problem.text("id").startswith('beras.csv:2: staple: bahan pokok "jagung" tidak dikenal')


def test_a_staple_deliverys_priority_reaches_its_stop(batu: Batu) -> None:
    urgent = parse(batu, GOOD)[1]
    (consignment,) = staple_consignments([urgent])
    assert consignment.priority == 2


# --- through the API ----------------------------------------------------------------------


@pytest.fixture
def api(engine: Engine) -> Iterator[PlanningApi]:
    with planning_api(engine) as api:
        yield api


@pytest.mark.pg
def test_a_staple_file_becomes_staple_orders_as_if_entered_by_hand(api: PlanningApi) -> None:
    day = DAY.isoformat()
    comma = (
        f"{HEADER}\n"
        f"ST-10,kdmp-punten,rice,2,t,{day},07:00,15:00,\n"
        f"ST-11,kdmp-sumberbrantas,gula,200,kg,{day},08:00,12:00,2\n"
    )
    imported = api.import_csv(comma, "beras.csv")
    assert imported.status_code == 201, imported.text
    assert imported.json()["imported"] == 2
    semicolons = (
        f"{HEADER.replace(',', ';')}\r\n"
        f"ST-12;kdmp-tulungrejo;minyak goreng;0,2;t;{day};07:00;15:00;\r\n"
        f"ST-13;kdmp-punten;beras;2,5;t;{day};07:00;15:00;\r\n"
    )
    assert api.import_csv(semicolons, "beras-ekspor.csv").status_code == 201
    by_hand = {
        "kind": "staples",
        "id": "ST-HAND",
        "cooperative": "kdmp-punten",
        "staple": "rice",
        "quantity_kg": "2000",
        "day": day,
        "window_from": "07:00",
        "window_to": "15:00",
    }
    api.post("/api/v1/orders", by_hand)

    listed = {o["id"]: o for o in api.get("/api/v1/orders", day=day)}
    assert {
        ref: (o["kind"], o["partner"], o["product"], o["quantity_g"], o["priority"])
        for ref, o in listed.items()
        if ref != "ST-HAND"
    } == {
        "ST-10": ("staples", "kdmp-punten", "rice", 2_000_000, 3),
        "ST-11": ("staples", "kdmp-sumberbrantas", "sugar", 200_000, 2),
        "ST-12": ("staples", "kdmp-tulungrejo", "cooking_oil", 200_000, 3),
        "ST-13": ("staples", "kdmp-punten", "rice", 2_500_000, 3),
    }
    assert {**listed["ST-10"], "id": "ST-HAND"} == listed["ST-HAND"]
    assert audit_log(api.engine, "import_orders") == [
        ("token:sari", "beras.csv", {"orders": ["ST-10", "ST-11"]}),
        ("token:sari", "beras-ekspor.csv", {"orders": ["ST-12", "ST-13"]}),
    ]


@pytest.mark.pg
def test_a_staple_file_with_problems_is_refused_whole_with_every_problem_named(
    api: PlanningApi,
) -> None:
    day = DAY.isoformat()
    assert (
        api.import_csv(
            f"{HEADER}\nST-1,kdmp-punten,rice,2,t,{day},07:00,15:00,\n", "beras.csv"
        ).status_code
        == 201
    )
    bad = (
        f"{HEADER}\n"
        f"ST-20,kdmp-punten,rice,2,t,{day},07:00,15:00,\n"
        f"ST-21,kdmp-atlantis,rice,2,t,{day},07:00,15:00,\n"
        f"ST-22,kdmp-punten,jagung,2,t,{day},07:00,15:00,\n"
        f"ST-23,kdmp-punten,rice,0.0000001,t,{day},07:00,15:00,\n"
        f"ST-24,kdmp-punten,sugar,50,kg,{day},15:00,07:00,\n"
        f"ST-20,kdmp-punten,sugar,50,kg,{day},07:00,15:00,\n"
        f"ST-1,kdmp-punten,sugar,50,kg,{day},07:00,15:00,\n"
    )
    refused = api.import_csv(bad, "beras.csv")
    assert refused.status_code == 422
    body = refused.json()
    assert body["error"]["code"] == "invalid_file" and body["error"]["field"] == "file"
    assert [(p["line"], p["column"]) for p in body["problems"]] == [
        (3, "cooperative"),
        (4, "staple"),
        (5, "quantity"),
        (6, "window_to"),
        (7, "order_id"),
        (8, "order_id"),
    ]
    assert body["problems"][-1]["message"] == "order ST-1 already exists at the hub"
    assert [o["id"] for o in api.get("/api/v1/orders", day=day)] == ["ST-1"]
