"""an index on weighings.weighed_at, for the dashboard's and the reports' periods over every
station

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-25 09:00:00.000000
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_index("ix_weighings_time", "weighings", ["weighed_at"])


def downgrade() -> None:
    op.drop_index("ix_weighings_time", table_name="weighings")
