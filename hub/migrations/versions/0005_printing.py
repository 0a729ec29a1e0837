"""label printing: the printers the hub knows and the queue of print jobs (models in
``hub.db.print_models``)

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-26 09:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _serial() -> sa.types.TypeEngine[int]:
    return sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "printers",
        sa.Column("id", _serial(), nullable=False),
        sa.Column("name", sa.String(length=64), nullable=False),
        sa.Column("backend", sa.String(length=16), nullable=False),
        sa.Column("target", sa.String(length=255), nullable=False),
        sa.Column("format", sa.String(length=8), nullable=False),
        sa.Column("dpi", sa.Integer(), nullable=False),
        sa.Column("template", sa.String(length=16), nullable=True),
        sa.Column("partner", sa.String(length=128), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("name"),
    )
    op.create_table(
        "print_jobs",
        sa.Column("id", _serial(), nullable=False),
        sa.Column("printer_id", _serial(), nullable=True),
        sa.Column("printer_name", sa.String(length=64), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("label_id", sa.String(length=128), nullable=False),
        sa.Column("label_key", sa.String(length=200), nullable=False),
        sa.Column("format", sa.String(length=8), nullable=False),
        sa.Column("dpi", sa.Integer(), nullable=False),
        sa.Column("lang", sa.String(length=8), nullable=False),
        sa.Column("copies", sa.Integer(), nullable=False),
        sa.Column("copies_printed", sa.Integer(), nullable=False),
        sa.Column("document", sa.LargeBinary(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.Column("next_attempt_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("requested_by", sa.String(length=64), nullable=False),
        sa.Column("requested_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("printed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("reference", sa.String(length=500), nullable=True),
        sa.Column("reprint", sa.Boolean(), nullable=False),
        sa.Column("reprint_reason", sa.Text(), nullable=True),
        sa.CheckConstraint("copies > 0", name="ck_print_jobs_copies"),
        sa.ForeignKeyConstraint(["printer_id"], ["printers.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_print_jobs_due", "print_jobs", ["status", "next_attempt_at"])
    op.create_index("ix_print_jobs_label_key", "print_jobs", ["label_key"])
    op.create_index("ix_print_jobs_printer_id", "print_jobs", ["printer_id"])
    op.create_index("ix_print_jobs_requested_at", "print_jobs", ["requested_at"])


def downgrade() -> None:
    op.drop_index("ix_print_jobs_requested_at", table_name="print_jobs")
    op.drop_index("ix_print_jobs_printer_id", table_name="print_jobs")
    op.drop_index("ix_print_jobs_label_key", table_name="print_jobs")
    op.drop_index("ix_print_jobs_due", table_name="print_jobs")
    op.drop_table("print_jobs")
    op.drop_table("printers")
