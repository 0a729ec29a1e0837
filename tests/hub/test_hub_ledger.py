"""The stock ledger's rules, without a database: moves, balances, adjustments, FEFO."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from hub.domain.stock import (
    FARM,
    HUB,
    IN_TRANSIT,
    LOSS,
    BlockedStockError,
    InsufficientStockError,
    InvalidMoveError,
    Ledger,
    Location,
    Move,
    StockKey,
    StockLine,
    adjustment,
    balances,
    best_before,
    check_allocatable,
    offer,
    partner,
    station,
    write_off,
)

AT = datetime(2026, 11, 24, 1, 0, tzinfo=UTC)
APEL = StockKey("kdmp-punten", "apel", "A", "BTU-1")
PUNTEN = station("punten-1")


@pytest.mark.parametrize("grams", [0, -5, 1.5, True])
def test_a_move_must_be_a_positive_whole_number_of_grams(grams: object) -> None:
    with pytest.raises(InvalidMoveError):
        Move(APEL, FARM, PUNTEN, grams, AT)  # type: ignore[arg-type]


def test_a_move_from_a_place_to_itself_is_refused() -> None:
    with pytest.raises(InvalidMoveError, match="to itself"):
        Move(APEL, HUB, HUB, 10, AT)


def test_locations_read_back_from_their_text() -> None:
    for place in (PUNTEN, IN_TRANSIT, HUB, partner("superindo"), LOSS, FARM):
        assert Location.parse(str(place)) == place
    with pytest.raises(InvalidMoveError, match="not a stock location"):
        Location.parse("gudang")


def test_a_physical_location_cannot_be_overdrawn_by_a_plain_move() -> None:
    ledger = Ledger()
    ledger.post(Move(APEL, FARM, PUNTEN, 1_000, AT))
    with pytest.raises(InsufficientStockError, match="holds 1000 g"):
        ledger.post(Move(APEL, PUNTEN, IN_TRANSIT, 1_001, AT))
    assert ledger.balance(APEL, PUNTEN) == 1_000


def test_an_adjustment_may_go_below_zero_because_it_records_reason_and_operator() -> None:
    ledger = Ledger()
    move = ledger.post(adjustment(APEL, HUB, -500, at=AT, reason="count", operator="sari"))
    assert (move.source, move.destination, move.quantity_g) == (HUB, LOSS, 500)
    assert ledger.balance(APEL, HUB) == -500


@pytest.mark.parametrize(("reason", "operator"), [("", "sari"), ("count", " ")])
def test_an_adjustment_or_write_off_needs_a_reason_and_an_operator(
    reason: str, operator: str
) -> None:
    with pytest.raises(InvalidMoveError, match="reason and the operator"):
        adjustment(APEL, HUB, 10, at=AT, reason=reason, operator=operator)
    with pytest.raises(InvalidMoveError, match="reason and the operator"):
        write_off(APEL, HUB, 10, at=AT, reason=reason, operator=operator)


keys = st.sampled_from([APEL, StockKey("kdmp-punten", "apel", "B"), StockKey("k2", "jeruk", "A")])
places = st.sampled_from(
    [FARM, PUNTEN, station("punten-2"), IN_TRANSIT, HUB, LOSS, partner("superindo")]
)


@st.composite
def moves(draw: st.DrawFn) -> Move:
    source, destination = draw(st.lists(places, min_size=2, max_size=2, unique=True))
    reasoned = draw(st.booleans())
    return Move(
        draw(keys),
        source,
        destination,
        draw(st.integers(min_value=1, max_value=50_000)),
        AT,
        reason="count" if reasoned else None,
        operator="sari" if reasoned else None,
    )


@settings(max_examples=200, deadline=None)
@given(st.lists(moves(), max_size=60))
def test_balances_always_equal_the_sum_of_the_moves_accepted(attempts: list[Move]) -> None:
    ledger = Ledger()
    for move in attempts:
        try:
            ledger.post(move)
        except InsufficientStockError:
            continue
    derived = balances(ledger.posted)
    for (key, place), grams in derived.items():
        assert grams == sum(
            m.quantity_g for m in ledger.posted if m.key == key and m.destination == place
        ) - sum(m.quantity_g for m in ledger.posted if m.key == key and m.source == place)
        assert ledger.balance(key, place) == grams
    assert sum(derived.values()) == 0, "every gram that left a place arrived at another"


@settings(max_examples=200, deadline=None)
@given(st.lists(moves(), max_size=60))
def test_no_physical_balance_goes_negative_without_a_recorded_reason(attempts: list[Move]) -> None:
    ledger = Ledger()
    for move in attempts:
        try:
            ledger.post(move)
        except InsufficientStockError:
            assert not move.recorded_reason
    for (key, place), grams in balances(ledger.posted).items():
        if place.physical and grams < 0:
            assert any(
                m.recorded_reason and m.key == key and m.source == place for m in ledger.posted
            ), f"{place} went to {grams} g of {key} with no reason recorded"


@settings(max_examples=100, deadline=None)
@given(st.lists(moves().filter(lambda m: not m.recorded_reason), max_size=60))
def test_plain_moves_never_leave_a_physical_location_negative(attempts: list[Move]) -> None:
    ledger = Ledger()
    for move in attempts:
        try:
            ledger.post(move)
        except InsufficientStockError:
            continue
    assert all(
        grams >= 0 for (_key, place), grams in balances(ledger.posted).items() if place.physical
    )


def line(lot: str, expiry: date | None, grams: int = 1_000, recalled: bool = False) -> StockLine:
    return StockLine(StockKey("k", "apel", "A", lot), HUB, grams, expiry, recalled)


def test_best_before_is_the_pack_date_plus_the_shelf_life() -> None:
    assert best_before(date(2026, 11, 24), 14) == date(2026, 12, 8)


def test_stock_is_offered_earliest_expiry_first_never_expired_nor_recalled() -> None:
    today = date(2026, 11, 30)
    lines = [
        line("LATE", date(2026, 12, 20)),
        line("EXPIRED", date(2026, 11, 30)),
        line("SOON", date(2026, 12, 2)),
        line("RECALLED", date(2026, 12, 1), recalled=True),
        line("UNKNOWN", None),
    ]
    assert [x.key.lot for x in offer(lines, today)] == ["SOON", "LATE", "UNKNOWN"]
    assert lines[1].expired(today) and not lines[2].expired(today)


def test_allocation_refuses_recalled_expired_or_too_much_stock() -> None:
    today = date(2026, 11, 30)
    with pytest.raises(BlockedStockError, match="recall"):
        check_allocatable(line("R", date(2026, 12, 9), recalled=True), 1, today)
    with pytest.raises(BlockedStockError, match="expired"):
        check_allocatable(line("E", date(2026, 11, 29)), 1, today)
    with pytest.raises(InsufficientStockError):
        check_allocatable(line("S", date(2026, 12, 9), grams=10), 11, today)
    check_allocatable(line("S", date(2026, 12, 9), grams=10), 10, today)
