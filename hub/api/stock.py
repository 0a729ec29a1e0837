"""``/api/v1/stock``, ``/dispatches``, ``/receipts``, ``/picks``: the ledger's use cases.

Until operators sign in (a later issue), a request names its ``operator`` in its body.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated

from fastapi import APIRouter, Depends, Query
from pydantic import BaseModel, Field

from hub.api.deps import get_uow
from hub.api.schemas import DispatchOut, LotOut, MoveOut, ReceiptResultOut, StockLineOut
from hub.api.time import aware, hub_today
from hub.domain.stock import Location, StockKey
from hub.services import stock as service
from hub.services.unit_of_work import AbstractUnitOfWork

router = APIRouter(prefix="/api/v1", tags=["stock"])
Uow = Annotated[AbstractUnitOfWork, Depends(get_uow)]
Operator = Annotated[str, Field(min_length=1, max_length=64)]


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
    location: Annotated[str | None, Query(max_length=200)] = "hub",
    coop: Annotated[str | None, Query(max_length=64)] = None,
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
    uow: Uow, coop: Annotated[str | None, Query(max_length=64)] = None
) -> list[LotOut]:
    return [LotOut.of(lot) for lot in service.dispatch_candidates(uow, coop=coop)]


class DispatchIn(BaseModel):
    lots: list[str] = Field(min_length=1, max_length=500)
    operator: Operator
    departed_at: datetime | None = None
    due_at: datetime | None = None
    vehicle: str | None = Field(default=None, max_length=64)
    code: str | None = Field(default=None, min_length=1, max_length=64)


@router.post(
    "/dispatches",
    response_model=DispatchOut,
    status_code=201,
    summary="Dispatch closed lots from their station to the hub (role: operator)",
)
def create_dispatch(uow: Uow, body: DispatchIn) -> DispatchOut:
    record = service.dispatch(
        uow,
        lots=body.lots,
        departed_at=_now(body.departed_at),
        operator=body.operator,
        due_at=aware(body.due_at),
        vehicle=body.vehicle,
        code=body.code,
    )
    return DispatchOut.of(record)


class CrateIn(BaseModel):
    crate: str = Field(min_length=1, max_length=128)
    hub_net_g: int | None = Field(default=None, ge=0)


class ReceiptIn(BaseModel):
    operator: Operator
    dispatch: str | None = Field(default=None, min_length=1, max_length=64)
    crates: list[CrateIn] = Field(default_factory=list, max_length=5000)
    received_at: datetime | None = None


@router.post(
    "/receipts",
    response_model=list[ReceiptResultOut],
    status_code=201,
    summary="Receive a dispatch (by code) or crates (by id) at the hub, with re-weighed nets "
    "(role: operator)",
)
def create_receipt(uow: Uow, body: ReceiptIn) -> list[ReceiptResultOut]:
    results = service.receive(
        uow,
        received_at=_now(body.received_at),
        operator=body.operator,
        dispatch_code=body.dispatch,
        crates=[service.ReweighedCrate(c.crate, c.hub_net_g) for c in body.crates],
    )
    return [ReceiptResultOut.of(result) for result in results]


class StockKeyIn(BaseModel):
    coop: str = Field(min_length=1, max_length=64)
    product: str = Field(min_length=1, max_length=128)
    grade: str = Field(min_length=1, max_length=32)
    lot: str | None = Field(default=None, max_length=128)
    location: str = Field(default="hub", max_length=200)
    reason: str = Field(min_length=1, max_length=64)
    operator: Operator
    at: datetime | None = None

    def key(self) -> StockKey:
        return StockKey(self.coop, self.product, self.grade, self.lot)


class AdjustmentIn(StockKeyIn):
    delta_g: int = Field(description="grams found (positive) or missing (negative) on a count")


class WriteOffIn(StockKeyIn):
    quantity_g: int = Field(gt=0)


@router.post(
    "/stock/adjustments",
    response_model=MoveOut,
    status_code=201,
    summary="Correct a balance after a count, with the reason (role: admin)",
)
def adjust(uow: Uow, body: AdjustmentIn) -> MoveOut:
    move = service.adjust(
        uow,
        key=body.key(),
        location=Location.parse(body.location),
        delta_g=body.delta_g,
        reason=body.reason,
        operator=body.operator,
        at=_now(body.at),
    )
    return MoveOut.of(move)


@router.post(
    "/stock/write-offs",
    response_model=MoveOut,
    status_code=201,
    summary="Write off spoiled, damaged or expired stock, with the reason (role: operator)",
)
def write_off(uow: Uow, body: WriteOffIn) -> MoveOut:
    move = service.write_off_stock(
        uow,
        key=body.key(),
        location=Location.parse(body.location),
        quantity_g=body.quantity_g,
        reason=body.reason,
        operator=body.operator,
        at=_now(body.at),
    )
    return MoveOut.of(move)


class PickIn(BaseModel):
    order_id: str = Field(min_length=1, max_length=64)
    lot: str = Field(min_length=1, max_length=128)
    quantity_g: int = Field(gt=0)
    operator: Operator
    at: datetime | None = None


@router.post(
    "/picks",
    response_model=MoveOut,
    status_code=201,
    summary="Pick hub stock of a lot for an order; never recalled or expired (role: operator)",
)
def create_pick(uow: Uow, body: PickIn) -> MoveOut:
    move = service.pick(
        uow,
        order_id=body.order_id,
        lot=body.lot,
        quantity_g=body.quantity_g,
        operator=body.operator,
        at=_now(body.at),
    )
    return MoveOut.of(move)
