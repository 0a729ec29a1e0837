"""distribution planning: plans with their trips and adjustments, trip stop confirmations,
and what orders and trips need for them (models in ``hub.db.plan_models``, ``OrderRow`` and
``TripRow``)

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-26 12:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _serial() -> sa.types.TypeEngine[int]:
    return sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    with op.batch_alter_table("orders", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("kind", sa.String(length=16), server_default="partner", nullable=False)
        )
        batch_op.add_column(sa.Column("partner_name", sa.String(length=200), nullable=True))
        batch_op.add_column(sa.Column("address", sa.String(length=300), nullable=True))
        batch_op.add_column(sa.Column("lat", sa.Double(), nullable=True))
        batch_op.add_column(sa.Column("lon", sa.Double(), nullable=True))
        batch_op.add_column(
            sa.Column("unit", sa.String(length=8), server_default="g", nullable=False)
        )
        batch_op.add_column(sa.Column("quantity", sa.BigInteger(), nullable=True))
        batch_op.add_column(sa.Column("priority", sa.Integer(), server_default="3", nullable=False))
        batch_op.add_column(sa.Column("created_at", sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column("created_by", sa.String(length=64), nullable=True))
        batch_op.create_index(batch_op.f("ix_orders_window_start"), ["window_start"], unique=False)

    with op.batch_alter_table("trips", schema=None) as batch_op:
        batch_op.add_column(sa.Column("plan_id", sa.BigInteger(), nullable=True))
        batch_op.add_column(sa.Column("plan_trip_id", sa.BigInteger(), nullable=True))
        batch_op.add_column(
            sa.Column("status", sa.String(length=16), server_default="planned", nullable=False)
        )
        batch_op.add_column(sa.Column("departed_at", sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column("departed_by", sa.String(length=64), nullable=True))
        batch_op.create_index(batch_op.f("ix_trips_plan_id"), ["plan_id"], unique=False)

    op.create_table(
        "plans",
        sa.Column("id", _serial(), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("created_by", sa.String(length=64), nullable=False),
        sa.Column("solved_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("solved_by", sa.String(length=64), nullable=False),
        sa.Column("approved_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("approved_by", sa.String(length=64), nullable=True),
        sa.Column("seconds", sa.Double(), nullable=True),
        sa.Column("iterations", sa.BigInteger(), nullable=True),
        sa.Column("seed", sa.Integer(), nullable=False),
        sa.Column("stale", sa.Boolean(), nullable=False),
        sa.Column("vehicles", sa.JSON(), nullable=False),
        sa.Column("distance_m", sa.BigInteger(), nullable=False),
        sa.Column("cost_rp", sa.BigInteger(), nullable=False),
        sa.Column("unserved", sa.JSON(), nullable=False),
        sa.Column("shortfalls", sa.JSON(), nullable=False),
        sa.Column("pickups", sa.JSON(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index(op.f("ix_plans_day"), "plans", ["day"], unique=False)
    op.create_table(
        "plan_trips",
        sa.Column("id", _serial(), nullable=False),
        sa.Column("plan_id", _serial(), nullable=False),
        sa.Column("vehicle_type", sa.String(length=64), nullable=False),
        sa.Column("vehicle_no", sa.Integer(), nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("route_start_s", sa.Integer(), nullable=False),
        sa.Column("route_end_s", sa.Integer(), nullable=False),
        sa.Column("departure_s", sa.Integer(), nullable=False),
        sa.Column("return_s", sa.Integer(), nullable=False),
        sa.Column("distance_m", sa.BigInteger(), nullable=False),
        sa.Column("stops", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(["plan_id"], ["plans.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index(op.f("ix_plan_trips_plan_id"), "plan_trips", ["plan_id"], unique=False)
    op.create_table(
        "plan_adjustments",
        sa.Column("id", _serial(), nullable=False),
        sa.Column("plan_id", _serial(), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("place", sa.String(length=128), nullable=True),
        sa.Column("vehicle", sa.String(length=64), nullable=True),
        sa.Column("vehicle_no", sa.Integer(), nullable=True),
        sa.Column("order_id", sa.String(length=64), nullable=True),
        sa.Column("to_day", sa.Date(), nullable=True),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("operator", sa.String(length=64), nullable=False),
        sa.ForeignKeyConstraint(["plan_id"], ["plans.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index(
        op.f("ix_plan_adjustments_plan_id"), "plan_adjustments", ["plan_id"], unique=False
    )
    op.create_table(
        "trip_confirmations",
        sa.Column("trip_id", sa.String(length=64), nullable=False),
        sa.Column("stop_no", sa.Integer(), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("operator", sa.String(length=64), nullable=False),
        sa.Column("detail", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(["trip_id"], ["trips.id"]),
        sa.PrimaryKeyConstraint("trip_id", "stop_no"),
    )


def downgrade() -> None:
    op.drop_table("trip_confirmations")
    op.drop_index(op.f("ix_plan_adjustments_plan_id"), table_name="plan_adjustments")
    op.drop_table("plan_adjustments")
    op.drop_index(op.f("ix_plan_trips_plan_id"), table_name="plan_trips")
    op.drop_table("plan_trips")
    op.drop_index(op.f("ix_plans_day"), table_name="plans")
    op.drop_table("plans")
    with op.batch_alter_table("trips", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_trips_plan_id"))
        batch_op.drop_column("departed_by")
        batch_op.drop_column("departed_at")
        batch_op.drop_column("status")
        batch_op.drop_column("plan_trip_id")
        batch_op.drop_column("plan_id")
    with op.batch_alter_table("orders", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_orders_window_start"))
        batch_op.drop_column("created_by")
        batch_op.drop_column("created_at")
        batch_op.drop_column("priority")
        batch_op.drop_column("quantity")
        batch_op.drop_column("unit")
        batch_op.drop_column("lon")
        batch_op.drop_column("lat")
        batch_op.drop_column("address")
        batch_op.drop_column("partner_name")
        batch_op.drop_column("kind")
