"""Printing use cases on the hub's database: printers, labels, print jobs and their queue.

Each public method is one use case; it opens its own transactions on the engine, as
``hub.auth.store.AuthStore`` does (the printing tables are not among the unit of work's
repositories, and a print request needs two short transactions, not one long one).

Rules:

1. A print request reads every label first (a dispatch may get its SSCC here, and keeps it),
   renders them outside any transaction, then queues all of its jobs in one transaction or
   none: one label that cannot be printed refuses the whole batch, naming it.
2. A label printed before (an earlier job for the same label key that did not fail) is a
   reprint: it needs a reason, and the reprint is written to the audit log (``audit_log``,
   beside dispatches and stock adjustments) with who and why, in the job's transaction.
3. The queue is shared by any number of workers: a claim is one conditional ``UPDATE`` that
   only one of them wins, and each later write names the attempt it belongs to, so a worker
   whose lease ran out cannot overwrite what the next one did.
4. Printer changes are audited too; a printer with jobs still to send cannot be deleted, and
   deleting one keeps its jobs' history under its name.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, Final

from sqlalchemy import Connection, Engine, and_, delete, insert, or_, select, update
from sqlalchemy.exc import IntegrityError

from hub.db.models import AuditEntry
from hub.db.print_models import PrinterRow, PrintJobRow
from hub.printing import (
    PrinterConflictError,
    ReprintReasonRequired,
    UnknownJobError,
    UnknownPrinterError,
    UnprintableLabelError,
)
from hub.printing.domain import (
    TRANSITIONS,
    JobEvent,
    JobStatus,
    PrinterConfig,
    next_status,
    sample_label,
)
from hub.printing.sources import LabelSource, SsccRaced, load
from hub.printing.sscc import set_gs1_identity
from labels.content import resolve
from labels.errors import LabelError
from labels.formats import FORMATS, render
from labels.printers import Job
from labels.templates import get_template

__all__ = [
    "Claim",
    "LabelRequest",
    "PrintJobRecord",
    "PrintService",
    "PrinterRecord",
    "RenderedLabel",
]

Clock = Callable[[], datetime]

_SSCC_RACE_RETRIES: Final = 3
_CLAIMABLE: Final = tuple(status for status, event in TRANSITIONS if event is JobEvent.CLAIM)
_UNSAFE_NAME: Final = re.compile(r"[^A-Za-z0-9_.-]+")


def utc_now() -> datetime:
    return datetime.now(UTC)


def _utc(moment: datetime | None) -> datetime | None:
    """SQLite hands times back without their zone; the hub stores UTC."""
    if moment is None:
        return None
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


@dataclass(frozen=True, slots=True)
class PrinterRecord:
    id: int
    config: PrinterConfig
    created_at: datetime
    updated_at: datetime


@dataclass(frozen=True, slots=True)
class PrintJobRecord:
    id: int
    printer: str
    kind: str
    label_id: str
    label_key: str
    format: str
    dpi: int
    lang: str
    copies: int
    copies_printed: int
    status: JobStatus
    attempts: int
    last_error: str | None
    next_attempt_at: datetime | None
    requested_by: str
    requested_at: datetime
    printed_at: datetime | None
    reference: str | None
    reprint: bool
    reprint_reason: str | None


@dataclass(frozen=True, slots=True)
class LabelRequest:
    kind: str
    label_id: str


@dataclass(frozen=True, slots=True)
class RenderedLabel:
    source: LabelSource
    format: str
    dpi: int
    data: bytes

    @property
    def media_type(self) -> str:
        return FORMATS[self.format].media_type

    @property
    def filename(self) -> str:
        return f"{self.source.kind}-{_UNSAFE_NAME.sub('_', self.source.label_id)}.{self.format}"


@dataclass(frozen=True, slots=True)
class Claim:
    """A job a worker holds for a lease; ``attempt`` (the job's attempt count when it was
    claimed) names this hold in every write that follows."""

    job_id: int
    attempt: int
    requested_at: datetime
    printer_name: str
    printer: PrinterConfig | None
    document: bytes
    format: str
    copies: int
    copies_printed: int
    name: str

    def job(self) -> Job:
        return Job(self.document, self.format, self.name)


def _printer_config(row: Any) -> PrinterConfig:
    return PrinterConfig(
        name=row.name,
        backend=row.backend,
        target=row.target,
        format=row.format,
        dpi=row.dpi,
        template=row.template,
        partner=row.partner,
    )


def _printer(row: Any) -> PrinterRecord:
    created, updated = _utc(row.created_at), _utc(row.updated_at)
    assert created is not None and updated is not None
    return PrinterRecord(row.id, _printer_config(row), created, updated)


def _job(row: Any) -> PrintJobRecord:
    requested_at = _utc(row.requested_at)
    assert requested_at is not None
    return PrintJobRecord(
        id=row.id,
        printer=row.printer_name,
        kind=row.kind,
        label_id=row.label_id,
        label_key=row.label_key,
        format=row.format,
        dpi=row.dpi,
        lang=row.lang,
        copies=row.copies,
        copies_printed=row.copies_printed,
        status=JobStatus(row.status),
        attempts=row.attempts,
        last_error=row.last_error,
        next_attempt_at=_utc(row.next_attempt_at),
        requested_by=row.requested_by,
        requested_at=requested_at,
        printed_at=_utc(row.printed_at),
        reference=row.reference,
        reprint=row.reprint,
        reprint_reason=row.reprint_reason,
    )


_JOB_COLUMNS: Final = [c for c in PrintJobRow.__table__.columns if c.name != "document"]


def _render(source: LabelSource, *, format: str, dpi: int, lang: str) -> RenderedLabel:
    try:
        content = resolve(get_template(source.template), source.data, languages=(lang,))
        data = render(content, format=format, dpi=dpi)
    except LabelError as exc:
        raise UnprintableLabelError(source.kind, source.label_id, str(exc)) from exc
    return RenderedLabel(source, format, dpi, data)


def _sample(printer: PrinterConfig, lang: str) -> bytes:
    template = printer.template or "crate"
    content = resolve(get_template(template), sample_label(printer.name), languages=(lang,))
    return render(content, format=printer.format, dpi=printer.dpi)


class PrintService:
    def __init__(self, engine: Engine, *, clock: Clock = utc_now) -> None:
        self._engine = engine
        self._clock = clock

    def now(self) -> datetime:
        return self._clock()

    # ---- printers ----

    def printers(self) -> list[PrinterRecord]:
        with self._engine.connect() as connection:
            rows = connection.execute(select(PrinterRow).order_by(PrinterRow.name)).all()
        return [_printer(row) for row in rows]

    def printer(self, name: str) -> PrinterRecord:
        with self._engine.connect() as connection:
            return _printer(self._printer_row(connection, name))

    def add_printer(self, config: PrinterConfig, *, actor: str) -> PrinterRecord:
        _check(config)
        now = self._clock()
        try:
            with self._engine.begin() as connection:
                if self._find_printer(connection, config.name) is not None:
                    raise _name_taken(config.name)
                connection.execute(
                    insert(PrinterRow), {**_values(config), "created_at": now, "updated_at": now}
                )
                self._audit(connection, actor, "printer_created", config.name, _values(config))
                row = self._printer_row(connection, config.name)
        except IntegrityError as exc:
            raise _name_taken(config.name) from exc
        return _printer(row)

    def update_printer(self, name: str, config: PrinterConfig, *, actor: str) -> PrinterRecord:
        """Replace the printer's configuration; ``config.name`` may rename it."""
        _check(config)
        try:
            with self._engine.begin() as connection:
                old = self._printer_row(connection, name)
                if config.name != name and self._find_printer(connection, config.name):
                    raise _name_taken(config.name)
                connection.execute(
                    update(PrinterRow)
                    .where(PrinterRow.id == old.id)
                    .values(**_values(config), updated_at=self._clock())
                )
                self._audit(
                    connection,
                    actor,
                    "printer_changed",
                    name,
                    {"before": _values(_printer_config(old)), "after": _values(config)},
                )
                row = self._printer_row(connection, config.name)
        except IntegrityError as exc:
            raise _name_taken(config.name) from exc
        return _printer(row)

    def delete_printer(self, name: str, *, actor: str) -> None:
        with self._engine.begin() as connection:
            row = self._printer_row(connection, name)
            pending = connection.execute(
                select(PrintJobRow.id).where(
                    PrintJobRow.printer_id == row.id, PrintJobRow.status.in_(_CLAIMABLE)
                )
            ).first()
            if pending is not None:
                raise PrinterConflictError(
                    f"printer {name} still has jobs to send (job {pending.id}); wait for them "
                    "to print or fail",
                    field="printer",
                )
            connection.execute(
                update(PrintJobRow).where(PrintJobRow.printer_id == row.id).values(printer_id=None)
            )
            connection.execute(delete(PrinterRow).where(PrinterRow.id == row.id))
            self._audit(connection, actor, "printer_deleted", name, _values(_printer_config(row)))

    def test_print(self, name: str, *, lang: str, actor: str) -> PrintJobRecord:
        """Queue a sample label (GS1's example numbers, the printer's name as the product) on
        the printer; its job shows at once whether the printer answers."""
        config = self.printer(name).config
        try:
            document = _sample(config, lang)
        except LabelError as exc:
            raise UnprintableLabelError("test", name, str(exc), field="printer") from exc
        now = self._clock()
        with self._engine.begin() as connection:
            printer = self._printer_row(connection, name)
            job_id = self._queue(
                connection,
                printer,
                kind="test",
                label_id=name,
                key=f"test:{uuid.uuid4().hex}",
                document=document,
                lang=lang,
                copies=1,
                actor=actor,
                now=now,
                reprint_reason=None,
            )
            return _job(
                connection.execute(select(*_JOB_COLUMNS).where(PrintJobRow.id == job_id)).one()
            )

    # ---- GS1 identity ----

    def set_gs1_identity(
        self, coop: str, *, company_prefix: str, extension_digit: int, actor: str
    ) -> int:
        """Set the cooperative's GS1 company prefix and SSCC extension digit; returns the
        serial reference its next SSCC gets (the counter never restarts)."""
        with self._engine.begin() as connection:
            next_serial = set_gs1_identity(
                connection, coop, company_prefix=company_prefix, extension_digit=extension_digit
            )
            self._audit(
                connection,
                actor,
                "gs1_identity_set",
                coop,
                {"company_prefix": company_prefix, "extension_digit": extension_digit},
            )
        return next_serial

    # ---- labels ----

    def render_label(
        self, kind: str, label_id: str, *, format: str, dpi: int, lang: str
    ) -> RenderedLabel:
        (source,) = self._sources([LabelRequest(kind, label_id)])
        return _render(source, format=format, dpi=dpi, lang=lang)

    def request_prints(
        self,
        printer_name: str,
        labels: Sequence[LabelRequest],
        *,
        copies: int,
        reason: str | None,
        lang: str,
        actor: str,
    ) -> list[PrintJobRecord]:
        """Queue one job per label (rules 1 and 2); returns the jobs."""
        if len(set(labels)) != len(labels):
            raise PrinterConflictError("a label is listed twice; ask for copies", field="labels")
        config = self.printer(printer_name).config
        sources = self._sources(labels)
        keys = [source.key for source in sources]
        if len(set(keys)) != len(keys):
            raise PrinterConflictError(
                "two of the listed labels are the same label; ask for copies", field="labels"
            )
        for source in sources:
            if config.template is not None and source.template != config.template:
                raise PrinterConflictError(
                    f"printer {config.name} is loaded with {config.template} labels; "
                    f"{source.kind} {source.label_id} is a {source.template} label",
                    field="printer",
                )
        rendered = [
            _render(source, format=config.format, dpi=config.dpi, lang=lang) for source in sources
        ]
        reason = (reason or "").strip() or None
        now = self._clock()
        with self._engine.begin() as connection:
            printer = self._printer_row(connection, printer_name)
            earlier = self._earlier_jobs(connection, keys)
            reprints = [f"{s.kind} {s.label_id}" for s in sources if s.key in earlier]
            if reprints and reason is None:
                raise ReprintReasonRequired(reprints)
            job_ids = []
            for label in rendered:
                source = label.source
                reprint = source.key in earlier
                job_id = self._queue(
                    connection,
                    printer,
                    kind=source.kind,
                    label_id=source.label_id,
                    key=source.key,
                    document=label.data,
                    lang=lang,
                    copies=copies,
                    actor=actor,
                    now=now,
                    reprint_reason=reason if reprint else None,
                )
                job_ids.append(job_id)
                if reprint:
                    self._audit(
                        connection,
                        actor,
                        "label_reprint",
                        f"{source.kind}/{source.label_id}",
                        {
                            "reason": reason,
                            "job": job_id,
                            "printer": printer.name,
                            "label": source.key,
                            "copies": copies,
                            "printed_before_in_jobs": earlier[source.key],
                        },
                    )
            rows = connection.execute(
                select(*_JOB_COLUMNS).where(PrintJobRow.id.in_(job_ids)).order_by(PrintJobRow.id)
            ).all()
        return [_job(row) for row in rows]

    def job(self, job_id: int) -> PrintJobRecord:
        with self._engine.connect() as connection:
            row = connection.execute(
                select(*_JOB_COLUMNS).where(PrintJobRow.id == job_id)
            ).one_or_none()
        if row is None:
            raise UnknownJobError(job_id)
        return _job(row)

    def jobs(self, *, status: JobStatus | None = None, limit: int = 100) -> list[PrintJobRecord]:
        """Newest first."""
        query = select(*_JOB_COLUMNS).order_by(PrintJobRow.id.desc()).limit(limit)
        if status is not None:
            query = query.where(PrintJobRow.status == status.value)
        with self._engine.connect() as connection:
            rows = connection.execute(query).all()
        return [_job(row) for row in rows]

    # ---- the queue, as a worker sees it (rule 3) ----

    def claim_next(self, *, lease: timedelta, skip_printers: Collection[str] = ()) -> Claim | None:
        """Claim the job due longest, on a printer not in ``skip_printers``, for ``lease``;
        ``None`` when no job is due (or other workers won every one that is)."""
        now = self._clock()
        due = or_(*(_due(status, now) for status in _CLAIMABLE))
        query = select(PrintJobRow.id).where(due)
        if skip_printers:
            query = query.where(PrintJobRow.printer_name.not_in(list(skip_printers)))
        with self._engine.connect() as connection:
            candidates = list(
                connection.execute(
                    query.order_by(PrintJobRow.next_attempt_at, PrintJobRow.id).limit(5)
                ).scalars()
            )
        for job_id in candidates:
            with self._engine.begin() as connection:
                won = connection.execute(
                    update(PrintJobRow)
                    .where(PrintJobRow.id == job_id, due)
                    .values(
                        status=next_status(JobStatus.QUEUED, JobEvent.CLAIM).value,
                        attempts=PrintJobRow.attempts + 1,
                        next_attempt_at=now + lease,
                    )
                    .returning(PrintJobRow.attempts, PrintJobRow.printer_id)
                ).one_or_none()
                if won is None:
                    continue
                job = connection.execute(select(PrintJobRow).where(PrintJobRow.id == job_id)).one()
                printer = connection.execute(
                    select(PrinterRow).where(PrinterRow.id == won.printer_id)
                ).one_or_none()
            requested_at = _utc(job.requested_at)
            assert requested_at is not None
            return Claim(
                job_id=job_id,
                attempt=won.attempts,
                requested_at=requested_at,
                printer_name=job.printer_name,
                printer=_printer_config(printer) if printer is not None else None,
                document=job.document,
                format=job.format,
                copies=job.copies,
                copies_printed=job.copies_printed,
                name=f"{job.kind}-{job.label_id}-job{job_id}",
            )
        return None

    def record_copy(self, claim: Claim, copies_printed: int, *, lease: timedelta) -> bool:
        """One more copy went out; the lease is renewed.  False: the claim was lost."""
        with self._engine.begin() as connection:
            done = connection.execute(
                update(PrintJobRow)
                .where(*_held(claim))
                .values(copies_printed=copies_printed, next_attempt_at=self._clock() + lease)
            )
        return done.rowcount == 1

    def settle(
        self,
        claim: Claim,
        event: JobEvent,
        *,
        reference: str | None = None,
        error: str | None = None,
        retry_at: datetime | None = None,
    ) -> JobStatus | None:
        """End the claim with ``event``; returns the job's new status, or ``None`` if the
        claim was lost (its lease ran out and another worker holds the job)."""
        status = next_status(JobStatus.SENDING, event)
        values: dict[str, object] = {"status": status.value, "next_attempt_at": retry_at}
        if status is JobStatus.PRINTED:
            values |= {"printed_at": self._clock(), "reference": reference}
        if error is not None:
            values["last_error"] = error
        with self._engine.begin() as connection:
            done = connection.execute(update(PrintJobRow).where(*_held(claim)).values(values))
        return status if done.rowcount == 1 else None

    # ---- helpers ----

    def _sources(self, labels: Sequence[LabelRequest]) -> list[LabelSource]:
        tries = 0
        while True:
            try:
                with self._engine.begin() as connection:
                    return [load(connection, label.kind, label.label_id) for label in labels]
            except SsccRaced:
                tries += 1
                if tries == _SSCC_RACE_RETRIES:
                    raise

    @staticmethod
    def _queue(
        connection: Connection,
        printer: Any,
        *,
        kind: str,
        label_id: str,
        key: str,
        document: bytes,
        lang: str,
        copies: int,
        actor: str,
        now: datetime,
        reprint_reason: str | None,
    ) -> int:
        job_id: int = connection.execute(
            insert(PrintJobRow).returning(PrintJobRow.id),
            {
                "printer_id": printer.id,
                "printer_name": printer.name,
                "kind": kind,
                "label_id": label_id,
                "label_key": key,
                "format": printer.format,
                "dpi": printer.dpi,
                "lang": lang,
                "copies": copies,
                "copies_printed": 0,
                "document": document,
                "status": JobStatus.QUEUED.value,
                "attempts": 0,
                "next_attempt_at": now,
                "requested_by": actor,
                "requested_at": now,
                "reprint": reprint_reason is not None,
                "reprint_reason": reprint_reason,
            },
        ).scalar_one()
        return job_id

    def _earlier_jobs(self, connection: Connection, keys: list[str]) -> dict[str, list[int]]:
        rows = connection.execute(
            select(PrintJobRow.label_key, PrintJobRow.id)
            .where(PrintJobRow.label_key.in_(keys), PrintJobRow.status != JobStatus.FAILED.value)
            .order_by(PrintJobRow.id)
        ).all()
        found: dict[str, list[int]] = {}
        for row in rows:
            found.setdefault(row.label_key, []).append(row.id)
        return found

    @staticmethod
    def _find_printer(connection: Connection, name: str) -> Any:
        return connection.execute(select(PrinterRow).where(PrinterRow.name == name)).one_or_none()

    def _printer_row(self, connection: Connection, name: str) -> Any:
        row = self._find_printer(connection, name)
        if row is None:
            raise UnknownPrinterError(name)
        return row

    def _audit(
        self,
        connection: Connection,
        actor: str,
        action: str,
        subject: str,
        detail: dict[str, object],
    ) -> None:
        connection.execute(
            insert(AuditEntry),
            {
                "at": self._clock(),
                "actor": actor[:64],
                "action": action,
                "subject": subject[:200],
                "detail": detail,
            },
        )


def _due(status: JobStatus, now: datetime) -> Any:
    return and_(PrintJobRow.status == status.value, PrintJobRow.next_attempt_at <= now)


def _held(claim: Claim) -> tuple[Any, ...]:
    return (
        PrintJobRow.id == claim.job_id,
        PrintJobRow.status == JobStatus.SENDING.value,
        PrintJobRow.attempts == claim.attempt,
    )


def _values(config: PrinterConfig) -> dict[str, object]:
    return {
        "name": config.name,
        "backend": config.backend,
        "target": config.target,
        "format": config.format,
        "dpi": config.dpi,
        "template": config.template,
        "partner": config.partner,
    }


def _check(config: PrinterConfig) -> None:
    problems = config.problems()
    if problems:
        field, _message = problems[0]
        raise PrinterConflictError("; ".join(f"{f}: {m}" for f, m in problems), field=field)


def _name_taken(name: str) -> PrinterConflictError:
    return PrinterConflictError(f"a printer is already named {name!r}", field="name")
