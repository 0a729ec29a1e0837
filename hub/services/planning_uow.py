"""The unit of work of distribution planning: the core's repositories plus ``planning``.

``AbstractPlanningUnitOfWork`` is an ``AbstractUnitOfWork`` (so the core's stock services, such
as ``dispatch``, take it as they are) with one more repository, ``planning``: orders as the
planner sees them, plans with their trips and adjustments, approved trips and the
confirmations of their stops.  It hands out the records below and
``hub.schedule.day.OrderEntry``, never rows.

Two requests may store the same order id at once (two posts of one standing week, one order
entered twice): each reads that the id is free, and the later write meets the earlier one's
key.  ``add_orders`` says so as ``OrderExistsError``, a ``ConflictError``; the transaction is
spoilt, and the service may run its use case again to answer as if it had come second.
"""

from __future__ import annotations

import abc
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, Self

from hub.domain.trace import DispatchRecord
from hub.schedule.day import OrderEntry
from hub.services import ConflictError
from hub.services.unit_of_work import AbstractUnitOfWork, SqlAlchemyUnitOfWork

Json = dict[str, Any]


class OrderExistsError(ConflictError):
    """An order being stored has an id another request stored since this one read it."""

    def __init__(self, ids: Iterable[str]) -> None:
        self.ids = tuple(ids)
        said = f"order {self.ids[0]}" if len(self.ids) == 1 else f"one of orders {_few(self.ids)}"
        super().__init__(f"{said} already exists", field="id")


def _few(ids: tuple[str, ...]) -> str:
    return ", ".join(ids) if len(ids) <= 3 else f"{', '.join(ids[:3])} and {len(ids) - 3} more"


@dataclass(frozen=True, slots=True)
class PlanTrip:
    """A trip of a plan; ``stops`` are ``hub.schedule.stored`` visits.  ``trip_id`` names the
    ``trips`` row once the plan is approved."""

    vehicle_type: str
    vehicle_no: int
    number: int
    route_start_s: int
    route_end_s: int
    departure_s: int
    return_s: int
    distance_m: int
    stops: tuple[Json, ...]
    id: int = 0
    trip_id: str | None = None


@dataclass(frozen=True, slots=True)
class StoredPlan:
    day: date
    status: str
    created_at: datetime
    created_by: str
    solved_at: datetime
    solved_by: str
    seconds: float | None
    iterations: int | None
    seed: int
    vehicles: tuple[Json, ...]
    distance_m: int
    cost_rp: int
    unserved: tuple[Json, ...]
    shortfalls: tuple[Json, ...]
    pickups: Mapping[str, Json]
    trips: tuple[PlanTrip, ...] = ()
    stale: bool = False
    approved_at: datetime | None = None
    approved_by: str | None = None
    id: int = 0


@dataclass(frozen=True, slots=True)
class Adjustment:
    """``lock`` (``place`` to vehicle ``vehicle`` number ``vehicle_no``), ``unlock`` (``place``)
    or ``move`` (order ``order_id`` to ``to_day``)."""

    kind: str
    at: datetime
    operator: str
    place: str | None = None
    vehicle: str | None = None
    vehicle_no: int | None = None
    order_id: str | None = None
    to_day: date | None = None


@dataclass(frozen=True, slots=True)
class TripEntry:
    """An approved trip: ``stops`` are stored visits with, per consignment, what the hub
    floor and the stock moves need (``product``, ``pallets``, pickup ``lots`` and
    ``dispatches``).  ``status``: planned → departed → done, or planned → cancelled."""

    id: str
    vehicle: str
    day: date
    stops: tuple[Json, ...]
    plan_id: int
    plan_trip_id: int
    status: str = "planned"
    departed_at: datetime | None = None
    departed_by: str | None = None


@dataclass(frozen=True, slots=True)
class Confirmation:
    trip_id: str
    stop_no: int
    at: datetime
    operator: str
    detail: Json


class PlanningRepository(abc.ABC):
    # ---- orders ----
    @abc.abstractmethod
    def add_orders(self, orders: list[OrderEntry]) -> None:
        """Store new orders; ``OrderExistsError`` if an id is taken (by a request that raced
        this one), after which the transaction can only be rolled back."""

    @abc.abstractmethod
    def orders(self, ids: Iterable[str]) -> dict[str, OrderEntry]: ...

    @abc.abstractmethod
    def orders_on(self, day: date) -> list[OrderEntry]:
        """Orders whose window opens on ``day`` (in the hub's zone), by window and id."""

    @abc.abstractmethod
    def move_order(self, order_id: str, to_day: date) -> None:
        """Shift the order's window to the same hours on ``to_day``."""

    @abc.abstractmethod
    def set_order_status(
        self, ids: Iterable[str], status: str, trip_id: str | None = None
    ) -> None: ...

    @abc.abstractmethod
    def reopen_orders(self, trip_id: str) -> list[str]:
        """Put the trip's planned orders back to open, on no trip; their ids, sorted."""

    @abc.abstractmethod
    def products(self) -> dict[str, str]:
        """The catalogue's products: id → name."""

    @abc.abstractmethod
    def dispatches_awaiting(self) -> list[DispatchRecord]:
        """Dispatches with no vehicle named and nothing received at the hub yet."""

    # ---- plans ----
    @abc.abstractmethod
    def add_plan(self, plan: StoredPlan) -> int: ...

    @abc.abstractmethod
    def replace_plan(self, plan_id: int, plan: StoredPlan) -> None:
        """A draft planned again: its solution, reasons and trips replaced."""

    @abc.abstractmethod
    def plan(self, plan_id: int) -> StoredPlan | None: ...

    @abc.abstractmethod
    def mark_stale(self, plan_id: int) -> None: ...

    @abc.abstractmethod
    def approve_plan(self, plan_id: int, *, at: datetime, by: str) -> bool:
        """Mark a draft approved; False if it is no longer a draft (another approval won)."""

    @abc.abstractmethod
    def add_adjustment(self, plan_id: int, adjustment: Adjustment) -> None: ...

    @abc.abstractmethod
    def adjustments(self, plan_id: int) -> list[Adjustment]:
        """In the order they were made."""

    # ---- trips ----
    @abc.abstractmethod
    def add_trips(self, trips: list[TripEntry]) -> None: ...

    @abc.abstractmethod
    def trip(self, trip_id: str) -> TripEntry | None: ...

    @abc.abstractmethod
    def planned_trips(self) -> list[TripEntry]:
        """Every trip of an approved plan, any status."""

    @abc.abstractmethod
    def set_trip_status(
        self,
        trip_id: str,
        status: str,
        *,
        expected: str,
        at: datetime | None = None,
        by: str | None = None,
    ) -> bool:
        """Move the trip from ``expected`` to ``status`` (with ``at`` and ``by``, also when and
        by whom it departed); False if it was not in ``expected`` (another request won)."""

    @abc.abstractmethod
    def confirmations(self, trip_id: str) -> dict[int, Confirmation]: ...

    @abc.abstractmethod
    def add_confirmation(self, confirmation: Confirmation) -> None: ...


class AbstractPlanningUnitOfWork(AbstractUnitOfWork):
    planning: PlanningRepository


class SqlPlanningUnitOfWork(SqlAlchemyUnitOfWork, AbstractPlanningUnitOfWork):
    """A transaction on the hub's database; ``planning`` is ``hub.db.plan_repository``."""

    def __enter__(self) -> Self:
        from hub.db.plan_repository import SqlPlanningRepository

        super().__enter__()
        assert self._connection is not None
        self.planning = SqlPlanningRepository(self._connection)
        return self
