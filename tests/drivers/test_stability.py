"""Stability filter and capture gate rules."""

from __future__ import annotations

import pytest

from edge.drivers.base import Reading, ReadingKind
from edge.drivers.stability import CaptureGate, StabilityFilter


def weighing(grams: int, stable: bool | None = True, *, net: bool = False) -> Reading:
    return Reading(ReadingKind.WEIGHT, b"", None, "g", grams, stable, net)


OVERLOAD = Reading(ReadingKind.OVERLOAD, b"")


def run(flt: StabilityFilter, readings: list[Reading], *, every_ms: int = 100) -> list[bool]:
    return [flt.push(reading, at * every_ms) for at, reading in enumerate(readings)]


def test_steady_readings_become_stable_only_once_the_window_is_full() -> None:
    verdicts = run(StabilityFilter(span_g=5, window_ms=500), [weighing(1000)] * 8)
    assert verdicts == [False] * 5 + [True] * 3


def test_readings_within_the_span_count_as_steady() -> None:
    readings = [weighing(1000 + (i % 2) * 5) for i in range(8)]
    assert run(StabilityFilter(span_g=5, window_ms=500), readings)[-1] is True


def test_a_swing_beyond_the_span_restarts_settling() -> None:
    readings = [weighing(1000)] * 6 + [weighing(1100)] + [weighing(1000)] * 6
    verdicts = run(StabilityFilter(span_g=5, window_ms=500), readings)
    assert verdicts[5] is True
    # The swing at 600 ms stays in the window until settled readings span 500 ms again.
    assert verdicts[6:12] == [False] * 6
    assert verdicts[12] is True


def test_unstable_reading_is_never_stable_even_in_a_settled_window() -> None:
    readings = [weighing(1000)] * 8 + [weighing(1000, stable=False)]
    assert run(StabilityFilter(span_g=5, window_ms=500), readings)[-1] is False


def test_a_format_without_a_flag_relies_on_the_window_alone() -> None:
    verdicts = run(StabilityFilter(span_g=5, window_ms=500), [weighing(1000, None)] * 7)
    assert verdicts == [False] * 5 + [True] * 2


def test_the_scale_flag_alone_is_not_enough() -> None:
    assert StabilityFilter(window_ms=500).push(weighing(1000, True), 0) is False


def test_a_silence_longer_than_the_window_restarts_it() -> None:
    flt = StabilityFilter(span_g=5, window_ms=500)
    run(flt, [weighing(1000)] * 8)
    assert flt.push(weighing(1000), 10_000) is False


def test_a_clock_going_backwards_restarts_it() -> None:
    flt = StabilityFilter(span_g=5, window_ms=500)
    run(flt, [weighing(1000)] * 8)
    assert flt.push(weighing(1000), 100) is False


def test_overload_and_errors_empty_the_window() -> None:
    readings = [weighing(1000)] * 6 + [OVERLOAD] + [weighing(1000)] * 3
    verdicts = run(StabilityFilter(span_g=5, window_ms=500), readings)
    assert verdicts[6:] == [False] * 4


def test_switching_between_gross_and_net_restarts_the_window() -> None:
    readings = [weighing(1000)] * 6 + [weighing(1000, net=True)]
    assert run(StabilityFilter(span_g=5, window_ms=500), readings)[-1] is False


def test_a_motion_status_without_weight_is_not_stable() -> None:
    motion = Reading(ReadingKind.WEIGHT, b"", stable=False)
    assert StabilityFilter().push(motion, 0) is False


@pytest.mark.parametrize("kwargs", [{"span_g": -1}, {"window_ms": 0}])
def test_a_filter_with_an_impossible_window_is_refused(kwargs: dict[str, int]) -> None:
    with pytest.raises(ValueError, match="window_ms"):
        StabilityFilter(**kwargs)


def test_a_stable_load_is_captured_once() -> None:
    gate = CaptureGate(zero_band_g=20)
    assert [gate.offer(weighing(5000), stable=True) for _ in range(3)] == [True, False, False]


def test_the_scale_must_return_near_zero_before_the_next_capture() -> None:
    gate = CaptureGate(zero_band_g=20)
    assert gate.offer(weighing(5000), stable=True)
    assert not gate.offer(weighing(100), stable=True)
    assert not gate.offer(weighing(5000), stable=True)
    assert not gate.offer(weighing(15), stable=False)
    assert gate.offer(weighing(5200), stable=True)


def test_a_load_already_on_the_scale_at_start_up_is_captured() -> None:
    assert CaptureGate().offer(weighing(7000), stable=True)


def test_unstable_reading_is_never_captured() -> None:
    gate = CaptureGate()
    assert not gate.offer(weighing(5000, stable=False), stable=False)
    assert gate.offer(weighing(5000), stable=True)


def test_swapping_crates_without_emptying_the_platform_is_not_a_new_capture() -> None:
    gate = CaptureGate(zero_band_g=20)
    gate.offer(weighing(5000), stable=True)
    assert not gate.offer(weighing(9000), stable=False)
    assert not gate.offer(weighing(9000), stable=True)


def test_a_negative_net_after_lifting_a_tared_crate_means_the_load_is_off() -> None:
    gate = CaptureGate(zero_band_g=20)
    gate.offer(weighing(5000, net=True), stable=True)
    gate.offer(weighing(-1200, net=True), stable=True)
    assert gate.offer(weighing(5100, net=True), stable=True)


def test_readings_within_the_zero_band_are_never_loads() -> None:
    assert not CaptureGate(zero_band_g=20).offer(weighing(20), stable=True)


def test_errors_neither_capture_nor_reopen_the_gate() -> None:
    gate = CaptureGate()
    gate.offer(weighing(5000), stable=True)
    assert not gate.offer(OVERLOAD, stable=False)
    assert not gate.offer(weighing(5000), stable=True)


def test_filter_and_gate_together_capture_one_settled_crate() -> None:
    flt, gate = StabilityFilter(span_g=5, window_ms=300), CaptureGate(zero_band_g=20)
    grams = [
        0,
        0,
        3000,
        4800,
        5010,
        5000,
        5002,
        5001,
        5000,
        5000,
        5001,
        0,
        0,
        4000,
        4000,
        4000,
        4000,
        4000,
    ]
    captured = [
        g
        for at, g in enumerate(grams)
        if gate.offer(weighing(g), stable=flt.push(weighing(g), at * 100))
    ]
    assert captured == [5000, 4000]
