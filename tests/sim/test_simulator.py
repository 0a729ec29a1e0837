"""The simulator's script: crates, moving crates and faults, played onto a real pty, and
``lumbung sim scale`` as a process."""

from __future__ import annotations

import subprocess
import sys
import threading
from collections.abc import Callable
from pathlib import Path

import pytest

from edge.drivers.base import Reading, ReadingKind
from edge.serial_port import LinkState
from edge.sim.devices import (
    WOBBLE_G,
    Crate,
    Fault,
    Pace,
    PtyPort,
    ScriptError,
    SimulatedStation,
    parse_script,
)

from .harness import FRAME_INTERVAL_S, listening

FAST = Pace(before_load_s=0.02, settling_s=0.12, steady_s=0.35, empty_s=0.15, fault_s=0.35)


def test_a_script_mixes_crates_moving_crates_and_faults_in_order() -> None:
    assert parse_script("12.5, KRT-9=~8.25,ol,ERR,SILENT,UNPLUG,0.4") == [
        Crate("KRT-00001", 12_500),
        Crate("KRT-9", 8_250, settles=False),
        Fault.OVERLOAD,
        Fault.ERROR,
        Fault.SILENT,
        Fault.UNPLUG,
        Crate("KRT-00003", 400),
    ]


def test_crate_only_scripts_read_as_they_always_did() -> None:
    assert parse_script("KRT-1=12.5,KRT-2=8.25") == [Crate("KRT-1", 12_500), Crate("KRT-2", 8_250)]


@pytest.mark.parametrize("item", ["OVR", "12.5kg", "nan", "KRT-1=", "~"])
def test_a_bad_script_item_is_named_with_what_an_item_may_be(item: str) -> None:
    with pytest.raises(ScriptError, match=rf"{item!r}.*OL, ERR, SILENT, UNPLUG"):
        parse_script(f"12.5,{item}")


def first(readings: list[Reading], check: Callable[[Reading], bool]) -> int:
    return next(at for at, reading in enumerate(readings) if check(reading))


def test_a_scripted_day_with_faults_reaches_the_station_side_of_the_pty(tmp_path: Path) -> None:
    link = tmp_path / "scale"
    station = SimulatedStation(
        "mt-sics", PtyPort(link), None, FAST, frame_interval_s=FRAME_INTERVAL_S
    )
    episodes = parse_script("1.5,OL,~2,ERR,UNPLUG,SILENT,2.5")
    worker = threading.Thread(target=station.work, args=(episodes,), daemon=True)
    try:
        with listening(link, "mt-sics") as listener:
            worker.start()
            listener.reading_where(lambda r: r.grams == 2_500 and r.stable, timeout_s=10)
            readings, reports = list(listener.readings), list(listener.states)
    finally:
        station.stop()
        worker.join(timeout=5)
        station.scale.close()
    settled = first(readings, lambda r: r.grams == 1_500 and r.stable is True)
    overload = first(readings, lambda r: r.kind is ReadingKind.OVERLOAD)
    error = first(readings, lambda r: r.kind is ReadingKind.ERROR)
    assert settled < overload < error
    moving = [r for r in readings[overload:error] if r.grams]
    assert moving and all(r.stable is False for r in moving)
    assert {r.grams for r in moving} <= {2_000 + delta for delta in WOBBLE_G}
    states = [s for s in reports if s in (LinkState.OK, LinkState.UNPLUGGED, LinkState.SILENT)]
    assert states == [
        LinkState.OK,
        LinkState.UNPLUGGED,
        LinkState.OK,
        LinkState.SILENT,
        LinkState.OK,
    ]


def sim(*args: str) -> list[str]:
    return [sys.executable, "-m", "lumbung.cli", "sim", "scale", *args]


def test_sim_scale_serves_an_overload_episode_and_stops_cleanly_on_sigterm(
    tmp_path: Path,
) -> None:
    link = tmp_path / "scale"
    process = subprocess.Popen(
        sim("--protocol", "sma", "--link", str(link), "--script", "OL"),
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    try:
        assert process.stdout is not None
        assert b"simulated sma scale on /dev/pts/" in process.stdout.readline()
        with listening(link, "sma") as listener:
            empty = listener.reading_where(lambda r: r.grams == 0)
            assert empty.kind is ReadingKind.WEIGHT
            listener.reading_where(lambda r: r.kind is ReadingKind.OVERLOAD)
        process.terminate()
        assert process.wait(timeout=5) == 0
    finally:
        process.kill()
        process.wait()
        if process.stdout is not None:
            process.stdout.close()
    assert not link.is_symlink()


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--protocol", "sma", "--script", "12.5,BOOM"], "'BOOM' is not a crate"),
        (["--protocol", "xk3190", "--script", "12.5"], "unknown scale protocol 'xk3190'"),
    ],
)
def test_sim_scale_refuses_a_bad_script_or_protocol_with_exit_2(
    args: list[str], message: str, tmp_path: Path
) -> None:
    done = subprocess.run(
        sim(*args, "--link", str(tmp_path / "scale")), capture_output=True, timeout=30
    )
    assert done.returncode == 2
    assert message in done.stderr.decode()
    assert not (tmp_path / "scale").is_symlink()
