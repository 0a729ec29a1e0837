"""``lumbung label render`` / ``print`` through argparse, as the main command will call them."""

from __future__ import annotations

import socket
from pathlib import Path

import pytest
from label_scan import decode
from loopback_printer import LoopbackPrinter
from PIL import Image

from lumbung.cli import main

CRATE = [
    "--template", "crate", "--gtin", "18995555000010", "--lot", "BTU-2507-A1",
    "--net-kg", "12.50", "--pack-date", "2025-07-15", "--product", "Kentang Granola",
    "--grade", "A", "--village", "Bulukerto",
]  # fmt: skip


def run(argv: list[str]) -> int:
    return main(argv)


def test_render_writes_a_png_whose_barcode_reads_back(tmp_path: Path) -> None:
    out = tmp_path / "crate.png"
    assert (
        run(["label", "render", *CRATE, "--format", "png", "--dpi", "300", "--out", str(out)]) == 0
    )
    with Image.open(out) as image:
        assert image.size == (1200, 600)
        assert decode(image) == {("]C1", "0118995555000010310301250010BTU-2507-A1")}


def test_render_writes_zpl_and_pdf(tmp_path: Path) -> None:
    zpl, pdf = tmp_path / "crate.zpl", tmp_path / "crate.pdf"
    assert run(["label", "render", *CRATE, "--format", "zpl", "--out", str(zpl)]) == 0
    assert run(["label", "render", *CRATE, "--format", "pdf", "--out", str(pdf)]) == 0
    assert zpl.read_bytes().startswith(b"^XA\n^CI28\n^PW800\n^LL400\n")
    assert pdf.read_bytes().startswith(b"%PDF")


def test_a_bad_lot_exits_2_naming_the_option_and_the_ai(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    argv = [*CRATE, "--out", str(tmp_path / "x.png")]
    argv[argv.index("BTU-2507-A1")] = "BTU#2507"
    assert run(["label", "render", *argv]) == 2
    error = capsys.readouterr().err
    assert "--lot: (10) BATCH/LOT" in error and "'#'" in error
    assert not (tmp_path / "x.png").exists()


def test_a_bad_gtin_check_digit_exits_2_naming_the_gtin(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    argv = [*CRATE, "--out", str(tmp_path / "x.png")]
    argv[argv.index("18995555000010")] = "18995555000011"
    assert run(["label", "render", *argv]) == 2
    assert "--gtin: (01) GTIN" in capsys.readouterr().err


def test_a_pallet_without_an_sscc_exits_2_naming_the_sscc(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    argv = [*CRATE, "--packer-name", "KTM", "--out", str(tmp_path / "x.png")]
    argv[argv.index("crate")] = "pallet"
    assert run(["label", "render", *argv]) == 2
    assert "--sscc:" in capsys.readouterr().err


@pytest.mark.parametrize(
    ("option", "value", "message"),
    [
        ("--pack-date", "2025-02-30", "--pack-date"),
        ("--net-kg", "12.5001", "--net-kg"),
        ("--net-kg", "-3", "--net-kg"),
        ("--template", "bag", "--template"),
    ],
)
def test_malformed_options_exit_2_naming_the_option(
    option: str, value: str, message: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    argv = [*CRATE, "--out", str(tmp_path / "x.png")]
    argv[argv.index(option) + 1] = value
    with pytest.raises(SystemExit) as caught:
        run(["label", "render", *argv])
    assert caught.value.code == 2
    assert message in capsys.readouterr().err


def test_print_sends_the_rendered_zpl_to_a_raw_printer(tmp_path: Path) -> None:
    server = LoopbackPrinter()
    try:
        assert run(["label", "print", *CRATE, "--printer", f"tcp://127.0.0.1:{server.port}"]) == 0
        rendered = tmp_path / "crate.zpl"
        run(["label", "render", *CRATE, "--format", "zpl", "--out", str(rendered)])
        assert server.received(1, timeout_s=5) == [rendered.read_bytes()]
    finally:
        server.stop()


def test_print_to_a_spool_folder_writes_one_job(tmp_path: Path) -> None:
    assert run(["label", "print", *CRATE, "--printer", f"spool://{tmp_path}"]) == 0
    [job] = tmp_path.iterdir()
    assert job.name.endswith("-crate-BTU-2507-A1.zpl")


def test_an_unreachable_printer_exits_1_naming_host_and_port(
    capsys: pytest.CaptureFixture[str],
) -> None:
    with socket.create_server(("127.0.0.1", 0)) as probe:
        port = probe.getsockname()[1]
    assert run(["label", "print", *CRATE, "--printer", f"tcp://127.0.0.1:{port}"]) == 1
    assert f"127.0.0.1:{port}" in capsys.readouterr().err


def test_an_unknown_printer_kind_exits_2_naming_the_printer_option(
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert run(["label", "print", *CRATE, "--printer", "lpd://x/y"]) == 2
    assert "--printer:" in capsys.readouterr().err
