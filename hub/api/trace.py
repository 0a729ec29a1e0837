"""``/api/v1/trace`` and ``/api/v1/recalls``: where a label's produce came from and went, and
recalls that block it."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Final

from fastapi import APIRouter, Depends, Path, Query, Response
from pydantic import BaseModel, Field

from hub.api.deps import get_uow
from hub.api.inputs import MAX_ROW_ID, OneLine, Prose, RowId, ScannedCode, StorableTime
from hub.api.schemas import RecallOut, TraceOut, trace_json
from hub.api.time import aware, hub_today
from hub.auth.deps import RequireAdmin, RequireViewer
from hub.domain.trace import PAGE, RecallScope
from hub.services import trace as service
from hub.services.unit_of_work import AbstractUnitOfWork

router = APIRouter(prefix="/api/v1", tags=["trace"])
Uow = Annotated[AbstractUnitOfWork, Depends(get_uow)]
MAX_PAGE: Final = 1000


@router.get(
    "/trace/{code:path}",
    response_model=TraceOut,
    summary="Trace any label code backward and forward (role: viewer)",
)
def trace_code(
    uow: Uow,
    _viewer: RequireViewer,
    code: Annotated[str, Path(max_length=512), ScannedCode],
    weighings_after: Annotated[
        int | None,
        Query(ge=1, le=MAX_ROW_ID, description="the page starts after this weighing's id"),
    ] = None,
    limit: Annotated[int, Query(ge=1, le=MAX_PAGE, description="weighings per page")] = PAGE,
) -> Response:
    """``code`` is a crate id, lot id, dispatch code, SSCC, GS1 element string or GS1 Digital
    Link URI, URL-encoded where it holds ``/`` or ``?``.

    Every summary is whole (totals; crates and kilograms by member, station, product and grade;
    lots, dispatches, receipts with their totals, picks, orders, trips, partners).  The
    weighings, and the receipt lines that re-weighed them, come ``limit`` at a time in
    (``weighed_at``, ``id``) order: while ``backward.page.next_after`` is not null, ask again
    with ``?weighings_after=`` set to it."""
    found = service.trace_code(uow, code, weighings_after=weighings_after, limit=limit)
    return Response(trace_json(found), media_type="application/json")


class RecallIn(BaseModel):
    reason: Annotated[str, Field(min_length=1, max_length=2000), Prose]
    lot: Annotated[str | None, Field(max_length=128), OneLine] = None
    member: Annotated[str | None, Field(max_length=128), OneLine] = None
    station: Annotated[str | None, Field(max_length=64), OneLine] = None
    from_time: Annotated[datetime | None, Field(alias="from"), StorableTime] = None
    to_time: Annotated[datetime | None, Field(alias="to"), StorableTime] = None


@router.post(
    "/recalls",
    response_model=RecallOut,
    status_code=201,
    summary="Recall a lot, member, station or time range and block its stock (role: admin)",
)
def create_recall(uow: Uow, admin: RequireAdmin, body: RecallIn) -> RecallOut:
    scope = RecallScope(
        lot=body.lot,
        member=body.member,
        station=body.station,
        from_time=aware(body.from_time),
        to_time=aware(body.to_time),
    )
    report = service.create_recall(
        uow, scope=scope, reason=body.reason, operator=admin.name, at=datetime.now(UTC)
    )
    return RecallOut.of(report, hub_today())


@router.get(
    "/recalls/{recall_id}",
    response_model=RecallOut,
    summary="What a recall affects, as of now (role: viewer)",
)
def get_recall(uow: Uow, _viewer: RequireViewer, recall_id: RowId) -> RecallOut:
    return RecallOut.of(service.recall_report(uow, recall_id), hub_today())


@router.post(
    "/recalls/{recall_id}/release",
    response_model=RecallOut,
    summary="Release a recall: its stock may be allocated and picked again (role: admin)",
)
def release_recall(uow: Uow, admin: RequireAdmin, recall_id: RowId) -> RecallOut:
    report = service.release_recall(uow, recall_id, operator=admin.name, at=datetime.now(UTC))
    return RecallOut.of(report, hub_today())
