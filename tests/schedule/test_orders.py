"""Orders from CSV files (every problem at once, by file, line and column) and the standing
weekly plan (the same orders for the same week, quantities in whole grams)."""

from __future__ import annotations

from datetime import date, time, timedelta
from pathlib import Path

import pytest

from hub.schedule.batu import Batu
from hub.schedule.errors import DataFileError
from hub.schedule.orders import (
    PartnerOrder,
    Staple,
    TimeWindow,
    Unit,
    read_partner_orders,
    split_evenly,
)

GRADES = ("A", "B", "C")
HEADER = "order_id,partner_id,partner_name,lat,lon,product,grade,quantity,unit,delivery_date,window_from,window_to,priority"


def read(tmp_path: Path, batu: Batu, text: str, name: str = "orders.csv") -> list[PartnerOrder]:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return read_partner_orders(path, products=batu.products, grades=GRADES)


def problems(tmp_path: Path, batu: Batu, text: str) -> list[str]:
    with pytest.raises(DataFileError) as caught:
        read(tmp_path, batu, text)
    return [str(p).removeprefix(str(tmp_path) + "/") for p in caught.value.problems]


def test_a_good_file_gives_its_orders_in_integer_grams_and_crates(
    tmp_path: Path, batu: Batu
) -> None:
    orders = read(
        tmp_path,
        batu,
        f"{HEADER},address\n"
        'SO-1,DC-1,Supermarket DC,-7.95,112.64,WORTEL,A,40,crate,2026-11-30,03:00,07:00,2,"Jl. Raya 1, Malang"\n'
        "SO-2,DC-1,Supermarket DC,-7.95,112.64,TOMAT,B,12.5,kg,2026-11-30,03:00,07:00,,\n"
        "SO-3,SALAD-1,Salad producer,-7.92,112.60,SELADA,A,300000,g,2026-12-01,05:00,09:00,1,\n",
    )
    assert [(o.order_id, o.quantity, o.unit, o.priority) for o in orders] == [
        ("SO-1", 40, Unit.CRATE, 2),
        ("SO-2", 12_500, Unit.GRAM, 3),
        ("SO-3", 300_000, Unit.GRAM, 1),
    ]
    assert orders[0].window == TimeWindow(time(3), time(7))
    assert orders[0].partner is orders[1].partner
    assert orders[0].partner.address == "Jl. Raya 1, Malang"
    assert orders[2].delivery_date == date(2026, 12, 1)


def test_an_indonesian_spreadsheet_export_with_semicolons_and_decimal_commas_reads(
    tmp_path: Path, batu: Batu
) -> None:
    header = HEADER.replace(",", ";")
    (order,) = read(
        tmp_path,
        batu,
        f"\ufeff{header}\r\nSO-1;DC-1;Supermarket DC;-7,95;112,64;TOMAT;B;12,5;kg;2026-11-30;03:00;07:00;\r\n",
    )
    assert order.quantity == 12_500
    assert order.partner.place.lat == -7.95


def test_every_problem_in_a_file_is_reported_at_once_by_line_and_column(
    tmp_path: Path, batu: Batu
) -> None:
    found = problems(
        tmp_path,
        batu,
        f"{HEADER}\n"
        "SO-1,DC-1,Supermarket DC,-7.95,112.64,WORTL,A,40,crate,2026-11-31,07:00,03:00,2\n"
        "SO-2,DC-1,Supermarket DC,-7.95,112.64,TOMAT,D,12.5001,kg,2026-11-30,3 pagi,07:00,9\n"
        "SO-3,DC-1,Supermarket DC,-7.95,112.64,APEL,A,2.5,crate,2026-11-30,03:00,07:00,\n"
        "SO-4,,Supermarket DC,-7.95,112.64,APEL,A,-3,crate,2026-11-30,03:00,07:00,\n"
        "SO-1,DC-1,Supermarket DC,-7.96,112.64,APEL,A,3,crate,2026-11-30,03:00,07:00,\n"
        "SO-6,DC-1,Supermarket DC,-7.95,112.64,APEL,A,3,box,2026-11-30,03:00,07:00,\n"
        "SO-7,DC-1,Supermarket DC,-7.95,112.64,APEL,A,3\n",
    )
    assert found == [
        'orders.csv:2: product: unknown product "WORTL" (known: WORTEL, KENTANG, APEL, SELADA, TOMAT)',
        'orders.csv:2: delivery_date: "2026-11-31" is not a date like 2026-11-30',
        "orders.csv:2: window_to: the window closes before it opens at 07:00",
        'orders.csv:3: grade: unknown grade "D" (known: A, B, C)',
        "orders.csv:3: quantity: 12.5001 is not a whole number of grams",
        'orders.csv:3: window_from: "3 pagi" is not a time like 06:30',
        'orders.csv:3: priority: "9" is not a priority from 1 (most urgent) to 5',
        "orders.csv:4: quantity: 2.5 is not a whole number of crates",
        "orders.csv:5: partner_id: required but empty",
        "orders.csv:5: quantity: -3 is not more than zero",
        "orders.csv:6: lat: partner DC-1 has other coordinates on line 2",
        'orders.csv:7: unit: unknown unit "box" (known: g, kg, crate)',
        "orders.csv:8: (row): the row has 8 cells; the header has 13",
    ]


def test_a_quantity_beyond_what_one_order_may_ask_for_is_refused_by_line_and_column(
    tmp_path: Path, batu: Batu
) -> None:
    rest = "2026-11-30,03:00,07:00,"
    found = problems(
        tmp_path,
        batu,
        f"{HEADER}\n"
        f"SO-1,DC-1,Supermarket DC,-7.95,112.64,APEL,A,1000000000,kg,{rest}\n"
        f"SO-2,DC-1,Supermarket DC,-7.95,112.64,APEL,A,1000000000.001,kg,{rest}\n"
        f"SO-3,DC-1,Supermarket DC,-7.95,112.64,APEL,A,1000000,crate,{rest}\n"
        f"SO-4,DC-1,Supermarket DC,-7.95,112.64,APEL,A,1000001,crate,{rest}\n",
    )
    assert found == [
        "orders.csv:3: quantity: 1000000000.001 kg is more than one order may ask for (1,000,000 t)",
        "orders.csv:5: quantity: 1000001 crates is more than one order may ask for (1,000,000)",
    ]


def test_a_duplicate_order_id_names_the_line_it_was_first_used_on(
    tmp_path: Path, batu: Batu
) -> None:
    row = "DC-1,Supermarket DC,-7.95,112.64,APEL,A,3,crate,2026-11-30,03:00,07:00,"
    found = problems(tmp_path, batu, f"{HEADER}\nSO-1,{row}\n\nSO-1,{row}\n")
    assert found == ["orders.csv:4: order_id: this order id is already used on line 2"]


def test_a_quoted_cell_over_two_lines_keeps_later_line_numbers_right(
    tmp_path: Path, batu: Batu
) -> None:
    found = problems(
        tmp_path,
        batu,
        f"{HEADER}\n"
        'SO-1,DC-1,"Supermarket DC\nGudang 2",-7.95,112.64,APEL,A,3,crate,2026-11-30,03:00,07:00,\n'
        "SO-2,DC-2,Other DC,-7.95,112.64,APEL,Z,3,crate,2026-11-30,03:00,07:00,\n",
    )
    assert found == ['orders.csv:4: grade: unknown grade "Z" (known: A, B, C)']


def test_a_header_without_required_columns_or_with_unknown_ones_is_refused(
    tmp_path: Path, batu: Batu
) -> None:
    found = problems(tmp_path, batu, "order_id,partner,quantity\nSO-1,DC-1,3\n")
    assert found[0].startswith("orders.csv:1: partner: unknown column (known: order_id, ")
    assert (
        "orders.csv:1: partner_id: this column is required but the header does not have it" in found
    )
    assert len(found) == 1 + 10


def test_a_file_that_is_not_utf8_names_the_line(tmp_path: Path, batu: Batu) -> None:
    path = tmp_path / "orders.csv"
    path.write_bytes(f"{HEADER}\n".encode() + "SO-1,DC-1,Toko Bä".encode("latin-1"))
    with pytest.raises(DataFileError) as caught:
        read_partner_orders(path, products=batu.products, grades=GRADES)
    (problem,) = caught.value.problems
    assert (problem.line, problem.column) == (2, "(file)")
    assert "UTF-8" in str(problem)


def test_a_problem_reads_in_indonesian(tmp_path: Path, batu: Batu) -> None:
    with pytest.raises(DataFileError) as caught:
        read(
            tmp_path,
            batu,
            f"{HEADER}\nSO-1,DC-1,DC,-7.95,112.64,APEL,A,2.5,crate,2026-11-30,03:00,07:00,\n",
        )
    (problem,) = caught.value.problems
    assert problem.text("id").endswith("quantity: 2.5 bukan jumlah krat yang bulat")


def test_a_missing_file_is_reported_not_raised_raw(tmp_path: Path, batu: Batu) -> None:
    with pytest.raises(DataFileError, match="cannot read the file"):
        read_partner_orders(tmp_path / "nope.csv", products=batu.products, grades=GRADES)


# --- the standing weekly plan -------------------------------------------------------------


def test_the_standing_plan_sends_each_cooperative_its_weekly_staples_in_whole_grams(
    batu: Batu,
) -> None:
    week = batu.week()
    for cooperative in batu.cooperatives:
        drops = [s for s in week.staple_deliveries if s.cooperative == cooperative]
        by_staple = {
            staple: sum(s.quantity_g for s in drops if s.staple is staple) for staple in Staple
        }
        assert by_staple == {
            Staple.RICE: 2_000_000,
            Staple.COOKING_OIL: 200_000,
            Staple.SUGAR: 200_000,
        }
        assert len({s.delivery_date for s in drops}) == 2
        assert all(isinstance(s.quantity_g, int) for s in drops)


def test_the_standing_plan_gives_the_same_orders_for_the_same_week(batu: Batu) -> None:
    first, again = batu.week(), batu.standing.week(batu.week_of)
    assert first == again
    ids = [o.order_id for o in first.partner_orders]
    assert len(ids) == len(set(ids))
    assert "SO-2026W48-MON-DC1-WORTEL-A" in ids
    assert "ST-2026W48-THU-BMJ-BULUKERTO-RICE" in {s.ref for s in first.staple_deliveries}
    assert first.days() == [date(2026, 11, 23) + timedelta(days=d) for d in range(6)]


def test_a_week_must_start_on_a_monday(batu: Batu) -> None:
    with pytest.raises(ValueError, match="not a Monday"):
        batu.standing.week(date(2026, 11, 24))


@pytest.mark.parametrize(
    ("total", "parts", "shares"),
    [(2_000_000, 2, [1_000_000, 1_000_000]), (1_000, 3, [334, 333, 333]), (2, 3, [1, 1, 0])],
)
def test_a_weekly_amount_splits_into_integer_shares_that_add_up(
    total: int, parts: int, shares: list[int]
) -> None:
    assert split_evenly(total, parts) == shares
