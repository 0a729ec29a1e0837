"""The packing workflow as the packer lives it: scans, a steady load, one capture per crate."""

from __future__ import annotations

import itertools

import pytest

from edge.config import ScanKind, WorkflowSection
from edge.workflow import (
    TRANSITIONS,
    Capture,
    CloseLot,
    Event,
    LoadRemoved,
    Notice,
    Output,
    Scanned,
    State,
    Station,
    Tick,
    Void,
    WeightSettled,
    WorkflowError,
)

FULL = WorkflowSection(
    require=[ScanKind.MEMBER, ScanKind.PRODUCT, ScanKind.CRATE],
    min_net_g=500,
    default_tare_g=0,
    crate_tares_g={"krat-besar": 1800},
    timeout_s=120,
    supervisor_codes=["SPV-PUNTEN-01"],
)


def run(station: Station, *events: Event) -> list[Output]:
    outputs: list[Output] = []
    for event in events:
        outputs.extend(station.handle(event))
    return outputs


def captures(outputs: list[Output]) -> list[Capture]:
    return [o for o in outputs if isinstance(o, Capture)]


def test_every_state_and_event_pair_has_a_rule() -> None:
    for state, event_type in itertools.product(State, (Scanned, WeightSettled, LoadRemoved)):
        assert (state, event_type) in TRANSITIONS


@pytest.mark.parametrize(
    "order",
    list(itertools.permutations(["AGT-0042", "PRD-WORTEL-A", "KRT-000123"])),
)
def test_required_scans_may_come_in_any_order(order: tuple[str, ...]) -> None:
    station = Station(FULL)
    outputs = run(station, *(Scanned(code) for code in order), WeightSettled(12_430))
    assert captures(outputs) == [
        Capture(
            crate="KRT-000123",
            member="AGT-0042",
            product="PRD-WORTEL-A",
            gross_g=12_430,
            tare_g=0,
            net_g=12_430,
            raw_weight=None,
            raw_unit=None,
        )
    ]


def test_a_steady_load_before_the_scans_is_not_captured() -> None:
    station = Station(FULL)
    outputs = run(station, Scanned("AGT-0042"), WeightSettled(12_430))
    assert captures(outputs) == []
    assert outputs[-1] == Notice("scan_first", (("what", "product"),))


def test_a_crate_is_captured_once_until_the_load_comes_off() -> None:
    station = Station(WorkflowSection(require=[ScanKind.CRATE], min_net_g=500))
    outputs = run(
        station,
        Scanned("KRT-1"),
        WeightSettled(9_000),
        WeightSettled(9_000),
        Scanned("KRT-2"),
        WeightSettled(9_005),
    )
    assert [c.crate for c in captures(outputs)] == ["KRT-1"]
    outputs = run(station, LoadRemoved(), WeightSettled(11_000))
    assert [c.crate for c in captures(outputs)] == ["KRT-2"]


def test_a_crate_lighter_than_the_minimum_is_refused_with_the_reason() -> None:
    station = Station(WorkflowSection(require=[ScanKind.CRATE], min_net_g=500, default_tare_g=1800))
    outputs = run(station, Scanned("KRT-1"), WeightSettled(2_100))
    assert outputs[-1] == Notice("too_light", (("net_g", 300), ("min_g", 500)))
    assert station.state is State.READY


def test_tare_comes_from_the_scanned_crate_type_then_the_default_then_the_scale() -> None:
    section = WorkflowSection(require=[ScanKind.CRATE], crate_tares_g={"krat-besar": 1800})
    station = Station(section)
    (typed,) = captures(
        run(station, Scanned("JNS-krat-besar"), Scanned("KRT-1"), WeightSettled(10_000))
    )
    assert (typed.tare_g, typed.net_g) == (1_800, 8_200)
    run(station, LoadRemoved())
    (from_scale,) = captures(
        run(station, Scanned("KRT-2"), WeightSettled(10_000, scale_tare_g=950))
    )
    assert (from_scale.tare_g, from_scale.net_g) == (950, 9_050)
    with_default = Station(WorkflowSection(require=[ScanKind.CRATE], default_tare_g=1_100))
    (default,) = captures(
        run(with_default, Scanned("KRT-3"), WeightSettled(10_000, scale_tare_g=950))
    )
    assert default.tare_g == 1_100


def test_an_unfinished_weighing_resets_after_the_timeout() -> None:
    station = Station(FULL)
    run(station, Tick(1000.0), Scanned("AGT-0042"))
    assert run(station, Tick(1119.0)) == []
    assert run(station, Tick(1120.0)) == [Notice("timed_out")]
    assert station.state is State.IDLE
    assert captures(run(station, Scanned("PRD-X"), Scanned("KRT-1"), WeightSettled(9_000))) == []


def test_a_supervisor_voids_the_last_weighing_and_the_lot_forgets_it() -> None:
    station = Station(WorkflowSection(require=[ScanKind.CRATE], supervisor_codes=["SPV-1"]))
    run(station, Scanned("KRT-1"), WeightSettled(9_000), LoadRemoved())
    run(station, Scanned("KRT-2"), WeightSettled(7_000), LoadRemoved())
    outputs = run(station, Scanned("SPV-1"))
    assert isinstance(outputs[0], Void) and outputs[0].capture.crate == "KRT-2"
    assert run(station, Scanned("SPV-1")) == [Notice("nothing_to_void")]
    assert run(station, Scanned("LOT-2026-11-24-A")) == [
        CloseLot(lot="2026-11-24-A", crates=("KRT-1",), net_g=9_000)
    ]


def test_an_unknown_supervisor_code_voids_nothing() -> None:
    station = Station(WorkflowSection(require=[ScanKind.CRATE], supervisor_codes=["SPV-1"]))
    run(station, Scanned("KRT-1"), WeightSettled(9_000))
    assert run(station, Scanned("SPV-9")) == [Notice("void_refused", (("code", "SPV-9"),))]


def test_closing_an_empty_lot_is_refused() -> None:
    assert run(Station(FULL), Scanned("LOT-A")) == [Notice("lot_empty")]


def test_an_event_outside_the_table_names_itself_and_the_state() -> None:
    station = Station(FULL)
    with pytest.raises(WorkflowError, match="event str is not allowed in state IDLE"):
        station.handle("hello")  # type: ignore[arg-type]
