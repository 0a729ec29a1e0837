"""The technician commands, run through argparse as ``lumbung edge`` will run them."""

from __future__ import annotations

import argparse
import json
import os
import select
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from edge.drivers.base import LineSettings
from edge.drivers.registry import DRIVERS
from edge.sim.emulators import ScaleState, emulator_for
from edge.technician import add_commands, parse_line, scanner_inputs, serial_guess, stable_path

from . import frames


def run(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="lumbung edge")
    add_commands(parser.add_subparsers(dest="command", required=True))
    args = parser.parse_args(argv)
    code: int = args.handler(args)
    return code


def test_decode_list_prints_each_protocol_name_first(capsys: pytest.CaptureFixture[str]) -> None:
    assert run(["decode", "--list"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert [line.split()[0] for line in lines] == list(DRIVERS)
    assert all(len(line.split()) > 1 for line in lines)


def test_decode_prints_one_json_object_per_frame(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    capture = tmp_path / "scale.bin"
    capture.write_bytes(frames.AND_NET + frames.AND_OVERLOAD + b"US,GS,-0001.00kg\r\n")
    assert run(["decode", "--protocol", "and", str(capture)]) == 0
    objects = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert objects == [
        {
            "kind": "weight",
            "weight": "12.34",
            "unit": "kg",
            "grams": 12340,
            "stable": True,
            "net": True,
        },
        {
            "kind": "overload",
            "weight": None,
            "unit": None,
            "grams": None,
            "stable": None,
            "net": False,
        },
        {
            "kind": "weight",
            "weight": "-1.00",
            "unit": "kg",
            "grams": -1000,
            "stable": False,
            "net": False,
        },
    ]


def test_decode_reads_a_hex_dump_and_protocol_settings(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    capture = tmp_path / "dump.txt"
    capture.write_text(frames.TF0_1560.hex(" ").upper() + "\n")
    assert (
        run(["decode", "--protocol", "xk3190-tf0", "--set", "unit=lb", "--hex", str(capture)]) == 0
    )
    (line,) = capsys.readouterr().out.splitlines()
    assert json.loads(line)["unit"] == "lb"


def test_decode_of_an_unknown_protocol_exits_2_naming_the_known_ones(
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert run(["decode", "--protocol", "xk3190"]) == 2
    err = capsys.readouterr().err
    assert "xk3190" in err and "xk3190-a12e" in err and "mt-sics" in err


@pytest.mark.parametrize("setting", ["unit=catty", "colour=red", "nonsense"])
def test_decode_with_a_bad_setting_exits_2(
    setting: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert run(["decode", "--protocol", "cas", "--set", setting]) == 2
    assert capsys.readouterr().err.startswith("decode: ")


def test_decode_without_a_protocol_exits_2() -> None:
    assert run(["decode"]) == 2


def test_decode_of_a_missing_file_exits_1(tmp_path: Path) -> None:
    assert run(["decode", "--protocol", "and", str(tmp_path / "none.bin")]) == 1


@pytest.mark.parametrize("command", ["decode", "probe", "devices"])
def test_every_subcommand_has_help(command: str, capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exited:
        run([command, "--help"])
    assert exited.value.code == 0
    assert len(capsys.readouterr().out) > 200


@pytest.fixture
def scale_on_a_pty(request: pytest.FixtureRequest) -> Iterator[str]:
    """A pseudo-terminal with an emulated scale on its far side; yields the port name."""
    name: str = request.param
    master, slave = os.openpty()
    stop = threading.Event()
    emulator, state = emulator_for(name), ScaleState(grams=12345)

    def serve() -> None:
        next_frame = 0.0
        while not stop.is_set():
            readable, _, _ = select.select([master], [], [], 0.02)
            if readable:
                os.write(master, emulator.receive(os.read(master, 256), state))
            if emulator.continuous and time.monotonic() >= next_frame:
                os.write(master, emulator.frame(state))
                next_frame = time.monotonic() + 0.1

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    yield os.ttyname(slave)
    stop.set()
    thread.join()
    os.close(slave)
    os.close(master)


@pytest.mark.parametrize("scale_on_a_pty", ["and", "mt-sics"], indirect=True)
def test_probe_finds_the_protocol_and_prints_the_scale_block(
    scale_on_a_pty: str, request: pytest.FixtureRequest, capsys: pytest.CaptureFixture[str]
) -> None:
    name = request.node.callspec.params["scale_on_a_pty"]
    argv = [
        "probe",
        scale_on_a_pty,
        "--listen",
        "0.6",
        "--protocol",
        "and",
        "--protocol",
        "mt-sics",
    ]
    assert run(argv) == 0
    out = capsys.readouterr().out
    assert f'protocol = "{name}"' in out
    assert "[scale]" in out and f"baudrate = {DRIVERS[name].line.baudrate}" in out


def test_probe_of_a_missing_port_exits_1(tmp_path: Path) -> None:
    assert run(["probe", str(tmp_path / "ttyUSB9"), "--protocol", "and", "--listen", "0.1"]) == 1


def test_probe_of_an_unknown_protocol_exits_2() -> None:
    assert run(["probe", "loop://", "--protocol", "nope"]) == 2


def test_probe_of_a_silent_port_finds_nothing() -> None:
    assert run(["probe", "loop://", "--protocol", "xk3190-tf0", "--listen", "0.2"]) == 1


def test_a_port_is_suggested_by_its_stable_by_id_name(tmp_path: Path) -> None:
    device = tmp_path / "ttyUSB0"
    device.touch()
    by_id = tmp_path / "by-id"
    by_id.mkdir()
    (by_id / "usb-FTDI_FT232R_USB_UART_A1B2-if00-port0").symlink_to(device)
    assert stable_path(str(device), by_id) == str(
        by_id / "usb-FTDI_FT232R_USB_UART_A1B2-if00-port0"
    )
    assert stable_path("/dev/ttyS0", tmp_path / "absent") == "/dev/ttyS0"


def test_keyboard_event_devices_are_listed_with_a_scanner_guess(tmp_path: Path) -> None:
    for name in (
        "usb-Honeywell_Barcode_Scanner-event-kbd",
        "usb-Logitech_USB_Keyboard-event-kbd",
        "usb-Logitech_Mouse-event-mouse",
    ):
        (tmp_path / name).touch()
    found = dict(scanner_inputs(tmp_path))
    assert found[str(tmp_path / "usb-Honeywell_Barcode_Scanner-event-kbd")] == "barcode scanner"
    assert str(tmp_path / "usb-Logitech_Mouse-event-mouse") not in found
    assert len(found) == 2


@pytest.mark.parametrize(
    ("device", "vid", "pid", "guess"),
    [
        ("/dev/ttyUSB0", 0x1A86, 0x7523, "CH340"),
        ("/dev/ttyUSB0", 0x067B, 0x2303, "PL2303"),
        ("/dev/ttyACM0", 0x1234, 0x5678, "CDC-ACM"),
        ("/dev/ttyS0", None, None, "built-in"),
    ],
)
def test_serial_devices_get_a_guess_from_their_usb_ids(
    device: str, vid: int | None, pid: int | None, guess: str
) -> None:
    assert guess in serial_guess(device, vid, pid)


def test_devices_lists_what_this_machine_has(capsys: pytest.CaptureFixture[str]) -> None:
    assert run(["devices"]) == 0
    assert "serial ports" in capsys.readouterr().out


@pytest.mark.parametrize(
    ("text", "line"),
    [
        ("9600 7E1", LineSettings(9600, 7, "E", 1)),
        ("1200 8N2", LineSettings(1200, 8, "N", 2)),
        ("4800", LineSettings(4800, 7, "O", 1)),
        (" 19200-8N1 ", LineSettings(19200, 8, "N", 1)),
    ],
)
def test_line_settings_are_read_the_way_probe_prints_them(text: str, line: LineSettings) -> None:
    assert parse_line(text, LineSettings(1200, 7, "O", 1)) == line


@pytest.mark.parametrize("text", ["", "fast", "9600 9N1", "9600 8X1", "8N1"])
def test_line_settings_that_are_not_a_baud_rate_and_format_are_refused(text: str) -> None:
    with pytest.raises(ValueError, match="9600 8N1"):
        parse_line(text, LineSettings())
