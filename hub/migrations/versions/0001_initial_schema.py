"""initial schema

Revision ID: 0001
Revises:
Create Date: 2026-11-24 23:44:39.205642
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0001"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "cooperatives",
        sa.Column("id", sa.String(length=64), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column(
            "nib", sa.String(length=13), nullable=True, comment="NIB business registration number"
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_table(
        "dead_letters",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("received_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("topic", sa.String(length=512), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("payload", sa.LargeBinary(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("dead_letters", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_dead_letters_received_at"), ["received_at"], unique=False
        )

    op.create_table(
        "station_events",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("event_id", sa.String(length=160), nullable=False),
        sa.Column("coop_id", sa.String(length=64), nullable=False),
        sa.Column("station_id", sa.String(length=64), nullable=False),
        sa.Column("seq", sa.BigInteger(), nullable=False),
        sa.Column("type", sa.String(length=16), nullable=False),
        sa.Column("crate", sa.String(length=128), nullable=True),
        sa.Column("member", sa.String(length=128), nullable=True),
        sa.Column("product", sa.String(length=128), nullable=True),
        sa.Column("gross_g", sa.BigInteger(), nullable=True),
        sa.Column("tare_g", sa.BigInteger(), nullable=True),
        sa.Column("net_g", sa.BigInteger(), nullable=True),
        sa.Column("raw_weight", sa.String(length=32), nullable=True),
        sa.Column("raw_unit", sa.String(length=8), nullable=True),
        sa.Column("stable", sa.Boolean(), nullable=True),
        sa.Column("driver", sa.String(length=40), nullable=True),
        sa.Column("voids_event_id", sa.String(length=160), nullable=True),
        sa.Column("lot", sa.String(length=128), nullable=True),
        sa.Column("lot_net_g", sa.BigInteger(), nullable=True),
        sa.Column("station_time", sa.DateTime(timezone=True), nullable=False),
        sa.Column("clock_synced", sa.Boolean(), nullable=False),
        sa.Column("monotonic_ms", sa.BigInteger(), nullable=False),
        sa.Column("boot", sa.Integer(), nullable=False),
        sa.Column("received_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("payload", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("event_id"),
    )
    with op.batch_alter_table("station_events", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_station_events_crate"), ["crate"], unique=False)
        batch_op.create_index(batch_op.f("ix_station_events_lot"), ["lot"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_station_events_received_at"), ["received_at"], unique=False
        )
        batch_op.create_index("ix_station_events_station_seq", ["station_id", "seq"], unique=False)

    op.create_table(
        "station_progress",
        sa.Column("station_id", sa.String(length=64), nullable=False),
        sa.Column("contiguous_seq", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("station_id"),
    )
    op.create_table(
        "station_status",
        sa.Column("station_id", sa.String(length=64), nullable=False),
        sa.Column("online", sa.Boolean(), nullable=False),
        sa.Column("last_seen", sa.DateTime(timezone=True), nullable=False),
        sa.Column("backlog", sa.BigInteger(), nullable=False),
        sa.Column("clock_synced", sa.Boolean(), nullable=True),
        sa.Column("payload", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("station_id"),
    )
    op.create_table(
        "stations",
        sa.Column("id", sa.String(length=64), nullable=False),
        sa.Column("coop_id", sa.String(length=64), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("kecamatan", sa.String(length=100), nullable=True),
        sa.Column("registered_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["coop_id"],
            ["cooperatives.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
    )


def downgrade() -> None:
    op.drop_table("stations")
    op.drop_table("station_status")
    op.drop_table("station_progress")
    with op.batch_alter_table("station_events", schema=None) as batch_op:
        batch_op.drop_index("ix_station_events_station_seq")
        batch_op.drop_index(batch_op.f("ix_station_events_received_at"))
        batch_op.drop_index(batch_op.f("ix_station_events_lot"))
        batch_op.drop_index(batch_op.f("ix_station_events_crate"))

    op.drop_table("station_events")
    with op.batch_alter_table("dead_letters", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_dead_letters_received_at"))

    op.drop_table("dead_letters")
    op.drop_table("cooperatives")
