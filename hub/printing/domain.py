"""The rules of printing labels at the hub, as plain data: no database, no web framework.

Rules:

1. A printer is a backend by name (``BACKENDS``) and a target in that backend's terms:
   ``host[:port]`` for ``raw9100``, a queue for ``cups`` (``queue@host[:port]`` on another
   CUPS server than lp's own), an absolute directory for ``spool``.
   The transports themselves are ``labels.printers``; an unknown backend names the known ones.
2. A label is a kind by name (``LABEL_KINDS``): ``crate`` prints the crate label of the crate's
   last weighing, ``lot`` the case label, ``dispatch`` and ``pallet`` the pallet label.
3. A print job's states are a table (``TRANSITIONS``)::

       queued ──claim──▶ sending ──delivered──▶ printed
          ▲                 │ ├──refused──────▶ failed   (the transport refused the job)
          └────offline──────┘ └──gave_up──────▶ failed   (offline past the policy's limit)

   A worker claims a job for a lease (``RetryPolicy.lease``); a ``sending`` job whose lease ran
   out (its worker died mid-send) may be claimed again, so a job is printed at least once.
4. Offline (connection refused, timed out, unreachable) is retried with doubling delays, up to
   ``RetryPolicy.max_delay`` apart; after ``give_up_after`` from the request the next failure
   is final.  Any other printer error is final at once: retrying a missing directory or a CUPS
   queue that refuses the job only hides the fault from the operator.
"""

from __future__ import annotations

import enum
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Final

from labels.formats import FORMATS
from labels.layout import DOTS_PER_MM
from labels.printers import (
    Printer,
    PrinterAddressError,
    PrinterConnectionError,
    PrinterError,
    SpoolPrinter,
    open_printer,
)
from labels.templates import LabelData

__all__ = [
    "BACKENDS",
    "DPIS",
    "FORMATS",
    "LABEL_KINDS",
    "LANGUAGES",
    "TRANSITIONS",
    "Backend",
    "JobEvent",
    "JobStateError",
    "JobStatus",
    "LabelKind",
    "PrinterConfig",
    "RetryPolicy",
    "is_offline",
    "next_status",
    "sample_label",
]

# ---- printers ----


_HOST_PORT: Final = re.compile(r"(?:[A-Za-z0-9][A-Za-z0-9.-]*|\[[0-9A-Fa-f:.]+\])(?::[0-9]{1,5})?")
_QUEUE: Final = re.compile(rf"[A-Za-z0-9_.-]+(?:@{_HOST_PORT.pattern})?")


def _raw9100(target: str) -> Printer:
    if not _HOST_PORT.fullmatch(target):
        raise PrinterAddressError(target, "expected host[:port]")
    return open_printer(f"tcp://{target}")


def _cups(target: str) -> Printer:
    if not _QUEUE.fullmatch(target):
        raise PrinterAddressError(
            target,
            "expected a CUPS queue name (letters, digits, _.-), then @host[:port] if its "
            "server is not lp's own",
        )
    return open_printer(f"cups://{target}")


def _spool(target: str) -> Printer:
    path = Path(target)
    if not path.is_absolute() or ".." in path.parts:
        raise PrinterAddressError(target, "expected an absolute directory")
    return SpoolPrinter(path)


@dataclass(frozen=True, slots=True)
class Backend:
    name: str
    example: str
    description: str
    open: Callable[[str], Printer]
    """Target → the transport; raises ``PrinterAddressError`` for a malformed target."""


BACKENDS: Final[dict[str, Backend]] = {
    backend.name: backend
    for backend in (
        Backend("raw9100", "10.0.0.20:9100", "raw socket, host[:port] (port 9100)", _raw9100),
        Backend("cups", "zebra_gk420d", "a CUPS queue[@host[:port]], through lp", _cups),
        Backend("spool", "/var/spool/lumbung", "one file per label in a directory", _spool),
    )
}

DPIS: Final[tuple[int, ...]] = tuple(sorted(DOTS_PER_MM))
LANGUAGES: Final[tuple[str, ...]] = ("id", "en")


@dataclass(frozen=True, slots=True, kw_only=True)
class PrinterConfig:
    """A printer as the hub keeps it; ``template`` and ``partner``, when set, say what stock
    it is loaded with (only labels of that template go to it) and whose labels it prints."""

    name: str
    backend: str
    target: str
    format: str
    dpi: int
    template: str | None = None
    partner: str | None = None

    def problems(self) -> list[tuple[str, str]]:
        """Every (field, message) wrong with this configuration, all at once."""
        found: list[tuple[str, str]] = []
        backend = BACKENDS.get(self.backend)
        if backend is None:
            found.append(("backend", f"unknown backend {self.backend!r}; known: {_known()}"))
        else:
            try:
                backend.open(self.target)
            except PrinterAddressError as exc:
                found.append(("target", f"{exc}; e.g. {backend.example}"))
        if self.format not in FORMATS:
            found.append(("format", f"unknown format {self.format!r}; known: {', '.join(FORMATS)}"))
        if self.dpi not in DPIS:
            found.append(("dpi", f"{self.dpi} dpi is not one of {', '.join(map(str, DPIS))}"))
        templates = {kind.template for kind in LABEL_KINDS.values()}
        if self.template is not None and self.template not in templates:
            found.append(("template", f"unknown template {self.template!r}"))
        return found

    def transport(self) -> Printer:
        try:
            backend = BACKENDS[self.backend]
        except KeyError:
            raise PrinterAddressError(self.name, f"unknown backend; known: {_known()}") from None
        return backend.open(self.target)


def _known() -> str:
    return ", ".join(f"{b.name} ({b.example})" for b in BACKENDS.values())


def is_offline(error: PrinterError) -> bool:
    """Worth retrying: the printer did not answer (off, unplugged, out of network)."""
    return isinstance(error, PrinterConnectionError)


# ---- labels ----


@dataclass(frozen=True, slots=True)
class LabelKind:
    name: str
    template: str
    description: str


LABEL_KINDS: Final[dict[str, LabelKind]] = {
    kind.name: kind
    for kind in (
        LabelKind("crate", "crate", "a crate id: the crate label of its last weighing"),
        LabelKind("lot", "case", "a lot id: the PTI case label"),
        LabelKind("dispatch", "pallet", "a dispatch id or code: the pallet label with its SSCC"),
        LabelKind("pallet", "pallet", "an SSCC, dispatch id or code: the pallet label"),
    )
}

_TEST_GTIN: Final = "09506000134352"
"""GS1's own example GTIN (GS1 General Specifications), on no product of ours."""
_TEST_SSCC: Final = "106141411234567897"
"""GS1's example SSCC, so a test pallet label can never be taken for one of ours."""


def sample_label(printer: str) -> LabelData:
    """What a test print says: example GS1 numbers and the printer's name as the product."""
    return LabelData(
        gtin=_TEST_GTIN,
        lot="TEST",
        net_g=1_000,
        pack_date=date(2026, 1, 1),
        product=f"Uji cetak {printer}",
        grade="-",
        village="-",
        packer_name="Lumbung",
        packer_address="Label uji, bukan untuk barang / test label, not for goods",
        crate_id="TEST",
        sscc=_TEST_SSCC,
        count=1,
    )


# ---- print jobs ----


class JobStatus(enum.StrEnum):
    QUEUED = "queued"
    SENDING = "sending"
    PRINTED = "printed"
    FAILED = "failed"


class JobEvent(enum.StrEnum):
    CLAIM = "claim"
    DELIVERED = "delivered"
    OFFLINE = "offline"
    REFUSED = "refused"
    GAVE_UP = "gave_up"


TRANSITIONS: Final[dict[tuple[JobStatus, JobEvent], JobStatus]] = {
    (JobStatus.QUEUED, JobEvent.CLAIM): JobStatus.SENDING,
    (JobStatus.SENDING, JobEvent.CLAIM): JobStatus.SENDING,
    (JobStatus.SENDING, JobEvent.DELIVERED): JobStatus.PRINTED,
    (JobStatus.SENDING, JobEvent.OFFLINE): JobStatus.QUEUED,
    (JobStatus.SENDING, JobEvent.REFUSED): JobStatus.FAILED,
    (JobStatus.SENDING, JobEvent.GAVE_UP): JobStatus.FAILED,
}


class JobStateError(RuntimeError):
    """An event that cannot happen in a state: a bug in the queue, never the operator's."""

    def __init__(self, status: JobStatus, event: JobEvent) -> None:
        super().__init__(f"print job event {event} is not allowed in state {status}")
        self.status = status
        self.event = event


def next_status(status: JobStatus, event: JobEvent) -> JobStatus:
    try:
        return TRANSITIONS[(status, event)]
    except KeyError:
        raise JobStateError(status, event) from None


@dataclass(frozen=True, slots=True, kw_only=True)
class RetryPolicy:
    first_delay: timedelta = timedelta(seconds=2)
    max_delay: timedelta = timedelta(minutes=1)
    give_up_after: timedelta = timedelta(minutes=15)
    lease: timedelta = timedelta(minutes=2)
    """How long a claimed job is its worker's; longer than any transport's timeout."""

    def delay(self, attempts: int) -> timedelta:
        """The wait after the ``attempts``-th failed attempt: 2 s, 4 s, 8 s … up to the cap."""
        doubled: timedelta = self.first_delay * 2 ** min(max(attempts - 1, 0), 32)
        return min(doubled, self.max_delay)

    def after_offline(self, *, requested_at: datetime, now: datetime) -> JobEvent:
        """Retry, or give up: the job has been offline for as long as it may be."""
        return JobEvent.GAVE_UP if now - requested_at >= self.give_up_after else JobEvent.OFFLINE
