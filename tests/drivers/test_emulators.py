"""Each emulator speaks what its parser reads: round trips, commands, partial input."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from edge.drivers.base import Reading, ReadingKind, UnknownProtocolError
from edge.drivers.registry import DRIVERS, make_parser
from edge.sim.emulators import EMULATORS, ScaleState, emulator_for

NAMES = sorted(EMULATORS)


def served(name: str, state: ScaleState) -> bytes:
    """What the host receives: a continuous frame, or the reply to the protocol's poll."""
    emulator = emulator_for(name)
    poll = DRIVERS[name].poll
    if emulator.continuous or poll is None:
        return emulator.frame(state)
    return emulator.receive(poll, state)


def decode(name: str, data: bytes) -> list[Reading]:
    return make_parser(name).feed(data)


@pytest.mark.parametrize("name", NAMES)
@settings(max_examples=40, deadline=None)
@given(data=st.data(), stable=st.booleans())
def test_a_frame_decodes_to_the_state_it_was_made_from(
    name: str, data: st.DataObject, stable: bool
) -> None:
    emulator = EMULATORS[name]()
    grams = data.draw(st.integers(emulator.min_g, emulator.max_g))
    state = ScaleState(grams=grams, stable=stable)
    (reading,) = decode(name, served(name, state))
    assert reading.kind is ReadingKind.WEIGHT
    if not stable and not emulator.weighs_in_motion:
        assert (reading.grams, reading.stable) == (None, False)
        return
    assert reading.grams == grams
    assert reading.stable is (stable if emulator.has_stable_flag else None)
    assert reading.net is False


@pytest.mark.parametrize("name", [n for n in NAMES if EMULATORS[n].shows_net])
@settings(max_examples=20, deadline=None)
@given(tare_g=st.integers(1, 20_000), net_g=st.integers(0, 50_000))
def test_a_net_weight_round_trips_with_its_net_flag(name: str, tare_g: int, net_g: int) -> None:
    state = ScaleState(grams=tare_g + net_g, tare_g=tare_g)
    (reading,) = decode(name, served(name, state))
    assert (reading.grams, reading.net) == (net_g, True)


# Formats that document no over-range frame send nothing; the rest say overload.
SILENT_WHEN_OVER = {
    "ohaus",
    "xk3190-tf0",
    "xk3190-tf1",
    "keli-xk3118",
    "xk3190-eq",
    "xk3190-eq-forward",
    "xk3190-ww",
    "generic",
}


@pytest.mark.parametrize("name", NAMES)
def test_overload_is_never_served_as_a_weight(name: str) -> None:
    readings = decode(name, served(name, ScaleState(grams=5000, overload=True)))
    kinds = [r.kind for r in readings if r.kind is not ReadingKind.ERROR]
    assert kinds == ([] if name in SILENT_WHEN_OVER else [ReadingKind.OVERLOAD])


@pytest.mark.parametrize("name", NAMES)
def test_an_indicator_error_is_never_served_as_a_weight(name: str) -> None:
    readings = decode(name, served(name, ScaleState(grams=5000, error=True)))
    assert [r for r in readings if r.kind is ReadingKind.WEIGHT and r.grams is not None] == []


@pytest.mark.parametrize("name", [n for n in NAMES if DRIVERS[n].tare is not None])
def test_the_tare_command_stores_the_load_as_tare(name: str) -> None:
    tare = DRIVERS[name].tare
    assert tare is not None
    state = ScaleState(grams=1500)
    emulator_for(name).receive(tare, state)
    assert state.tare_g == 1500


@pytest.mark.parametrize("name", [n for n in NAMES if DRIVERS[n].tare is not None])
def test_the_tare_command_is_refused_while_the_scale_moves(name: str) -> None:
    tare = DRIVERS[name].tare
    assert tare is not None
    state = ScaleState(grams=1500, stable=False)
    emulator_for(name).receive(tare, state)
    assert state.tare_g == 0


@pytest.mark.parametrize("name", [n for n in NAMES if DRIVERS[n].zero is not None])
def test_the_zero_command_makes_the_present_load_zero(name: str) -> None:
    zero = DRIVERS[name].zero
    assert zero is not None
    state = ScaleState(grams=12)
    emulator_for(name).receive(zero, state)
    assert state.grams == 0


@pytest.mark.parametrize("name", [n for n in NAMES if DRIVERS[n].poll is not None])
def test_a_request_split_into_single_bytes_gets_the_same_reply(name: str) -> None:
    poll = DRIVERS[name].poll
    assert poll is not None
    state = ScaleState(grams=2500)
    emulator = emulator_for(name)
    split = b"".join(emulator.receive(bytes([byte]), state) for byte in poll)
    assert split == emulator_for(name).receive(poll, state)


@pytest.mark.parametrize("name", NAMES)
@settings(max_examples=30, deadline=None)
@given(noise=st.binary(max_size=100))
def test_host_garbage_never_crashes_an_emulator(name: str, noise: bytes) -> None:
    emulator_for(name).receive(noise, ScaleState(grams=1000))


def test_mt_sics_sir_streams_until_the_next_command() -> None:
    emulator, state = emulator_for("mt-sics"), ScaleState(grams=1234, stable=False)
    assert emulator.receive(b"SIR\r\n", state) == b"S D      1.234 kg\r\n"
    assert emulator.continuous is True
    emulator.receive(b"TA\r\n", state)
    assert emulator.continuous is False


def test_mt_sics_answers_tare_with_the_tare_value_and_unknown_with_es() -> None:
    emulator, state = emulator_for("mt-sics"), ScaleState(grams=2486)
    assert emulator.receive(b"T\r\nXYZ\r\n", state) == b"T S      2.486 kg\r\nES\r\n"


def test_mt_sics_stable_request_is_refused_while_in_motion() -> None:
    reply = emulator_for("mt-sics").receive(b"S\r\n", ScaleState(grams=5, stable=False))
    assert reply == b"S I\r\n"


def test_and_indicator_echoes_performed_commands_and_refuses_when_busy() -> None:
    emulator = emulator_for("and")
    assert emulator.receive(b"MZ\r\n", ScaleState(grams=3)) == b"MZ\r\n"
    assert emulator.receive(b"MT\r\n", ScaleState(grams=3, stable=False)) == b"I\r\n"
    assert emulator.receive(b"XX\r\n", ScaleState()) == b"?\r\n"


def test_xk3190_command_mode_answers_tare_and_refuses_unknown_commands() -> None:
    from edge.drivers import xk3190

    emulator = emulator_for("xk3190-tf1")
    state = ScaleState(grams=5000, tare_g=1250)
    (tare,) = decode("xk3190-tf1", emulator.receive(xk3190.encode_request("C"), state))
    assert (tare.kind, tare.tare_g) == (ReadingKind.ACK, 1250)
    (refused,) = decode("xk3190-tf1", emulator.receive(xk3190.encode_request("Q"), state))
    assert refused.kind is ReadingKind.ERROR


def test_an_unknown_protocol_has_no_emulator() -> None:
    with pytest.raises(UnknownProtocolError, match="xk3190-a12e"):
        emulator_for("nope")
