"""``PlanningRepository`` over SQLAlchemy Core, on the unit of work's connection.

Rules (as ``hub.db.repositories``): batch queries, times written in UTC and read back aware;
an order's window is kept as two instants and handed out as a day and hours in the hub's zone.
An order id already taken (by a request that stored it after this one looked) is the
service's ``OrderExistsError``, never the driver's ``IntegrityError``.  Only
``hub.services.planning_uow`` creates it.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from datetime import date, datetime, time, timedelta
from typing import Any

from sqlalchemy import Connection, delete, insert, select, update
from sqlalchemy.exc import IntegrityError

from hub.db.models import DispatchLot, DispatchRow, OrderRow, Product, ReceiptRow, TripRow
from hub.db.plan_models import PlanAdjustmentRow, PlanRow, PlanTripRow, TripConfirmationRow
from hub.db.repositories import dispatch_from_row, utc
from hub.domain.projection import HUB_TZ
from hub.domain.trace import DispatchRecord
from hub.schedule.day import OrderEntry, OrderKind
from hub.schedule.orders import TimeWindow, Unit
from hub.services.planning_uow import (
    Adjustment,
    Confirmation,
    OrderExistsError,
    PlanningRepository,
    PlanTrip,
    StoredPlan,
    TripEntry,
)


def _instant(day: date, moment: time) -> datetime:
    return datetime.combine(day, moment, HUB_TZ)


def _local(moment: datetime) -> datetime:
    return utc(moment).astimezone(HUB_TZ)


def order_from_row(row: Any) -> OrderEntry:
    opens, closes = _local(row.window_start), _local(row.window_end)
    return OrderEntry(
        id=row.id,
        kind=OrderKind(row.kind),
        party=row.partner,
        party_name=row.partner_name or "",
        product=row.product_id,
        grade=row.grade,
        unit=Unit(row.unit),
        quantity=row.quantity if row.quantity is not None else row.quantity_g,
        quantity_g=row.quantity_g,
        day=opens.date(),
        window=TimeWindow(opens.time().replace(tzinfo=None), closes.time().replace(tzinfo=None)),
        priority=row.priority,
        status=row.status,
        address=row.address or "",
        lat=row.lat,
        lon=row.lon,
        trip_id=row.trip_id,
        created_at=None if row.created_at is None else utc(row.created_at),
        created_by=row.created_by,
    )


def _duplicate_key(exc: IntegrityError) -> bool:
    """A unique key refused the row: PostgreSQL's ``unique_violation`` (SQLSTATE 23505), or
    SQLite's primary key or unique constraint."""
    cause = exc.orig
    if getattr(cause, "sqlstate", None) == "23505":
        return True
    return getattr(cause, "sqlite_errorname", "") in (
        "SQLITE_CONSTRAINT_PRIMARYKEY",
        "SQLITE_CONSTRAINT_UNIQUE",
    )


def _plan_trip_row(plan_id: int, trip: PlanTrip) -> dict[str, Any]:
    return {
        "plan_id": plan_id,
        "vehicle_type": trip.vehicle_type,
        "vehicle_no": trip.vehicle_no,
        "number": trip.number,
        "route_start_s": trip.route_start_s,
        "route_end_s": trip.route_end_s,
        "departure_s": trip.departure_s,
        "return_s": trip.return_s,
        "distance_m": trip.distance_m,
        "stops": list(trip.stops),
    }


def _solution(plan: StoredPlan) -> dict[str, Any]:
    """The columns a solve (first or again) writes."""
    return {
        "solved_at": utc(plan.solved_at),
        "solved_by": plan.solved_by,
        "seconds": plan.seconds,
        "iterations": plan.iterations,
        "seed": plan.seed,
        "stale": plan.stale,
        "vehicles": list(plan.vehicles),
        "distance_m": plan.distance_m,
        "cost_rp": plan.cost_rp,
        "unserved": list(plan.unserved),
        "shortfalls": list(plan.shortfalls),
        "pickups": dict(plan.pickups),
    }


def trip_from_row(row: Any) -> TripEntry:
    return TripEntry(
        id=row.id,
        vehicle=row.vehicle,
        day=row.date,
        stops=tuple(row.stops),
        plan_id=row.plan_id,
        plan_trip_id=row.plan_trip_id,
        status=row.status,
        departed_at=None if row.departed_at is None else utc(row.departed_at),
        departed_by=row.departed_by,
    )


class SqlPlanningRepository(PlanningRepository):
    def __init__(self, connection: Connection) -> None:
        self.connection = connection

    def _rows(self, statement: Any) -> list[Any]:
        return list(self.connection.execute(statement).all())

    # ---- orders ----

    def add_orders(self, orders: list[OrderEntry]) -> None:
        if not orders:
            return
        try:
            self._insert_orders(orders)
        except IntegrityError as exc:
            if not _duplicate_key(exc):
                raise
            raise OrderExistsError(o.id for o in orders) from exc

    def _insert_orders(self, orders: list[OrderEntry]) -> None:
        self.connection.execute(
            insert(OrderRow),
            [
                {
                    "id": o.id,
                    "kind": o.kind.value,
                    "partner": o.party,
                    "partner_name": o.party_name or None,
                    "address": o.address or None,
                    "lat": o.lat,
                    "lon": o.lon,
                    "product_id": o.product,
                    "grade": o.grade,
                    "unit": o.unit.value,
                    "quantity": o.quantity,
                    "quantity_g": o.quantity_g,
                    "priority": o.priority,
                    "window_start": utc(_instant(o.day, o.window.opens)),
                    "window_end": utc(_instant(o.day, o.window.closes)),
                    "status": o.status,
                    "trip_id": o.trip_id,
                    "created_at": None if o.created_at is None else utc(o.created_at),
                    "created_by": o.created_by,
                }
                for o in orders
            ],
        )

    def orders(self, ids: Iterable[str]) -> dict[str, OrderEntry]:
        wanted = sorted(set(ids))
        found: dict[str, OrderEntry] = {}
        for start in range(0, len(wanted), 900):
            chunk = wanted[start : start + 900]
            for row in self._rows(select(OrderRow).where(OrderRow.id.in_(chunk))):
                found[row.id] = order_from_row(row)
        return found

    def orders_on(self, day: date) -> list[OrderEntry]:
        start = utc(_instant(day, time()))
        rows = self._rows(
            select(OrderRow)
            .where(OrderRow.window_start >= start, OrderRow.window_start < start + timedelta(1))
            .order_by(OrderRow.window_start, OrderRow.id)
        )
        return [order_from_row(row) for row in rows]

    def move_order(self, order_id: str, to_day: date) -> None:
        row = self.connection.execute(
            select(OrderRow.window_start, OrderRow.window_end).where(OrderRow.id == order_id)
        ).one()
        shift = to_day - _local(row.window_start).date()
        self.connection.execute(
            update(OrderRow)
            .where(OrderRow.id == order_id)
            .values(
                window_start=utc(row.window_start) + shift, window_end=utc(row.window_end) + shift
            )
        )

    def set_order_status(self, ids: Iterable[str], status: str, trip_id: str | None = None) -> None:
        values: dict[str, Any] = {"status": status}
        if trip_id is not None:
            values["trip_id"] = trip_id
        wanted = sorted(set(ids))
        if wanted:
            self.connection.execute(update(OrderRow).where(OrderRow.id.in_(wanted)).values(values))

    def reopen_orders(self, trip_id: str) -> list[str]:
        on_trip = (OrderRow.trip_id == trip_id, OrderRow.status == "planned")
        ids = [row.id for row in self._rows(select(OrderRow.id).where(*on_trip))]
        if ids:
            self.connection.execute(
                update(OrderRow).where(*on_trip).values(status="open", trip_id=None)
            )
        return sorted(ids)

    def products(self) -> dict[str, str]:
        return {row.id: row.name for row in self._rows(select(Product.id, Product.name))}

    def dispatches_awaiting(self) -> list[DispatchRecord]:
        received = select(ReceiptRow.dispatch_id)
        rows = self._rows(
            select(DispatchRow)
            .where(DispatchRow.vehicle.is_(None), DispatchRow.id.not_in(received))
            .order_by(DispatchRow.id)
        )
        lots: defaultdict[int, list[str]] = defaultdict(list)
        ids = [row.id for row in rows]
        for start in range(0, len(ids), 900):
            links = self._rows(
                select(DispatchLot).where(DispatchLot.dispatch_id.in_(ids[start : start + 900]))
            )
            for link in links:
                lots[link.dispatch_id].append(link.lot_id)
        return [dispatch_from_row(row, lots[row.id]) for row in rows]

    # ---- plans ----

    def add_plan(self, plan: StoredPlan) -> int:
        plan_id = int(
            self.connection.execute(
                insert(PlanRow)
                .values(
                    day=plan.day,
                    status=plan.status,
                    created_at=utc(plan.created_at),
                    created_by=plan.created_by,
                    **_solution(plan),
                )
                .returning(PlanRow.id)
            ).scalar_one()
        )
        self._add_plan_trips(plan_id, plan.trips)
        return plan_id

    def _add_plan_trips(self, plan_id: int, trips: Iterable[PlanTrip]) -> None:
        rows = [_plan_trip_row(plan_id, trip) for trip in trips]
        if rows:
            self.connection.execute(insert(PlanTripRow), rows)

    def replace_plan(self, plan_id: int, plan: StoredPlan) -> None:
        self.connection.execute(delete(PlanTripRow).where(PlanTripRow.plan_id == plan_id))
        self.connection.execute(
            update(PlanRow).where(PlanRow.id == plan_id).values(**_solution(plan))
        )
        self._add_plan_trips(plan_id, plan.trips)

    def plan(self, plan_id: int) -> StoredPlan | None:
        row = self.connection.execute(select(PlanRow).where(PlanRow.id == plan_id)).one_or_none()
        if row is None:
            return None
        approved = {
            link.plan_trip_id: link.id
            for link in self._rows(
                select(TripRow.id, TripRow.plan_trip_id).where(TripRow.plan_id == plan_id)
            )
        }
        trips = tuple(
            PlanTrip(
                vehicle_type=t.vehicle_type,
                vehicle_no=t.vehicle_no,
                number=t.number,
                route_start_s=t.route_start_s,
                route_end_s=t.route_end_s,
                departure_s=t.departure_s,
                return_s=t.return_s,
                distance_m=t.distance_m,
                stops=tuple(t.stops),
                id=t.id,
                trip_id=approved.get(t.id),
            )
            for t in self._rows(
                select(PlanTripRow)
                .where(PlanTripRow.plan_id == plan_id)
                .order_by(PlanTripRow.vehicle_type, PlanTripRow.vehicle_no, PlanTripRow.number)
            )
        )
        return StoredPlan(
            id=row.id,
            day=row.day,
            status=row.status,
            created_at=utc(row.created_at),
            created_by=row.created_by,
            solved_at=utc(row.solved_at),
            solved_by=row.solved_by,
            seconds=row.seconds,
            iterations=row.iterations,
            seed=row.seed,
            stale=row.stale,
            vehicles=tuple(row.vehicles),
            distance_m=row.distance_m,
            cost_rp=row.cost_rp,
            unserved=tuple(row.unserved),
            shortfalls=tuple(row.shortfalls),
            pickups=dict(row.pickups),
            trips=trips,
            approved_at=None if row.approved_at is None else utc(row.approved_at),
            approved_by=row.approved_by,
        )

    def mark_stale(self, plan_id: int) -> None:
        self.connection.execute(update(PlanRow).where(PlanRow.id == plan_id).values(stale=True))

    def approve_plan(self, plan_id: int, *, at: datetime, by: str) -> bool:
        result = self.connection.execute(
            update(PlanRow)
            .where(PlanRow.id == plan_id, PlanRow.status == "draft")
            .values(status="approved", approved_at=utc(at), approved_by=by)
        )
        return result.rowcount == 1

    def add_adjustment(self, plan_id: int, adjustment: Adjustment) -> None:
        self.connection.execute(
            insert(PlanAdjustmentRow).values(
                plan_id=plan_id,
                kind=adjustment.kind,
                place=adjustment.place,
                vehicle=adjustment.vehicle,
                vehicle_no=adjustment.vehicle_no,
                order_id=adjustment.order_id,
                to_day=adjustment.to_day,
                at=utc(adjustment.at),
                operator=adjustment.operator,
            )
        )

    def adjustments(self, plan_id: int) -> list[Adjustment]:
        rows = self._rows(
            select(PlanAdjustmentRow)
            .where(PlanAdjustmentRow.plan_id == plan_id)
            .order_by(PlanAdjustmentRow.id)
        )
        return [
            Adjustment(
                kind=row.kind,
                at=utc(row.at),
                operator=row.operator,
                place=row.place,
                vehicle=row.vehicle,
                vehicle_no=row.vehicle_no,
                order_id=row.order_id,
                to_day=row.to_day,
            )
            for row in rows
        ]

    # ---- trips ----

    def add_trips(self, trips: list[TripEntry]) -> None:
        if trips:
            self.connection.execute(
                insert(TripRow),
                [
                    {
                        "id": t.id,
                        "vehicle": t.vehicle,
                        "date": t.day,
                        "stops": list(t.stops),
                        "plan_id": t.plan_id,
                        "plan_trip_id": t.plan_trip_id,
                        "status": t.status,
                    }
                    for t in trips
                ],
            )

    def trip(self, trip_id: str) -> TripEntry | None:
        row = self.connection.execute(select(TripRow).where(TripRow.id == trip_id)).one_or_none()
        return None if row is None else trip_from_row(row)

    def planned_trips(self) -> list[TripEntry]:
        rows = self._rows(select(TripRow).where(TripRow.plan_id.is_not(None)).order_by(TripRow.id))
        return [trip_from_row(row) for row in rows]

    def set_trip_status(
        self,
        trip_id: str,
        status: str,
        *,
        expected: str,
        at: datetime | None = None,
        by: str | None = None,
    ) -> bool:
        values: dict[str, Any] = {"status": status}
        if at is not None:
            values.update(departed_at=utc(at), departed_by=by)
        result = self.connection.execute(
            update(TripRow).where(TripRow.id == trip_id, TripRow.status == expected).values(values)
        )
        return result.rowcount == 1

    def confirmations(self, trip_id: str) -> dict[int, Confirmation]:
        rows = self._rows(select(TripConfirmationRow).where(TripConfirmationRow.trip_id == trip_id))
        return {
            row.stop_no: Confirmation(
                row.trip_id, row.stop_no, utc(row.at), row.operator, row.detail
            )
            for row in rows
        }

    def add_confirmation(self, confirmation: Confirmation) -> None:
        self.connection.execute(
            insert(TripConfirmationRow).values(
                trip_id=confirmation.trip_id,
                stop_no=confirmation.stop_no,
                at=utc(confirmation.at),
                operator=confirmation.operator,
                detail=confirmation.detail,
            )
        )
