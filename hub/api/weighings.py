"""``/api/v1/weighings``: the weighing events stations reported, newest first."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated

from fastapi import APIRouter, Depends, Query
from pydantic import BaseModel
from sqlalchemy import Engine, select

from hub.api.deps import get_engine
from hub.auth.deps import require_role
from hub.auth.domain import Role
from hub.db.models import StationEvent

router = APIRouter(prefix="/api/v1", tags=["weighings"])


class WeighingOut(BaseModel):
    event_id: str
    coop: str
    station: str
    seq: int
    crate: str | None
    member: str | None
    product: str | None
    gross_g: int | None
    tare_g: int | None
    net_g: int | None
    raw_weight: str | None
    raw_unit: str | None
    stable: bool | None
    driver: str | None
    station_time: datetime
    clock_synced: bool
    received_at: datetime


class WeighingPage(BaseModel):
    items: list[WeighingOut]
    limit: int
    offset: int


def _utc(moment: datetime) -> datetime:
    """SQLite hands times back without their zone; the hub stores UTC."""
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


def recent_weighings(
    engine: Engine, *, station: str | None = None, limit: int = 50, offset: int = 0
) -> list[WeighingOut]:
    query = select(StationEvent).where(StationEvent.type == "weighing")
    if station:
        query = query.where(StationEvent.station_id == station)
    query = query.order_by(StationEvent.received_at.desc(), StationEvent.id.desc())
    with engine.connect() as connection:
        rows = connection.execute(query.limit(limit).offset(offset)).all()
    return [
        WeighingOut(
            event_id=r.event_id,
            coop=r.coop_id,
            station=r.station_id,
            seq=r.seq,
            crate=r.crate,
            member=r.member,
            product=r.product,
            gross_g=r.gross_g,
            tare_g=r.tare_g,
            net_g=r.net_g,
            raw_weight=r.raw_weight,
            raw_unit=r.raw_unit,
            stable=r.stable,
            driver=r.driver,
            station_time=_utc(r.station_time),
            clock_synced=r.clock_synced,
            received_at=_utc(r.received_at),
        )
        for r in rows
    ]


@router.get(
    "/weighings",
    response_model=WeighingPage,
    summary="Weighings, newest first (role: viewer)",
    dependencies=[Depends(require_role(Role.VIEWER))],
)
def list_weighings(
    engine: Annotated[Engine, Depends(get_engine)],
    station: Annotated[str | None, Query(max_length=64)] = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
    offset: Annotated[int, Query(ge=0, le=2**31)] = 0,
) -> WeighingPage:
    items = recent_weighings(engine, station=station, limit=limit, offset=offset)
    return WeighingPage(items=items, limit=limit, offset=offset)
