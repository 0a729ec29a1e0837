"""master data, weighings and lots, the stock ledger, dispatch and receipt, orders and trips,
recalls, SSCC counters, station status history and the audit log

Indexes serve the trace (weighings by lot and crate, dispatches by lot, receipt lines by
weighing, moves by lot), projection (open weighings of a station's crates) and the reports
(weighings by member, station and cooperative over time).

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-25 00:15:27.588128
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "audit_log",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("actor", sa.String(length=64), nullable=False),
        sa.Column("action", sa.String(length=64), nullable=False),
        sa.Column("subject", sa.String(length=200), nullable=False),
        sa.Column("detail", sa.JSON(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("audit_log", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_audit_log_at"), ["at"], unique=False)
        batch_op.create_index(batch_op.f("ix_audit_log_subject"), ["subject"], unique=False)

    op.create_table(
        "crate_types",
        sa.Column("id", sa.String(length=64), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("tare_g", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_table(
        "dispatches",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("code", sa.String(length=64), nullable=False),
        sa.Column("coop_id", sa.String(length=64), nullable=False),
        sa.Column("station_id", sa.String(length=64), nullable=False),
        sa.Column("sscc", sa.String(length=18), nullable=True),
        sa.Column("departed_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("due_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("vehicle", sa.String(length=64), nullable=True),
        sa.Column("operator", sa.String(length=64), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("code"),
        sa.UniqueConstraint("sscc"),
    )
    with op.batch_alter_table("dispatches", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_dispatches_coop_id"), ["coop_id"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_dispatches_departed_at"), ["departed_at"], unique=False
        )

    op.create_table(
        "lots",
        sa.Column("id", sa.String(length=128), nullable=False),
        sa.Column("coop_id", sa.String(length=64), nullable=False),
        sa.Column("station_id", sa.String(length=64), nullable=False),
        sa.Column("event_id", sa.String(length=160), nullable=False),
        sa.Column("closed_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("pack_date", sa.Date(), nullable=False),
        sa.Column("station_net_g", sa.BigInteger(), nullable=False),
        sa.Column("net_g", sa.BigInteger(), nullable=False),
        sa.Column("crate_count", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("event_id"),
    )
    with op.batch_alter_table("lots", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_lots_coop_id"), ["coop_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_lots_station_id"), ["station_id"], unique=False)

    op.create_table(
        "orders",
        sa.Column("id", sa.String(length=64), nullable=False),
        sa.Column("partner", sa.String(length=128), nullable=False),
        sa.Column("product_id", sa.String(length=128), nullable=False),
        sa.Column("grade", sa.String(length=32), nullable=False),
        sa.Column("quantity_g", sa.BigInteger(), nullable=False),
        sa.Column("window_start", sa.DateTime(timezone=True), nullable=False),
        sa.Column("window_end", sa.DateTime(timezone=True), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("trip_id", sa.String(length=64), nullable=True),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("orders", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_orders_partner"), ["partner"], unique=False)
        batch_op.create_index(batch_op.f("ix_orders_trip_id"), ["trip_id"], unique=False)

    op.create_table(
        "products",
        sa.Column("id", sa.String(length=64), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("shelf_life_days", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_table(
        "recalls",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("created_by", sa.String(length=64), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("lot_id", sa.String(length=128), nullable=True),
        sa.Column("member_id", sa.String(length=128), nullable=True),
        sa.Column("station_id", sa.String(length=64), nullable=True),
        sa.Column("from_time", sa.DateTime(timezone=True), nullable=True),
        sa.Column("to_time", sa.DateTime(timezone=True), nullable=True),
        sa.Column("released_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("released_by", sa.String(length=64), nullable=True),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_table(
        "station_status_history",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("station_id", sa.String(length=64), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("online", sa.Boolean(), nullable=False),
        sa.Column("backlog", sa.BigInteger(), nullable=False),
        sa.Column("clock_synced", sa.Boolean(), nullable=True),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("station_status_history", schema=None) as batch_op:
        batch_op.create_index(
            "ix_station_status_history_station_at", ["station_id", "at"], unique=False
        )

    op.create_table(
        "stock_moves",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("coop_id", sa.String(length=64), nullable=False),
        sa.Column("product_id", sa.String(length=128), nullable=False),
        sa.Column("grade", sa.String(length=32), nullable=False),
        sa.Column("lot_id", sa.String(length=128), nullable=True),
        sa.Column("from_location", sa.String(length=200), nullable=False),
        sa.Column("to_location", sa.String(length=200), nullable=False),
        sa.Column("quantity_g", sa.BigInteger(), nullable=False),
        sa.Column("reason", sa.String(length=64), nullable=True),
        sa.Column("operator", sa.String(length=64), nullable=True),
        sa.Column("weighing_id", sa.BigInteger(), nullable=True),
        sa.Column("dispatch_id", sa.BigInteger(), nullable=True),
        sa.Column("receipt_id", sa.BigInteger(), nullable=True),
        sa.Column("order_id", sa.String(length=64), nullable=True),
        sa.Column("reverses_move_id", sa.BigInteger(), nullable=True),
        sa.CheckConstraint("quantity_g > 0", name="ck_stock_moves_positive"),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("stock_moves", schema=None) as batch_op:
        batch_op.create_index("ix_stock_moves_from", ["from_location", "lot_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_stock_moves_lot_id"), ["lot_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_stock_moves_order_id"), ["order_id"], unique=False)
        batch_op.create_index("ix_stock_moves_to", ["to_location", "lot_id"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_stock_moves_weighing_id"), ["weighing_id"], unique=False
        )

    op.create_table(
        "trips",
        sa.Column("id", sa.String(length=64), nullable=False),
        sa.Column("vehicle", sa.String(length=64), nullable=False),
        sa.Column("date", sa.Date(), nullable=False),
        sa.Column("stops", sa.JSON(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("trips", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_trips_date"), ["date"], unique=False)

    op.create_table(
        "weighings",
        sa.Column("id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("event_id", sa.String(length=160), nullable=False),
        sa.Column("coop_id", sa.String(length=64), nullable=False),
        sa.Column("station_id", sa.String(length=64), nullable=False),
        sa.Column("seq", sa.BigInteger(), nullable=False),
        sa.Column("member_id", sa.String(length=128), nullable=True),
        sa.Column("product_code", sa.String(length=128), nullable=True),
        sa.Column("product_id", sa.String(length=128), nullable=False),
        sa.Column("grade", sa.String(length=32), nullable=False),
        sa.Column("crate_id", sa.String(length=128), nullable=True),
        sa.Column("gross_g", sa.BigInteger(), nullable=False),
        sa.Column("tare_g", sa.BigInteger(), nullable=False),
        sa.Column("net_g", sa.BigInteger(), nullable=False),
        sa.Column("raw_weight", sa.String(length=32), nullable=True),
        sa.Column("raw_unit", sa.String(length=8), nullable=True),
        sa.Column("stable", sa.Boolean(), nullable=True),
        sa.Column("driver", sa.String(length=40), nullable=True),
        sa.Column("station_time", sa.DateTime(timezone=True), nullable=False),
        sa.Column("clock_synced", sa.Boolean(), nullable=False),
        sa.Column("weighed_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("time_source", sa.String(length=16), nullable=False),
        sa.Column("received_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("lot_id", sa.String(length=128), nullable=True),
        sa.Column("voided_by_event_id", sa.String(length=160), nullable=True),
        sa.Column("voided_by", sa.String(length=128), nullable=True),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("event_id"),
    )
    with op.batch_alter_table("weighings", schema=None) as batch_op:
        batch_op.create_index("ix_weighings_coop_time", ["coop_id", "weighed_at"], unique=False)
        batch_op.create_index("ix_weighings_crate_time", ["crate_id", "weighed_at"], unique=False)
        batch_op.create_index(batch_op.f("ix_weighings_lot_id"), ["lot_id"], unique=False)
        batch_op.create_index("ix_weighings_member_time", ["member_id", "weighed_at"], unique=False)
        batch_op.create_index(
            "ix_weighings_open_crates",
            ["station_id", "crate_id"],
            unique=False,
            postgresql_where=sa.text("lot_id IS NULL AND voided_by_event_id IS NULL"),
            sqlite_where=sa.text("lot_id IS NULL AND voided_by_event_id IS NULL"),
        )
        batch_op.create_index(
            "ix_weighings_station_time", ["station_id", "weighed_at"], unique=False
        )

    op.create_table(
        "crates",
        sa.Column("id", sa.String(length=128), nullable=False),
        sa.Column("crate_type_id", sa.String(length=64), nullable=True),
        sa.Column("coop_id", sa.String(length=64), nullable=True),
        sa.ForeignKeyConstraint(
            ["coop_id"],
            ["cooperatives.id"],
        ),
        sa.ForeignKeyConstraint(
            ["crate_type_id"],
            ["crate_types.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_table(
        "dispatch_lots",
        sa.Column(
            "dispatch_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False
        ),
        sa.Column("lot_id", sa.String(length=128), nullable=False),
        sa.ForeignKeyConstraint(
            ["dispatch_id"],
            ["dispatches.id"],
        ),
        sa.ForeignKeyConstraint(
            ["lot_id"],
            ["lots.id"],
        ),
        sa.PrimaryKeyConstraint("dispatch_id", "lot_id"),
    )
    with op.batch_alter_table("dispatch_lots", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_dispatch_lots_lot_id"), ["lot_id"], unique=False)

    op.create_table(
        "grades",
        sa.Column("code", sa.String(length=128), nullable=False),
        sa.Column("product_id", sa.String(length=64), nullable=False),
        sa.Column("grade", sa.String(length=32), nullable=False),
        sa.Column("gtin", sa.String(length=14), nullable=True),
        sa.ForeignKeyConstraint(
            ["product_id"],
            ["products.id"],
        ),
        sa.PrimaryKeyConstraint("code"),
        sa.UniqueConstraint("gtin"),
    )
    with op.batch_alter_table("grades", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_grades_product_id"), ["product_id"], unique=False)

    op.create_table(
        "hub_receipts",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column(
            "dispatch_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False
        ),
        sa.Column("received_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("operator", sa.String(length=64), nullable=False),
        sa.ForeignKeyConstraint(
            ["dispatch_id"],
            ["dispatches.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("hub_receipts", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_hub_receipts_dispatch_id"), ["dispatch_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_hub_receipts_received_at"), ["received_at"], unique=False
        )

    op.create_table(
        "members",
        sa.Column("id", sa.String(length=128), nullable=False),
        sa.Column("coop_id", sa.String(length=64), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("village", sa.String(length=100), nullable=True),
        sa.Column("registered_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["coop_id"],
            ["cooperatives.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("members", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_members_coop_id"), ["coop_id"], unique=False)

    op.create_table(
        "sscc_counters",
        sa.Column("coop_id", sa.String(length=64), nullable=False),
        sa.Column("company_prefix", sa.String(length=12), nullable=False),
        sa.Column("extension_digit", sa.Integer(), nullable=False),
        sa.Column("next_serial", sa.BigInteger(), nullable=False),
        sa.ForeignKeyConstraint(
            ["coop_id"],
            ["cooperatives.id"],
        ),
        sa.PrimaryKeyConstraint("coop_id"),
    )
    op.create_table(
        "hub_receipt_lines",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column(
            "receipt_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False
        ),
        sa.Column("weighing_id", sa.BigInteger(), nullable=False),
        sa.Column("lot_id", sa.String(length=128), nullable=False),
        sa.Column("village_net_g", sa.BigInteger(), nullable=False),
        sa.Column("hub_net_g", sa.BigInteger(), nullable=False),
        sa.Column("shrinkage_g", sa.BigInteger(), nullable=False),
        sa.ForeignKeyConstraint(
            ["receipt_id"],
            ["hub_receipts.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("weighing_id"),
    )
    with op.batch_alter_table("hub_receipt_lines", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_hub_receipt_lines_lot_id"), ["lot_id"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_hub_receipt_lines_receipt_id"), ["receipt_id"], unique=False
        )

    with op.batch_alter_table("station_progress", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("projected_seq", sa.BigInteger(), server_default="0", nullable=False)
        )


def downgrade() -> None:
    with op.batch_alter_table("station_progress", schema=None) as batch_op:
        batch_op.drop_column("projected_seq")

    with op.batch_alter_table("hub_receipt_lines", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_hub_receipt_lines_receipt_id"))
        batch_op.drop_index(batch_op.f("ix_hub_receipt_lines_lot_id"))

    op.drop_table("hub_receipt_lines")
    op.drop_table("sscc_counters")
    with op.batch_alter_table("members", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_members_coop_id"))

    op.drop_table("members")
    with op.batch_alter_table("hub_receipts", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_hub_receipts_received_at"))
        batch_op.drop_index(batch_op.f("ix_hub_receipts_dispatch_id"))

    op.drop_table("hub_receipts")
    with op.batch_alter_table("grades", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_grades_product_id"))

    op.drop_table("grades")
    with op.batch_alter_table("dispatch_lots", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_dispatch_lots_lot_id"))

    op.drop_table("dispatch_lots")
    op.drop_table("crates")
    with op.batch_alter_table("weighings", schema=None) as batch_op:
        batch_op.drop_index("ix_weighings_station_time")
        batch_op.drop_index(
            "ix_weighings_open_crates",
            postgresql_where=sa.text("lot_id IS NULL AND voided_by_event_id IS NULL"),
            sqlite_where=sa.text("lot_id IS NULL AND voided_by_event_id IS NULL"),
        )
        batch_op.drop_index("ix_weighings_member_time")
        batch_op.drop_index(batch_op.f("ix_weighings_lot_id"))
        batch_op.drop_index("ix_weighings_crate_time")
        batch_op.drop_index("ix_weighings_coop_time")

    op.drop_table("weighings")
    with op.batch_alter_table("trips", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_trips_date"))

    op.drop_table("trips")
    with op.batch_alter_table("stock_moves", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_stock_moves_weighing_id"))
        batch_op.drop_index("ix_stock_moves_to")
        batch_op.drop_index(batch_op.f("ix_stock_moves_order_id"))
        batch_op.drop_index(batch_op.f("ix_stock_moves_lot_id"))
        batch_op.drop_index("ix_stock_moves_from")

    op.drop_table("stock_moves")
    with op.batch_alter_table("station_status_history", schema=None) as batch_op:
        batch_op.drop_index("ix_station_status_history_station_at")

    op.drop_table("station_status_history")
    op.drop_table("recalls")
    op.drop_table("products")
    with op.batch_alter_table("orders", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_orders_trip_id"))
        batch_op.drop_index(batch_op.f("ix_orders_partner"))

    op.drop_table("orders")
    with op.batch_alter_table("lots", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_lots_station_id"))
        batch_op.drop_index(batch_op.f("ix_lots_coop_id"))

    op.drop_table("lots")
    with op.batch_alter_table("dispatches", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_dispatches_departed_at"))
        batch_op.drop_index(batch_op.f("ix_dispatches_coop_id"))

    op.drop_table("dispatches")
    op.drop_table("crate_types")
    with op.batch_alter_table("audit_log", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_audit_log_subject"))
        batch_op.drop_index(batch_op.f("ix_audit_log_at"))

    op.drop_table("audit_log")
