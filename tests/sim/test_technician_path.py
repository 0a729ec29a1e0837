"""A technician's path from an unknown scale to its ``[scale]`` block, against simulated
indicators on real pseudo-terminals: ``probe`` names the protocol and line settings without
changing what the scale shows, ``decode --port`` reads it the way the station will."""

from __future__ import annotations

import argparse
import json
import tomllib
from pathlib import Path

import pytest

from edge.config import ScaleSection
from edge.drivers.registry import DRIVERS
from edge.sim.emulators import ScaleState
from edge.technician import add_commands

from .harness import serving, simulated_scale


def run(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="lumbung edge")
    add_commands(parser.add_subparsers(dest="command", required=True))
    args = parser.parse_args(argv)
    code: int = args.handler(args)
    return code


def scale_block(out: str) -> ScaleSection:
    """The ``[scale]`` block probe printed, read as the station file will read it."""
    block = out[out.index("[scale]") :]
    return ScaleSection.model_validate(tomllib.loads(block)["scale"])


# Every protocol on a line setting of its own would take a probe of each; these are the
# ones the simulator's pty can stand for: continuous and polled at 8N1 (each probed among all
# protocols), and the 7E1 retail protocols, probed among the two that share their setting.
PROBES = [
    pytest.param("xk3190-tf0", [], id="xk3190-tf0 among all"),
    pytest.param("mt-sics", [], id="mt-sics polled among all"),
    pytest.param("xk3190-tf1", [], id="xk3190-tf1 polled among all"),
    pytest.param("cas", [], id="cas binary lamp byte among all"),
    pytest.param("toledo-8217", ["toledo-8217", "nci"], id="toledo-8217 at 7E1"),
    pytest.param("nci", ["toledo-8217", "nci"], id="nci at 7E1"),
]


@pytest.mark.parametrize(("name", "among"), PROBES)
def test_probe_names_the_protocol_and_line_settings_without_touching_the_scale(
    name: str, among: list[str], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    link = tmp_path / "scale"
    only = [arg for protocol in among for arg in ("--protocol", protocol)]
    with serving(simulated_scale(name, link, grams=12_345)) as scale:
        assert run(["probe", str(link), "--listen", "0.3", *only]) == 0
        assert scale.state == ScaleState(grams=12_345)
    out = capsys.readouterr().out
    config = scale_block(out)
    line = DRIVERS[name].line
    assert (config.protocol, config.port) == (name, str(link))
    assert (config.baudrate, config.bytesize, config.parity, config.stopbits) == (
        line.baudrate,
        line.bytesize,
        line.parity,
        line.stopbits,
    )
    best = next(text for text in out.splitlines() if text.startswith(f"  {name} at "))
    assert best.endswith("last: 12.345 kg (stable)") or best.endswith(
        "last: 12.345 kg (no stable flag)"
    )


def test_decode_reads_a_polled_scale_live_at_its_line_settings(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    link = tmp_path / "scale"
    argv = ["decode", "--protocol", "nci", "--port", str(link), "--seconds", "0.4"]
    with serving(simulated_scale("nci", link, grams=4_250)) as scale:
        assert run([*argv, "--poll-ms", "50"]) == 0
        scale.update(stable=False)
        assert run([*argv, "--poll-ms", "50", "--line", "4800"]) == 0
    out, err = capsys.readouterr()
    assert "at 9600 7E1 as nci" in err and "at 4800 7E1 as nci" in err
    objects = [json.loads(line) for line in out.splitlines()]
    steady = ("4.250", 4_250, True)
    moving = (None, None, False)
    seen = [(item["weight"], item["grams"], item["stable"]) for item in objects]
    assert seen[0] == steady and seen[-1] == moving
    assert set(seen) == {steady, moving}


def test_decode_of_a_continuous_scale_takes_the_unit_the_frames_lack(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    link = tmp_path / "scale"
    with serving(simulated_scale("xk3190-tf0", link, grams=2_500)):
        argv = ["decode", "--protocol", "xk3190-tf0", "--set", "unit=g", "--port", str(link)]
        assert run([*argv, "--seconds", "0.3"]) == 0
    objects = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert objects and {(o["weight"], o["unit"], o["stable"]) for o in objects} == {
        ("2.500", "g", None)
    }


def test_decode_of_a_port_that_never_answers_exits_1(tmp_path: Path) -> None:
    assert (
        run(["decode", "--protocol", "sma", "--port", str(tmp_path / "no"), "--seconds", "0.2"])
        == 1
    )


@pytest.mark.parametrize(
    "argv",
    [
        ["--line", "9600 9X1"],
        ["--port", "loop://", "capture.bin"],
    ],
)
def test_decode_refuses_bad_live_options_with_exit_2(argv: list[str]) -> None:
    assert run(["decode", "--protocol", "sma", *argv]) == 2
