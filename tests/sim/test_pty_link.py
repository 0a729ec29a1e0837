"""Every protocol end to end over a real pseudo-terminal: the simulator's indicator on one side,
``SerialLink`` with the driver's line settings and poll request and the driver's parser on the
other, as the station agent wires them.  Includes pulling the USB adapter out and back in."""

from __future__ import annotations

from contextlib import closing
from pathlib import Path

import pytest

from edge.drivers.base import ReadingKind
from edge.drivers.registry import DRIVERS
from edge.serial_port import LinkState
from edge.sim.devices import PtyPort
from edge.sim.emulators import EMULATORS

from .harness import SILENT_AFTER_S, listening, pause, serving, simulated_scale

NAMES = sorted(DRIVERS)
OVERLOAD, ERROR = ReadingKind.OVERLOAD, ReadingKind.ERROR

# What each indicator puts on the wire while over range, and while it shows an error: a
# reading of this kind, or nothing at all (None), so the link goes silent.  The XK3190 command
# modes refuse the weight request (EOT), which is an error reading.
OVER_RANGE: dict[str, ReadingKind | None] = {
    "and": OVERLOAD,
    "cas": OVERLOAD,
    "generic": None,
    "keli-xk3118": ERROR,
    "mt-continuous": OVERLOAD,
    "mt-sics": OVERLOAD,
    "nci": OVERLOAD,
    "ohaus": None,
    "rinstrum": OVERLOAD,
    "sartorius-sbi": OVERLOAD,
    "sma": OVERLOAD,
    "toledo-8217": OVERLOAD,
    "xk3190-a12e": OVERLOAD,
    "xk3190-eq": None,
    "xk3190-eq-forward": None,
    "xk3190-tf0": None,
    "xk3190-tf1": ERROR,
    "xk3190-ww": None,
}
ON_ERROR: dict[str, ReadingKind | None] = {
    "and": None,
    "cas": None,
    "generic": None,
    "keli-xk3118": ERROR,
    "mt-continuous": ERROR,
    "mt-sics": ERROR,
    "nci": ERROR,
    "ohaus": None,
    "rinstrum": ERROR,
    "sartorius-sbi": ERROR,
    "sma": ERROR,
    "toledo-8217": ERROR,
    "xk3190-a12e": None,
    "xk3190-eq": None,
    "xk3190-eq-forward": None,
    "xk3190-tf0": None,
    "xk3190-tf1": ERROR,
    "xk3190-ww": None,
}


def test_the_tables_cover_every_registered_protocol() -> None:
    assert sorted(OVER_RANGE) == sorted(ON_ERROR) == sorted(EMULATORS) == NAMES


@pytest.mark.parametrize("name", NAMES)
def test_a_steady_load_arrives_as_its_grams(name: str, tmp_path: Path) -> None:
    link = tmp_path / "scale"
    flag = True if EMULATORS[name].has_stable_flag else None
    with serving(simulated_scale(name, link, grams=12_345)), listening(link, name) as listener:
        readings = listener.first_readings(3)
    assert [(r.kind, r.grams, r.stable) for r in readings] == [
        (ReadingKind.WEIGHT, 12_345, flag)
    ] * 3
    assert listener.states[-1] is LinkState.OK


@pytest.mark.parametrize("name", NAMES)
def test_a_moving_load_never_arrives_as_stable(name: str, tmp_path: Path) -> None:
    link = tmp_path / "scale"
    emulator = EMULATORS[name]
    with (
        serving(simulated_scale(name, link, grams=12_340, stable=False)),
        listening(link, name) as listener,
    ):
        readings = listener.first_readings(3)
    if not emulator.weighs_in_motion:
        expected = (ReadingKind.WEIGHT, None, False)
    else:
        expected = (ReadingKind.WEIGHT, 12_340, False if emulator.has_stable_flag else None)
    assert [(r.kind, r.grams, r.stable) for r in readings] == [expected] * 3


@pytest.mark.parametrize("name", NAMES)
def test_over_range_arrives_as_the_protocol_reports_it(name: str, tmp_path: Path) -> None:
    link = tmp_path / "scale"
    kind = OVER_RANGE[name]
    with (
        serving(simulated_scale(name, link, grams=12_345, overload=True)),
        listening(link, name) as listener,
    ):
        if kind is None:
            listener.state_after(LinkState.SILENT)
            assert listener.readings == []
        else:
            assert {r.kind for r in listener.first_readings(3)} == {kind}


@pytest.mark.parametrize("name", NAMES)
def test_an_indicator_error_arrives_as_an_error_or_as_silence(name: str, tmp_path: Path) -> None:
    link = tmp_path / "scale"
    kind = ON_ERROR[name]
    with (
        serving(simulated_scale(name, link, grams=12_345, error=True)),
        listening(link, name) as listener,
    ):
        if kind is None:
            listener.state_after(LinkState.SILENT)
            assert listener.readings == []
        else:
            assert {r.kind for r in listener.first_readings(3)} == {kind}


@pytest.mark.parametrize("name", [n for n in NAMES if DRIVERS[n].tare is not None])
def test_a_tare_sent_through_the_link_makes_the_scale_show_net_zero(
    name: str, tmp_path: Path
) -> None:
    link, tare = tmp_path / "scale", DRIVERS[name].tare
    assert tare is not None
    with (
        serving(simulated_scale(name, link, grams=1_500)) as scale,
        listening(link, name) as listener,
    ):
        listener.reading_where(lambda r: r.grams == 1_500)
        before = listener.count()
        assert listener.link.write(tare)
        net = listener.reading_where(lambda r: r.grams == 0, after=before)
        assert scale.state.tare_g == 1_500
        assert net.net is EMULATORS[name].shows_net
        replies = listener.readings[before:]
    assert [r for r in replies if r.kind is ReadingKind.ERROR] == []


@pytest.mark.parametrize("name", [n for n in NAMES if DRIVERS[n].zero is not None])
def test_a_zero_sent_through_the_link_makes_a_small_load_read_zero(
    name: str, tmp_path: Path
) -> None:
    link, zero = tmp_path / "scale", DRIVERS[name].zero
    assert zero is not None
    with (
        serving(simulated_scale(name, link, grams=12)) as scale,
        listening(link, name) as listener,
    ):
        listener.reading_where(lambda r: r.grams == 12)
        before = listener.count()
        assert listener.link.write(zero)
        listener.reading_where(lambda r: r.grams == 0, after=before)
        assert scale.state.grams == 0
        replies = listener.readings[before:]
    assert [r for r in replies if r.kind is ReadingKind.ERROR] == []


@pytest.mark.parametrize("name", NAMES)
def test_an_unplugged_adapter_is_reported_and_its_return_is_read_without_a_restart(
    name: str, tmp_path: Path
) -> None:
    link = tmp_path / "scale"
    with (
        serving(simulated_scale(name, link, grams=5_000)) as scale,
        listening(link, name) as listener,
    ):
        listener.reading_where(lambda r: r.grams == 5_000)
        reports = listener.state_after(LinkState.OK)
        scale.unplug()
        reports = listener.state_after(LinkState.UNPLUGGED, after=reports)
        scale.update(grams=7_250)
        before = listener.count()
        scale.plug_in()
        listener.state_after(LinkState.OK, after=reports)
        listener.reading_where(lambda r: r.grams == 7_250, after=before)


@pytest.mark.parametrize("name", NAMES)
def test_a_quiet_indicator_is_reported_silent_and_ok_again_when_it_talks(
    name: str, tmp_path: Path
) -> None:
    link = tmp_path / "scale"
    with (
        serving(simulated_scale(name, link, grams=5_000)) as scale,
        listening(link, name) as listener,
    ):
        reports = listener.state_after(LinkState.OK)
        scale.mute()
        reports = listener.state_after(LinkState.SILENT, after=reports)
        before = listener.count()
        scale.mute(False)
        listener.state_after(LinkState.OK, after=reports)
        listener.reading_where(lambda r: r.grams == 5_000, after=before)
        assert LinkState.UNPLUGGED not in listener.states


def test_a_link_that_now_leads_to_another_pty_is_followed_while_the_old_one_stays_open(
    tmp_path: Path,
) -> None:
    link = tmp_path / "scale"
    with (
        serving(simulated_scale("xk3190-tf0", link, grams=5_000)) as old,
        listening(link, "xk3190-tf0") as listener,
    ):
        reports = listener.state_after(LinkState.OK)
        old.mute()
        with serving(simulated_scale("xk3190-tf0", link, grams=9_000)):
            reports = listener.state_after(LinkState.SILENT, after=reports)
            reports = listener.state_after(LinkState.UNPLUGGED, after=reports)
            listener.state_after(LinkState.OK, after=reports)
            listener.reading_where(lambda r: r.grams == 9_000)


def test_a_port_that_stops_taking_bytes_is_reported_instead_of_hanging_the_link(
    tmp_path: Path,
) -> None:
    link = tmp_path / "scale"
    # Nobody serves the pty at first, so requests pile up in it until writes block.
    request = {"poll": b"?" * 4096, "poll_s": 0.001, "write_timeout_s": 0.1}
    with (
        closing(simulated_scale("xk3190-tf0", link, grams=3_000)) as scale,
        listening(link, "xk3190-tf0", **request) as listener,
    ):
        at = listener.state_after(LinkState.UNPLUGGED)
        assert "Write timeout" in listener.reasons[at - 1]
        with serving(scale):
            listener.state_after(LinkState.OK, after=at)
            listener.reading_where(lambda r: r.grams == 3_000)


def test_a_port_that_does_not_exist_yet_is_unplugged_until_the_scale_appears(
    tmp_path: Path,
) -> None:
    link = tmp_path / "scale"
    with listening(link, "sma") as listener:
        listener.state_after(LinkState.UNPLUGGED)
        pause(3 * SILENT_AFTER_S)
        assert set(listener.states) == {LinkState.UNPLUGGED}
        with serving(simulated_scale("sma", link, grams=2_000)):
            listener.state_after(LinkState.OK)
            listener.reading_where(lambda r: r.grams == 2_000)


def test_closing_a_pty_leaves_a_newer_pty_on_the_same_link_alone(tmp_path: Path) -> None:
    link = tmp_path / "scale"
    with PtyPort(link) as old, PtyPort(link) as new:
        old.close()
        assert link.resolve() == Path(new.slave_name)
    assert not link.exists() and not link.is_symlink()


def test_a_link_path_that_is_a_real_file_is_never_replaced(tmp_path: Path) -> None:
    taken = tmp_path / "station.toml"
    taken.write_text("[station]\n")
    with pytest.raises(FileExistsError, match="not a symlink"):
        PtyPort(taken)
    assert taken.read_text() == "[station]\n"
