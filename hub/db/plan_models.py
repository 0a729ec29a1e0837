"""Tables of distribution planning: plans, their trips, the operators' adjustments, and the
confirmations of trip stops (created by migration ``0006``).

Rules:

1. A plan is a draft until approved; a draft's trips are replaced when it is planned again,
   an approved plan is never changed.  Approval writes one ``trips`` row per trip, which is
   what the hub floor and the drivers work from.
2. Trip stops and reasons are JSON documents written by ``hub.schedule.stored``: each stop
   with its consignments, lots, times and load on board; each reason as a message key with
   typed values, rendered in the reader's language when read.
3. Adjustments are appended, never edited: the latest lock on a place wins.
4. A stop is confirmed once; the confirmation is written with its stock moves.
5. Same ``Base`` as ``hub.db.models``, so one Alembic history covers every table.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Date,
    DateTime,
    Double,
    ForeignKey,
    Integer,
    String,
)
from sqlalchemy.orm import Mapped, mapped_column

from hub.db.models import Base


def _serial() -> BigInteger:
    return BigInteger().with_variant(Integer, "sqlite")


class PlanRow(Base):
    """A day's plan: how it was solved, what it costs, and what it could not serve and why."""

    __tablename__ = "plans"

    id: Mapped[int] = mapped_column(_serial(), primary_key=True)
    day: Mapped[date] = mapped_column(Date, index=True)
    status: Mapped[str] = mapped_column(String(16))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    created_by: Mapped[str] = mapped_column(String(64))
    solved_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    solved_by: Mapped[str] = mapped_column(String(64))
    approved_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    approved_by: Mapped[str | None] = mapped_column(String(64))
    seconds: Mapped[float | None] = mapped_column(Double)
    iterations: Mapped[int | None] = mapped_column(BigInteger)
    seed: Mapped[int] = mapped_column(Integer)
    stale: Mapped[bool] = mapped_column(Boolean)
    """Adjusted since it was last solved: it must be planned again before approval."""
    vehicles: Mapped[list[dict[str, object]]] = mapped_column(JSON)
    distance_m: Mapped[int] = mapped_column(BigInteger)
    cost_rp: Mapped[int] = mapped_column(BigInteger)
    unserved: Mapped[list[dict[str, object]]] = mapped_column(JSON)
    shortfalls: Mapped[list[dict[str, object]]] = mapped_column(JSON)
    pickups: Mapped[dict[str, object]] = mapped_column(JSON)
    """What each village pickup collects: lots by station and dispatch codes, by pickup ref."""


class PlanTripRow(Base):
    """One trip of a plan: a vehicle's ``number``-th run from the hub and back."""

    __tablename__ = "plan_trips"

    id: Mapped[int] = mapped_column(_serial(), primary_key=True)
    plan_id: Mapped[int] = mapped_column(ForeignKey("plans.id"), index=True)
    vehicle_type: Mapped[str] = mapped_column(String(64))
    vehicle_no: Mapped[int] = mapped_column(Integer)
    number: Mapped[int] = mapped_column(Integer)
    route_start_s: Mapped[int] = mapped_column(Integer)
    route_end_s: Mapped[int] = mapped_column(Integer)
    departure_s: Mapped[int] = mapped_column(Integer)
    return_s: Mapped[int] = mapped_column(Integer)
    distance_m: Mapped[int] = mapped_column(BigInteger)
    stops: Mapped[list[dict[str, object]]] = mapped_column(JSON)


class PlanAdjustmentRow(Base):
    """An operator's change to a plan: a place locked to (or freed from) a vehicle, or an
    order moved to another day."""

    __tablename__ = "plan_adjustments"

    id: Mapped[int] = mapped_column(_serial(), primary_key=True)
    plan_id: Mapped[int] = mapped_column(ForeignKey("plans.id"), index=True)
    kind: Mapped[str] = mapped_column(String(16))
    place: Mapped[str | None] = mapped_column(String(128))
    vehicle: Mapped[str | None] = mapped_column(String(64))
    vehicle_no: Mapped[int | None] = mapped_column(Integer)
    order_id: Mapped[str | None] = mapped_column(String(64))
    to_day: Mapped[date | None] = mapped_column(Date)
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    operator: Mapped[str] = mapped_column(String(64))


class TripConfirmationRow(Base):
    """A trip stop the driver confirmed, with what it moved (``detail``)."""

    __tablename__ = "trip_confirmations"

    trip_id: Mapped[str] = mapped_column(ForeignKey("trips.id"), primary_key=True)
    stop_no: Mapped[int] = mapped_column(Integer, primary_key=True)
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    operator: Mapped[str] = mapped_column(String(64))
    detail: Mapped[dict[str, object]] = mapped_column(JSON)
