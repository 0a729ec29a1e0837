"""The labels page: choose crates, lots or pallets, preview their labels, print them on a
configured printer, and watch the print queue send them.

Choosing is a plain GET form, so a choice is a URL an operator can keep: ``?label=lot:ID``
once per label (ticked in the lists of recent lots and dispatches, or typed and scanned one per
line under a kind).  Each chosen label is previewed as an ``<img>`` of
``GET /api/v1/labels/{kind}/{id}.png``, which the session cookie opens.

Printing is an operator's form post that calls ``PrintService.request_prints``, the use case
behind ``POST /api/v1/print-jobs``: one job per label, all or none.  A label printed before
is a reprint and the service refuses it without a reason; every refusal is said in words
naming the label, printer or cooperative at fault.  After a print the browser is sent back to
the same choice (``?queued=`` marks the new jobs), so reloading the page never prints twice.

The queue (``/labels/jobs``, operators only, like ``GET /api/v1/print-jobs``) refreshes itself
as the dashboard's live part does: queued, sending, printed, or failed with the reason.
"""

from __future__ import annotations

import re
from contextlib import suppress
from dataclasses import dataclass
from datetime import datetime
from typing import Annotated, Final
from urllib.parse import quote, urlencode

from fastapi import APIRouter, Depends, Form, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy import Engine, select

from hub.api.labels import get_print_service
from hub.auth.deps import FormOperator, RequireOperator, RequireViewer
from hub.auth.domain import InvalidInput, Principal, Role, check_plain_text
from hub.db.models import DispatchLot, DispatchRow, LotRow
from hub.db.print_models import PrintJobRow
from hub.domain.trace import TraceError, interpret
from hub.printing import (
    NoGs1IdentityError,
    ReprintReasonRequired,
    UnknownLabelError,
    UnknownPrinterError,
    UnprintableLabelError,
)
from hub.printing.domain import LABEL_KINDS, JobStatus
from hub.printing.service import LabelRequest, PrintService
from hub.services import NotFoundError, ServiceError
from hub.web.i18n import translate
from hub.web.pages import Db
from hub.web.render import page_language, render
from hub.web.signin import Settings

router = APIRouter(include_in_schema=False)
Service = Annotated[PrintService, Depends(get_print_service)]

MAX_LABELS: Final = 50
"""Labels one print may list: a pallet's worth of case labels; the API allows 200."""
MAX_COPIES: Final = 100
RECENT: Final = 20
JOBS_SHOWN: Final = 25
TYPED_KINDS: Final = ("lot", "crate", "dispatch", "pallet")
MAX_TYPED_CHARS: Final = MAX_LABELS * 130
_PROSE: Final = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_CONTROL: Final = re.compile(r"[\x00-\x1f\x7f]")
JOB_TONES: Final = {
    JobStatus.QUEUED: "",
    JobStatus.SENDING: "warn",
    JobStatus.PRINTED: "ok",
    JobStatus.FAILED: "bad",
}


class FormProblem(Exception):
    """What was chosen or typed cannot be read: a message key and the values it names."""

    def __init__(self, key: str, **values: object) -> None:
        super().__init__(key)
        self.key = key
        self.values = values


@dataclass(frozen=True, slots=True)
class Chosen:
    """One label to preview and print: a kind of ``LABEL_KINDS`` and the id it is asked by."""

    kind: str
    label_id: str

    @property
    def value(self) -> str:
        return f"{self.kind}:{self.label_id}"

    @property
    def preview(self) -> str:
        return f"/api/v1/labels/{self.kind}/{quote(self.label_id, safe='')}.png"


def _one(kind: str, text: str) -> Chosen:
    if kind not in LABEL_KINDS:
        raise FormProblem("labels.error.bad_kind", kind=_CONTROL.sub("", kind))
    label_id = text.strip()
    if kind == "pallet":
        with suppress(TraceError):
            label_id = interpret(label_id).sscc or label_id
    try:
        check_plain_text(label_id, field="label")
    except InvalidInput:
        raise FormProblem("labels.error.unreadable", text=_CONTROL.sub("", label_id)) from None
    if not label_id or len(label_id) > 128:
        raise FormProblem("labels.error.unreadable", text=label_id[:128])
    return Chosen(kind, label_id)


def chosen_labels(values: list[str], *, typed_kind: str = "lot", typed: str = "") -> list[Chosen]:
    """The labels ``kind:id`` values and typed lines (one id a line, of ``typed_kind``) name,
    each once, in their order."""
    found: list[Chosen] = []
    for value in values:
        kind, _, label_id = value.partition(":")
        found.append(_one(kind, label_id))
    found += [_one(typed_kind, line) for line in typed.splitlines() if line.strip()]
    unique = list(dict.fromkeys(found))
    if len(unique) > MAX_LABELS:
        raise FormProblem("labels.error.too_many", limit=MAX_LABELS)
    return unique


# ---- what to choose from ----


@dataclass(frozen=True, slots=True)
class LotChoice:
    id: str
    station: str
    closed_at: datetime
    crates: int
    net_g: int


@dataclass(frozen=True, slots=True)
class DispatchChoice:
    code: str
    sscc: str | None
    station: str
    departed_at: datetime
    vehicle: str | None
    lots: list[str]


def recent_lots(engine: Engine, limit: int = RECENT) -> list[LotChoice]:
    query = (
        select(LotRow.id, LotRow.station_id, LotRow.closed_at, LotRow.crate_count, LotRow.net_g)
        .order_by(LotRow.closed_at.desc(), LotRow.id)
        .limit(limit)
    )
    with engine.connect() as connection:
        rows = connection.execute(query).all()
    return [LotChoice(r.id, r.station_id, r.closed_at, r.crate_count, r.net_g) for r in rows]


def recent_dispatches(engine: Engine, limit: int = RECENT) -> list[DispatchChoice]:
    with engine.connect() as connection:
        rows = connection.execute(
            select(
                DispatchRow.id,
                DispatchRow.code,
                DispatchRow.sscc,
                DispatchRow.station_id,
                DispatchRow.departed_at,
                DispatchRow.vehicle,
            )
            .order_by(DispatchRow.departed_at.desc(), DispatchRow.id.desc())
            .limit(limit)
        ).all()
        lots: dict[int, list[str]] = {row.id: [] for row in rows}
        if lots:
            for link in connection.execute(
                select(DispatchLot.dispatch_id, DispatchLot.lot_id)
                .where(DispatchLot.dispatch_id.in_(list(lots)))
                .order_by(DispatchLot.lot_id)
            ):
                lots[link.dispatch_id].append(link.lot_id)
    return [
        DispatchChoice(r.code, r.sscc, r.station_id, r.departed_at, r.vehicle, lots[r.id])
        for r in rows
    ]


def printed_before(engine: Engine, chosen: list[Chosen]) -> set[str]:
    """The chosen labels asked for before by the same kind and id in a job that did not fail:
    a hint that printing them is a reprint (the service decides, by what the label says)."""
    if not chosen:
        return set()
    with engine.connect() as connection:
        rows = connection.execute(
            select(PrintJobRow.kind, PrintJobRow.label_id)
            .where(
                PrintJobRow.label_id.in_([c.label_id for c in chosen]),
                PrintJobRow.status != JobStatus.FAILED.value,
            )
            .distinct()
        ).all()
    return {f"{row.kind}:{row.label_id}" for row in rows}


# ---- the page ----


def _page(
    request: Request,
    me: Principal,
    engine: Engine,
    service: PrintService,
    refresh_s: int,
    *,
    chosen: list[Chosen],
    typed_kind: str = "lot",
    typed: str = "",
    form: dict[str, str] | None = None,
    errors: list[str] | None = None,
    queued: list[int] | None = None,
    status_code: int = 200,
) -> HTMLResponse:
    can_print = me.role.allows(Role.OPERATOR)
    language = page_language(request, me)
    notice = (
        translate(language, "labels.queued", jobs=", ".join(f"#{job}" for job in queued))
        if queued
        else None
    )
    lots, dispatches = recent_lots(engine), recent_dispatches(engine)
    listed = {f"lot:{lot.id}" for lot in lots} | {f"dispatch:{d.code}" for d in dispatches}
    context = {
        "path": "/labels",
        "lots": lots,
        "dispatches": dispatches,
        "chosen": chosen,
        "others": [c for c in chosen if c.value not in listed],
        "chosen_values": {c.value for c in chosen},
        "printed_before": printed_before(engine, chosen),
        "typed_kinds": TYPED_KINDS,
        "typed_kind": typed_kind if typed_kind in TYPED_KINDS else "lot",
        "typed": typed,
        "can_print": can_print,
        "printers": service.printers() if can_print else [],
        "jobs": service.jobs(limit=JOBS_SHOWN) if can_print else [],
        "tones": JOB_TONES,
        "queued": set(queued or ()),
        "form": form or {"printer": "", "copies": "1", "reason": ""},
        "max_copies": MAX_COPIES,
        "max_typed": MAX_TYPED_CHARS,
        "errors": errors or [],
        "notice": notice,
        "refresh_s": refresh_s,
    }
    return render(request, "labels.html", me, context, status_code=status_code)


@router.get("/labels", response_class=HTMLResponse, summary="Labels and printing (role: viewer)")
def labels_page(
    request: Request,
    me: RequireViewer,
    engine: Db,
    service: Service,
    settings: Settings,
    label: Annotated[list[str] | None, Query(max_length=MAX_LABELS * 2)] = None,
    kind: Annotated[str, Query(max_length=16)] = "lot",
    ids: Annotated[str, Query(max_length=MAX_TYPED_CHARS)] = "",
    queued: Annotated[list[int] | None, Query(max_length=MAX_LABELS)] = None,
) -> HTMLResponse:
    """``label=kind:id`` (repeated) and ``ids`` (typed, of ``kind``) choose; ``queued`` names
    the jobs a print just made."""
    refresh_s = settings.live_refresh_s
    try:
        chosen = chosen_labels(label or [], typed_kind=kind, typed=ids)
    except FormProblem as problem:
        error = translate(page_language(request, me), problem.key, **problem.values)
        return _page(
            request,
            me,
            engine,
            service,
            refresh_s,
            chosen=[],
            typed_kind=kind,
            typed=ids,
            errors=[error],
            status_code=422,
        )
    return _page(
        request,
        me,
        engine,
        service,
        refresh_s,
        chosen=chosen,
        typed_kind=kind,
        queued=queued,
    )


@router.get(
    "/labels/jobs", response_class=HTMLResponse, summary="Print queue fragment (role: operator)"
)
def labels_jobs(
    request: Request,
    me: RequireOperator,
    service: Service,
    queued: Annotated[list[int] | None, Query(max_length=MAX_LABELS)] = None,
) -> HTMLResponse:
    context = {
        "jobs": service.jobs(limit=JOBS_SHOWN),
        "tones": JOB_TONES,
        "queued": set(queued or ()),
    }
    return render(request, "labels_jobs.html", me, context)


def _kind_word(language: str, kind: str) -> str:
    key = f"labels.kind.{kind}"
    return translate(language, key) if kind in LABEL_KINDS else kind


def refusal(language: str, exc: ServiceError) -> str:
    """A print the service refused, in words naming what is at fault."""
    match exc:
        case ReprintReasonRequired():
            named = []
            for label in exc.labels:
                kind, _, label_id = label.partition(" ")
                named.append(f"{_kind_word(language, kind)} {label_id}")
            return translate(language, "labels.error.reprint_reason", labels=", ".join(named))
        case UnknownLabelError():
            kind = _kind_word(language, exc.kind)
            return translate(language, "labels.error.unknown_label", kind=kind, id=exc.label_id)
        case UnknownPrinterError():
            return translate(language, "labels.error.unknown_printer", printer=exc.name)
        case UnprintableLabelError():
            kind = _kind_word(language, exc.kind)
            return translate(
                language, "labels.error.unprintable", kind=kind, id=exc.label_id, detail=str(exc)
            )
        case NoGs1IdentityError():
            return translate(language, "labels.error.no_gs1", coop=exc.coop)
    return translate(language, "labels.error.refused", detail=str(exc))


@router.post(
    "/labels/print", response_class=HTMLResponse, summary="Print labels (role: operator; form)"
)
def print_labels(
    request: Request,
    me: FormOperator,
    engine: Db,
    service: Service,
    settings: Settings,
    label: Annotated[list[str] | None, Form(max_length=MAX_LABELS * 2)] = None,
    printer: Annotated[str, Form(max_length=64)] = "",
    copies: Annotated[str, Form(max_length=8)] = "1",
    reason: Annotated[str, Form(max_length=2000)] = "",
) -> Response:
    language = page_language(request, me)
    form = {"printer": printer, "copies": copies, "reason": reason}
    chosen: list[Chosen] = []
    try:
        chosen = chosen_labels(label or [])
        if not chosen:
            raise FormProblem("labels.error.none_chosen")
        jobs = service.request_prints(
            _printer(printer),
            [LabelRequest(c.kind, c.label_id) for c in chosen],
            copies=_copies(copies),
            reason=_reason(reason),
            lang=language,
            actor=me.name,
        )
    except FormProblem as problem:
        error, status = translate(language, problem.key, **problem.values), 422
    except ServiceError as exc:
        error, status = refusal(language, exc), 404 if isinstance(exc, NotFoundError) else 409
    else:
        query = [("label", c.value) for c in chosen] + [("queued", str(job.id)) for job in jobs]
        return RedirectResponse(f"/labels?{urlencode(query)}", status_code=303)
    return _page(
        request,
        me,
        engine,
        service,
        settings.live_refresh_s,
        chosen=chosen,
        form=form,
        errors=[error],
        status_code=status,
    )


def _printer(text: str) -> str:
    if not text:
        raise FormProblem("labels.error.no_printer")
    if _CONTROL.search(text):
        raise FormProblem("labels.error.unknown_printer", printer=_CONTROL.sub("", text))
    return text


def _copies(text: str) -> int:
    if not text.strip().isdigit() or not 1 <= int(text) <= MAX_COPIES:
        raise FormProblem("labels.error.copies", limit=MAX_COPIES)
    return int(text)


def _reason(text: str) -> str | None:
    """A reprint's reason, which may span lines; ``None`` when none was given."""
    if _PROSE.search(text):
        raise FormProblem("labels.error.reason_unreadable")
    return text.strip() or None
