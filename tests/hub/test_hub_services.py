"""Stock, trace and recall services over ``FakeUnitOfWork``; identifiers read from labels."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from hub_fakes import FakeUnitOfWork
from hub_world import APEL_B, COOP, STATION, T0, Script, records, seed_catalog

from hub.api.schemas import TraceOut, trace_json
from hub.domain.stock import HUB, IN_TRANSIT, LOSS, BlockedStockError, StockKey, station
from hub.domain.trace import (
    OrderRecord,
    RecallError,
    RecallScope,
    TripRecord,
    UnknownCodeError,
    interpret,
)
from hub.services import ConflictError, NotFoundError
from hub.services.projection import project_pending
from hub.services.stock import ReweighedCrate, dispatch, pick, receive, stock
from hub.services.trace import create_recall, release_recall, trace_code
from labels.gs1 import check_digit

LOT = "BTU-2611-A1"


@pytest.fixture
def uow() -> FakeUnitOfWork:
    """Three crates weighed (one voided and weighed again) and closed into lot BTU-2611-A1."""
    uow = FakeUnitOfWork()
    seed_catalog(uow)
    script = Script()
    script.weigh("KRT-1", 12_000)
    script.weigh("KRT-2", 10_000, member="AGT-002")
    wrong = script.weigh("KRT-3", 5_000)
    script.void(wrong)
    script.weigh("KRT-3", 5_500, product=APEL_B)
    script.close_lot(LOT, ["KRT-1", "KRT-2", "KRT-3"], 27_500)
    uow.store.add_events(records(script.events))
    project_pending(uow)
    return uow


def add_order(uow: FakeUnitOfWork, order_id: str = "ORD-1") -> None:
    with uow:
        uow.orders.add_trip(TripRecord("TRIP-1", "L300 AG 1234", T0.date(), ({"order": order_id},)))
        uow.orders.add_order(
            OrderRecord(
                order_id,
                "superindo-malang",
                "apel",
                "A",
                20_000,
                T0,
                T0 + timedelta(days=1),
                "planned",
                "TRIP-1",
            )
        )
        uow.commit()


def test_a_dispatch_moves_whole_lots_into_transit_under_a_new_sscc(uow: FakeUnitOfWork) -> None:
    record = dispatch(uow, lots=[LOT], departed_at=T0 + timedelta(hours=2), operator="budi")
    assert record.sscc == "089955550000000013" and check_digit(record.sscc[:-1]) == 3
    in_transit = _balances(uow, IN_TRANSIT)
    assert in_transit == {
        StockKey(COOP, "apel", "A", LOT): 22_000,
        StockKey(COOP, "apel", "B", LOT): 5_500,
    }
    assert _balances(uow, station(STATION)) == {}
    assert uow.store.audit[-1].action == "dispatch"


def _balances(uow: FakeUnitOfWork, place: object) -> dict[StockKey, int]:
    return {line.key: line.quantity_g for line in stock(uow, location=place)}  # type: ignore[arg-type]


def test_sscc_serials_are_never_handed_out_twice(uow: FakeUnitOfWork) -> None:
    script = Script(station="punten-2")
    script.weigh("KRT-9", 4_000)
    script.close_lot("BTU-2611-B1", ["KRT-9"], 4_000)
    uow.store.add_events(records(script.events, first_id=100))
    project_pending(uow)
    first = dispatch(uow, lots=[LOT], departed_at=T0, operator="budi")
    second = dispatch(uow, lots=["BTU-2611-B1"], departed_at=T0, operator="budi")
    assert first.sscc is not None and second.sscc is not None
    assert int(second.sscc[8:17]) == int(first.sscc[8:17]) + 1


def test_a_lot_leaves_once_and_a_dispatch_leaves_one_station(uow: FakeUnitOfWork) -> None:
    dispatch(uow, lots=[LOT], departed_at=T0, operator="budi")
    with pytest.raises(ConflictError, match="already left"):
        dispatch(uow, lots=[LOT], departed_at=T0, operator="budi", code="OTHER")
    with pytest.raises(NotFoundError, match="no closed lot NOPE") as caught:
        dispatch(uow, lots=["NOPE"], departed_at=T0, operator="budi")
    assert caught.value.field == "lots"


def test_receiving_records_each_crates_shrinkage_and_moves_the_rest_to_the_hub(
    uow: FakeUnitOfWork,
) -> None:
    sent = dispatch(uow, lots=[LOT], departed_at=T0, operator="budi")
    (result,) = receive(
        uow,
        dispatch_code=sent.code,
        crates=[ReweighedCrate("KRT-1", 11_700), ReweighedCrate("KRT-2", 10_050)],
        received_at=T0 + timedelta(hours=3),
        operator="sari",
    )
    assert (result.village_net_g, result.hub_net_g, result.shrinkage_g) == (27_500, 27_250, 250)
    assert {line.weighing_id: line.shrinkage_g for line in result.receipt.lines} == {
        1: 300,
        2: -50,
        5: 0,
    }
    assert _balances(uow, HUB) == {
        StockKey(COOP, "apel", "A", LOT): 21_750,
        StockKey(COOP, "apel", "B", LOT): 5_500,
    }
    assert _balances(uow, IN_TRANSIT) == {}
    loss = [m for m in uow.store.moves if m.destination == LOSS]
    assert [(m.quantity_g, m.reason, m.operator) for m in loss] == [(250, "shrinkage", "sari")]


def test_receiving_by_crate_ids_finds_their_dispatch_and_never_receives_a_crate_twice(
    uow: FakeUnitOfWork,
) -> None:
    dispatch(uow, lots=[LOT], departed_at=T0, operator="budi")
    (result,) = receive(
        uow, crates=[ReweighedCrate("KRT-3", 5_300)], received_at=T0, operator="sari"
    )
    assert result.dispatch_code == f"DSP-{LOT}" and result.shrinkage_g == 200
    with pytest.raises(NotFoundError, match="KRT-3 is in transit"):
        receive(uow, crates=[ReweighedCrate("KRT-3")], received_at=T0, operator="sari")
    (rest,) = receive(uow, dispatch_code=f"DSP-{LOT}", received_at=T0, operator="sari")
    assert len(rest.receipt.lines) == 2 and rest.shrinkage_g == 0
    with pytest.raises(ConflictError, match="nothing left"):
        receive(uow, dispatch_code=f"DSP-{LOT}", received_at=T0, operator="sari")


def test_picking_follows_recalls_until_they_are_released(uow: FakeUnitOfWork) -> None:
    add_order(uow)
    sent = dispatch(uow, lots=[LOT], departed_at=T0, operator="budi")
    receive(uow, dispatch_code=sent.code, received_at=T0, operator="sari")
    report = create_recall(
        uow,
        scope=RecallScope(member="AGT-002"),
        reason="residu pestisida",
        operator="admin",
        at=T0 + timedelta(hours=4),
    )
    assert report.weighings == 1 and [lot.id for lot in report.downstream.lots] == [LOT]
    assert all(line.recalled for line in report.stock)
    with pytest.raises(BlockedStockError, match="recall"):
        pick(uow, order_id="ORD-1", lot=LOT, quantity_g=5_000, operator="sari", at=T0)
    release_recall(uow, report.recall.id, operator="admin", at=T0 + timedelta(hours=5))
    with pytest.raises(RecallError, match="already released"):
        release_recall(uow, report.recall.id, operator="admin", at=T0)
    move = pick(uow, order_id="ORD-1", lot=LOT, quantity_g=5_000, operator="sari", at=T0)
    assert str(move.destination) == "partner/superindo-malang" and move.order_id == "ORD-1"


def test_picking_never_takes_expired_stock(uow: FakeUnitOfWork) -> None:
    add_order(uow)
    sent = dispatch(uow, lots=[LOT], departed_at=T0, operator="budi")
    receive(uow, dispatch_code=sent.code, received_at=T0, operator="sari")
    with pytest.raises(BlockedStockError, match="expired on 2026-12-08"):
        pick(
            uow,
            order_id="ORD-1",
            lot=LOT,
            quantity_g=1_000,
            operator="sari",
            at=T0,
            today=date(2026, 12, 8),
        )


def test_a_recall_covers_a_lot_closed_after_it_was_made(uow: FakeUnitOfWork) -> None:
    report = create_recall(
        uow, scope=RecallScope(member="AGT-003"), reason="uji", operator="a", at=T0
    )
    assert report.weighings == 0
    script = Script(station="punten-2")
    script.weigh("KRT-7", 3_000, member="AGT-003")
    script.close_lot("BTU-LATE", ["KRT-7"], 3_000)
    uow.store.add_events(records(script.events, first_id=200))
    project_pending(uow)
    assert [line.recalled for line in stock(uow, location=None, lots=["BTU-LATE"])] == [True]


def test_a_recall_must_name_something_and_give_a_reason() -> None:
    with pytest.raises(RecallError, match="must name"):
        RecallScope()
    with pytest.raises(RecallError, match="reason"):
        create_recall(FakeUnitOfWork(), scope=RecallScope(lot=LOT), reason=" ", operator="a", at=T0)


def test_the_trace_of_a_lot_reaches_from_the_members_to_the_partners_and_trips(
    uow: FakeUnitOfWork,
) -> None:
    add_order(uow)
    sent = dispatch(uow, lots=[LOT], departed_at=T0, operator="budi")
    receive(uow, dispatch_code=sent.code, received_at=T0, operator="sari")
    pick(uow, order_id="ORD-1", lot=LOT, quantity_g=5_000, operator="sari", at=T0)
    found = trace_code(uow, f"https://id.gs1.org/01/18995555000010/10/{LOT}?13=261124")
    assert found.matched == "lot"
    assert [w.crate for w in found.backward.weighings] == ["KRT-1", "KRT-2", "KRT-3"]
    assert found.backward.member_ids == ["AGT-001", "AGT-002"]
    assert [d.code for d in found.forward.dispatches] == [sent.code]
    assert found.forward.partners == ["superindo-malang"]
    assert [t.id for t in found.forward.trips] == ["TRIP-1"]
    document = TraceOut.model_validate_json(trace_json(found))
    assert [w.crate for w in document.backward.weighings] == ["KRT-1", "KRT-2", "KRT-3"]
    assert document.forward.receipts[0].lines[0].village_net_g == 12_000
    crate = trace_code(uow, "KRT-3")
    assert crate.matched == "crate" and [w.product for w in crate.backward.weighings] == ["apel"]
    assert crate.backward.weighings[0].grade == "B", "the voided first weighing is not the crate"
    assert trace_code(uow, sent.sscc or "").matched == "sscc"
    with pytest.raises(UnknownCodeError):
        trace_code(uow, "KRT-404")


@pytest.mark.parametrize(
    ("code", "sscc", "gtin", "lot", "plain"),
    [
        ("KRT-00001", None, None, None, "KRT-00001"),
        ("BTU-2611-A1", None, None, None, "BTU-2611-A1"),
        ("10203040", None, None, None, "10203040"),
        ("089955550000000013", "089955550000000013", None, None, "089955550000000013"),
        ("(00)089955550000000013", "089955550000000013", None, None, None),
        ("(01)18995555000010(10)BTU-2611-A1", None, "18995555000010", "BTU-2611-A1", None),
        (
            "]C10118995555000010132611243102001250\x1d10BTU-2611-A1",
            None,
            "18995555000010",
            "BTU-2611-A1",
            None,
        ),
        ("011899555500001010BTU-2611-A1", None, "18995555000010", "BTU-2611-A1", None),
        (
            "https://id.gs1.org/01/18995555000010/10/BTU-2611-A1?13=261124",
            None,
            "18995555000010",
            "BTU-2611-A1",
            None,
        ),
        ("https://id.gs1.org/00/089955550000000013", "089955550000000013", None, None, None),
    ],
)
def test_a_code_from_a_label_is_read_for_what_it_names(
    code: str, sscc: str | None, gtin: str | None, lot: str | None, plain: str | None
) -> None:
    ids = interpret(code)
    assert (ids.sscc, ids.gtin, ids.lot, ids.plain) == (sscc, gtin, lot, plain)


def test_an_empty_code_names_nothing() -> None:
    with pytest.raises(UnknownCodeError):
        interpret("  ")
