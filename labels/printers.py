"""Printer transports: the bytes of one finished job go out; nothing here knows about labels.

A printer is a URL, so a site file or the CLI can name any of them the same way:

* ``tcp://HOST[:PORT]``: the printer's raw port (9100 unless given), as Zebra and most label
  printers offer it. One connection per job; closing our side ends the job.
* ``cups://QUEUE[@HOST[:PORT]]``: the CUPS ``lp`` command, on lp's own server (``CUPS_SERVER``,
  ``client.conf``, else the local one) or on the scheduler at ``HOST:PORT`` (631 unless given;
  ``lp -h``).  ZPL goes with ``-o raw`` (the queue passes it through untouched); PDF and PNG go
  through the queue's filters, and a raw queue (no driver) passes them on untouched too.
* ``spool:///DIR``: one file per job in ``DIR``, written under a dot-name and renamed into
  place, so a program watching the folder never sees half a job.

Transports are thin on purpose: one attempt, a timeout, and an error that names the printer.
Retrying and queueing belong to the hub's job queue.

Exception tree (``.printer`` holds ``host:port``, ``QUEUE[@HOST:PORT]`` or the directory)::

    LabelError                     (labels.errors)
    └── PrinterError
        ├── UnknownPrinterError    the URL's scheme is no kind we have; lists the known kinds
        ├── PrinterAddressError    the URL is malformed for its kind (our caller's fault)
        ├── PrinterConnectionError could not connect or send: network, timeout, printer off,
        │                          the named CUPS server not answering
        └── PrinterJobError        the transport refused the job: lp failed, directory missing
"""

from __future__ import annotations

import os
import re
import socket
import subprocess
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Protocol
from urllib.parse import SplitResult, unquote, urlsplit

from labels.errors import LabelError

__all__ = [
    "PRINTERS",
    "CupsPrinter",
    "Job",
    "Printer",
    "PrinterAddressError",
    "PrinterConnectionError",
    "PrinterError",
    "PrinterJobError",
    "PrinterKind",
    "RawTcpPrinter",
    "SpoolPrinter",
    "UnknownPrinterError",
    "open_printer",
]

RAW_PORT = 9100
CUPS_PORT = 631
TCP_TIMEOUT_S = 10.0
LP_TIMEOUT_S = 30.0


class PrinterError(LabelError):
    def __init__(self, printer: str, message: str) -> None:
        super().__init__(f"printer {printer}: {message}")
        self.printer = printer


class UnknownPrinterError(PrinterError, LookupError):
    pass


class PrinterAddressError(PrinterError, ValueError):
    pass


class PrinterConnectionError(PrinterError, ConnectionError):
    pass


class PrinterJobError(PrinterError):
    pass


@dataclass(frozen=True, slots=True)
class Job:
    """What to print: the rendered bytes, their format (``zpl``, ``png``, ``pdf``), a name."""

    data: bytes
    format: str
    name: str = "label"


class Printer(Protocol):
    @property
    def url(self) -> str: ...

    def send(self, job: Job) -> str:
        """Deliver ``job``; returns a reference to it (queue request id, file path, …)."""
        ...


@dataclass(frozen=True, slots=True)
class RawTcpPrinter:
    host: str
    port: int = RAW_PORT
    timeout: float = TCP_TIMEOUT_S

    @property
    def url(self) -> str:
        return f"tcp://{self.address}"

    @property
    def address(self) -> str:
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"{host}:{self.port}"

    def send(self, job: Job) -> str:
        try:
            with socket.create_connection((self.host, self.port), timeout=self.timeout) as sock:
                sock.sendall(job.data)
                sock.shutdown(socket.SHUT_WR)
        except OSError as exc:
            raise PrinterConnectionError(
                self.address, f"could not send {len(job.data)} bytes: {exc}"
            ) from exc
        return self.address


_REQUEST_ID = re.compile(r"request id is (\S+)")


@dataclass(frozen=True, slots=True)
class CupsPrinter:
    """``lp_command`` is the ``lp`` executable (a path, or a name found on ``PATH``);
    ``server`` the CUPS scheduler as ``host:port`` (``None``: lp's own choice).

    lp answers "The printer or class does not exist" for a server that is down as well, so
    when lp fails, a named server is tried with a TCP connection: one that takes none is
    offline (the hub's queue retries it), anything else is the job refused."""

    queue: str
    lp_command: str = "lp"
    timeout: float = LP_TIMEOUT_S
    server: str | None = None

    @property
    def url(self) -> str:
        return f"cups://{self.name}"

    @property
    def name(self) -> str:
        return self.queue if self.server is None else f"{self.queue}@{self.server}"

    def send(self, job: Job) -> str:
        # lp looks the queue up as it reads -d, so the server has to come before it.
        on_server = [] if self.server is None else ["-h", self.server]
        command = [self.lp_command, *on_server, "-d", self.queue, "-t", job.name]
        if job.format == "zpl":
            command += ["-o", "raw"]
        try:
            done = subprocess.run(
                command, input=job.data, capture_output=True, timeout=self.timeout, check=False
            )
        except (OSError, subprocess.TimeoutExpired) as exc:
            raise PrinterJobError(self.name, f"could not run {self.lp_command}: {exc}") from exc
        stdout = done.stdout.decode(errors="replace").strip()
        if done.returncode != 0:
            stderr = done.stderr.decode(errors="replace").strip()
            failure = f"{self.lp_command} exited with {done.returncode}: {stderr}"
            unreachable = self._unreachable()
            if unreachable is not None:
                raise PrinterConnectionError(
                    self.name,
                    f"CUPS server {self.server} is not answering ({unreachable}); {failure}",
                )
            raise PrinterJobError(self.name, failure)
        found = _REQUEST_ID.search(stdout)
        return found.group(1) if found else stdout

    def _unreachable(self) -> OSError | None:
        """Why the named server takes no connection, or ``None`` (it does, or none is named)."""
        if self.server is None:
            return None
        address = urlsplit(f"//{self.server}")
        try:
            socket.create_connection(
                (address.hostname, address.port or CUPS_PORT), timeout=TCP_TIMEOUT_S
            ).close()
        except OSError as exc:
            return exc
        return None


_SAFE_NAME = re.compile(r"[^A-Za-z0-9_.-]+")


@dataclass(frozen=True, slots=True)
class SpoolPrinter:
    directory: Path

    @property
    def url(self) -> str:
        return f"spool://{self.directory}"

    def send(self, job: Job) -> str:
        stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S%fZ")
        name = f"{stamp}-{uuid.uuid4().hex[:8]}-{_SAFE_NAME.sub('_', job.name)}.{job.format}"
        final = self.directory / name
        partial = self.directory / f".{name}.part"
        try:
            with open(partial, "xb") as out:
                out.write(job.data)
                out.flush()
                os.fsync(out.fileno())
            os.replace(partial, final)
            directory = os.open(self.directory, os.O_RDONLY)
            try:
                os.fsync(directory)
            finally:
                os.close(directory)
        except OSError as exc:
            partial.unlink(missing_ok=True)
            raise PrinterJobError(str(self.directory), f"could not spool {name}: {exc}") from exc
        return str(final)


def _tcp(url: SplitResult) -> Printer:
    try:
        port = url.port or RAW_PORT
    except ValueError as exc:
        raise PrinterAddressError(url.geturl(), f"bad port: {exc}") from exc
    if not url.hostname or url.path not in ("", "/"):
        raise PrinterAddressError(url.geturl(), "expected tcp://HOST[:PORT]")
    return RawTcpPrinter(url.hostname, port)


def _cups(url: SplitResult) -> Printer:
    queue, at, server = unquote(url.netloc).partition("@")
    try:
        port = url.port or CUPS_PORT
    except ValueError as exc:
        raise PrinterAddressError(url.geturl(), f"bad port: {exc}") from exc
    host = url.hostname if at else None
    if (
        not re.fullmatch(r"[A-Za-z0-9_.-]+", queue)
        or (at and (not host or "@" in server))
        or url.path not in ("", "/")
    ):
        raise PrinterAddressError(url.geturl(), "expected cups://QUEUE or cups://QUEUE@HOST[:PORT]")
    if not host:
        return CupsPrinter(queue)
    server = f"[{host}]:{port}" if ":" in host else f"{host}:{port}"
    return CupsPrinter(queue, server=server)


def _spool(url: SplitResult) -> Printer:
    if url.netloc or not url.path:
        raise PrinterAddressError(url.geturl(), "expected spool:///ABSOLUTE/DIRECTORY")
    return SpoolPrinter(Path(unquote(url.path)))


@dataclass(frozen=True, slots=True)
class PrinterKind:
    scheme: str
    example: str
    description: str
    open: Callable[[SplitResult], Printer]


PRINTERS: dict[str, PrinterKind] = {
    kind.scheme: kind
    for kind in (
        PrinterKind("tcp", "tcp://10.0.0.20:9100", "raw socket (port 9100)", _tcp),
        PrinterKind("cups", "cups://zebra_gk420d", "CUPS queue via lp, QUEUE[@HOST[:PORT]]", _cups),
        PrinterKind("spool", "spool:///var/spool/lumbung", "one file per job", _spool),
    )
}


def open_printer(url: str) -> Printer:
    parts = urlsplit(url)
    kind = PRINTERS.get(parts.scheme)
    if kind is None:
        known = ", ".join(k.example for k in PRINTERS.values())
        raise UnknownPrinterError(url, f"unknown printer kind {parts.scheme!r}; known: {known}")
    return kind.open(parts)
