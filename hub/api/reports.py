"""``/api/v1/members/{id}/statement``, ``/cooperatives/{id}/performance``, ``/shrinkage`` and
``/epcis``: figures over a period ``[from, to)``."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime
from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Path, Query
from fastapi.responses import JSONResponse, Response

from hub.api.deps import get_uow
from hub.api.inputs import OneLine, StorableTime
from hub.api.schemas import PerformanceOut, ShrinkageOut, StatementOut
from hub.api.time import required
from hub.auth.deps import require_role
from hub.auth.domain import Role
from hub.domain.reports import Statement
from hub.services import reports as service
from hub.services.unit_of_work import AbstractUnitOfWork

router = APIRouter(
    prefix="/api/v1", tags=["reports"], dependencies=[Depends(require_role(Role.VIEWER))]
)
Uow = Annotated[AbstractUnitOfWork, Depends(get_uow)]
From = Annotated[
    datetime, Query(alias="from", description="start, inclusive (ISO 8601)"), StorableTime
]
To = Annotated[datetime, Query(alias="to", description="end, exclusive (ISO 8601)"), StorableTime]


def statement_csv(statement: Statement) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(["member", "from", "to", "product", "grade", "crates", "net_g", "net_kg"])
    period = [statement.member, statement.start.isoformat(), statement.end.isoformat()]
    for line in statement.lines:
        writer.writerow([*period, line.product, line.grade, line.crates, line.net_g, line.net_kg])
    writer.writerow([*period, "TOTAL", "", statement.crates, statement.net_g, statement.net_kg])
    return out.getvalue()


@router.get(
    "/members/{member_id}/statement",
    response_model=StatementOut,
    summary="A member's kilograms delivered by product and grade, after voids (role: viewer)",
    responses={200: {"content": {"text/csv": {}}}},
)
def member_statement(
    uow: Uow,
    member_id: Annotated[str, Path(max_length=128), OneLine],
    start: From,
    end: To,
    format: Literal["json", "csv"] = "json",
) -> Response:
    statement = service.member_statement(uow, member_id, start=required(start), end=required(end))
    if format == "csv":
        filename = f"statement-{member_id}-{statement.start.date()}.csv"
        return Response(
            statement_csv(statement),
            media_type="text/csv; charset=utf-8",
            headers={"Content-Disposition": f'attachment; filename="{filename}"'},
        )
    return JSONResponse(StatementOut.of(statement).model_dump(mode="json", by_alias=True))


@router.get(
    "/cooperatives/{coop_id}/performance",
    response_model=PerformanceOut,
    summary="A village cooperative's period: kg, shrinkage, dispatch punctuality, station "
    "uptime and backlog (role: viewer)",
)
def village_performance(
    uow: Uow, coop_id: Annotated[str, Path(max_length=64), OneLine], start: From, end: To
) -> JSONResponse:
    performance = service.village_performance(
        uow, coop_id, start=required(start), end=required(end)
    )
    return JSONResponse(PerformanceOut.of(performance).model_dump(mode="json", by_alias=True))


@router.get(
    "/shrinkage",
    response_model=list[ShrinkageOut],
    summary="Shrinkage per village, product, grade and day of receipt (role: viewer)",
)
def shrinkage(
    uow: Uow,
    start: From,
    end: To,
    coop: Annotated[str | None, Query(max_length=64), OneLine] = None,
) -> list[ShrinkageOut]:
    lines = service.shrinkage_report(uow, start=required(start), end=required(end), coop=coop)
    return [ShrinkageOut.of(line) for line in lines]


@router.get(
    "/epcis",
    summary="The period as an EPCIS 2.0 JSON-LD document, quantities in KGM (role: viewer)",
    responses={200: {"content": {"application/ld+json": {}}}},
)
def epcis(uow: Uow, start: From, end: To) -> JSONResponse:
    document = service.epcis_export(
        uow, start=required(start), end=required(end), created=datetime.now(UTC)
    )
    return JSONResponse(document, media_type="application/ld+json")
