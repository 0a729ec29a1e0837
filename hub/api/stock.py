"""``/api/v1/stock``, ``/dispatches``, ``/receipts``, ``/picks``: the ledger's use cases.

Every move records the signed-in account (or the API token's owner) as its operator.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated

from fastapi import APIRouter, Depends, Query
from pydantic import BaseModel, Field

from hub.api.deps import get_uow
from hub.api.inputs import MAX_GRAMS, OneLine, StorableTime
from hub.api.schemas import DispatchOut, LotOut, MoveOut, ReceiptResultOut, StockLineOut
from hub.api.time import aware, hub_today
from hub.auth.deps import RequireAdmin, RequireOperator, RequireViewer
from hub.domain.stock import Location, StockKey
from hub.services import stock as service
from hub.services.unit_of_work import AbstractUnitOfWork

router = APIRouter(prefix="/api/v1", tags=["stock"])
Uow = Annotated[AbstractUnitOfWork, Depends(get_uow)]


def _now(moment: datetime | None) -> datetime:
    return aware(moment) or datetime.now(UTC)


@router.get(
    "/stock",
    response_model=list[StockLineOut],
    summary="Stock balances, earliest best-before first, flagged expired or recalled "
    "(role: viewer)",
)
def list_stock(
    uow: Uow,
    _viewer: RequireViewer,
    location: Annotated[str | None, Query(max_length=200), OneLine] = "hub",
    coop: Annotated[str | None, Query(max_length=64), OneLine] = None,
    offered_only: bool = False,
) -> list[StockLineOut]:
    """``location`` is ``hub``, ``in_transit`` or ``station/{id}``; empty for all of them.
    ``offered_only`` leaves out what may not be allocated (expired or recalled)."""
    where = Location.parse(location) if location else None
    today = hub_today()
    lines = [StockLineOut.of(line, today) for line in service.stock(uow, location=where, coop=coop)]
    return [line for line in lines if line.offered] if offered_only else lines


@router.get(
    "/dispatches/candidates",
    response_model=list[LotOut],
    summary="Lots closed at stations and not dispatched yet (role: operator)",
)
def dispatch_candidates(
    uow: Uow,
    _operator: RequireOperator,
    coop: Annotated[str | None, Query(max_length=64), OneLine] = None,
) -> list[LotOut]:
    return [LotOut.of(lot) for lot in service.dispatch_candidates(uow, coop=coop)]


class DispatchIn(BaseModel):
    lots: list[Annotated[str, Field(max_length=128), OneLine]] = Field(min_length=1, max_length=500)
    departed_at: Annotated[datetime | None, StorableTime] = None
    due_at: Annotated[datetime | None, StorableTime] = None
    vehicle: Annotated[str | None, Field(max_length=64), OneLine] = None
    code: Annotated[str | None, Field(min_length=1, max_length=64), OneLine] = None


@router.post(
    "/dispatches",
    response_model=DispatchOut,
    status_code=201,
    summary="Dispatch closed lots from their station to the hub (role: operator)",
)
def create_dispatch(uow: Uow, operator: RequireOperator, body: DispatchIn) -> DispatchOut:
    record = service.dispatch(
        uow,
        lots=body.lots,
        departed_at=_now(body.departed_at),
        operator=operator.name,
        due_at=aware(body.due_at),
        vehicle=body.vehicle,
        code=body.code,
    )
    return DispatchOut.of(record)


class CrateIn(BaseModel):
    crate: Annotated[str, Field(min_length=1, max_length=128), OneLine]
    hub_net_g: int | None = Field(default=None, ge=0, le=MAX_GRAMS)


class ReceiptIn(BaseModel):
    dispatch: Annotated[str | None, Field(min_length=1, max_length=64), OneLine] = None
    crates: list[CrateIn] = Field(default_factory=list, max_length=5000)
    received_at: Annotated[datetime | None, StorableTime] = None


@router.post(
    "/receipts",
    response_model=list[ReceiptResultOut],
    status_code=201,
    summary="Receive a dispatch (by code) or crates (by id) at the hub, with re-weighed nets "
    "(role: operator)",
)
def create_receipt(uow: Uow, operator: RequireOperator, body: ReceiptIn) -> list[ReceiptResultOut]:
    results = service.receive(
        uow,
        received_at=_now(body.received_at),
        operator=operator.name,
        dispatch_code=body.dispatch,
        crates=[service.ReweighedCrate(c.crate, c.hub_net_g) for c in body.crates],
    )
    return [ReceiptResultOut.of(result) for result in results]


class StockKeyIn(BaseModel):
    coop: Annotated[str, Field(min_length=1, max_length=64), OneLine]
    product: Annotated[str, Field(min_length=1, max_length=128), OneLine]
    grade: Annotated[str, Field(min_length=1, max_length=32), OneLine]
    lot: Annotated[str | None, Field(max_length=128), OneLine] = None
    location: Annotated[str, Field(max_length=200), OneLine] = "hub"
    reason: Annotated[str, Field(min_length=1, max_length=64), OneLine]
    at: Annotated[datetime | None, StorableTime] = None

    def key(self) -> StockKey:
        return StockKey(self.coop, self.product, self.grade, self.lot)


class AdjustmentIn(StockKeyIn):
    delta_g: int = Field(
        ge=-MAX_GRAMS,
        le=MAX_GRAMS,
        description="grams found (positive) or missing (negative) on a count",
    )


class WriteOffIn(StockKeyIn):
    quantity_g: int = Field(gt=0, le=MAX_GRAMS)


@router.post(
    "/stock/adjustments",
    response_model=MoveOut,
    status_code=201,
    summary="Correct a balance after a count, with the reason (role: admin)",
)
def adjust(uow: Uow, admin: RequireAdmin, body: AdjustmentIn) -> MoveOut:
    move = service.adjust(
        uow,
        key=body.key(),
        location=Location.parse(body.location),
        delta_g=body.delta_g,
        reason=body.reason,
        operator=admin.name,
        at=_now(body.at),
    )
    return MoveOut.of(move)


@router.post(
    "/stock/write-offs",
    response_model=MoveOut,
    status_code=201,
    summary="Write off spoiled, damaged or expired stock, with the reason (role: operator)",
)
def write_off(uow: Uow, operator: RequireOperator, body: WriteOffIn) -> MoveOut:
    move = service.write_off_stock(
        uow,
        key=body.key(),
        location=Location.parse(body.location),
        quantity_g=body.quantity_g,
        reason=body.reason,
        operator=operator.name,
        at=_now(body.at),
    )
    return MoveOut.of(move)


class PickIn(BaseModel):
    order_id: Annotated[str, Field(min_length=1, max_length=64), OneLine]
    lot: Annotated[str, Field(min_length=1, max_length=128), OneLine]
    quantity_g: int = Field(gt=0, le=MAX_GRAMS)
    at: Annotated[datetime | None, StorableTime] = None


@router.post(
    "/picks",
    response_model=MoveOut,
    status_code=201,
    summary="Pick hub stock of a lot for an order; never recalled or expired (role: operator)",
)
def create_pick(uow: Uow, operator: RequireOperator, body: PickIn) -> MoveOut:
    move = service.pick(
        uow,
        order_id=body.order_id,
        lot=body.lot,
        quantity_g=body.quantity_g,
        operator=operator.name,
        at=_now(body.at),
    )
    return MoveOut.of(move)
