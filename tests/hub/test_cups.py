"""Labels printed through a real CUPS scheduler: a test starts a ``cupsd`` of its own (its own
configuration, spool and logs in a temporary folder, a free loopback port; never the
system's), adds raw queues with ``lpadmin`` that point at raw-port printers on loopback, and
lets the hub's print worker send through ``lp -h``.

What CUPS 2.4 does, as these tests pin it down:

* A raw queue (no driver) hands a ZPL job (``lp -o raw``) and a PDF job (typed by CUPS as
  ``application/pdf``, with no filter to run on a queue without a driver) to the printer
  byte for byte.
* With its server down, ``lp`` says the queue "does not exist", as it does for a queue that
  does not; the backend tells them apart by trying the server's port, so the worker retries
  the first as an offline printer and fails the second at once.
* A stopped queue (``cupsdisable``) takes the job and holds it: ``lp`` cannot tell, so the
  hub counts the job as handed over, and the printer gets it when the queue is started.

The hub runs on SQLite only here: the database is not what these tests are about.  cupsd,
lpadmin and lp come from Debian (the socket backend only from the ``cups`` package); without
them the tests skip, except under ``CI=true``, where that is a failure.
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

import pytest
from loopback_printer import LoopbackPrinter
from printers_world import LOT, Hub, labelled_hub
from sqlalchemy import select

from hub.broker import free_port
from hub.db.engine import make_engine, upgrade
from hub.db.print_models import PrintJobRow
from hub.printing.domain import RetryPolicy
from labels.printers import CupsPrinter, PrinterAddressError, open_printer

INSTALL = "apt-get install -y --no-install-recommends cups"
SERVER_BINS = (Path("/usr/lib/cups"), Path("/usr/libexec/cups"))
"""Where Debian, and other systems, keep CUPS's backends; the queues need ``backend/socket``."""
TOOLS = ("cupsd", "lpadmin", "cupsdisable", "cupsenable", "lp", "lpstat")


@dataclass(frozen=True, slots=True)
class CupsTools:
    programs: dict[str, str]
    server_bin: Path


def cups_tools() -> CupsTools:
    programs = {name: _program(name) for name in TOOLS}
    server_bin = next((d for d in SERVER_BINS if (d / "backend" / "socket").exists()), None)
    missing = [name for name, path in programs.items() if path is None]
    if server_bin is None:
        missing.append("the socket backend")
    if missing:
        message = f"CUPS is missing ({', '.join(missing)}); run: {INSTALL}"
        if os.environ.get("CI") == "true":
            pytest.fail(message)
        pytest.skip(message)
    assert server_bin is not None
    return CupsTools({name: path for name, path in programs.items() if path}, server_bin)


def _program(name: str) -> str | None:
    """On ``PATH``, or in ``/usr/sbin``, which a user's ``PATH`` may leave out."""
    return shutil.which(name) or shutil.which(name, path="/usr/sbin")


class CupsServer:
    """A cupsd we own, in the foreground as our child: start, stop and start again with the
    same queues (they live in its ``etc`` folder, as ``printers.conf``)."""

    def __init__(self, tools: CupsTools, directory: Path) -> None:
        self.tools = tools
        self.directory = directory
        self.port = free_port()
        self.log_file = directory / "cupsd.out"
        self._process: subprocess.Popen[bytes] | None = None
        folders = {
            "ServerRoot": "etc",
            "RequestRoot": "spool",
            "TempDir": "tmp",
            "CacheDir": "cache",
            "StateDir": "state",
        }
        for folder in folders.values():
            (directory / folder).mkdir(parents=True)
        files = [f"{key} {directory / folder}" for key, folder in folders.items()]
        (directory / "cups-files.conf").write_text(
            "\n".join(
                [
                    *files,
                    f"ServerBin {tools.server_bin}",
                    f"ErrorLog {directory / 'error_log'}",
                    f"AccessLog {directory / 'access_log'}",
                    f"PageLog {directory / 'page_log'}",
                    f"Printcap {directory / 'printcap'}",
                    "",
                ]
            )
        )
        # No authentication anywhere: only this test's processes reach the loopback port.
        (directory / "cupsd.conf").write_text(
            f"Listen 127.0.0.1:{self.port}\n"
            "LogLevel info\n"
            "Browsing No\n"
            "WebInterface No\n"
            "DefaultAuthType None\n"
            "<Location />\n  Order allow,deny\n  Allow from 127.0.0.1\n</Location>\n"
            "<Policy default>\n  <Limit All>\n    Order deny,allow\n  </Limit>\n</Policy>\n"
        )

    @property
    def address(self) -> str:
        return f"127.0.0.1:{self.port}"

    def start(self, timeout_s: float = 10.0) -> None:
        command = [
            self.tools.programs["cupsd"],
            "-f",
            "-c",
            str(self.directory / "cupsd.conf"),
            "-s",
            str(self.directory / "cups-files.conf"),
        ]
        with self.log_file.open("ab") as log:
            self._process = subprocess.Popen(
                command, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
            )
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            if self._process.poll() is not None:
                pytest.fail(f"cupsd exited with {self._process.returncode}: {self._logs()}")
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=0.2).close()
                return
            except OSError:
                time.sleep(0.05)
        pytest.fail(f"cupsd did not listen on {self.address}: {self._logs()}")

    def stop(self) -> None:
        process, self._process = self._process, None
        if process is None or process.poll() is not None:
            return
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()

    def run(self, tool: str, *args: str) -> str:
        """One of CUPS's own commands against this server; its output."""
        done = subprocess.run(
            [self.tools.programs[tool], "-h", self.address, *args],
            capture_output=True,
            timeout=30,
            check=False,
            text=True,
        )
        assert done.returncode == 0, f"{tool} {' '.join(args)}: {done.stderr}{self._logs()}"
        return done.stdout

    def add_raw_queue(self, name: str, printer: LoopbackPrinter) -> None:
        self.run("lpadmin", "-p", name, "-E", "-v", f"socket://127.0.0.1:{printer.port}")

    def _logs(self) -> str:
        logs = [self.log_file, self.directory / "error_log"]
        return "".join(f"\n--- {f.name}\n{f.read_text()[-3000:]}" for f in logs if f.exists())


@pytest.fixture
def tools() -> CupsTools:
    return cups_tools()


@pytest.fixture
def cups(tools: CupsTools) -> Iterator[CupsServer]:
    # Started by root, cupsd runs the socket backend as the user "lp", who must reach the
    # spooled job: pytest's folders are their owner's alone, so this one is passable (0711).
    directory = Path(tempfile.mkdtemp(prefix="lumbung-cups-"))
    directory.chmod(0o711)
    server = CupsServer(tools, directory)
    try:
        server.start()
        yield server
    finally:
        server.stop()
        shutil.rmtree(directory)


@pytest.fixture
def hub(tmp_path: Path) -> Iterator[Hub]:
    engine = make_engine(f"sqlite:///{tmp_path / 'hub.sqlite3'}")
    upgrade(engine)
    yield labelled_hub(engine)
    engine.dispose()


@pytest.fixture
def zebra() -> Iterator[LoopbackPrinter]:
    printer = LoopbackPrinter()
    yield printer
    printer.stop()


@pytest.fixture
def office() -> Iterator[LoopbackPrinter]:
    printer = LoopbackPrinter()
    yield printer
    printer.stop()


def queued_document(hub: Hub, job_id: int) -> bytes:
    """The bytes the hub rendered for a job when it was queued (a PDF carries its time)."""
    with hub.engine.connect() as connection:
        document: bytes = connection.execute(
            select(PrintJobRow.document).where(PrintJobRow.id == job_id)
        ).scalar_one()
    return document


# ---- the target: a queue, on lp's own server or on another ----


def test_a_cups_target_may_name_its_server_and_port() -> None:
    assert open_printer("cups://zebra") == CupsPrinter("zebra")
    assert open_printer("cups://zebra@127.0.0.1:6310") == CupsPrinter(
        "zebra", server="127.0.0.1:6310"
    )
    on_default_port = open_printer("cups://zebra@printhost")
    assert on_default_port == CupsPrinter("zebra", server="printhost:631")
    assert on_default_port.url == "cups://zebra@printhost:631"
    assert open_printer("cups://zebra@[::1]:631") == CupsPrinter("zebra", server="[::1]:631")


@pytest.mark.parametrize(
    "url", ["cups://zebra@", "cups://zebra@host:99999", "cups://zebra@host:port",
            "cups://a@b@host", "cups://a:secret@host", "cups://@host"],
)  # fmt: skip
def test_a_malformed_cups_server_is_refused(url: str) -> None:
    with pytest.raises(PrinterAddressError):
        open_printer(url)


# ---- through a real cupsd ----


@pytest.mark.slow
def test_a_zpl_label_reaches_the_printer_through_a_raw_cups_queue_byte_for_byte(
    hub: Hub, cups: CupsServer, zebra: LoopbackPrinter
) -> None:
    cups.add_raw_queue("zebra", zebra)
    hub.add_printer("gudang", "cups", f"zebra@{cups.address}")
    (job,) = hub.queue("gudang", ("crate", "KRT-1"), copies=2)
    assert hub.worker().run_once() == 1
    assert zebra.received(2) == [hub.label("crate/KRT-1.zpl")] * 2
    done = hub.job(job["id"])
    assert (done["status"], done["copies_printed"]) == ("printed", 2)
    assert done["reference"] == "zebra-2"


@pytest.mark.slow
def test_a_raw_cups_queue_passes_a_pdf_label_on_untouched(
    hub: Hub, cups: CupsServer, zebra: LoopbackPrinter, office: LoopbackPrinter
) -> None:
    cups.add_raw_queue("zebra", zebra)
    cups.add_raw_queue("office", office)
    hub.add_printer("kantor", "cups", f"office@{cups.address}", format="pdf")
    (job,) = hub.queue("kantor", ("lot", LOT))
    hub.worker().run_once()
    pdf = queued_document(hub, job["id"])
    assert pdf.startswith(b"%PDF")
    assert office.received(1) == [pdf]
    assert hub.job(job["id"])["reference"] == "office-1"
    assert zebra.jobs == []


@pytest.mark.slow
def test_a_cups_server_that_is_down_is_retried_until_it_is_back(
    hub: Hub, cups: CupsServer, zebra: LoopbackPrinter
) -> None:
    cups.add_raw_queue("zebra", zebra)
    hub.add_printer("gudang", "cups", f"zebra@{cups.address}")
    cups.stop()
    (job,) = hub.queue("gudang", ("crate", "KRT-1"))
    worker = hub.worker()
    assert worker.run_once() == 1
    waiting = hub.job(job["id"])
    assert (waiting["status"], waiting["attempts"]) == ("queued", 1)
    assert (
        f"printer zebra@{cups.address}: CUPS server {cups.address} is not answering"
        in (waiting["last_error"])
    )
    assert "does not exist" in waiting["last_error"]
    cups.start()
    worker.start()
    try:
        printed = hub.wait_for(job["id"], "printed")
    finally:
        worker.stop()
    assert printed["attempts"] == 2
    assert zebra.received(1) == [hub.label("crate/KRT-1.zpl")]


@pytest.mark.usefixtures("tools")
def test_a_cups_server_that_never_answers_fails_the_job_with_the_reason(hub: Hub) -> None:
    server = f"127.0.0.1:{free_port()}"
    hub.add_printer("gudang", "cups", f"zebra@{server}")
    (job,) = hub.queue("gudang", ("crate", "KRT-1"))
    hub.worker().run_once()
    assert hub.job(job["id"])["status"] == "queued"
    worker = hub.worker(
        RetryPolicy(first_delay=timedelta(milliseconds=20), give_up_after=timedelta(0))
    )
    worker.start()
    try:
        failed = hub.wait_for(job["id"], "failed")
    finally:
        worker.stop()
    assert failed["attempts"] == 2
    assert f"CUPS server {server} is not answering" in failed["last_error"]


@pytest.mark.slow
def test_a_queue_the_cups_server_does_not_have_fails_at_once(hub: Hub, cups: CupsServer) -> None:
    hub.add_printer("gudang", "cups", f"nosuch@{cups.address}")
    (job,) = hub.queue("gudang", ("crate", "KRT-1"))
    hub.worker().run_once()
    failed = hub.job(job["id"])
    assert (failed["status"], failed["attempts"]) == ("failed", 1)
    assert failed["last_error"].startswith(f"printer nosuch@{cups.address}: lp exited with 1")
    assert "does not exist" in failed["last_error"]


@pytest.mark.slow
def test_a_stopped_cups_queue_holds_the_job_and_the_hub_cannot_tell(
    hub: Hub, cups: CupsServer, zebra: LoopbackPrinter
) -> None:
    cups.add_raw_queue("zebra", zebra)
    cups.run("cupsdisable", "zebra")
    hub.add_printer("gudang", "cups", f"zebra@{cups.address}")
    (job,) = hub.queue("gudang", ("crate", "KRT-1"))
    hub.worker().run_once()
    handed_over = hub.job(job["id"])
    assert (handed_over["status"], handed_over["reference"]) == ("printed", "zebra-1")
    assert "zebra-1" in cups.run("lpstat", "-o", "zebra")
    assert zebra.jobs == []
    cups.run("cupsenable", "zebra")
    assert zebra.received(1) == [hub.label("crate/KRT-1.zpl")]
