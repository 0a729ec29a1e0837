"""``/api/v1/labels``, ``/api/v1/printers``, ``/api/v1/print-jobs``: GS1 labels rendered from
the hub's data, the printers they go to, and the queue that sends them (``hub.printing``).

Viewers may look at and download labels; operators print (and test printers); admins
configure printers and a cooperative's GS1 company prefix.  A reprint needs a ``reason``.
"""

from __future__ import annotations

import enum
from datetime import datetime
from typing import Annotated, Literal, Self

from fastapi import APIRouter, Depends, Path, Query, Request, Response
from pydantic import BaseModel, Field, model_validator

from edge.wire import IDENTIFIER_PATTERN
from hub.api.deps import get_engine
from hub.api.inputs import OneLine, Prose, RowId
from hub.auth.deps import RequireAdmin, RequireOperator, RequireViewer
from hub.printing.domain import JobStatus, PrinterConfig
from hub.printing.service import LabelRequest, PrinterRecord, PrintJobRecord, PrintService

router = APIRouter(prefix="/api/v1", tags=["labels"])

LabelKind = Literal["crate", "lot", "dispatch", "pallet"]
LabelFormat = Literal["png", "pdf", "zpl"]
BackendName = Literal["raw9100", "cups", "spool"]
TemplateName = Literal["crate", "case", "pallet"]
Language = Literal["id", "en"]
LabelId = Annotated[str, Field(min_length=1, max_length=128), OneLine]
PrinterName = Annotated[str, Path(pattern=IDENTIFIER_PATTERN)]


class Dpi(enum.IntEnum):
    DPI_203 = 203
    DPI_300 = 300


def get_print_service(request: Request) -> PrintService:
    return PrintService(get_engine(request))


Service = Annotated[PrintService, Depends(get_print_service)]


# ---- labels ----


@router.get(
    "/labels/{kind}/{label_id}.{format}",
    response_class=Response,
    responses={
        200: {
            "content": {
                "image/png": {},
                "application/pdf": {},
                "application/vnd.zebra-zpl": {},
            },
            "description": "the label",
        }
    },
    summary="A crate, lot (case) or pallet label from the hub's data (role: viewer)",
)
def get_label(
    service: Service,
    _viewer: RequireViewer,
    kind: LabelKind,
    label_id: Annotated[str, Path(min_length=1, max_length=128), OneLine],
    format: LabelFormat,
    dpi: Dpi = Dpi.DPI_203,
    lang: Language = "id",
) -> Response:
    """``crate``: a crate id, its last weighing; ``lot``: a lot id, the case label;
    ``dispatch`` and ``pallet``: a dispatch id, code or SSCC, the pallet label.  A dispatch
    that has no SSCC yet is given its cooperative's next one, for good."""
    label = service.render_label(kind, label_id, format=format, dpi=int(dpi), lang=lang)
    return Response(
        label.data,
        media_type=label.media_type,
        headers={"Content-Disposition": f'inline; filename="{label.filename}"'},
    )


class Gs1IdentityIn(BaseModel):
    company_prefix: str = Field(pattern=r"^[0-9]{4,12}$", description="from GS1 Indonesia")
    extension_digit: int = Field(default=0, ge=0, le=9)


class Gs1IdentityOut(Gs1IdentityIn):
    coop: str
    next_serial: int = Field(description="the serial reference the next SSCC gets")


@router.put(
    "/cooperatives/{coop}/gs1",
    response_model=Gs1IdentityOut,
    summary="Set a cooperative's GS1 company prefix for its SSCCs (role: admin)",
)
def set_gs1_identity(
    service: Service,
    admin: RequireAdmin,
    coop: Annotated[str, Path(pattern=IDENTIFIER_PATTERN)],
    body: Gs1IdentityIn,
) -> Gs1IdentityOut:
    """The SSCC serial counter is kept: a new prefix never restarts it."""
    next_serial = service.set_gs1_identity(
        coop,
        company_prefix=body.company_prefix,
        extension_digit=body.extension_digit,
        actor=admin.name,
    )
    return Gs1IdentityOut(
        coop=coop,
        company_prefix=body.company_prefix,
        extension_digit=body.extension_digit,
        next_serial=next_serial,
    )


# ---- printers ----


class PrinterIn(BaseModel):
    backend: BackendName
    target: Annotated[str, Field(min_length=1, max_length=255), OneLine] = Field(
        description="raw9100: host[:port]; cups: the queue, queue@host[:port] on another CUPS "
        "server than the hub's own; spool: an absolute directory"
    )
    format: LabelFormat = "zpl"
    dpi: Dpi = Dpi.DPI_203
    template: TemplateName | None = Field(
        default=None, description="the label stock it is loaded with; only these labels go to it"
    )
    partner: Annotated[str | None, Field(max_length=128), OneLine] = None

    def config(self, name: str) -> PrinterConfig:
        return PrinterConfig(
            name=name,
            backend=self.backend,
            target=self.target,
            format=self.format,
            dpi=int(self.dpi),
            template=self.template,
            partner=self.partner or None,
        )

    @model_validator(mode="after")
    def _target_fits_backend(self) -> Self:
        problems = self.config("check").problems()
        if problems:
            raise ValueError("; ".join(f"{field}: {message}" for field, message in problems))
        return self


class PrinterCreate(PrinterIn):
    name: str = Field(pattern=IDENTIFIER_PATTERN)


class PrinterOut(BaseModel):
    name: str
    backend: str
    target: str
    format: str
    dpi: int
    template: str | None
    partner: str | None
    created_at: datetime
    updated_at: datetime

    @classmethod
    def of(cls, p: PrinterRecord) -> PrinterOut:
        c = p.config
        return cls(
            name=c.name,
            backend=c.backend,
            target=c.target,
            format=c.format,
            dpi=c.dpi,
            template=c.template,
            partner=c.partner,
            created_at=p.created_at,
            updated_at=p.updated_at,
        )


@router.get(
    "/printers",
    response_model=list[PrinterOut],
    summary="The label printers the hub prints on (role: operator)",
)
def list_printers(service: Service, _operator: RequireOperator) -> list[PrinterOut]:
    return [PrinterOut.of(p) for p in service.printers()]


@router.post(
    "/printers",
    response_model=PrinterOut,
    status_code=201,
    summary="Add a label printer (role: admin)",
)
def create_printer(service: Service, admin: RequireAdmin, body: PrinterCreate) -> PrinterOut:
    return PrinterOut.of(service.add_printer(body.config(body.name), actor=admin.name))


@router.put(
    "/printers/{name}",
    response_model=PrinterOut,
    summary="Change a label printer's configuration (role: admin)",
)
def update_printer(
    service: Service, admin: RequireAdmin, name: PrinterName, body: PrinterIn
) -> PrinterOut:
    return PrinterOut.of(service.update_printer(name, body.config(name), actor=admin.name))


@router.delete(
    "/printers/{name}",
    status_code=204,
    response_class=Response,
    summary="Remove a label printer with no jobs left to send (role: admin)",
)
def delete_printer(service: Service, admin: RequireAdmin, name: PrinterName) -> Response:
    service.delete_printer(name, actor=admin.name)
    return Response(status_code=204)


# ---- print jobs ----


class PrintJobOut(BaseModel):
    id: int
    printer: str
    kind: str
    label_id: str
    format: str
    dpi: int
    lang: str
    copies: int
    copies_printed: int
    status: JobStatus
    attempts: int
    last_error: str | None = Field(description="why the last attempt failed, if one did")
    next_attempt_at: datetime | None
    requested_by: str
    requested_at: datetime
    printed_at: datetime | None
    reference: str | None = Field(description="the printer's, queue's or file's reference")
    reprint: bool
    reprint_reason: str | None

    @classmethod
    def of(cls, j: PrintJobRecord) -> PrintJobOut:
        return cls(
            id=j.id,
            printer=j.printer,
            kind=j.kind,
            label_id=j.label_id,
            format=j.format,
            dpi=j.dpi,
            lang=j.lang,
            copies=j.copies,
            copies_printed=j.copies_printed,
            status=j.status,
            attempts=j.attempts,
            last_error=j.last_error,
            next_attempt_at=j.next_attempt_at,
            requested_by=j.requested_by,
            requested_at=j.requested_at,
            printed_at=j.printed_at,
            reference=j.reference,
            reprint=j.reprint,
            reprint_reason=j.reprint_reason,
        )


class LabelIn(BaseModel):
    kind: LabelKind
    id: LabelId


class PrintIn(BaseModel):
    printer: str = Field(pattern=IDENTIFIER_PATTERN)
    labels: list[LabelIn] = Field(min_length=1, max_length=200)
    copies: int = Field(default=1, ge=1, le=100)
    reason: Annotated[str | None, Field(max_length=2000), Prose] = Field(
        default=None, description="why: required when a label was printed before (a reprint)"
    )
    lang: Language = "id"


@router.post(
    "/print-jobs",
    response_model=list[PrintJobOut],
    status_code=201,
    summary="Print labels on a printer; a reprint needs a reason (role: operator)",
)
def create_print_jobs(
    service: Service, operator: RequireOperator, body: PrintIn
) -> list[PrintJobOut]:
    jobs = service.request_prints(
        body.printer,
        [LabelRequest(label.kind, label.id) for label in body.labels],
        copies=body.copies,
        reason=body.reason,
        lang=body.lang,
        actor=operator.name,
    )
    return [PrintJobOut.of(job) for job in jobs]


@router.get(
    "/print-jobs",
    response_model=list[PrintJobOut],
    summary="Print jobs, newest first; ?status=failed for what did not print (role: operator)",
)
def list_print_jobs(
    service: Service,
    _operator: RequireOperator,
    status: JobStatus | None = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
) -> list[PrintJobOut]:
    return [PrintJobOut.of(job) for job in service.jobs(status=status, limit=limit)]


@router.get(
    "/print-jobs/{job_id}",
    response_model=PrintJobOut,
    summary="One print job and how it went (role: operator)",
)
def get_print_job(service: Service, _operator: RequireOperator, job_id: RowId) -> PrintJobOut:
    return PrintJobOut.of(service.job(job_id))


@router.post(
    "/printers/{name}/test",
    response_model=PrintJobOut,
    status_code=201,
    summary="Queue a test label (GS1 example numbers) on a printer (role: operator)",
)
def print_test_label(
    service: Service, operator: RequireOperator, name: PrinterName, lang: Language = "id"
) -> PrintJobOut:
    return PrintJobOut.of(service.test_print(name, lang=lang, actor=operator.name))
