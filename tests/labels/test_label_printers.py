"""Printer transports against real seams: a loopback raw-9100 server, a stand-in lp, a folder."""

from __future__ import annotations

import socket
import stat
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from loopback_printer import LoopbackPrinter

from labels.printers import (
    CupsPrinter,
    Job,
    PrinterAddressError,
    PrinterConnectionError,
    PrinterJobError,
    RawTcpPrinter,
    SpoolPrinter,
    UnknownPrinterError,
    open_printer,
)

JOB = Job(b"^XA^FO10,10^A0N,30,30^FDUji^FS^XZ\n" * 50, "zpl", "crate-BTU-2507-A1")


@pytest.fixture
def raw_printer() -> Iterator[LoopbackPrinter]:
    server = LoopbackPrinter()
    yield server
    server.stop()


def _closed_port() -> int:
    with socket.create_server(("127.0.0.1", 0)) as probe:
        port: int = probe.getsockname()[1]
    return port


def test_the_raw_printer_receives_exactly_the_job_bytes(raw_printer: LoopbackPrinter) -> None:
    printer = open_printer(f"tcp://127.0.0.1:{raw_printer.port}")
    assert printer.send(JOB) == f"127.0.0.1:{raw_printer.port}"
    assert raw_printer.received(1, timeout_s=5) == [JOB.data]


def test_each_job_is_its_own_connection(raw_printer: LoopbackPrinter) -> None:
    printer = RawTcpPrinter("127.0.0.1", raw_printer.port)
    second = Job(b"^XA^XZ", "zpl")
    printer.send(JOB)
    printer.send(second)
    assert raw_printer.received(2, timeout_s=5) == [JOB.data, second.data]


def test_a_printer_that_refuses_the_connection_is_named_by_host_and_port() -> None:
    port = _closed_port()
    with pytest.raises(PrinterConnectionError) as caught:
        RawTcpPrinter("127.0.0.1", port, timeout=2).send(JOB)
    assert caught.value.printer == f"127.0.0.1:{port}"
    assert f"127.0.0.1:{port}" in str(caught.value)
    assert isinstance(caught.value.__cause__, OSError)


def test_the_raw_port_defaults_to_9100() -> None:
    printer = open_printer("tcp://printer.local")
    assert isinstance(printer, RawTcpPrinter)
    assert (printer.host, printer.port) == ("printer.local", 9100)


def test_an_ipv6_printer_address_is_written_with_brackets() -> None:
    printer = open_printer("tcp://[::1]:9101")
    assert isinstance(printer, RawTcpPrinter)
    assert printer.url == "tcp://[::1]:9101"


@pytest.fixture
def fake_lp(tmp_path: Path) -> Path:
    """An executable standing in for CUPS ``lp``: records its arguments and standard input."""
    script = tmp_path / "lp"
    script.write_text(
        f"#!{sys.executable}\n"
        "import os, sys\n"
        "out = os.path.join(os.path.dirname(sys.argv[0]), 'lp-record')\n"
        "data = sys.stdin.buffer.read()\n"
        "open(out + '.args', 'w').write('\\n'.join(sys.argv[1:]))\n"
        "open(out + '.data', 'wb').write(data)\n"
        "if '-d' in sys.argv and sys.argv[sys.argv.index('-d') + 1] == 'offline':\n"
        "    sys.stderr.write('lp: The printer or class does not exist.\\n')\n"
        "    sys.exit(1)\n"
        "print('request id is zebra-42 (1 file(s))')\n"
    )
    script.chmod(script.stat().st_mode | stat.S_IXUSR)
    return script


def test_cups_sends_zpl_raw_to_the_queue(fake_lp: Path) -> None:
    printer = CupsPrinter("zebra", lp_command=str(fake_lp))
    assert printer.send(JOB) == "zebra-42"
    args = (fake_lp.parent / "lp-record.args").read_text().splitlines()
    assert args == ["-d", "zebra", "-t", "crate-BTU-2507-A1", "-o", "raw"]
    assert (fake_lp.parent / "lp-record.data").read_bytes() == JOB.data


def test_cups_lets_the_queue_filter_pdf(fake_lp: Path) -> None:
    CupsPrinter("office", lp_command=str(fake_lp)).send(Job(b"%PDF-1.4", "pdf"))
    args = (fake_lp.parent / "lp-record.args").read_text().splitlines()
    assert "raw" not in args


def test_a_cups_refusal_names_the_queue_and_keeps_lps_message(fake_lp: Path) -> None:
    with pytest.raises(PrinterJobError) as caught:
        CupsPrinter("offline", lp_command=str(fake_lp)).send(JOB)
    assert caught.value.printer == "offline"
    assert "does not exist" in str(caught.value)


def test_a_missing_lp_command_is_a_job_error(tmp_path: Path) -> None:
    with pytest.raises(PrinterJobError) as caught:
        CupsPrinter("zebra", lp_command=str(tmp_path / "no-lp")).send(JOB)
    assert "could not run" in str(caught.value)


def test_the_spool_writes_one_whole_file_per_job(tmp_path: Path) -> None:
    printer = open_printer(f"spool://{tmp_path}")
    first = Path(printer.send(JOB))
    second = Path(printer.send(Job(b"%PDF", "pdf", "case/1")))
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted([first.name, second.name])
    assert first.read_bytes() == JOB.data
    assert first.suffix == ".zpl" and second.suffix == ".pdf"
    assert second.name.endswith("-case_1.pdf")
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".")]


def test_a_missing_spool_directory_names_the_directory(tmp_path: Path) -> None:
    missing = tmp_path / "missing"
    with pytest.raises(PrinterJobError) as caught:
        SpoolPrinter(missing).send(JOB)
    assert caught.value.printer == str(missing)
    assert not missing.exists()


def test_an_unknown_printer_kind_lists_the_known_ones() -> None:
    with pytest.raises(UnknownPrinterError) as caught:
        open_printer("lpd://printer/queue")
    assert "tcp://" in str(caught.value) and "cups://" in str(caught.value)


@pytest.mark.parametrize(
    "url", ["tcp://", "tcp://host:notaport", "tcp://host/path", "cups://", "cups://a/b",
            "spool://relative/dir", "spool://"],
)  # fmt: skip
def test_malformed_printer_urls_are_refused(url: str) -> None:
    with pytest.raises(PrinterAddressError):
        open_printer(url)
