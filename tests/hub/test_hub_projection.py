"""Station events into weighings, lots and moves: the pure rules, and the projection service
over the fake unit of work."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from hub_fakes import FakeUnitOfWork
from hub_world import APEL_A, APEL_B, COOP, STATION, T0, Script, records, seed_catalog

from hub.domain.projection import HUB_TZ, Anchor, ProjectionContext, event_time, project
from hub.domain.stock import FARM, PACKING, StockKey, balances, station
from hub.services.projection import project_pending

PUNTEN = station(STATION)
GRADES = {APEL_A: ("apel", "A"), APEL_B: ("apel", "B")}


def test_a_weighing_becomes_stock_at_its_station() -> None:
    script = Script()
    script.weigh("KRT-1", 12_000)
    result = project(records(script.events), ProjectionContext(grades=GRADES))
    (weighing,) = result.weighings
    assert (weighing.product, weighing.grade, weighing.net_g) == ("apel", "A", 12_000)
    assert balances(result.moves) == {
        (StockKey(COOP, "apel", "A"), PUNTEN): 12_000,
        (StockKey(COOP, "apel", "A"), FARM): -12_000,
    }


def test_an_unregistered_product_code_stands_for_itself() -> None:
    script = Script()
    script.weigh("KRT-1", 5_000, product="PRD-NANAS")
    (weighing,) = project(records(script.events), ProjectionContext()).weighings
    assert (weighing.product, weighing.grade) == ("PRD-NANAS", "-")


def test_a_void_reverses_its_weighing_with_the_supervisor_as_operator() -> None:
    script = Script()
    kept = script.weigh("KRT-1", 12_000)
    wrong = script.weigh("KRT-2", 9_000)
    script.void(wrong, supervisor="SPV-07")
    result = project(records(script.events), ProjectionContext(grades=GRADES))
    voided = {w.event_id: w.voided_by for w in result.weighings if w.voided_by_event_id}
    assert voided == {wrong.event_id: "SPV-07"}
    assert balances(result.moves)[(StockKey(COOP, "apel", "A"), PUNTEN)] == kept.net_g
    (undo,) = [m for m in result.moves if m.reason == "void"]
    assert (undo.source, undo.destination, undo.operator) == (PUNTEN, FARM, "SPV-07")


def test_a_lot_close_packs_the_open_weighings_of_its_crates_per_product() -> None:
    script = Script()
    script.weigh("KRT-1", 12_000)
    script.weigh("KRT-2", 10_000, product=APEL_B)
    script.weigh("KRT-3", 7_000)
    script.close_lot("BTU-1", ["KRT-1", "KRT-2"], 22_000)
    result = project(records(script.events), ProjectionContext(grades=GRADES))
    (lot,) = result.lots
    assert (lot.id, lot.crate_count, lot.net_g, lot.station_net_g) == ("BTU-1", 2, 22_000, 22_000)
    assert lot.pack_date == T0.astimezone(HUB_TZ).date()
    assert {w.crate: w.lot for w in result.weighings} == {
        "KRT-1": "BTU-1",
        "KRT-2": "BTU-1",
        "KRT-3": None,
    }
    on_hand = {k: g for (k, place), g in balances(result.moves).items() if place == PUNTEN}
    assert on_hand == {
        StockKey(COOP, "apel", "A", "BTU-1"): 12_000,
        StockKey(COOP, "apel", "B", "BTU-1"): 10_000,
        StockKey(COOP, "apel", "A"): 7_000,
    }
    packing: dict[tuple[str, str], int] = {}
    for (key, place), grams in balances(result.moves).items():
        if place == PACKING:
            packing[(key.product, key.grade)] = packing.get((key.product, key.grade), 0) + grams
    assert set(packing.values()) == {0}, "packing changes the lot, never the quantity"


def test_a_lot_close_naming_an_unknown_crate_and_a_reused_lot_id_are_problems() -> None:
    script = Script()
    script.weigh("KRT-1", 12_000)
    script.close_lot("BTU-1", ["KRT-1", "KRT-404"], 12_000)
    script.weigh("KRT-2", 8_000)
    script.close_lot("BTU-1", ["KRT-2"], 8_000)
    result = project(records(script.events), ProjectionContext(grades=GRADES))
    messages = [p.message for p in result.problems]
    assert any("KRT-404" in m for m in messages)
    assert any("never reused" in m for m in messages)
    assert [lot.id for lot in result.lots] == ["BTU-1"]


def test_a_crate_weighed_again_after_its_lot_joins_the_next_lot_with_its_new_weighing() -> None:
    script = Script()
    script.weigh("KRT-1", 12_000)
    script.close_lot("BTU-1", ["KRT-1"], 12_000)
    second = script.weigh("KRT-1", 11_000)
    script.close_lot("BTU-2", ["KRT-1"], 11_000)
    result = project(records(script.events), ProjectionContext(grades=GRADES))
    assert {w.event_id: w.lot for w in result.weighings}[second.event_id] == "BTU-2"


def test_an_unsynchronised_clock_is_corrected_from_a_synchronised_event_of_the_same_boot() -> None:
    script = Script(synced=False)
    early = records([script.weigh("KRT-1", 5_000)], received_at=T0 + timedelta(hours=5))[0]
    anchor = Anchor(datetime(2026, 11, 24, 3, 0, tzinfo=UTC), early.monotonic_ms + 60_000)
    assert event_time(early, {1: anchor}) == (
        anchor.station_time - timedelta(minutes=1),
        "corrected",
    )
    assert event_time(early, {}) == (T0 + timedelta(hours=5), "received")


def test_projection_runs_in_seq_order_only_up_to_the_contiguous_seq() -> None:
    uow = FakeUnitOfWork()
    seed_catalog(uow)
    script = Script()
    first = script.weigh("KRT-1", 12_000)
    script.void(first)
    script.weigh("KRT-2", 10_000)
    events = records(script.events)
    uow.store.add_events([events[1], events[2]])
    assert project_pending(uow).events == 0, "seq 1 is missing: nothing is contiguous"
    uow.store.add_events([events[0]])
    summary = project_pending(uow)
    assert (summary.events, summary.weighings, summary.voids) == (3, 2, 1)
    assert project_pending(uow).events == 0, "each event is projected once"
    assert len(uow.store.moves) == 3


def test_projection_problems_go_to_the_audit_log() -> None:
    uow = FakeUnitOfWork()
    script = Script()
    script.close_lot("BTU-9", ["KRT-404"], 1_000)
    uow.store.add_events(records(script.events))
    assert project_pending(uow).problems == 1
    (entry,) = uow.store.audit
    assert entry.action == "projection_problem" and "KRT-404" in str(entry.detail)
