"""Technician commands under ``lumbung edge``: decode a capture, probe a port, list devices.

``add_commands(edge_subparsers)`` registers three subcommands; each sets ``handler`` in its
defaults, a function taking the parsed arguments and returning the exit code:

* ``decode``: bytes through a protocol's parser, one JSON object per reading: from a capture
  file or stdin, or live from ``--port`` the way the station reads it (the protocol's line
  settings or ``--line``, and its weight request sent every ``--poll-ms``).  ``--list`` names
  the protocols.
* ``probe PORT``: opens the port (any pyserial URL) at each protocol's factory line settings,
  listens, then sends the polled protocols' weight requests (never zero or tare: probing must
  not change what the scale shows), and ranks protocols by frames decoded, each with the last
  reading to compare with the indicator's display.  A line setting the port's driver refuses is
  skipped with a note.  It prints the ``[scale]`` block for the station file.
* ``devices``: serial ports with their stable by-id names, USB ids and a guess at what they
  are, and input devices that look like keyboard-wedge scanners.

Exit codes: 0 done, 1 nothing found or the port failed, 2 bad usage (an unknown protocol's
message lists the known ones).  This is the only module of the scale drivers that does I/O;
``serial`` is imported inside the commands that need it.
"""

from __future__ import annotations

import argparse
import io
import json
import os
import re
import sys
import termios
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, cast

from edge.drivers.base import (
    DriverError,
    DriverSpec,
    FrameParser,
    LineSettings,
    Reading,
    ReadingKind,
)
from edge.drivers.registry import DRIVERS, get_driver, make_parser

__all__ = ["add_commands"]

EXIT_OK, EXIT_NOT_FOUND, EXIT_USAGE = 0, 1, 2
SERIAL_BY_ID = Path("/dev/serial/by-id")
INPUT_BY_ID = Path("/dev/input/by-id")

# USB-serial bridges seen on indicator cables (vendor:product as the kernel reports them).
USB_GUESSES = {
    (0x0403, 0x6001): "FTDI FT232 USB-serial adapter",
    (0x0403, 0x6015): "FTDI FT-X USB-serial adapter",
    (0x067B, 0x2303): "Prolific PL2303 USB-serial adapter",
    (0x1A86, 0x7523): "QinHeng CH340 USB-serial adapter (common on indicator USB cables)",
    (0x10C4, 0xEA60): "Silicon Labs CP210x USB-serial adapter",
}
# Words in an input device's by-id name that mark a scanner (Odoo hw_scanner's heuristic).
SCANNER_WORDS = ("barcode", "scanner", "reader")

_READING_FIELDS = ("kind", "weight", "unit", "grams", "stable", "net")
# "9600", "9600 8N1", "1200 7O1": how probe prints line settings and --line takes them.
_LINE = re.compile(
    r"(?P<baud>[0-9]+)(?:[ -]?(?P<bits>[5-8])(?P<parity>[NEOMS])(?P<stop>1|1\.5|2))?"
)


def add_commands(edge_subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Register ``decode``, ``probe`` and ``devices`` under ``lumbung edge``."""
    decode = edge_subparsers.add_parser(
        "decode",
        help="decode scale bytes from a capture file, stdin or a live port",
        description="Feed raw bytes from a capture file, standard input or a live port "
        "(--port) through a protocol's parser and print one JSON object per reading: "
        '{"kind", "weight", "unit", "grams", "stable", "net"}.',
    )
    decode.add_argument("--list", action="store_true", help="list the protocols and exit")
    decode.add_argument("--protocol", metavar="NAME", help="protocol name (see --list)")
    decode.add_argument(
        "--set",
        metavar="KEY=VALUE",
        action="append",
        default=[],
        help="a protocol setting, e.g. unit=g; VALUE is read as JSON when it parses",
    )
    decode.add_argument(
        "--hex", action="store_true", help="the input is a hex dump (whitespace ignored)"
    )
    decode.add_argument("file", nargs="?", help="capture file (default: standard input)")
    live = decode.add_argument_group("reading a port live")
    live.add_argument(
        "--port", metavar="URL", help="read this port (device or pyserial URL) instead of a file"
    )
    live.add_argument(
        "--line",
        metavar="SETTINGS",
        help="line settings as probe prints them, e.g. '9600 8N1' or '1200' "
        "(default: the protocol's)",
    )
    live.add_argument(
        "--seconds", type=float, metavar="SECONDS", help="stop after this long (default: Ctrl-C)"
    )
    live.add_argument(
        "--poll-ms",
        type=int,
        default=200,
        metavar="MS",
        help="how often to send a polled protocol's weight request (default: 200, as the station)",
    )
    decode.set_defaults(handler=run_decode)

    probe = edge_subparsers.add_parser(
        "probe",
        help="find which protocol a scale on a port speaks",
        description="Listen on PORT at each protocol's factory line settings, send the polled "
        "protocols' weight requests (never zero or tare), and print a [scale] block for the "
        "station file.",
    )
    probe.add_argument("port", help="device or pyserial URL, e.g. /dev/ttyUSB0, socket://host:port")
    probe.add_argument(
        "--listen", type=float, default=1.5, metavar="SECONDS", help="time per line setting"
    )
    probe.add_argument(
        "--protocol", action="append", default=[], metavar="NAME", help="only try these"
    )
    probe.add_argument(
        "--baud", action="append", type=int, default=[], help="also try this baud rate"
    )
    probe.set_defaults(handler=run_probe)

    devices = edge_subparsers.add_parser(
        "devices",
        help="list serial ports and scanner-like input devices",
        description="List serial ports (by-id name, USB vendor:product and a guess) and "
        "input devices that look like keyboard-wedge barcode scanners.",
    )
    devices.set_defaults(handler=run_devices)


# --- decode -------------------------------------------------------------------------------


def _setting(text: str) -> tuple[str, Any]:
    key, sep, value = text.partition("=")
    if not sep or not key:
        raise ValueError(f"--set expects KEY=VALUE, got {text!r}")
    try:
        return key, json.loads(value)
    except json.JSONDecodeError:
        return key, value


def _chunks(stream: io.BufferedReader, *, hex_dump: bool) -> Iterator[bytes]:
    """The input as it arrives (``read1`` does not wait for a full buffer from a pipe)."""
    if hex_dump:
        yield bytes.fromhex("".join(stream.read().decode("ascii", "replace").split()))
        return
    while chunk := stream.read1(4096):
        yield chunk


def _input(path: str | None) -> io.BufferedReader:
    """The capture file, or standard input (a BufferedReader at run time; typeshed says
    BinaryIO)."""
    if path:
        return open(path, "rb")
    return cast(io.BufferedReader, sys.stdin.buffer)


def reading_json(reading: Reading) -> str:
    """One reading as the JSON line ``decode`` prints; the weight as the scale wrote it."""
    fields = {name: getattr(reading, name) for name in _READING_FIELDS}
    fields["kind"] = reading.kind.value
    fields["weight"] = None if reading.weight is None else str(reading.weight)
    return json.dumps(fields)


def parse_line(text: str, default: LineSettings) -> LineSettings:
    """``"9600 7E1"`` (or just the baud rate, keeping ``default``'s other settings)."""
    match = _LINE.fullmatch(text.strip())
    if match is None:
        raise ValueError(f"line settings look like '9600 8N1' or '1200', got {text!r}")
    if match.group("bits") is None:
        return LineSettings(
            int(match.group("baud")), default.bytesize, default.parity, default.stopbits
        )
    return LineSettings(
        int(match.group("baud")),
        int(match.group("bits")),
        match.group("parity"),
        float(match.group("stop")),
    )


def run_decode(args: argparse.Namespace) -> int:
    if args.list:
        for name, spec in DRIVERS.items():
            print(f"{name}  {spec.summary}")
        return EXIT_OK
    if not args.protocol:
        print("decode: give --protocol NAME (see --list)", file=sys.stderr)
        return EXIT_USAGE
    if args.port and args.file:
        print("decode: give a capture file or --port, not both", file=sys.stderr)
        return EXIT_USAGE
    try:
        settings = dict(_setting(text) for text in args.set)
        parser = make_parser(args.protocol, **settings)
        spec = get_driver(args.protocol)
        line = parse_line(args.line, spec.line) if args.line else spec.line
    except (DriverError, ValueError) as exc:
        print(f"decode: {exc}", file=sys.stderr)
        return EXIT_USAGE
    if args.port:
        return _decode_port(args, spec, line, parser)
    try:
        with _input(args.file) as stream:
            for chunk in _chunks(stream, hex_dump=args.hex):
                for reading in parser.feed(chunk):
                    print(reading_json(reading), flush=True)
    except (OSError, ValueError) as exc:
        print(f"decode: could not read {args.file or 'standard input'}: {exc}", file=sys.stderr)
        return EXIT_NOT_FOUND
    return EXIT_OK


def _decode_port(
    args: argparse.Namespace, spec: DriverSpec, line: LineSettings, parser: FrameParser
) -> int:
    """Read ``args.port`` through the station's own serial link until time is up or Ctrl-C.

    The link reports an unplugged or silent port on standard error and keeps retrying, as it
    does in the station.  Exit 0 once anything was decoded, else 1.
    """
    from edge.serial_port import SerialLink

    decoded = 0

    def on_data(data: bytes) -> None:
        nonlocal decoded
        for reading in parser.feed(data):
            decoded += 1
            print(reading_json(reading), flush=True)

    link = SerialLink(
        args.port,
        line,
        on_data=on_data,
        poll=spec.poll,
        poll_s=args.poll_ms / 1000,
        name="decode",
    )
    print(f"decode: reading {args.port} at {_line_text(line)} as {spec.name}", file=sys.stderr)
    link.start()
    try:
        threading.Event().wait(args.seconds)  # no --seconds: until Ctrl-C
    except KeyboardInterrupt:
        pass
    finally:
        link.stop()
    return EXIT_OK if decoded else EXIT_NOT_FOUND


# --- probe --------------------------------------------------------------------------------


@dataclass
class _Trial:
    spec: DriverSpec
    line: LineSettings
    parser: FrameParser
    readings: int = 0
    errors: int = 0
    last: Reading | None = None


def _line_text(line: LineSettings) -> str:
    return f"{line.baudrate} {line.bytesize}{line.parity}{line.stopbits:g}"


def _trials(names: list[str], bauds: list[int]) -> dict[LineSettings, list[_Trial]]:
    """Protocols to try, grouped by line settings so each setting opens the port once."""
    specs = [get_driver(name) for name in names] or [
        spec for name, spec in DRIVERS.items() if name != "generic"
    ]
    groups: dict[LineSettings, list[_Trial]] = {}
    for spec in specs:
        lines = [spec.line] + [
            LineSettings(baud, spec.line.bytesize, spec.line.parity, spec.line.stopbits)
            for baud in bauds
            if baud != spec.line.baudrate
        ]
        for line in lines:
            groups.setdefault(line, []).append(_Trial(spec, line, spec.make_parser()))
    return groups


def _listen(port: Any, trials: list[_Trial], seconds: float) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        data = port.read(256)
        for trial in trials:
            for reading in trial.parser.feed(data):
                if reading.kind is ReadingKind.ERROR:
                    trial.errors += 1
                else:
                    trial.readings += 1
                    trial.last = reading


def _probe_line(url: str, line: LineSettings, trials: list[_Trial], seconds: float) -> None:
    """Listen quietly first (continuous indicators), then poll each polled protocol once."""
    import serial

    with serial.serial_for_url(
        url,
        baudrate=line.baudrate,
        bytesize=line.bytesize,
        parity=line.parity,
        stopbits=line.stopbits,
        timeout=0.05,
    ) as port:
        port.reset_input_buffer()
        _listen(port, trials, seconds / 2)
        # A device that reads lines takes an unterminated request (8217's bare ``W``) as the
        # start of the next protocol's command, so unterminated requests go last.
        polls = sorted(
            dict.fromkeys(t.spec.poll for t in trials if t.spec.poll is not None),
            key=lambda poll: not poll.endswith((b"\r", b"\n", b"\x03")),
        )
        for poll in polls:
            port.write(poll)
            _listen(port, trials, seconds / 2 / len(polls))


def stable_path(port: str, by_id: Path = SERIAL_BY_ID) -> str:
    """The by-id name of ``port`` if it has one (it survives re-plugging), else ``port``."""
    if by_id.is_dir():
        target = os.path.realpath(port)
        for link in sorted(by_id.iterdir()):
            if os.path.realpath(link) == target:
                return str(link)
    return port


def _reading_text(reading: Reading | None) -> str:
    """A reading as a technician compares it with the indicator's display."""
    if reading is None or reading.kind is not ReadingKind.WEIGHT:
        return "nothing" if reading is None else reading.kind.value
    if reading.weight is None:
        return "in motion"
    motion = {True: "stable", False: "moving", None: "no stable flag"}[reading.stable]
    return f"{reading.weight} {reading.unit} ({motion})"


def run_probe(args: argparse.Namespace) -> int:
    import serial

    try:
        groups = _trials(args.protocol, args.baud)
    except DriverError as exc:
        print(f"probe: {exc}", file=sys.stderr)
        return EXIT_USAGE
    tried: list[_Trial] = []
    for line, trials in groups.items():
        print(f"listening at {_line_text(line)} for {', '.join(t.spec.name for t in trials)}")
        try:
            _probe_line(args.port, line, trials, args.listen)
        except serial.SerialException as exc:
            print(f"probe: could not open port {args.port}: {exc}", file=sys.stderr)
            return EXIT_NOT_FOUND
        except (ValueError, termios.error) as exc:
            print(f"  the port refused {_line_text(line)} ({exc}); skipped")
            continue
        tried.extend(trials)
    ranked = sorted((t for t in tried if t.readings), key=lambda t: (-t.readings, t.errors))
    for trial in ranked:
        print(
            f"  {trial.spec.name} at {_line_text(trial.line)}: {trial.readings} readings, "
            f"{trial.errors} bad frames; last: {_reading_text(trial.last)}"
        )
    if not ranked:
        print(
            "no protocol decoded a frame: check the cable (TX/RX crossed?), that the "
            "indicator's serial output is on, and try other rates with --baud"
        )
        return EXIT_NOT_FOUND
    best = ranked[0]
    print("\npaste into the station file:\n")
    print(
        f'[scale]\nprotocol = "{best.spec.name}"\nport = "{stable_path(args.port)}"\n'
        f"baudrate = {best.line.baudrate}\nbytesize = {best.line.bytesize}\n"
        f'parity = "{best.line.parity}"\nstopbits = {best.line.stopbits:g}'
    )
    if "unit" in best.spec.options:
        print('unit = "kg"    # for frames without a unit: the unit the indicator shows')
    return EXIT_OK


# --- devices ------------------------------------------------------------------------------


def serial_guess(device: str, vid: int | None, pid: int | None) -> str:
    if vid is not None and pid is not None and (vid, pid) in USB_GUESSES:
        return USB_GUESSES[(vid, pid)]
    if "ttyACM" in device:
        return "USB CDC-ACM device: a scale with its own USB port, or a scanner in USB-COM mode"
    if vid is not None:
        return "USB serial device"
    return "built-in serial port"


def scanner_inputs(by_id: Path = INPUT_BY_ID) -> list[tuple[str, str]]:
    """Keyboard event devices by id, with a guess whether each is a scanner."""
    if not by_id.is_dir():
        return []
    found = []
    for link in sorted(by_id.iterdir()):
        name = link.name.lower()
        if not name.endswith("-event-kbd"):
            continue
        if any(word in name for word in SCANNER_WORDS):
            found.append((str(link), "barcode scanner"))
        else:
            found.append((str(link), "keyboard (a scanner if it names no brand of keyboard)"))
    return found


def run_devices(args: argparse.Namespace) -> int:
    from serial.tools import list_ports

    ports = list_ports.comports()
    print("serial ports:" if ports else "serial ports: none")
    for port in ports:
        usb = (
            f"{port.vid:04x}:{port.pid:04x}"
            if port.vid is not None and port.pid is not None
            else "-"
        )
        print(f"  {stable_path(port.device)}")
        print(f"    device {port.device}, USB {usb}, {port.description}")
        print(f"    looks like: {serial_guess(port.device, port.vid, port.pid)}")
    inputs = scanner_inputs()
    print("keyboard-like input devices:" if inputs else "keyboard-like input devices: none")
    for path, guess in inputs:
        print(f"  {path}\n    looks like: {guess}")
    return EXIT_OK
